"""user_agents: each distinct user agent of the events, parsed once into the device
type, client and operating system that "Devices and clients" (DESIGN.md) counts by.

Parsing is Python (the ``ua-parser`` library), so this table is not a Fact: a store
fills it for the user agents it does not hold yet before it builds or refreshes the
facts (``missing_sql`` selects them), and ``reach_details`` joins it in SQL on every
engine. A user agent is parsed the same way whenever it is met, so rows are only
ever added; a new parser version changes ``PARSER``, and so the facts' fingerprint
(``facts.fingerprint``), and the rebuild that follows parses every user agent again.

Why ua-parser: it is the Python port of the uap-core rules (kept by the ua-parser
project, with monthly data releases as ``ua-parser-builtins``; the rules Snowplow's
user-agent enrichment also uses), not regexes of our own; it names mail clients
(Apple Mail, Outlook, Thunderbird, YandexMail) and image proxies as families; it
has an optional Rust accelerator; it is pure data, no network. It gives no device
type, so that is read from the families it gives (``device_type``)."""

from __future__ import annotations

import functools
from importlib.metadata import version

UNKNOWN = "unknown"

# An erased user agent (erasure.py, docs/personal-data.md): the raw string of a
# forgotten customer's event is replaced by this prefix, a rank and what it parsed
# to, e.g. ``erased:0001|mobile|Apple Mail|iOS``. The parse is kept so that the
# devices section counts them as before, and survives a new parser's re-parse;
# the rank orders a customer's user agents of one instant as their raw strings
# did, so ``reach_details`` picks the same one (its ``min``).
ERASED = "erased:"

COLUMNS = (("user_agent", "VARCHAR"), ("device", "VARCHAR"), ("client", "VARCHAR"),
           ("os", "VARCHAR"))

PARSER = f"ua-parser {version('ua-parser')}, data {version('ua-parser-builtins')}"

DDL = ("CREATE TABLE IF NOT EXISTS user_agents ("
       + ", ".join(f'"{n}" {t}' for n, t in COLUMNS) + ")")


def distinct_sql(where: str = "true") -> str:
    """The user agents of the opens and clicks ``where`` matches (a condition on the
    events' mailing_id and customer_id). An absent one is the empty string, parsed
    as "unknown" like any other."""
    return f"""
SELECT DISTINCT coalesce(e.user_agent, '') AS user_agent FROM events e
WHERE e.type IN ('opened', 'clicked') AND ({where})
"""


def missing_sql(where: str = "true") -> str:
    """Those of ``distinct_sql`` not parsed yet."""
    return (f"SELECT user_agent FROM ({distinct_sql(where)}) d "
            "WHERE user_agent NOT IN (SELECT user_agent FROM user_agents)")


DESKTOP_SYSTEMS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora",
                   "FreeBSD", "Debian", "macOS"}
MOBILE_SYSTEMS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "HarmonyOS",
                  "KaiOS", "Symbian OS", "Tizen"}


def device_type(os_family: str | None, device_family: str | None,
                device_brand: str | None) -> str:
    """desktop, mobile, tablet or unknown. uap-core names tablets in the device
    family (iPad, "... Tablet", Kindle) or brand (Generic_Android_Tablet: Android
    without the Mobile token); any other phone system is mobile."""
    names = f"{device_family or ''} {device_brand or ''}".lower()
    if "ipad" in names or "tablet" in names or "kindle" in names:
        return "tablet"
    if os_family in MOBILE_SYSTEMS:
        return "mobile"
    if os_family in DESKTOP_SYSTEMS:
        return "desktop"
    return UNKNOWN


@functools.lru_cache(maxsize=4096)
def parse(user_agent: str | None) -> tuple[str, str, str]:
    """(device type, client, operating system) of a user agent; "unknown" for what
    the parser does not name, and for an empty or absent one."""
    from ua_parser import parse as ua_parse  # the rules load lazily, on first use

    text = (user_agent or "").strip()
    if not text:
        return UNKNOWN, UNKNOWN, UNKNOWN
    if text.startswith(ERASED):
        parts = text.split("|", 3)
        if len(parts) == 4:
            return parts[1], parts[2], parts[3]
    result = ua_parse(text)
    agent, system, device = result.user_agent, result.os, result.device
    client = agent.family if agent and agent.family != "Other" else UNKNOWN
    os_family = system.family if system and system.family != "Other" else None
    return (device_type(os_family, device.family if device else None,
                        device.brand if device else None),
            client, {"Mac OS X": "macOS"}.get(os_family or "", os_family or UNKNOWN))


def rows(user_agents) -> list[tuple[str, str, str, str]]:
    """The table's rows for these user agents."""
    return [(ua, *parse(ua)) for ua in user_agents]


def fill(fetch, insert, where: str = "true") -> int:
    """Parse and add the user agents of the events ``where`` matches that the store
    does not hold yet: ``fetch(sql)`` returns rows, ``insert(rows)`` adds rows to
    the table. Returns how many were added."""
    missing = [r[0] for r in fetch(missing_sql(where))]
    if missing:
        insert(rows(missing))
    return len(missing)
