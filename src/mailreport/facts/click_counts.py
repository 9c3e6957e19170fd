"""click_counts: clicks by mailing, customer, variant, link and company date. Unique
clickers over a period are distinct customers, so the customer stays."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    """A click takes its recipient's variant, else its own, else A (Click heatmap)."""
    return f"""
SELECT mailing_id, customer_id, variant_id, link_index, url, day, is_machine,
       count(*) AS clicks
FROM (SELECT e.mailing_id, e.customer_id,
             coalesce(r.variant_id, e.variant_id, 'A') AS variant_id, e.link_index, e.url,
             {company_day("e.ts", settings)} AS day,
             coalesce(e.is_machine, false) AS is_machine
      FROM (SELECT mailing_id, customer_id, variant_id, link_index, url, ts, is_machine
            FROM events WHERE type = 'clicked' AND ts IS NOT NULL AND ({where})) e
      LEFT JOIN (SELECT mailing_id, customer_id, variant_id FROM reach_times
                 WHERE ({where})) r
        ON r.mailing_id = e.mailing_id AND r.customer_id = e.customer_id) c
GROUP BY mailing_id, customer_id, variant_id, link_index, url, day, is_machine
ORDER BY mailing_id, customer_id
"""


CLICK_COUNTS = Fact(
    name="click_counts", select=select,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("variant_id", "VARCHAR"),
             ("link_index", "INTEGER"), ("url", "VARCHAR"), ("day", "DATE"),
             ("is_machine", "BOOLEAN"), ("clicks", "BIGINT")),
    serves=("Click heatmap",))
