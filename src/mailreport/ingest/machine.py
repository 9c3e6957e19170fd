"""Machine events: opens and clicks made by software, not by the recipient.

Privacy proxies (Apple Mail Privacy Protection) fetch every image of a delivered
email whether or not anyone reads it; security scanners follow every link before
the recipient sees the message. Such events prove delivery and nothing more
(DESIGN.md, "Stages and reach times"), so they are kept with ``is_machine`` set
and the name of the rule that fired in ``machine_rule``.

Three kinds of rule, applied in this order of precedence:

1. the provider's own flag (``provider:<flag>``), set by the provider module;
2. rules on the event alone, here: the user agent and the address it came from;
3. rules on the recipient's other events of the mailing, which the store applies
   set-based while ingesting (``ingest/live.py``), with the thresholds below.

Each rule only ever turns an event into a machine event, never back, so the end
result does not depend on the order in which the events arrive.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

PRIVACY_PROXY_USER_AGENT = "privacy_proxy_user_agent"
SCANNER_USER_AGENT = "scanner_user_agent"
PROXY_ADDRESS = "proxy_address"
CLICK_SOON_AFTER_DELIVERY = "click_soon_after_delivery"
ALL_LINKS_AT_ONCE = "all_links_at_once"

# Rules of kind 3, in order of precedence. The store recomputes them when new
# events arrive, so an event carries the first of them that holds on all the
# events known so far.
TIMING_RULES = (CLICK_SOON_AFTER_DELIVERY, ALL_LINKS_AT_ONCE)

# A person needs more than this to open a delivered email and click a link; a
# link scanner at the receiving gateway does it at once.
CLICK_SOON_AFTER_DELIVERY_SECONDS = 10
# A scanner follows every link of the message within a moment. Three different
# links within this window: two could be a quick person on a two-link email.
ALL_LINKS_WINDOW_SECONDS = 5
ALL_LINKS_MIN_LINKS = 3

# Apple Mail Privacy Protection fetches images through its proxy with exactly this
# user agent; no mail client or browser sends it bare.
_PROXY_USER_AGENTS = frozenset({"mozilla/5.0"})

# Security gateways, link checkers and HTTP libraries that follow links for
# software, not for a person. Matched as substrings of the lower-cased agent.
_SCANNER_PATTERN = re.compile(
    r"barracuda|mimecast|proofpoint|messagelabs|symantec|trendmicro|fireeye|forcepoint"
    r"|sophos|zscaler|safelinks|linkchecker|link-checker|headlesschrome|phantomjs"
    r"|python-requests|python-urllib|aiohttp|go-http-client|okhttp|java/|libwww-perl"
    r"|curl/|wget/|scrapy|httpclient|googlebot|bingbot|crawler|spider|\+http"
)

# Networks whose opens and clicks are made by software. Kept short and named so a
# reviewer can check each one; extend with your gateways' published ranges.
PROXY_NETWORKS: tuple[tuple[str, str], ...] = (
    # Apple's own network: Mail Privacy Protection prefetches come from Apple hosts
    ("17.0.0.0/8", "apple"),
    # Microsoft Exchange Online Protection (Safe Links and attachment scanning)
    ("40.92.0.0/15", "microsoft_eop"),
    ("40.107.0.0/16", "microsoft_eop"),
    ("52.100.0.0/14", "microsoft_eop"),
    ("104.47.0.0/17", "microsoft_eop"),
)
_NETWORKS = tuple((ipaddress.ip_network(net), name) for net, name in PROXY_NETWORKS)


@lru_cache(maxsize=65_536)
def user_agent_rule(user_agent: str) -> str | None:
    """The rule a user agent alone triggers, if any."""
    ua = user_agent.strip().lower()
    if ua in _PROXY_USER_AGENTS:
        return PRIVACY_PROXY_USER_AGENT
    if _SCANNER_PATTERN.search(ua):
        return SCANNER_USER_AGENT
    return None


@lru_cache(maxsize=65_536)
def address_rule(ip: str) -> str | None:
    """The rule an IP address alone triggers, if any."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    for network, name in _NETWORKS:
        if address.version == network.version and address in network:
            return f"{PROXY_ADDRESS}:{name}"
    return None


def event_rule(event: dict) -> str | None:
    """The first rule of kind 2 that an open or click triggers on its own."""
    if event.get("type") not in ("opened", "clicked"):
        return None
    ua, ip = event.get("user_agent"), event.get("ip")
    return ((user_agent_rule(ua) if isinstance(ua, str) and ua else None)
            or (address_rule(ip) if isinstance(ip, str) and ip else None))


def marks(events: list[dict]) -> tuple[list, list]:
    """Each event's ``is_machine`` and ``machine_rule`` once a provider flag or a rule
    on the event alone is applied; the events themselves are left as they are. An
    event already flagged keeps its rule."""
    is_machine, rules = [], []
    for event in events:
        given = event.get("machine_rule")
        if given:
            is_machine.append(True)
            rules.append(given)
            continue
        rule = event_rule(event)
        if rule:
            is_machine.append(True)
            rules.append(rule)
            continue
        flag = event.get("is_machine")
        is_machine.append(flag)
        # flagged by the sender without a rule name (the generic endpoint)
        rules.append("sender" if str(flag).lower() == "true" else given)
    return is_machine, rules

