"""category_sales: the attributed order lines by mailing, company date and product
category (DESIGN.md, "Product sales"), with the units also per unit of measure.
An attributed order has one day and one mailing, so its receipts add up across days
and mailings."""

from __future__ import annotations

from mailreport.contract import UNITS
from mailreport.facts.fact import Fact
from mailreport.settings import Settings


def unit_column(unit: str) -> str:
    """The column of the units sold in one unit of measure."""
    return f"units_{unit}"


def units_by_unit(quantity: str, unit: str) -> str:
    """The SELECT list of a quantity split by unit of measure (a product without
    one counts in pieces)."""
    return ", ".join(
        f"sum(CASE WHEN coalesce({unit}, 'pcs') = '{u}' THEN {quantity} ELSE 0 END) "
        f"AS {unit_column(u)}" for u in UNITS)


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT mailing_id, day, category_id, sum(quantity) AS units, sum(amount) AS revenue,
       count(DISTINCT order_id) AS receipts, {units_by_unit("quantity", "unit")}
FROM (SELECT a.mailing_id, a.day, p.category_id, p.unit, a.quantity, a.amount, a.order_id
      FROM (SELECT mailing_id, day, product_id, quantity, amount, order_id
            FROM attributed_lines WHERE ({where})) a
      JOIN products p ON p.product_id = a.product_id) s
GROUP BY mailing_id, day, category_id
ORDER BY mailing_id, day
"""


CATEGORY_SALES = Fact(
    name="category_sales", select=select,
    columns=(("mailing_id", "VARCHAR"), ("day", "DATE"), ("category_id", "VARCHAR"),
             ("units", "DECIMAL(38,3)"), ("revenue", "DECIMAL(38,2)"),
             ("receipts", "BIGINT"),
             *((unit_column(u), "DECIMAL(38,3)") for u in UNITS)),
    keys=("mailing_id", "day", "category_id"),
    measures=("units", "revenue", "receipts", *(unit_column(u) for u in UNITS)),
    serves=("Product sales",))
