"""Erasing customers' personal data in the DuckDB store (``mailreport.erasure``;
docs/personal-data.md), inside the caller's transaction.

Rows are blanked or rewritten, never deleted, so that every count, rate, revenue
and group figure stays what it was: the customer_id, time zone, region and all
behaviour (events' types and times, orders) stay; the contacts go.

- customers: phone and push token become NULL; the email keeps only its domain
  (``@mail.ru``), which the deliverability section groups by.
- events: ip becomes NULL; the user agent becomes a marker that keeps what it
  parsed to (``facts/user_agents.py``, ``ERASED``), for the devices section; the
  customer's contacts are cut out of click urls and bounce reasons.
- user_agents: the raw strings no other event uses any more are removed.
- quarantine: the raw payload of the customer's events (and of any event that
  names their contacts) becomes NULL; the row, with its reason, stays.
- audit: the contacts are cut out of the records' entity and details.
- forgotten: the customer is marked, so that a later load withholds their contacts
  (``ingest/staging.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from mailreport.facts.sql import email_domain, quote
from mailreport.facts.user_agents import ERASED, UNKNOWN
from mailreport.store.duckdb import fact_refresh

FORGOTTEN_SQL = ("CREATE TABLE IF NOT EXISTS forgotten (customer_id VARCHAR PRIMARY KEY, "
                 "forgotten_at TIMESTAMP)")

# what a contact cut out of a longer text (a url, a reason, an audit record) becomes
CUT = "[erased]"
# contacts shorter than this are not looked for inside texts: "123" would cut
# through unrelated numbers
SHORTEST_NEEDLE = 6

FORGET = "customer_id IN (SELECT customer_id FROM _forget)"


def erased_email(col: str) -> str:
    """An email as erasure leaves it: ``@`` and its domain (null without one)."""
    return f"('@' || {email_domain(col)})"


def erased_user_agents_sql(where: str) -> str:
    """(event_id, marker) for the events ``where`` matches whose user agent is still
    raw: its parse (user_agents, filled first) and its rank among the customer's
    user agents of that mailing and instant, as a raw string sorts."""
    unknown = f"'{UNKNOWN}'"
    return f"""
SELECT e.event_id,
       '{ERASED}' || lpad(CAST(dense_rank() OVER (
           PARTITION BY e.mailing_id, e.customer_id, e.ts ORDER BY e.user_agent)
           AS VARCHAR), 4, '0')
       || '|' || coalesce(u.device, {unknown}) || '|' || coalesce(u.client, {unknown})
       || '|' || coalesce(u.os, {unknown}) AS marker
FROM events e LEFT JOIN user_agents u ON u.user_agent = e.user_agent
WHERE ({where}) AND e.user_agent IS NOT NULL AND NOT starts_with(e.user_agent, '{ERASED}')
"""


def erase_user_agents(con, where: str) -> tuple[int, int]:
    """Replace the raw user agents of the events ``where`` matches with markers, and
    drop the parsed rows of raw strings no event holds any more. Returns (events
    changed, user agents dropped)."""
    fact_refresh.fill_user_agents(con, where)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _raw_agents AS
        SELECT DISTINCT user_agent FROM events
        WHERE ({where}) AND user_agent IS NOT NULL AND NOT starts_with(user_agent, '{ERASED}')""")
    changed = con.execute(f"""UPDATE events SET user_agent = m.marker
        FROM ({erased_user_agents_sql(where)}) m WHERE events.event_id = m.event_id
        """).fetchall()[0][0]
    dropped = con.execute("""DELETE FROM user_agents
        WHERE user_agent IN (SELECT user_agent FROM _raw_agents)
          AND user_agent NOT IN (SELECT DISTINCT user_agent FROM events
                                 WHERE user_agent IS NOT NULL)""").fetchall()[0][0]
    con.execute("DROP TABLE _raw_agents")
    return int(changed), int(dropped)


def needles(contacts: list[tuple]) -> str | None:
    """One case-insensitive pattern for the contacts as they may appear in a text:
    the email as is and url-encoded, the phone with and without its punctuation,
    the push token; None when there is nothing to look for."""
    found: set[str] = set()
    for email, phone, push_token in contacts:
        if email and not email.startswith("@"):  # "@domain": erased already
            found |= {email, email.replace("@", "%40")}
        if phone:
            found |= {phone, re.sub(r"\D", "", phone)}
        if push_token:
            found.add(push_token)
    found = {n for n in found if len(n) >= SHORTEST_NEEDLE}
    if not found:
        return None
    # longest first: an alternation takes the first that matches
    return "|".join(re.escape(n) for n in sorted(found, key=lambda n: (-len(n), n)))


def cut(col: str) -> str:
    """``col`` with the contacts (the bound pattern ``$pattern``) cut out."""
    return f"regexp_replace({col}, $pattern, '{CUT}', 'gi')"


def has(col: str) -> str:
    return f"coalesce(regexp_matches({col}, $pattern, 'i'), false)"


@dataclass
class ErasedRows:
    """What one erasure changed: the ids it marked forgotten now, those forgotten
    before, those the store does not know, and rows changed per table."""

    forgotten: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def erase(con, settings, ids: list[str], now: dt.datetime) -> ErasedRows:
    """Erase the customers ``ids`` in the open transaction on ``con``, and refresh the
    facts of the mailings whose events changed. Running it again changes nothing."""
    result = ErasedRows()
    con.execute("CREATE OR REPLACE TEMP TABLE _forget (customer_id VARCHAR)")
    con.executemany("INSERT INTO _forget VALUES (?)", [[i] for i in dict.fromkeys(ids)])
    known = {r[0] for r in con.execute(
        f"SELECT customer_id FROM customers WHERE {FORGET}").fetchall()}
    before = {r[0] for r in con.execute(
        f"SELECT customer_id FROM forgotten WHERE {FORGET}").fetchall()}
    for i in dict.fromkeys(ids):
        (result.already if i in before else result.forgotten if i in known
         else result.unknown).append(i)
    pattern = needles(con.execute(
        f"SELECT email, phone, push_token FROM customers WHERE {FORGET}").fetchall())
    rows = result.rows
    rows["customers"] = _count(con, f"""UPDATE customers SET email = {erased_email('email')},
        phone = NULL, push_token = NULL
        WHERE {FORGET} AND (email IS DISTINCT FROM {erased_email('email')}
                            OR phone IS NOT NULL OR push_token IS NOT NULL)""")
    params = {"pattern": pattern} if pattern else {}
    texts = f", url = {cut('url')}, reason = {cut('reason')}" if pattern else ""
    changed_texts = f" OR {has('url')} OR {has('reason')}" if pattern else ""
    rows["events"] = _count(con, f"""SELECT count(*) FROM events WHERE {FORGET} AND (
        ip IS NOT NULL OR NOT starts_with(user_agent, '{ERASED}'){changed_texts})""", params)
    _count(con, f"""UPDATE events SET ip = NULL{texts}
        WHERE {FORGET} AND (ip IS NOT NULL{changed_texts})""", params)
    rows["user_agents"] = erase_user_agents(con, FORGET)[1]
    # the quarantine holds events whose customer may be unknown to the store yet:
    # those of the ids asked for, and those that name the contacts, lose their payload
    names = f" OR {has('event')}" if pattern else ""
    reason = f", reason = {cut('reason')}" if pattern else ""
    rows["quarantine"] = _count(con, f"""UPDATE quarantine SET event = NULL{reason}
        WHERE event IS NOT NULL AND ({FORGET}{names})""", params)
    rows["audit"] = _count(con, f"""UPDATE audit SET entity = {cut('entity')},
        details = {cut('details')} WHERE {has('entity')} OR {has('details')}""",
        params) if pattern else 0
    if result.forgotten:
        con.executemany("INSERT INTO forgotten VALUES (?, ?)",
                        [[i, now] for i in result.forgotten])
    if rows["events"]:
        fact_refresh.begin_changes(con)
        con.execute(f"INSERT INTO _changed_mailings SELECT DISTINCT mailing_id FROM events "
                    f"WHERE {FORGET}")
        fact_refresh.refresh(con, settings)
    con.execute("DROP TABLE _forget")
    return result


def _count(con, sql: str, params: dict | None = None) -> int:
    return int(con.execute(sql, params or {}).fetchall()[0][0])


def withheld_select(table: str, source: str) -> tuple[str, str] | None:
    """For a load (``ingest/staging.py``): ``source``'s rows of ``table`` with the
    forgotten customers' contacts withheld, and the condition that counts the rows
    whose contacts were withheld; None for a table without contacts. Events already
    stored keep the stored (erased) values, so a file loaded again finds its rows the
    same, not in conflict; new events lose their ip here and their user agent when
    the load ends (``erase_user_agents``)."""
    forgotten = "f.customer_id IS NOT NULL"
    if table == "customers":
        email = f"CASE WHEN {forgotten} THEN {erased_email('t.email')} ELSE t.email END"
        select = (f"SELECT t.* REPLACE ({email} AS email, "
                  f"CASE WHEN {forgotten} THEN NULL ELSE t.phone END AS phone, "
                  f"CASE WHEN {forgotten} THEN NULL ELSE t.push_token END AS push_token), "
                  f"{forgotten} AND (t.email IS DISTINCT FROM {erased_email('t.email')} "
                  f"OR t.phone IS NOT NULL OR t.push_token IS NOT NULL) AS _withheld "
                  f"FROM {source} t LEFT JOIN forgotten f ON f.customer_id = t.customer_id")
        return select, "_withheld"
    if table == "events":
        def kept(col: str, new: str) -> str:
            return (f"CASE WHEN NOT {forgotten} THEN t.{quote(col)} WHEN s.event_id IS NOT "
                    f"NULL THEN s.{quote(col)} ELSE {new} END AS {quote(col)}")

        select = (f"SELECT t.* REPLACE ({kept('ip', 'NULL')}, "
                  f"{kept('user_agent', 't.user_agent')}, {kept('url', 't.url')}, "
                  f"{kept('reason', 't.reason')}), "
                  f"{forgotten} AND (t.ip IS NOT NULL OR t.user_agent IS NOT NULL) "
                  f"AS _withheld FROM {source} t "
                  f"LEFT JOIN forgotten f ON f.customer_id = t.customer_id "
                  f"LEFT JOIN events s ON {forgotten} AND s.event_id = t.event_id")
        return select, "_withheld"
    return None
