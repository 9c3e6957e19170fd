"""Segment metrics of a customer list (DESIGN.md, "Customer lists"): customers and
their share of the audience, orders, revenue, average order value, revenue and
orders per customer; each per-customer metric also as its deviation from the
same metric over the mailing's whole good audience.

The queries return sums; the ratios are taken here, on exact decimals, so a
deviation is not skewed by rounding its two sides first."""

from __future__ import annotations

from decimal import Decimal

import ibis

from mailreport.reports.customers import (
    AudienceMetrics,
    Deviations,
    SegmentMetrics,
    orders_per_customer,
    reach_rows,
    with_orders,
)
from mailreport.reports.models import Mailing
from mailreport.reports.orders import money
from mailreport.reports.query import ReportQuery, percent
from mailreport.store.tables import Tables


def _ratio(part, whole) -> Decimal | None:
    return None if not whole else Decimal(part or 0) / Decimal(whole)


def _deviation(value: Decimal | None, baseline: Decimal | None) -> float | None:
    if value is None or not baseline:
        return None
    return round(float((value / baseline - 1) * 100), 4)


def _metrics(customers: int, orders: int, revenue) -> tuple[AudienceMetrics, dict]:
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
    mine, mine_exact = _metrics(seg["customers"], seg["orders"] or 0, seg["revenue"])
    theirs, theirs_exact = _metrics(base["customers"] or 0, base["orders"] or 0,
                                    base["revenue"])
    return SegmentMetrics(
        **dict(mine), audience=base["audience"],
        share_of_audience=percent(seg["customers"], base["audience"]),
        deviation=Deviations(**{k: _deviation(mine_exact[k], theirs_exact[k])
                                for k in mine_exact}),
        good_audience=theirs)
