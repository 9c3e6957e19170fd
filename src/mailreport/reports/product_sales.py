"""Product sales: the top categories in the receipts a mailing brought, by units,
revenue or receipts, optionally for one group or variant, optionally searched."""

from __future__ import annotations

import ibis

from mailreport.reports.models import ProductSales, ProductSalesRow
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, in_days, narrowed
from mailreport.reports.scope import Scope
from mailreport.reports.windows import group_orders
from mailreport.store.tables import Tables, built_once


def _sales_by_category(tables: Tables, ids: list[str], query: ReportQuery) -> ibis.Table:
    """(category_id, units, revenue, receipts) over the attributed
    orders (category_sales: an order has one mailing and one day, so receipts add up
    over both), or over one group's or variant's orders (window_orders' lines)."""
    if query.group is None and query.variant_id is None:
        s = tables.category_sales
        s = s.filter(s.mailing_id.isin(ids) & in_days(s.day, query))
        return s.group_by("category_id").aggregate(
            units=s.units.sum(), revenue=s.revenue.sum(), receipts=s.receipts.sum())
    orders = narrowed(group_orders(tables, ids, query), query)
    lines = tables.order_lines.semi_join(orders, "order_id")
    p = tables.products
    lines = lines.join(p.select("product_id", "category_id"), "product_id")
    return lines.group_by("category_id").aggregate(
        units=lines.quantity.sum(), revenue=lines.amount.sum(),
        receipts=lines.order_id.nunique())


@built_once
def top_categories(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """The query's top categories: (category_id, category, units, revenue, receipts)."""
    agg = _sales_by_category(tables, mailing_ids, query)
    c = tables.categories
    agg = agg.join(c.select("category_id", category=c.name), "category_id")
    if query.search:
        agg = agg.filter(agg.category.lower().contains(query.search.lower()))
    return agg.order_by([ibis.desc(query.sort), "category", "category_id"]).limit(query.limit)


def product_sales(tables: Tables, scope: Scope, query: ReportQuery) -> ProductSales:
    result = ProductSales(sort=query.sort, search=query.search, group=query.group,
                          variant_id=query.variant_id, rows=[])
    for row in tables.run(top_categories(tables, scope.ids, query)):
        result.rows.append(ProductSalesRow(
            category_id=row["category_id"], category=row["category"],
            units=round(float(row["units"] or 0), 3),
            revenue=money(row["revenue"]), receipts=row["receipts"]))
    return result

