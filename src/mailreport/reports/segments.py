"""Segments of a mailing's customers (DESIGN.md, "Customer lists"): who is in one,
and its metrics.

A segment is a funnel stage (sent … unsubscribed) or a volume status (good …
actual_recipients) of one mailing, optionally narrowed to a group or variant.
Its members are chosen exactly as the section that shows the number counts them
(efficiency for stages, volume for statuses), so a list's total always equals
the figure it was opened from.

Its metrics: customers and their share of the audience, orders, revenue, average
order value, revenue and orders per customer; each per-customer metric also as
its deviation from the same metric over the mailing's whole good audience. The
queries return sums; the ratios are taken here, on exact decimals, so a
deviation is not skewed by rounding its two sides first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import ibis
from pydantic import BaseModel, Field, model_validator

from mailreport.contract import STAGES
from mailreport.reports.deliverability import NOT_GIVEN, latest_bounces, latest_complaints
from mailreport.reports.models import Mailing, Model, Money, term
from mailreport.reports.money import money
from mailreport.reports.query import (
    ReportError,
    ReportQuery,
    in_days,
    narrowed,
    percent,
    stage_column,
    stage_day_column,
)
from mailreport.store.tables import Tables

ListStage = Literal["sent", "delivered", "opened", "clicked", "ordered", "spam", "unsubscribed",
                    "bounced"]
BounceClass = Literal["hard", "soft", "blocked", "unknown"]
VolumeStatus = Literal["good", "address_issue", "unsubscribed_channel", "unsubscribed_category",
                       "blocked_by_policy", "control_group", "actual_recipients"]

LIST_STAGES: tuple[str, ...] = ListStage.__args__
VOLUME_STATUSES: tuple[str, ...] = VolumeStatus.__args__

# A customer range (lo, hi]: exports read a segment in slices of customer ids; None
# leaves that end open.
CustomerRange = tuple[str | None, str | None]
EVERYONE: CustomerRange = (None, None)


class Segment(BaseModel):
    """Which customers: one stage or one volume status (not both). Bounced
    customers may be narrowed to the class and reason of their latest bounce,
    unsubscribed ones to their reason, as the deliverability section counts them
    (reason "not given": none)."""

    stage: ListStage | None = None
    status: VolumeStatus | None = None
    bounce_class: BounceClass | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Segment:
        if (self.stage is None) == (self.status is None):
            raise ValueError("give either stage (" + ", ".join(LIST_STAGES) + ") or status ("
                             + ", ".join(VOLUME_STATUSES) + "), not both and not neither")
        if self.bounce_class is not None and self.stage != "bounced":
            raise ValueError("bounce_class narrows stage bounced only")
        if self.reason is not None and self.stage not in ("bounced", "unsubscribed"):
            raise ValueError("reason narrows stage bounced or unsubscribed only")
        return self

    @property
    def name(self) -> str:
        return self.stage or self.status  # type: ignore[return-value]

    @property
    def uses_period(self) -> bool:
        # the volume section ignores the period (DESIGN.md); so do its lists
        return self.stage is not None


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


def reach_rows(tables: Tables, mailing_id: str,
               customers: CustomerRange = EVERYONE) -> ibis.Table:
    r = tables.reach_times
    return within_range(r.filter(r.mailing_id == mailing_id), customers)


def attributed_in_period(tables: Tables, mailing_id: str, query: ReportQuery,
                         customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The mailing's attributed orders in the period (as the orders section counts them)."""
    a = tables.attributed_orders
    return within_range(a.filter((a.mailing_id == mailing_id) & in_days(a.day, query)), customers)


def _with_assignment(found: ibis.Table, reach: ibis.Table) -> ibis.Table:
    """Give customers found outside reach_times (buyers, complainers) their audience
    status, group and variant; one without a reach_times row (a complaint is all we
    have of them) takes the variant of those events, else A (DESIGN.md)."""
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
    elif stage == "bounced" or segment.reason is not None:  # as deliverability counts
        e = (latest_bounces(tables, mid, query) if stage == "bounced"
             else latest_complaints(tables, [mid], query, stage))
        e = within_range(e, customers)
        if segment.bounce_class is not None:
            e = e.filter(e.bounce_class == segment.bounce_class)
        if segment.reason is not None:
            e = e.filter(e.reason.isnull() if segment.reason == NOT_GIVEN
                         else e.reason == segment.reason)
        reached = e.last_ts if stage == "bounced" else e.first_ts
        m = _with_assignment(e.select("customer_id", reached_at=reached,
                                      event_variant=e.variant_id), r)
    elif stage is not None:  # spam, unsubscribed: as efficiency.complaints()
        e = within_range(tables.complaints, customers)
        e = e.filter((e.mailing_id == mid) & (e.type == stage) & in_days(e.day, query))
        m = _with_assignment(e.group_by("customer_id").aggregate(
            reached_at=e.first_ts.min(), event_variant=e.variant_id.min()), r)
    else:  # volume statuses: as volume.volume()
        chosen = {"control_group": r.group == "control",
                  "actual_recipients": (r.group == "test") & r.delivered_at.notnull()}
        reached = r.delivered_at if status == "actual_recipients" else r.sent_at
        m = r.filter(chosen.get(status, r.status == status)).select(
            "customer_id", "status", "group", "variant_id", reached_at=reached)
    return narrowed(m, query)


def orders_per_customer(tables: Tables, mailing_id: str, query: ReportQuery,
                        customers: CustomerRange = EVERYONE) -> ibis.Table:
    a = attributed_in_period(tables, mailing_id, query, customers)
    return a.group_by("customer_id").aggregate(orders=a.count(), revenue=a.total.sum())


def with_orders(people: ibis.Table, per_customer: ibis.Table) -> ibis.Table:
    """people plus their attributed orders and revenue (zero when none)."""
    j = people.left_join(per_customer, "customer_id")
    return j.select(people, orders=j.orders.fill_null(0), revenue=j.revenue.fill_null(0))


# -- metrics ------------------------------------------------------------------------


class Deviations(Model):
    """Each per-customer metric's deviation (%) from the same metric over the
    mailing's whole good audience; null where the audience's value is null or 0."""

    aov: float | None = term("deviation")
    revenue_per_customer: float | None = term("deviation")
    orders_per_customer: float | None = term("deviation")


class AudienceMetrics(Model):
    customers: int = term("list_customers")
    orders: int = term("purchases")
    revenue: Money = term("revenue")
    aov: Money | None = term("list_aov")
    revenue_per_customer: Money | None = term("list_revenue_per_customer")
    orders_per_customer: float | None = term("list_purchases_per_customer")


class SegmentMetrics(AudienceMetrics):
    audience: int  # the mailing's target audience (audience rows of every status)
    share_of_audience: float | None = term("share_of_audience")  # customers / audience, %
    deviation: Deviations
    good_audience: AudienceMetrics = Field(description=(
        "The same figures over the mailing's whole good audience instead of the list: "
        "what the deviations compare with."))


def _ratio(part, whole) -> Decimal | None:
    return None if not whole else Decimal(part or 0) / Decimal(whole)


def _deviation(value: Decimal | None, baseline: Decimal | None) -> float | None:
    if value is None or not baseline:
        return None
    return round(float((value / baseline - 1) * 100), 4)


def metrics_from_sums(customers: int, orders: int, revenue) -> tuple[AudienceMetrics, dict]:
    exact = {"aov": _ratio(revenue, orders), "revenue_per_customer": _ratio(revenue, customers),
             "orders_per_customer": _ratio(orders, customers)}
    opc = exact["orders_per_customer"]
    shown = AudienceMetrics(
        customers=customers, orders=orders, revenue=money(revenue),
        aov=None if exact["aov"] is None else money(exact["aov"]),
        revenue_per_customer=(None if exact["revenue_per_customer"] is None
                              else money(exact["revenue_per_customer"])),
        orders_per_customer=None if opc is None else round(float(opc), 4))
    return shown, exact


def segment_metrics(tables: Tables, mailing: Mailing, query: ReportQuery,
                    members: ibis.Table) -> SegmentMetrics:
    """Metrics of the segment whose members() are ``members``."""
    per_customer = orders_per_customer(tables, mailing.mailing_id, query)
    rows = with_orders(members.select("customer_id"), per_customer)
    [seg] = tables.run(rows.aggregate(customers=rows.count(), orders=rows.orders.sum(),
                                      revenue=rows.revenue.sum()))
    r = reach_rows(tables, mailing.mailing_id)
    audience = with_orders(r.filter(r.status.notnull()).select("customer_id", "status"),
                           per_customer)
    good = audience.status == "good"
    [base] = tables.run(audience.aggregate(
        audience=audience.count(), customers=good.sum(),
        orders=audience.orders.sum(where=good), revenue=audience.revenue.sum(where=good)))
    return metrics_of(seg, base)


def metrics_of(seg: dict, base: dict) -> SegmentMetrics:
    """SegmentMetrics from the segment's sums (customers, orders, revenue) and the
    audience's (audience, and the good audience's customers, orders, revenue)."""
    mine, mine_exact = metrics_from_sums(seg["customers"], seg["orders"] or 0, seg["revenue"])
    theirs, theirs_exact = metrics_from_sums(base["customers"] or 0, base["orders"] or 0,
                                    base["revenue"])
    return SegmentMetrics(
        **dict(mine), audience=base["audience"],
        share_of_audience=percent(seg["customers"], base["audience"]),
        deviation=Deviations(**{k: _deviation(mine_exact[k], theirs_exact[k])
                                for k in mine_exact}),
        good_audience=theirs)
