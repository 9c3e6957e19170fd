"""window_orders: the groups report's orders (DESIGN.md, "Groups report"): every
completed order of a mailing's good recipients placed in [start of sending, start +
window), attributed or not, one row per (mailing, order), with the recipient's
group and variant. The groups report sums them per customer (it needs each
customer's revenue squared); product sales for one group or variant reads their
lines."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day, completed
from mailreport.settings import Settings

# a mailing starts at its sent_at, else at the first send among its reach rows
STARTS = """starts AS (
    SELECT m.mailing_id, coalesce(m.sent_at, f.first_sent) AS start
    FROM mailings m
    LEFT JOIN (SELECT mailing_id, min(sent_at) AS first_sent FROM reach_times
               WHERE mailing_id IN (SELECT mailing_id FROM mailings WHERE sent_at IS NULL)
               GROUP BY mailing_id) f
      ON f.mailing_id = m.mailing_id
)"""


def in_window(ts: str, start: str, settings: Settings) -> str:
    """A time in the window of a mailing that starts at ``start``. (Its line break
    keeps the fact's SQL text, and so the facts' fingerprint, as it was.)"""
    days = int(settings.attribution_window_days)
    return f"{ts} >= {start}\n AND {ts} < {start} + INTERVAL {days} DAY"


def select(settings: Settings, where: str) -> str:
    return f"""
WITH {STARTS}
SELECT r.mailing_id, r.customer_id, r."group", r.variant_id, o.order_id,
       {company_day("o.ts", settings)} AS day, o.total
FROM (SELECT mailing_id, customer_id, "group", variant_id FROM reach_times
      WHERE status = 'good' AND ({where})) r
JOIN starts s ON s.mailing_id = r.mailing_id
JOIN orders o
  ON o.customer_id = r.customer_id AND {in_window("o.ts", "s.start", settings)}
WHERE {completed("o")}
ORDER BY r.mailing_id, r.customer_id
"""


def moved_by_orders(settings: Settings) -> str:
    """Of the orders in ``changed`` (each one's customer and time, as it was and as
    it is), the (mailing, customer) pairs whose rows they can move: the customer's
    in each mailing whose window holds the time. A mailing's window that holds
    none of them keeps its rows, whatever else the customer ordered."""
    return f"""
WITH {STARTS}
SELECT DISTINCT s.mailing_id, c.customer_id
FROM changed c
JOIN starts s ON {in_window("c.ts", "s.start", settings)}
"""


WINDOW_ORDERS = Fact(
    name="window_orders", select=select,
    moved_by=(("orders", moved_by_orders),),
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("group", "VARCHAR"),
             ("variant_id", "VARCHAR"), ("order_id", "VARCHAR"), ("day", "DATE"),
             ("total", "DECIMAL(18,2)")),
    serves=("Groups report", "Product sales"))
