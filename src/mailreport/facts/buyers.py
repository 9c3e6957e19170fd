"""buyers: each buyer's attributed orders by mailing and company date (how many,
their revenue, the first and the last one's time), with what their reach row says
(status, group, variant, stage days and reach times), so a customer list's orders
and revenue, and a page sorted by them, read buyers only (DESIGN.md, "Customer
lists"), and a buyer who ordered after their click is one whose last order of a
day in the period is at or after their clicked reach time ("Ordered after a
click"), and their region, by which a campaign's "Regions" counts its ordered
customers once across its mailings (a mailing's are order_days')."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.reach_counts import STAGE_DAYS
from mailreport.facts.user_agents import UNKNOWN
from mailreport.settings import Settings

# the reach times a customer list shows as when a member was reached
REACHED_AT = ("sent_at", "delivered_at", "opened_at", "clicked_at", "opened_at_all",
              "clicked_at_all")
FROM_REACH = (*(day for _, day in STAGE_DAYS), *REACHED_AT)


def select(settings: Settings, where: str) -> str:
    """A buyer without a reach row (none is expected: a touch comes from one) takes
    variant A, as the customer lists do."""
    kept = ", ".join(FROM_REACH)
    return f"""
SELECT mailing_id, customer_id, day, count(*) AS orders, sum(total) AS revenue,
       min(ts) AS first_ts, max(ts) AS last_ts, status, "group", variant_id, {kept},
       region
FROM (SELECT a.mailing_id, a.customer_id, a.day, a.total, a.ts, r.status, r."group",
             CASE WHEN r.customer_id IS NULL THEN 'A' ELSE r.variant_id END AS variant_id,
             {", ".join(f"r.{c}" for c in FROM_REACH)},
             coalesce(c.region, '{UNKNOWN}') AS region
      FROM (SELECT mailing_id, customer_id, day, total, ts FROM attributed_orders
            WHERE ({where})) a
      LEFT JOIN (SELECT * FROM reach_times WHERE ({where})) r
        ON r.mailing_id = a.mailing_id AND r.customer_id = a.customer_id
      LEFT JOIN customers c ON c.customer_id = a.customer_id) b
GROUP BY mailing_id, customer_id, day, status, "group", variant_id, {kept}, region
ORDER BY mailing_id, customer_id, day
"""


def moved_by_attribution(settings: Settings) -> str:
    """Of the attributed orders in ``changed`` (added or taken away), the (mailing,
    customer) pairs whose rows they move: a buyer's rows are their own orders in
    that mailing, so every other buyer of the mailing keeps theirs."""
    return "SELECT DISTINCT mailing_id, customer_id FROM changed"


BUYERS = Fact(
    name="buyers", select=select,
    moved_by=(("attributed_orders", moved_by_attribution),),
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("day", "DATE"),
             ("orders", "BIGINT"), ("revenue", "DECIMAL(38,2)"), ("first_ts", "TIMESTAMP"),
             ("last_ts", "TIMESTAMP"), ("status", "VARCHAR"), ("group", "VARCHAR"),
             ("variant_id", "VARCHAR"),
             *((day, "DATE") for _, day in STAGE_DAYS),
             *((col, "TIMESTAMP") for col in REACHED_AT), ("region", "VARCHAR")),
    serves=("Customer lists (drill-down)", "Ordered after a click", "Regions"))
