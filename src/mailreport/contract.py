"""The data contract: every table mailreport takes in, declared once.

The loader, the store's schema, validation and ``docs/data-contract.md`` are all
derived from the declarations below; ``tests/test_contract.py`` fails when the
document and the declarations drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The value kinds a column can hold, with their store type and doc wording."""

    ID = "id"
    TEXT = "text"
    ENUM = "enum"
    TIMESTAMP = "timestamp"
    MONEY = "money"
    QUANTITY = "quantity"
    SHARE = "share"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TIMEZONE = "timezone"


STORE_TYPES: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.ENUM: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMP",  # always UTC, naive
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.QUANTITY: "DECIMAL(18,3)",
    Kind.SHARE: "DOUBLE",
    Kind.INTEGER: "BIGINT",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.TIMEZONE: "VARCHAR",
}

KIND_DOCS: dict[Kind, str] = {
    Kind.ID: "string identifier",
    Kind.TEXT: "text",
    Kind.ENUM: "one of the listed values",
    Kind.TIMESTAMP: "ISO-8601 timestamp; without an offset it is UTC",
    Kind.MONEY: "decimal amount in the company currency, 2 decimals",
    Kind.QUANTITY: "decimal quantity, not negative",
    Kind.SHARE: "number from 0 to 1",
    Kind.INTEGER: "whole number",
    Kind.BOOLEAN: "true or false",
    Kind.TIMEZONE: "IANA time zone name, e.g. Europe/Moscow",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    required: bool = True
    values: tuple[str, ...] = ()
    default: str | None = None
    # "table.column". A reference to variants.variant_id means a variant of the
    # row's own mailing (or the implicit A of a mailing without variants).
    references: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def store_type(self) -> str:
        return STORE_TYPES[self.kind]


@dataclass(frozen=True)
class Rule:
    """A check across columns of one row, written as a SQL condition that is true
    when the row breaks it (columns are already typed when it runs)."""

    name: str
    column: str
    violated_when: str
    reason: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Events are immutable facts reported at least once: a second copy is a
    # duplicate, never an update. Every other table upserts on its key.
    immutable: bool = False
    rules: tuple[Rule, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


CHANNELS = ("email", "sms", "push")
MAILING_STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled")
AUDIENCE_STATUSES = (
    "good",
    "address_issue",
    "unsubscribed_channel",
    "unsubscribed_category",
    "blocked_by_policy",
)
GROUPS = ("test", "control")
EVENT_TYPES = (
    "sent", "delivered", "bounced", "failed", "opened", "clicked", "spam", "unsubscribed",
)
# why a bounced or failed message did not arrive (DESIGN.md, "Deliverability"):
# hard (the address does not exist), soft (a passing refusal: mailbox full, server
# down), blocked (refused by policy, reputation or content), unknown
BOUNCE_CLASSES = ("hard", "soft", "blocked", "unknown")
ORDER_KINDS = ("receipt", "order")
# a product's unit of measure: quantities of different units are never added up
# in a ranking (pieces, kilograms, litres, metres)
UNITS = ("pcs", "kg", "l", "m")
ORDER_STATUSES = ("completed", "cancelled")

# Funnel stage of each event type (DESIGN.md, "Stages and reach times").
STAGES = ("sent", "delivered", "opened", "clicked")
STAGE_OF_EVENT = {"sent": 1, "delivered": 2, "opened": 3, "clicked": 4}

C = Column
K = Kind

TABLES: tuple[Table, ...] = (
    Table(
        "categories",
        "Product categories; a category may sit under a parent category.",
        (
            C("category_id", K.ID, "category identifier"),
            C("name", K.TEXT, "category name shown in reports"),
            C("parent_id", K.ID, "parent category", required=False,
              references="categories.category_id"),
        ),
        key=("category_id",),
    ),
    Table(
        "products",
        "Products sold in receipts and orders.",
        (
            C("product_id", K.ID, "product identifier"),
            C("name", K.TEXT, "product name"),
            C("category_id", K.ID, "the product's category", references="categories.category_id"),
            C("unit", K.ENUM, "unit of measure of the product's quantities in order lines",
              required=False, values=UNITS, default="pcs"),
        ),
        key=("product_id",),
    ),
    Table(
        "campaigns",
        "Campaigns group mailings that share a purpose.",
        (
            C("campaign_id", K.ID, "campaign identifier"),
            C("name", K.TEXT, "campaign name"),
        ),
        key=("campaign_id",),
    ),
    Table(
        "customers",
        "The company's customers.",
        (
            C("customer_id", K.ID, "customer identifier"),
            C("email", K.TEXT, "email address", required=False),
            C("phone", K.TEXT, "phone number", required=False),
            C("push_token", K.TEXT, "push notification token", required=False),
            C("timezone", K.TIMEZONE, "the customer's time zone; company time zone when empty",
              required=False),
            C("region", K.TEXT, "region name", required=False),
            C("created_at", K.TIMESTAMP, "when the customer was registered", required=False),
        ),
        key=("customer_id",),
    ),
    Table(
        "mailings",
        "Mass messages: one mailing goes out once over one channel.",
        (
            C("mailing_id", K.ID, "mailing identifier"),
            C("name", K.TEXT, "mailing name"),
            C("channel", K.ENUM, "sending channel", values=CHANNELS),
            C("status", K.ENUM, "mailing status", values=MAILING_STATUSES),
            C("category", K.TEXT, "mailing category (for category unsubscribes)", required=False),
            C("campaign_id", K.ID, "campaign the mailing belongs to", required=False,
              references="campaigns.campaign_id"),
            C("sent_at", K.TIMESTAMP, "start of sending", required=False),
            C("control_share", K.SHARE, "share of good recipients held back as control group",
              required=False, default="0", minimum=0, maximum=1),
        ),
        key=("mailing_id",),
    ),
    Table(
        "variants",
        "A/B variants of a mailing. A mailing without rows here has one variant A, share 1.",
        (
            C("mailing_id", K.ID, "the mailing", references="mailings.mailing_id"),
            C("variant_id", K.ID, "variant identifier, e.g. A, B"),
            C("name", K.TEXT, "variant name", required=False),
            C("share", K.SHARE, "share of the test group", minimum=0, maximum=1),
            C("subject", K.TEXT, "email subject", required=False),
            C("body_html", K.TEXT, "email HTML body", required=False),
            C("body_text", K.TEXT, "SMS or push text", required=False),
        ),
        key=("mailing_id", "variant_id"),
    ),
    Table(
        "audience",
        "The target audience of a mailing, with why a customer could not receive it.",
        (
            C("mailing_id", K.ID, "the mailing", references="mailings.mailing_id"),
            C("customer_id", K.ID, "the customer", references="customers.customer_id"),
            C("status", K.ENUM, "whether the customer could receive the mailing",
              values=AUDIENCE_STATUSES),
            C("group", K.ENUM, "test or control; only when status is good", required=False,
              values=GROUPS),
            C("variant_id", K.ID, "assigned variant; only for group test", required=False,
              references="variants.variant_id"),
        ),
        key=("mailing_id", "customer_id"),
        rules=(
            Rule("group_needs_good_status", "group",
                 "\"group\" IS NOT NULL AND status <> 'good'",
                 "group is only allowed when status is good"),
            Rule("variant_needs_test_group", "variant_id",
                 "variant_id IS NOT NULL AND \"group\" IS DISTINCT FROM 'test'",
                 "variant_id is only allowed for group test"),
        ),
    ),
    Table(
        "events",
        "Delivery and engagement events reported by the sending providers.",
        (
            C("event_id", K.ID, "unique event identifier; a repeated event_id is a duplicate"),
            C("mailing_id", K.ID, "the mailing", references="mailings.mailing_id"),
            C("variant_id", K.ID, "the variant sent", required=False,
              references="variants.variant_id"),
            C("customer_id", K.ID, "the recipient", references="customers.customer_id"),
            C("type", K.ENUM, "event type", values=EVENT_TYPES),
            C("ts", K.TIMESTAMP, "when it happened"),
            C("link_index", K.INTEGER, "position of the clicked link in the email, from 0",
              required=False, minimum=0),
            C("url", K.TEXT, "clicked url", required=False),
            C("user_agent", K.TEXT, "user agent of the open or click", required=False),
            C("ip", K.TEXT, "IP address of the open or click", required=False),
            C("is_machine", K.BOOLEAN,
              "true for privacy-proxy opens and security-scanner clicks", required=False,
              default="false"),
            C("machine_rule", K.TEXT,
              "the rule that made the event a machine event: a provider's flag or "
              "mailreport's own detection (docs/webhooks.md)", required=False),
            C("provider", K.TEXT, "the sending provider that reported it", required=False),
            C("bounce_class", K.ENUM,
              "for `bounced` and `failed`: why it did not arrive, as the provider "
              "classified it (docs/webhooks.md)", required=False, values=BOUNCE_CLASSES),
            C("reason", K.TEXT,
              "for `bounced` and `failed` the bounce reason (text or code, e.g. "
              "`550 5.1.1 user unknown`); for `unsubscribed` the unsubscribe reason",
              required=False),
        ),
        key=("event_id",),
        immutable=True,
    ),
    Table(
        "orders",
        "In-store receipts and online orders.",
        (
            C("order_id", K.ID, "order identifier"),
            C("kind", K.ENUM, "receipt (in store) or order (online)", values=ORDER_KINDS),
            C("customer_id", K.ID, "the buyer", references="customers.customer_id"),
            C("ts", K.TIMESTAMP, "when it was placed"),
            C("total", K.MONEY, "order total", minimum=0),
            C("status", K.ENUM, "order status", required=False, values=ORDER_STATUSES,
              default="completed"),
        ),
        key=("order_id",),
    ),
    Table(
        "order_lines",
        "The lines of receipts and orders.",
        (
            C("order_id", K.ID, "the order", references="orders.order_id"),
            C("line_no", K.INTEGER, "line number within the order", minimum=0),
            C("product_id", K.ID, "the product", references="products.product_id"),
            C("quantity", K.QUANTITY, "quantity sold, in the product's unit", minimum=0),
            C("amount", K.MONEY, "the line's total", minimum=0),
        ),
        key=("order_id", "line_no"),
    ),
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
FILE_FORMATS = ("csv", "parquet", "jsonl")


def table(name: str) -> Table:
    try:
        return TABLE_BY_NAME[name]
    except KeyError:
        known = ", ".join(TABLE_BY_NAME)
        raise KeyError(f"unknown table {name!r}; the contract has {known}") from None


def render_markdown() -> str:
    """The contract as the Markdown of docs/data-contract.md."""
    out = [
        "# The data contract",
        "",
        "<!-- Generated from src/mailreport/contract.py by `mailreport contract-doc`; "
        "tests fail when it drifts. -->",
        "",
        "Every input, a bulk file or a webhook, ends as rows of these tables. Files for "
        "`mailreport load DIR` are named `<table>.csv`, `<table>.parquet` or `<table>.jsonl`, "
        "with the column names below. CSV has a header row, UTF-8, RFC 4180. Timestamps are "
        "ISO-8601; those without an offset are UTC. Money is decimal in the company currency. "
        "IDs are strings. Tables load in the order listed, so references resolve.",
        "",
        "A row that breaks the contract is rejected with file, line, column, value and reason, "
        "written to the rejects file beside the load summary; the valid rows of the same load "
        "go in. Loading the same rows again changes nothing: events dedupe on `event_id`, "
        "other tables upsert on their key.",
        "",
    ]
    for t in TABLES:
        out += [f"## {t.name}", "", t.doc, "", f"Key: `{', '.join(t.key)}`"
                + (" (a repeated key is a duplicate and is skipped)" if t.immutable else
                   " (a repeated key updates the row)"), ""]
        out += ["| column | type | required | description |", "| --- | --- | --- | --- |"]
        for c in t.columns:
            extra = []
            if c.values:
                extra.append("values: " + ", ".join(f"`{v}`" for v in c.values))
            if c.default is not None:
                extra.append(f"default `{c.default}`")
            if c.references:
                extra.append(f"references `{c.references}`")
            if c.minimum is not None:
                extra.append(f"at least {c.minimum:g}")
            if c.maximum is not None:
                extra.append(f"at most {c.maximum:g}")
            desc = c.doc + ("; " + "; ".join(extra) if extra else "")
            out.append(f"| `{c.name}` | {KIND_DOCS[c.kind]} | {'yes' if c.required else 'no'} "
                       f"| {desc} |")
        if t.rules:
            out += ["", "Rules:"]
            out += [f"- `{r.name}`: {r.reason}." for r in t.rules]
        out.append("")
    return "\n".join(out)
