"""Facts: what every report repeats, computed once per data change.

Each fact is one definition (a :class:`Fact`, one module each) that every engine
builds: the DuckDB store in slices and incrementally, live events by subtracting
and adding counts, Spark and PostgreSQL whole. Report sections read facts only,
the same way on every engine.

``FACTS`` lists them in the order they are built: the derived tables first
(reach times, attribution), then the rollups that sum them, then the campaigns'
counts, which read the mailings' facts.
"""

from __future__ import annotations

import hashlib

from mailreport.facts.attribution import ATTRIBUTED_LINES, ATTRIBUTED_ORDERS
from mailreport.facts.bounces import BOUNCES
from mailreport.facts.buyers import BUYERS
from mailreport.facts.campaign_counts import CAMPAIGN_COUNTS
from mailreport.facts.campaign_mailings import CAMPAIGN_MAILINGS
from mailreport.facts.category_sales import CATEGORY_SALES
from mailreport.facts.click_counts import CLICK_COUNTS
from mailreport.facts.complaints import COMPLAINTS
from mailreport.facts.domain_sent import DOMAIN_SENT
from mailreport.facts.fact import Fact
from mailreport.facts.open_counts import OPEN_COUNTS
from mailreport.facts.order_days import ORDER_DAYS
from mailreport.facts.reach_counts import REACH_COUNTS
from mailreport.facts.reach_detail_counts import REACH_DETAIL_COUNTS
from mailreport.facts.reach_details import REACH_DETAILS
from mailreport.facts.reach_times import REACH_TIMES
from mailreport.facts.send_hours import SEND_HOURS
from mailreport.facts.user_agents import PARSER
from mailreport.facts.window_orders import WINDOW_ORDERS
from mailreport.settings import Settings

FACTS: tuple[Fact, ...] = (
    REACH_TIMES, ATTRIBUTED_ORDERS, ATTRIBUTED_LINES,
    REACH_COUNTS, OPEN_COUNTS, CLICK_COUNTS, COMPLAINTS, BOUNCES, DOMAIN_SENT, REACH_DETAILS,
    REACH_DETAIL_COUNTS, WINDOW_ORDERS, CATEGORY_SALES, ORDER_DAYS, BUYERS, SEND_HOURS,
    CAMPAIGN_MAILINGS, CAMPAIGN_COUNTS,
)
BY_NAME = {f.name: f for f in FACTS}
FACT_TABLES = tuple(f.name for f in FACTS)


def fingerprint(settings: Settings) -> str:
    """What the facts were built from: every definition as its SQL under these
    settings. A store whose facts carry another fingerprint rebuilds them, so a
    changed definition or setting needs no version bumped by hand. The user agents'
    parser is part of it too: a new version parses them all again (user_agents.py)."""
    text = "\n".join(f"{f.ddl()};\n{f.select(settings, 'true')}" for f in FACTS)
    text += f"\n-- user agents parsed by {PARSER}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


__all__ = ["BY_NAME", "FACTS", "FACT_TABLES", "Fact", "fingerprint"]
