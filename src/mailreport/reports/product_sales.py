"""Product sales: the top categories in the receipts a mailing brought, by units,
revenue or receipts, optionally for one group or variant, optionally searched."""

from __future__ import annotations

import ibis

from mailreport.contract import UNITS
from mailreport.facts.category_sales import unit_column
from mailreport.reports.models import ProductSales, ProductSalesRow
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, in_days, narrowed
from mailreport.reports.scope import Scope
from mailreport.reports.windows import group_orders
from mailreport.store.tables import Tables, built_once


def _sales_by_category(tables: Tables, ids: list[str], query: ReportQuery) -> ibis.Table:
    """(category_id, units, revenue, receipts, units_<unit>...) over the attributed
    orders (category_sales: an order has one mailing and one day, so receipts add up
    over both), or over one group's or variant's orders (window_orders' lines)."""
    if query.group is None and query.variant_id is None:
        s = tables.category_sales
        s = s.filter(s.mailing_id.isin(ids) & in_days(s.day, query))
        return s.group_by("category_id").aggregate(
            units=s.units.sum(), revenue=s.revenue.sum(), receipts=s.receipts.sum(),
            **{unit_column(u): s[unit_column(u)].sum() for u in UNITS})
    orders = narrowed(group_orders(tables, ids, query), query)
    lines = tables.order_lines.semi_join(orders, "order_id")
    p = tables.products
    lines = lines.join(p.select("product_id", "category_id", unit=p.unit.fill_null("pcs")),
                       "product_id")
    return lines.group_by("category_id").aggregate(
        units=lines.quantity.sum(), revenue=lines.amount.sum(),
        receipts=lines.order_id.nunique(),
        **{unit_column(u): lines.quantity.sum(where=lines.unit == u) for u in UNITS})


@built_once
def units_sold(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """One row: the quantity sold per unit of measure over all the query's
    categories (before its search), to tell which units there are."""
    agg = _sales_by_category(tables, mailing_ids, query)
    return agg.aggregate(**{unit_column(u): agg[unit_column(u)].sum() for u in UNITS})


@built_once
def top_categories(tables: Tables, mailing_ids: list[str], query: ReportQuery,
                   unit: str | None = None) -> ibis.Table:
    """The query's top categories: (category_id, category, units, revenue, receipts,
    units_<unit>...); ranked by one unit's quantities (those with none of it left
    out) when ``unit`` is given."""
    agg = _sales_by_category(tables, mailing_ids, query)
    c = tables.categories
    agg = agg.join(c.select("category_id", category=c.name), "category_id")
    if query.search:
        agg = agg.filter(agg.category.lower().contains(query.search.lower()))
    measure = query.sort
    if unit is not None:
        measure = unit_column(unit)
        agg = agg.filter(agg[measure] > 0)
    return agg.order_by([ibis.desc(measure), "category", "category_id"]).limit(query.limit)


def ranked_unit(present: list[str], query: ReportQuery) -> str | None:
    """The unit a units ranking counts: none while one unit (or none) was sold, as
    units then add up; else the one asked for, or the first of the contract's."""
    if query.sort != "units" or len(present) < 2:
        return None
    return query.unit or present[0]


def product_sales(tables: Tables, scope: Scope, query: ReportQuery) -> ProductSales:
    sold = tables.run(units_sold(tables, scope.ids, query))
    present = [u for u in UNITS if sold and (sold[0][unit_column(u)] or 0) > 0]
    unit = ranked_unit(present, query)
    result = ProductSales(sort=query.sort, search=query.search, group=query.group,
                          variant_id=query.variant_id, units_of_measure=present,
                          unit=unit, rows=[])
    for row in tables.run(top_categories(tables, scope.ids, query, unit)):
        result.rows.append(ProductSalesRow(
            category_id=row["category_id"], category=row["category"],
            units=round(float(row["units"] or 0), 3),
            revenue=money(row["revenue"]), receipts=row["receipts"],
            units_by_unit={u: round(float(row[unit_column(u)]), 3) for u in UNITS
                           if row[unit_column(u)]}))
    return result

