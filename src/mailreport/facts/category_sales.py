"""category_sales: the attributed order lines by mailing, company date and product
category (DESIGN.md, "Product sales"). An attributed order has one day and one
mailing, so its receipts add up across days and mailings."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT mailing_id, day, category_id, sum(quantity) AS units, sum(amount) AS revenue,
       count(DISTINCT order_id) AS receipts
FROM (SELECT a.mailing_id, a.day, p.category_id, a.quantity, a.amount, a.order_id
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
             ("receipts", "BIGINT")),
    keys=("mailing_id", "day", "category_id"), measures=("units", "revenue", "receipts"),
    serves=("Product sales",))
