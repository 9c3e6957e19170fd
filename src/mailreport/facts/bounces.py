"""bounces: each customer's bounced and failed events of a mailing by company date,
with the class and reason of the day's latest one, the recipient domain and the
least variant: what the deliverability section and its customer lists count
(DESIGN.md, "Deliverability"). The latest event of a period is that of its
latest day, so a period needs no event of its own to pick it: the row whose day is
in the period and whose ``next_day`` (the customer's next day with a bounce from
the mailing) is null or after it."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import company_day, email_domain
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    # latest first; a tie in time goes to the greater event_id, so every engine
    # picks the same event
    return f"""
SELECT e.mailing_id, e.customer_id, e.day, e.last_ts, e.variant_id, e.bounce_class,
       e.reason, {email_domain("c.email")} AS domain, e.events,
       lead(e.day) OVER (PARTITION BY e.mailing_id, e.customer_id ORDER BY e.day)
           AS next_day
FROM (SELECT mailing_id, customer_id, day, max(ts) AS last_ts,
             min(variant_id) AS variant_id,
             max(CASE WHEN latest = 1 THEN bounce_class END) AS bounce_class,
             max(CASE WHEN latest = 1 THEN reason END) AS reason, count(*) AS events
      FROM (SELECT mailing_id, customer_id, ts, variant_id,
                   coalesce(bounce_class, 'unknown') AS bounce_class,
                   NULLIF(trim(reason), '') AS reason,
                   {company_day("ts", settings)} AS day,
                   row_number() OVER (PARTITION BY mailing_id, customer_id,
                                      {company_day("ts", settings)}
                                      ORDER BY ts DESC, event_id DESC) AS latest
            FROM events
            WHERE type IN ('bounced', 'failed') AND ts IS NOT NULL AND ({where})) b
      GROUP BY mailing_id, customer_id, day) e
LEFT JOIN customers c ON c.customer_id = e.customer_id
ORDER BY e.mailing_id, e.customer_id
"""


BOUNCES = Fact(
    name="bounces", select=select,
    columns=(("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("day", "DATE"),
             ("last_ts", "TIMESTAMP"), ("variant_id", "VARCHAR"),
             ("bounce_class", "VARCHAR"), ("reason", "VARCHAR"), ("domain", "VARCHAR"),
             ("events", "BIGINT"), ("next_day", "DATE")),
    serves=("Deliverability", "Customer lists (drill-down)"))
