"""Orders placed: attributed receipts and orders and their revenue, day by day."""

from __future__ import annotations

from decimal import Decimal

import ibis

from mailreport.reports.models import Orders, OrdersDay
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, date_range, in_days
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


def attributed(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    a = tables.attributed_orders
    return a.filter(a.mailing_id.isin(mailing_ids) & in_days(a.day, query))


@built_once
def daily_orders(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(date, receipts, orders, revenue) of the attributed orders in the period."""
    a = attributed(tables, mailing_ids, query)
    a = a.mutate(date=a.day)
    return a.group_by("date").aggregate(
        receipts=(a.kind == "receipt").sum(),
        orders=(a.kind == "order").sum(),
        revenue=a.total.sum(),
    )


def orders(tables: Tables, scope: Scope, query: ReportQuery) -> Orders:
    rows = tables.run(daily_orders(tables, scope.ids, query))
    by_date = {r["date"]: r for r in rows}
    daily = []
    for day in date_range(query, list(by_date), tables.settings.max_period_days):
        r = by_date.get(day, {})
        daily.append(OrdersDay(date=day, receipts=r.get("receipts") or 0,
                               orders=r.get("orders") or 0, revenue=money(r.get("revenue"))))
    return Orders(
        receipts=sum(d.receipts for d in daily),
        orders=sum(d.orders for d in daily),
        revenue=money(sum((d.revenue for d in daily), Decimal(0))),
        daily=daily,
    )
