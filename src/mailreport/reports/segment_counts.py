"""Segments read from the counting facts: a segment's size from ``reach_counts``
and its buyers from ``buyers``, so a list's metrics and a page sorted by orders or
revenue read the buyers only, not every member.

Each function chooses exactly the members ``segments.members`` chooses; the
complaint segments (spam, unsubscribed) are small and are counted from their
members (``segments.segment_metrics``).
"""

from __future__ import annotations

import ibis

from mailreport.contract import STAGES
from mailreport.reports.models import Mailing
from mailreport.reports.query import (
    ReportQuery,
    count_stage,
    in_days,
    narrowed,
    stage_column,
    stage_day_column,
)
from mailreport.reports.segments import Segment
from mailreport.store.tables import Tables


def covers(segment: Segment) -> bool:
    return segment.stage not in ("spam", "unsubscribed", "bounced")


def size(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery) -> int:
    """How many customers the segment has."""
    if segment.stage == "ordered":
        b = buyers(tables, mailing, segment, query)
        return tables.run(b.aggregate(n=b.customer_id.nunique()))[0]["n"] or 0
    c = tables.reach_counts
    c = c.filter(c.mailing_id == mailing.mailing_id)
    if segment.stage in STAGES:
        c = c.filter((c.stage == count_stage(segment.stage, query.include_machine))
                     & in_days(c.day, query))
    elif segment.status == "control_group":
        c = c.filter((c.stage == "audience") & (c.group == "control"))
    elif segment.status == "actual_recipients":
        c = c.filter((c.stage == "delivered") & (c.group == "test"))
    else:
        c = c.filter((c.stage == "audience") & (c.status == segment.status))
    c = narrowed(c, query)
    return tables.run(c.aggregate(n=c.customers.sum()))[0]["n"] or 0


def buyers(tables: Tables, mailing: Mailing, segment: Segment,
           query: ReportQuery) -> ibis.Table:
    """The segment's members' attributed orders in the period, per customer and day
    (customer_id, day, orders, revenue, first_ts, status, group, variant_id, ...)."""
    b = tables.buyers
    b = b.filter((b.mailing_id == mailing.mailing_id) & in_days(b.day, query))
    if segment.stage in STAGES:
        b = b.filter(in_days(b[stage_day_column(segment.stage, query.include_machine)], query))
    elif segment.status == "control_group":
        b = b.filter(b.group == "control")
    elif segment.status == "actual_recipients":
        b = b.filter((b.group == "test") & b.delivered_day.notnull())
    elif segment.status is not None:
        b = b.filter(b.status == segment.status)
    return narrowed(b, query)


def good_audience(tables: Tables, mailing: Mailing, query: ReportQuery) -> dict:
    """The mailing's audience (every status), its good customers and their orders and
    revenue in the period."""
    c = tables.reach_counts
    c = c.filter((c.mailing_id == mailing.mailing_id) & (c.stage == "audience")
                 & c.status.notnull())
    [counts] = tables.run(c.aggregate(audience=c.customers.sum(),
                                      customers=c.customers.sum(where=c.status == "good")))
    b = tables.buyers
    b = b.filter((b.mailing_id == mailing.mailing_id) & in_days(b.day, query)
                 & (b.status == "good"))
    [sums] = tables.run(b.aggregate(orders=b.orders.sum(), revenue=b.revenue.sum()))
    return {"audience": counts["audience"] or 0, "customers": counts["customers"] or 0,
            "orders": sums["orders"] or 0, "revenue": sums["revenue"]}


def _reached_at(b: ibis.Table, segment: Segment, query: ReportQuery) -> ibis.Expr:
    """When a buyer was reached, as segments.members() says for the segment."""
    if segment.stage in STAGES:
        return b[stage_column(segment.stage, query.include_machine)]
    if segment.stage == "ordered":
        return b.first_ts
    return b.delivered_at if segment.status == "actual_recipients" else b.sent_at


def top_buyers(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
               sort: str, limit: int) -> list[dict]:
    """The first ``limit`` of the segment's buyers by orders or revenue, descending,
    customer_id breaking ties: (customer_id, reached_at, orders, revenue)."""
    b = buyers(tables, mailing, segment, query)
    per = b.group_by("customer_id").aggregate(
        reached_at=_reached_at(b, segment, query).min(), orders=b.orders.sum(),
        revenue=b.revenue.sum())
    return tables.run(per.order_by([ibis.desc(per[sort]), per.customer_id]).limit(limit))
