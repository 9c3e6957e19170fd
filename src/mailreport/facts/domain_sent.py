"""domain_sent: an email mailing's sent customers by recipient domain and the
company date of their sent reach time, for the deliverability section's domains
(DESIGN.md, "Deliverability"); a rollup of reach_times, so it counts as the
funnel's sent stage does."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.sql import email_domain
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT r.mailing_id, {email_domain("c.email")} AS domain, r.sent_day AS day,
       count(*) AS customers
FROM (SELECT mailing_id, customer_id, sent_day FROM reach_times
      WHERE sent_day IS NOT NULL AND ({where})) r
JOIN mailings m ON m.mailing_id = r.mailing_id AND m.channel = 'email'
LEFT JOIN customers c ON c.customer_id = r.customer_id
GROUP BY r.mailing_id, {email_domain("c.email")}, r.sent_day
"""


DOMAIN_SENT = Fact(
    name="domain_sent", select=select,
    columns=(("mailing_id", "VARCHAR"), ("domain", "VARCHAR"), ("day", "DATE"),
             ("customers", "BIGINT")),
    keys=("mailing_id", "domain", "day"), measures=("customers",),
    serves=("Deliverability",))
