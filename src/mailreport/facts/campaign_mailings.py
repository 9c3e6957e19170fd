"""campaign_mailings: the campaign each mailing's rows were counted in, in
``campaign_counts``. A mailing moved to another campaign changes both campaigns'
counts; this is how a refresh knows the one it left."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT mailing_id, campaign_id FROM mailings
WHERE campaign_id IS NOT NULL AND ({where})
ORDER BY mailing_id
"""


CAMPAIGN_MAILINGS = Fact(
    name="campaign_mailings", select=select,
    columns=(("mailing_id", "VARCHAR"), ("campaign_id", "VARCHAR")),
    serves=("Campaign funnel",))
