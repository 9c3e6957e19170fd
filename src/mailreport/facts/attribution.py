"""attributed_orders and attributed_lines: each completed order given to the one
mailing whose touch it follows within the window (DESIGN.md, "Attribution"), and
the lines of those orders. Orders placed, product sales, the funnel's ordered stage
and customer lists all count these."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day, completed
from mailreport.settings import Settings


def attributed_orders(settings: Settings, where: str) -> str:
    """An order goes to the latest touch at or before it (ties: the greater
    mailing_id) if it falls before that touch + the window."""
    return f"""
SELECT o.order_id, t.mailing_id, o.customer_id, o.kind, o.ts, o.total, t.touch_at,
       {company_day("o.ts", settings)} AS day
FROM (SELECT order_id, customer_id, kind, ts, total, status FROM orders
      WHERE ({where})) o
JOIN (SELECT mailing_id, customer_id, touch_at FROM reach_times
      WHERE touch_at IS NOT NULL AND ({where})) t
  ON t.customer_id = o.customer_id
 AND t.touch_at <= o.ts
 AND o.ts < t.touch_at + INTERVAL {int(settings.attribution_window_days)} DAY
WHERE {completed("o")}
QUALIFY row_number() OVER (
    PARTITION BY o.order_id ORDER BY t.touch_at DESC, t.mailing_id DESC) = 1
ORDER BY t.mailing_id, o.ts
"""


def attributed_lines(settings: Settings, where: str) -> str:
    """Product sales reads these instead of joining every order line to the
    attributed orders on each request."""
    return f"""
SELECT a.mailing_id, a.customer_id, a.order_id, a.day, l.product_id, l.quantity, l.amount
FROM (SELECT mailing_id, customer_id, order_id, day FROM attributed_orders
      WHERE ({where})) a
JOIN order_lines l ON l.order_id = a.order_id
ORDER BY a.mailing_id, a.day
"""


def moved_by_touches(settings: Settings) -> str:
    """Of the reach_times rows in ``changed`` (touches added or taken away), the
    customers whose attributed orders they can move: those with a completed order
    within a changed touch's window. Any other customer's orders keep the touches
    they could go to, so their attribution stands, however many touches changed."""
    return f"""
SELECT DISTINCT t.customer_id
FROM changed t
JOIN orders o
  ON o.customer_id = t.customer_id
 AND t.touch_at <= o.ts
 AND o.ts < t.touch_at + INTERVAL {int(settings.attribution_window_days)} DAY
WHERE t.touch_at IS NOT NULL AND {completed("o")}
"""


ATTRIBUTED_ORDERS = Fact(
    name="attributed_orders", scope="customer", select=attributed_orders,
    moved_by=(("reach_times", moved_by_touches),),
    columns=(("order_id", "VARCHAR"), ("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"),
             ("kind", "VARCHAR"), ("ts", "TIMESTAMP"), ("total", "DECIMAL(18,2)"),
             ("touch_at", "TIMESTAMP"), ("day", "DATE")),
    serves=("Attribution", "Orders placed", "Mailing efficiency"))

ATTRIBUTED_LINES = Fact(
    name="attributed_lines", scope="customer", select=attributed_lines,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("order_id", "VARCHAR"),
             ("day", "DATE"), ("product_id", "VARCHAR"), ("quantity", "DECIMAL(18,3)"),
             ("amount", "DECIMAL(18,2)")),
    serves=("Product sales",), few_for_few_customers=("a",))
