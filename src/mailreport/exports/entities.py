"""What an export can hold (DESIGN.md, "Exports"): for a customer list, the customers
themselves, the attributed receipts or orders of those customers and their lines,
or the customers' target-audience rows; each entity with its fields.

Every entity's rows are built for a slice of the segment's customers (a customer
id range), so an export can read a segment of any size slice by slice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis

from mailreport.auth import PRODUCT_SALES
from mailreport.exports.scopes import ListScope
from mailreport.i18n.catalogs import gettext
from mailreport.reports.query import ReportError
from mailreport.reports.segments import CustomerRange

FieldKind = Literal["text", "int", "money", "number", "timestamp", "date"]
EntityName = Literal["customers", "receipts", "receipt_lines", "orders", "order_lines",
                     "audience"]
ENTITY_NAMES: tuple[str, ...] = EntityName.__args__
# fields that hold a customer's contact details: exporting them needs customer_data
CONTACT_FIELDS = frozenset({"email", "phone"})

# an entity's rows for a slice of the list's customers (a mailing's or a campaign's)
Rows = Callable[[ListScope, CustomerRange], ibis.Table]


def N_(text: str) -> str:
    """Marks a string for the ``exports`` catalog (i18n/manage.py extracts it) and
    gives it back untranslated: it is translated when a file is written, in the
    language asked for then."""
    return text


@dataclass(frozen=True)
class Field:
    name: str  # the machine name: the API's, and the header of a file for programs
    kind: FieldKind
    title: str  # the header of a file for people, in English (translated when written)
    help: str

    def heading(self, language: str) -> str:
        return gettext(language, "exports", self.title)


class UnknownFields(ReportError):
    def __init__(self, entity: str, unknown: list[str], allowed: list[str]):
        self.unknown, self.allowed = unknown, allowed
        names = ", ".join(repr(n) for n in unknown)
        super().__init__(f"unknown field{'s' if len(unknown) > 1 else ''} {names} for "
                         f"{entity}; its fields are {', '.join(allowed)}")


@dataclass(frozen=True)
class Entity:
    name: str
    title: str  # its sheet's name in a file for people (translated when written)
    help: str
    fields: tuple[Field, ...]
    default_fields: tuple[str, ...]
    order_by: tuple[str, ...]  # unique within a slice: rows come out in a stable order
    rows: Rows
    # the permission reading these rows needs beyond exports: lines by category sum to
    # the product sales section, which is of limited access
    permission: str | None = None

    def choose(self, names: list[str] | None) -> tuple[Field, ...]:
        """The fields asked for, in the order asked; the default set when none."""
        by_name = {f.name: f for f in self.fields}
        names = [n.strip() for n in names or [] if n.strip()] or list(self.default_fields)
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise UnknownFields(self.name, unknown, list(by_name))
        return tuple(by_name[n] for n in dict.fromkeys(names))


def _customers(scope: ListScope, customers: CustomerRange) -> ibis.Table:
    return scope.customer_rows(customers)


def _attributed(kind: str) -> Rows:
    def rows(scope: ListScope, customers: CustomerRange) -> ibis.Table:
        who = scope.members(customers).select("customer_id")
        a = scope.attributed(customers)
        a = a.filter(a.kind == kind).semi_join(who, "customer_id")
        return a.select("order_id", "customer_id", "kind", "ts", "total", "touch_at",
                        date=a.day)
    return rows


def _lines(kind: str) -> Rows:
    orders_of = _attributed(kind)

    def rows(scope: ListScope, customers: CustomerRange) -> ibis.Table:
        tables = scope.tables
        o = orders_of(scope, customers).select("order_id", "customer_id", "ts")
        lines = tables.order_lines.join(o, "order_id")
        p = tables.products
        c = tables.categories
        lines = lines.left_join(p.select("product_id", "category_id", product=p.name),
                                "product_id")
        lines = lines.left_join(c.select("category_id", category=c.name), "category_id")
        return lines.select("order_id", "line_no", "customer_id", "ts", "product_id",
                            "product", "category_id", "category", "quantity", "amount")
    return rows


def _audience(scope: ListScope, customers: CustomerRange) -> ibis.Table:
    who = scope.members(customers).select("customer_id")
    return scope.audience(customers).semi_join(who, "customer_id").select(
        "mailing_id", "customer_id", "status", "group", "variant_id")


_ORDER_FIELDS = (
    Field("order_id", "text", N_("Order ID"), "order identifier"),
    Field("customer_id", "text", N_("Customer ID"), "the buyer"),
    Field("kind", "text", N_("Receipt or order"), "receipt (in store) or order (online)"),
    Field("ts", "timestamp", N_("Placed at"), "when it was placed (UTC)"),
    Field("date", "date", N_("Date"), "its date in the company's time zone"),
    Field("total", "money", N_("Order total"), "order total"),
    Field("touch_at", "timestamp", N_("Attributed touch at"),
          "the reach time of the touch it is attributed to (UTC)"),
)
_LINE_FIELDS = (
    Field("order_id", "text", N_("Order ID"), "the order"),
    Field("line_no", "int", N_("Line no."), "line number within the order"),
    Field("customer_id", "text", N_("Customer ID"), "the buyer"),
    Field("ts", "timestamp", N_("Placed at"), "when the order was placed (UTC)"),
    Field("product_id", "text", N_("Product ID"), "the product"),
    Field("product", "text", N_("Product"), "product name"),
    Field("category_id", "text", N_("Category ID"), "the product's category"),
    Field("category", "text", N_("Category"), "category name"),
    Field("quantity", "number", N_("Quantity"), "units sold"),
    Field("amount", "money", N_("Line amount"), "the line's total"),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("customers", N_("Customers"), "the customers of the list", (
        Field("customer_id", "text", N_("Customer ID"), "customer identifier"),
        Field("email", "text", N_("Email"), "email address"),
        Field("phone", "text", N_("Phone"), "phone number"),
        Field("region", "text", N_("Region"), "region name"),
        Field("timezone", "text", N_("Time zone"), "the customer's time zone"),
        Field("status", "text", N_("Audience status"), "audience status in this mailing"),
        Field("group", "text", N_("Group"), "test or control"),
        Field("variant_id", "text", N_("Variant"), "the variant they were sent"),
        Field("reached_at", "timestamp", N_("Stage reached at"),
              "the stage's reach time (UTC)"),
        Field("orders", "int", N_("Attributed orders"),
              "orders attributed to this mailing in the period"),
        Field("revenue", "money", N_("Revenue attributed"),
              "their revenue attributed to this mailing in the period"),
    ), ("customer_id", "email", "phone", "reached_at", "orders", "revenue"),
        ("customer_id",), _customers),
    Entity("receipts", N_("Receipts"), "the attributed receipts (in store) of those customers",
           _ORDER_FIELDS,
           tuple(f.name for f in _ORDER_FIELDS), ("customer_id", "ts", "order_id"),
           _attributed("receipt")),
    Entity("receipt_lines", N_("Receipt lines"), "the lines of those receipts", _LINE_FIELDS,
           tuple(f.name for f in _LINE_FIELDS), ("customer_id", "ts", "order_id", "line_no"),
           _lines("receipt"), permission=PRODUCT_SALES),
    Entity("orders", N_("Orders"), "the attributed online orders of those customers",
           _ORDER_FIELDS,
           tuple(f.name for f in _ORDER_FIELDS), ("customer_id", "ts", "order_id"),
           _attributed("order")),
    Entity("order_lines", N_("Order lines"), "the lines of those orders", _LINE_FIELDS,
           tuple(f.name for f in _LINE_FIELDS), ("customer_id", "ts", "order_id", "line_no"),
           _lines("order"), permission=PRODUCT_SALES),
    Entity("audience", N_("Audience"), "the target-audience rows of those customers", (
        Field("mailing_id", "text", N_("Mailing ID"), "the mailing"),
        Field("customer_id", "text", N_("Customer ID"), "the customer"),
        Field("status", "text", N_("Audience status"),
              "whether the customer could receive the mailing"),
        Field("group", "text", N_("Group"), "test or control"),
        Field("variant_id", "text", N_("Variant"), "assigned variant"),
    ), ("mailing_id", "customer_id", "status", "group", "variant_id"),
        ("customer_id", "mailing_id"), _audience),
)}
