"""complaints: spam and unsubscribe events by mailing, customer, type and company
date, with the first one's time and the least variant, as the funnel's spam and
unsubscribed counts and their customer lists take them; and, for the
deliverability section (DESIGN.md, "Deliverability"), the reason of the day's
latest event and the recipient domain."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day, email_domain
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    # latest first; a tie in time goes to the greater event_id (as in bounces)
    return f"""
SELECT e.mailing_id, e.customer_id, e.type, e.day, e.first_ts, e.variant_id, e.events,
       e.reason, {email_domain("c.email")} AS domain
FROM (SELECT mailing_id, customer_id, type, day, min(ts) AS first_ts,
             min(variant_id) AS variant_id, count(*) AS events,
             max(CASE WHEN latest = 1 THEN reason END) AS reason
      FROM (SELECT mailing_id, customer_id, type, ts, variant_id,
                   NULLIF(trim(reason), '') AS reason,
                   {company_day("ts", settings)} AS day,
                   row_number() OVER (PARTITION BY mailing_id, customer_id, type,
                                      {company_day("ts", settings)}
                                      ORDER BY ts DESC, event_id DESC) AS latest
            FROM events
            WHERE type IN ('spam', 'unsubscribed') AND ts IS NOT NULL AND ({where})) x
      GROUP BY mailing_id, customer_id, type, day) e
LEFT JOIN customers c ON c.customer_id = e.customer_id
ORDER BY e.mailing_id, e.customer_id
"""


COMPLAINTS = Fact(
    name="complaints", select=select,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("type", "VARCHAR"),
             ("day", "DATE"), ("first_ts", "TIMESTAMP"), ("variant_id", "VARCHAR"),
             ("events", "BIGINT"), ("reason", "VARCHAR"), ("domain", "VARCHAR")),
    serves=("Mailing efficiency", "Customer lists (drill-down)", "Deliverability"))
