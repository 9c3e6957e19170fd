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


def select(settings: Settings, where: str) -> str:
    """A mailing starts at its sent_at, else at the first send among its reach rows."""
    return f"""
WITH starts AS (
    SELECT m.mailing_id, coalesce(m.sent_at, f.first_sent) AS start
    FROM mailings m
    LEFT JOIN (SELECT mailing_id, min(sent_at) AS first_sent FROM reach_times
               WHERE mailing_id IN (SELECT mailing_id FROM mailings WHERE sent_at IS NULL)
               GROUP BY mailing_id) f
      ON f.mailing_id = m.mailing_id
)
SELECT r.mailing_id, r.customer_id, r."group", r.variant_id, o.order_id,
       {company_day("o.ts", settings)} AS day, o.total
FROM (SELECT mailing_id, customer_id, "group", variant_id FROM reach_times
      WHERE status = 'good' AND ({where})) r
JOIN starts s ON s.mailing_id = r.mailing_id
JOIN orders o
  ON o.customer_id = r.customer_id AND o.ts >= s.start
 AND o.ts < s.start + INTERVAL {int(settings.attribution_window_days)} DAY
WHERE {completed("o")}
ORDER BY r.mailing_id, r.customer_id
"""


WINDOW_ORDERS = Fact(
    name="window_orders", select=select,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("group", "VARCHAR"),
             ("variant_id", "VARCHAR"), ("order_id", "VARCHAR"), ("day", "DATE"),
             ("total", "DECIMAL(18,2)")),
    serves=("Groups report", "Product sales"))
