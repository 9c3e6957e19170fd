"""Orders placed: attributed receipts and orders and their revenue, day by day."""

from __future__ import annotations

from decimal import Decimal

import ibis

from mailreport.reports.models import Orders, OrdersDay
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, date_range, in_days
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables


def attributed(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    a = tables.attributed_orders
    return a.filter(a.mailing_id.isin(mailing_ids) & in_days(a.day, query))


def orders(tables: Tables, scope: Scope, query: ReportQuery) -> Orders:
    a = attributed(tables, scope.ids, query)
    a = a.mutate(date=a.day)
    rows = tables.run(a.group_by("date").aggregate(
        receipts=(a.kind == "receipt").sum(),
        orders=(a.kind == "order").sum(),
        revenue=a.total.sum(),
    ))
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
