"""send_hours: a mailing's delivered customers by the local hour they were sent
at (recipient's zone, the company's where unknown), their zone, region and the
company date of sending, with how many of them responded within 24 hours (a human
open, or for SMS a click): what "Send-time advice" (DESIGN.md) counts. A rollup
of reach_times, so it counts as the funnel does."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import local
from mailreport.settings import Settings

UNKNOWN = "unknown"


def select(settings: Settings, where: str) -> str:
    # the unit is the (mailing, customer) pair; an answer exactly 24 h after sending
    # does not count
    responded = ("CASE WHEN m.channel = 'sms' THEN r.clicked_at ELSE r.opened_at END")
    return f"""
SELECT r.mailing_id, r.zone, coalesce(c.region, '{UNKNOWN}') AS region,
       hour({local("r.sent_at", "r.zone")}) AS sent_hour, r.sent_day AS day,
       count(*) AS delivered,
       count(*) FILTER (WHERE {responded} < r.sent_at + INTERVAL 24 HOUR) AS responded
FROM (SELECT mailing_id, customer_id, zone, sent_at, sent_day, opened_at, clicked_at
      FROM reach_times
      WHERE sent_at IS NOT NULL AND delivered_at IS NOT NULL AND ({where})) r
JOIN mailings m ON m.mailing_id = r.mailing_id
LEFT JOIN customers c ON c.customer_id = r.customer_id
GROUP BY r.mailing_id, r.zone, coalesce(c.region, '{UNKNOWN}'),
         hour({local("r.sent_at", "r.zone")}), r.sent_day
"""


SEND_HOURS = Fact(
    name="send_hours", select=select,
    columns=(("mailing_id", "VARCHAR"), ("zone", "VARCHAR"), ("region", "VARCHAR"),
             ("sent_hour", "TINYINT"), ("day", "DATE"), ("delivered", "BIGINT"),
             ("responded", "BIGINT")),
    keys=("mailing_id", "zone", "region", "sent_hour", "day"),
    measures=("delivered", "responded"), serves=("Send-time advice",))
