"""complaints: spam and unsubscribe events by mailing, customer, type and company
date, with the first one's time and the least variant, as the funnel's spam and
unsubscribed counts and their customer lists take them."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT mailing_id, customer_id, type, day, min(ts) AS first_ts,
       min(variant_id) AS variant_id, count(*) AS events
FROM (SELECT mailing_id, customer_id, type, ts, variant_id,
             {company_day("ts", settings)} AS day
      FROM events
      WHERE type IN ('spam', 'unsubscribed') AND ts IS NOT NULL AND ({where})) e
GROUP BY mailing_id, customer_id, type, day
ORDER BY mailing_id, customer_id
"""


COMPLAINTS = Fact(
    name="complaints", select=select,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("type", "VARCHAR"),
             ("day", "DATE"), ("first_ts", "TIMESTAMP"), ("variant_id", "VARCHAR"),
             ("events", "BIGINT")),
    serves=("Mailing efficiency", "Customer lists (drill-down)"))
