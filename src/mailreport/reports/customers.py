"""Customer lists (drill-down): the customers behind one number of the report.

A segment is a funnel stage (sent … unsubscribed) or a volume status (good …
actual_recipients) of one mailing, optionally narrowed to a group or variant.
Its members are chosen exactly as the section that shows the number counts them
(efficiency for stages, volume for statuses), so a list's total always equals
the figure it was opened from. The segment's metrics are in ``segments``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import ibis
from pydantic import BaseModel, model_validator

from mailreport.reports.models import Mailing, Model, Money, Period
from mailreport.reports.orders import money
from mailreport.reports.query import (
    STAGES,
    ReportError,
    ReportQuery,
    get_mailing,
    in_days,
    in_period,
    stage_column,
    stage_day_column,
    utc_bounds,
)
from mailreport.store.tables import Tables

ListStage = Literal["sent", "delivered", "opened", "clicked", "ordered", "spam", "unsubscribed"]
VolumeStatus = Literal["good", "address_issue", "unsubscribed_channel", "unsubscribed_category",
                       "blocked_by_policy", "control_group", "actual_recipients"]
SortKey = Literal["customer_id", "contact", "reached_at", "orders", "revenue"]
SortOrder = Literal["asc", "desc"]

LIST_STAGES: tuple[str, ...] = ListStage.__args__
VOLUME_STATUSES: tuple[str, ...] = VolumeStatus.__args__
SORT_KEYS: tuple[str, ...] = SortKey.__args__
MAX_PAGE_SIZE = 500

# A customer range (lo, hi]: exports read a segment in slices of customer ids; None
# leaves that end open.
CustomerRange = tuple[str | None, str | None]
EVERYONE: CustomerRange = (None, None)


class Segment(BaseModel):
    """Which customers: one stage or one volume status (not both)."""

    stage: ListStage | None = None
    status: VolumeStatus | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Segment:
        if (self.stage is None) == (self.status is None):
            raise ValueError("give either stage (" + ", ".join(LIST_STAGES) + ") or status ("
                             + ", ".join(VOLUME_STATUSES) + "), not both and not neither")
        return self

    @property
    def name(self) -> str:
        return self.stage or self.status  # type: ignore[return-value]

    @property
    def uses_period(self) -> bool:
        # the volume section ignores the period (DESIGN.md); so do its lists
        return self.stage is not None


def contact_kind(mailing: Mailing) -> str:
    return {"email": "email", "sms": "phone"}.get(mailing.channel, "email or phone")


def in_range(col: ibis.Expr, customers: CustomerRange) -> ibis.Expr | None:
    lo, hi = customers
    cond = None
    if lo is not None:
        cond = col > lo
    if hi is not None:
        cond = col <= hi if cond is None else cond & (col <= hi)
    return cond


def within_range(table: ibis.Table, customers: CustomerRange) -> ibis.Table:
    cond = in_range(table.customer_id, customers)
    return table if cond is None else table.filter(cond)


def reach_rows(tables: Tables, mailing_id: str, customers: CustomerRange = EVERYONE):
    r = tables.reach_times
    return within_range(r.filter(r.mailing_id == mailing_id), customers)


def attributed_in_period(tables: Tables, mailing_id: str, query: ReportQuery,
                         customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The mailing's attributed orders in the period (as the orders section counts them)."""
    a = tables.attributed_orders
    return within_range(a.filter((a.mailing_id == mailing_id) & in_days(a.day, query)), customers)


def _with_assignment(found: ibis.Table, reach: ibis.Table) -> ibis.Table:
    """Give customers found outside reach_times (buyers, complainers) their audience
    status, group and variant; one without a reach_times row has variant A."""
    known = reach.select("customer_id", "status", "group", "variant_id",
                         known=ibis.literal(True))
    j = found.left_join(known, "customer_id")
    fallback = (j.event_variant.fill_null("A") if "event_variant" in found.columns
                else ibis.literal("A"))
    return j.select(
        found.customer_id, found.reached_at, j.status, j.group,
        variant_id=ibis.cases((j.known.isnull(), fallback), else_=j.variant_id))


def members(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
            customers: CustomerRange = EVERYONE) -> ibis.Table:
    """(customer_id, reached_at, status, group, variant_id), one row per customer of
    the segment. reached_at is the stage's reach time; for a volume status, when the
    message was sent to them (delivered, for actual recipients)."""
    mid = mailing.mailing_id
    r = reach_rows(tables, mid, customers)
    stage, status = segment.stage, segment.status
    if stage == "opened" and mailing.channel == "sms":
        raise ReportError(f"mailing {mid!r} is an SMS mailing: SMS has no opened stage")
    if stage in STAGES:
        # the same columns and bounds as efficiency.reached()
        day = r[stage_day_column(stage, query.include_machine)]
        m = r.filter(in_days(day, query)).select(
            "customer_id", "status", "group", "variant_id",
            reached_at=r[stage_column(stage, query.include_machine)])
    elif stage == "ordered":
        a = attributed_in_period(tables, mid, query, customers)
        m = _with_assignment(a.group_by("customer_id").aggregate(reached_at=a.ts.min()), r)
    elif stage is not None:  # spam, unsubscribed: as efficiency.complaints()
        e = within_range(tables.events, customers)
        e = e.filter((e.mailing_id == mid) & (e.type == stage)
                     & in_period(e.ts, utc_bounds(query, tables.settings.zone)))
        m = _with_assignment(e.group_by("customer_id").aggregate(
            reached_at=e.ts.min(), event_variant=e.variant_id.min()), r)
    else:  # volume statuses: as volume.volume()
        chosen = {"control_group": r.group == "control",
                  "actual_recipients": (r.group == "test") & r.delivered_at.notnull()}
        reached = r.delivered_at if status == "actual_recipients" else r.sent_at
        m = r.filter(chosen.get(status, r.status == status)).select(
            "customer_id", "status", "group", "variant_id", reached_at=reached)
    if query.group is not None:
        m = m.filter(m.group == query.group)
    if query.variant_id is not None:
        m = m.filter(m.variant_id == query.variant_id)
    return m


def orders_per_customer(tables: Tables, mailing_id: str, query: ReportQuery,
                        customers: CustomerRange = EVERYONE) -> ibis.Table:
    a = attributed_in_period(tables, mailing_id, query, customers)
    return a.group_by("customer_id").aggregate(orders=a.count(), revenue=a.total.sum())


def with_orders(people: ibis.Table, per_customer: ibis.Table) -> ibis.Table:
    """people plus their attributed orders and revenue (zero when none)."""
    j = people.left_join(per_customer, "customer_id")
    return j.select(people, orders=j.orders.fill_null(0), revenue=j.revenue.fill_null(0))


def customer_rows(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
                  customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The segment's customers with their contact details, reach time, and the
    orders and revenue attributed to this mailing in the period."""
    m = members(tables, mailing, segment, query, customers)
    c = within_range(tables.customers, customers)
    c = c.select("customer_id", "email", "phone", "region", "timezone")
    j = m.left_join(c, "customer_id")
    contact = {"email": j.email, "sms": j.phone}.get(mailing.channel, j.email.fill_null(j.phone))
    people = j.select(m, j.email, j.phone, j.region, j.timezone, contact=contact)
    return with_orders(people, orders_per_customer(tables, mailing.mailing_id, query, customers))


# -- the paged list -----------------------------------------------------------------


class CustomerRow(Model):
    customer_id: str
    contact: str | None
    reached_at: dt.datetime | None
    orders: int
    revenue: Money


class Deviations(Model):
    """Each per-customer metric's deviation (%) from the same metric over the
    mailing's whole good audience; null where the audience's value is null or 0."""

    aov: float | None
    revenue_per_customer: float | None
    orders_per_customer: float | None


class AudienceMetrics(Model):
    customers: int
    orders: int
    revenue: Money
    aov: Money | None
    revenue_per_customer: Money | None
    orders_per_customer: float | None


class SegmentMetrics(AudienceMetrics):
    audience: int  # the mailing's target audience (audience rows of every status)
    share_of_audience: float | None  # customers / audience, %
    deviation: Deviations
    good_audience: AudienceMetrics


class CustomerList(Model):
    mailing_id: str
    channel: str
    stage: str | None
    status: str | None
    period: Period
    period_applies_to_membership: bool
    group: str | None
    variant_id: str | None
    include_machine: bool
    contact_kind: str
    contacts_masked: bool = False
    sort: SortKey
    order: SortOrder
    page: int
    page_size: int
    total: int
    pages: int
    metrics: SegmentMetrics
    rows: list[CustomerRow]

    def masked(self) -> CustomerList:
        rows = [r.model_copy(update={"contact": mask_contact(r.contact)}) for r in self.rows]
        return self.model_copy(update={"rows": rows, "contacts_masked": True})


def mask_contact(value: str | None) -> str | None:
    """a***@x.ru, +7******23: enough to tell contacts apart, not to use them."""
    if not value:
        return value
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    keep = 2 if len(value) > 6 else 1
    return value[:keep] + "*" * max(len(value) - 2 * keep, 1) + value[-keep:]


def _order_keys(rows: ibis.Table, sort: str, order: str) -> list:
    col = rows[sort]
    first = ibis.desc(col, nulls_first=False) if order == "desc" else ibis.asc(
        col, nulls_first=False)
    # customer_id breaks ties, so pages never overlap or skip
    return [first] if sort == "customer_id" else [first, ibis.asc(rows.customer_id)]


def customer_list(tables: Tables, mailing_id: str, segment: Segment, query: ReportQuery,
                  page: int = 1, page_size: int = 50, sort: SortKey = "customer_id",
                  order: SortOrder = "asc") -> CustomerList:
    from mailreport.reports.segments import segment_metrics

    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ReportError(f"page must be 1 or more and page_size 1 to {MAX_PAGE_SIZE}")
    if sort not in SORT_KEYS or order not in ("asc", "desc"):
        raise ReportError(f"sort must be one of {', '.join(SORT_KEYS)}; order asc or desc")
    mailing = get_mailing(tables, mailing_id)
    metrics = segment_metrics(tables, mailing, query, members(tables, mailing, segment, query))
    rows = customer_rows(tables, mailing, segment, query)
    page_rows = tables.run(rows.order_by(_order_keys(rows, sort, order))
                           .limit(page_size, offset=(page - 1) * page_size)
                           .select("customer_id", "contact", "reached_at", "orders", "revenue"))
    return CustomerList(
        mailing_id=mailing.mailing_id, channel=mailing.channel, stage=segment.stage,
        status=segment.status, period=query.period,
        period_applies_to_membership=segment.uses_period,
        group=query.group, variant_id=query.variant_id, include_machine=query.include_machine,
        contact_kind=contact_kind(mailing), sort=sort, order=order, page=page,
        page_size=page_size, total=metrics.customers,
        pages=max(1, math.ceil(metrics.customers / page_size)), metrics=metrics,
        rows=[CustomerRow(**{**r, "revenue": money(r["revenue"])}) for r in page_rows],
    )
