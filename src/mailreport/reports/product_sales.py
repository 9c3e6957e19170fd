"""Product sales: the top categories in the receipts a mailing brought, by units,
revenue or receipts, optionally for one group or variant, optionally searched."""

from __future__ import annotations

import ibis

from mailreport.reports.groups import group_orders, start_of_sending
from mailreport.reports.models import Mailing, ProductSales, ProductSalesRow
from mailreport.reports.orders import money
from mailreport.reports.query import ReportQuery, in_days
from mailreport.store.tables import Tables


def _lines_of(tables: Tables, mailings: list[Mailing], query: ReportQuery) -> ibis.Table | None:
    """(order_id, product_id, quantity, amount) of the orders the report is about."""
    if query.group is None and query.variant_id is None:
        a = tables.attributed_lines
        return a.filter(a.mailing_id.isin([m.mailing_id for m in mailings])
                        & in_days(a.day, query)).select(
            "order_id", "product_id", "quantity", "amount")
    orders = _group_orders_of(tables, mailings, query)
    if orders is None:
        return None
    lines = tables.order_lines
    return lines.semi_join(orders, "order_id").select(
        "order_id", "product_id", "quantity", "amount")


def _group_orders_of(tables: Tables, mailings: list[Mailing],
                     query: ReportQuery) -> ibis.Table | None:
    parts = []
    for mailing in mailings:
        sent_at = start_of_sending(tables, mailing)
        if sent_at is None:
            continue
        go = group_orders(tables, mailing, query, sent_at)
        if query.group is not None:
            go = go.filter(go.group == query.group)
        if query.variant_id is not None:
            go = go.filter(go.variant_id == query.variant_id)
        parts.append(go.select("order_id"))
    return ibis.union(*parts) if parts else None


def _categories_rolled_up(tables: Tables, mailings: list[Mailing],
                          query: ReportQuery) -> ibis.Table:
    """The categories' units, revenue and receipts from the category_sales rollup: an
    attributed order has one mailing and one day, so receipts add up over both."""
    s = tables.category_sales
    s = s.filter(s.mailing_id.isin([m.mailing_id for m in mailings]) & in_days(s.day, query))
    c = tables.categories
    s = s.join(c.select("category_id", category=c.name), "category_id")
    if query.search:
        s = s.filter(s.category.lower().contains(query.search.lower()))
    return s.group_by(["category_id", "category"]).aggregate(
        units=s.units.sum(), revenue=s.revenue.sum(), receipts=s.receipts.sum())


def product_sales(tables: Tables, mailings: list[Mailing], query: ReportQuery) -> ProductSales:
    result = ProductSales(sort=query.sort, search=query.search, group=query.group,
                          variant_id=query.variant_id, rows=[])
    if tables.rollups and query.group is None and query.variant_id is None:
        agg = _categories_rolled_up(tables, mailings, query)
    else:
        lines = _lines_of(tables, mailings, query)
        if lines is None:
            return result
        p, c = tables.products, tables.categories
        lines = lines.join(p.select("product_id", "category_id"), "product_id")
        lines = lines.join(c.select("category_id", category=c.name), "category_id")
        if query.search:
            lines = lines.filter(lines.category.lower().contains(query.search.lower()))
        agg = lines.group_by(["category_id", "category"]).aggregate(
            units=lines.quantity.sum(), revenue=lines.amount.sum(),
            receipts=lines.order_id.nunique())
    agg = agg.order_by([ibis.desc(query.sort), "category", "category_id"]).limit(query.limit)
    for row in tables.run(agg):
        result.rows.append(ProductSalesRow(
            category_id=row["category_id"], category=row["category"],
            units=round(float(row["units"] or 0), 3),
            revenue=money(row["revenue"]), receipts=row["receipts"]))
    return result

