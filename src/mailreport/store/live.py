"""Live events: a batch from a webhook or the events API, stored durably in one
transaction, with the derived tables it changes.

The batch goes through the loader's own staging and validation
(``store/staging.py``), so a live event is held to exactly the contract a file
row is. What differs is what happens to the rows that fail it: a file's rejects
are reported to the person loading it, but nobody reads a webhook's answer, so a
live event that cannot be stored (no known mailing or customer, a bad value) goes
to the ``quarantine`` table with the reason, where the CLI and the API show it
and a replay stores it once its mailing or customer has been loaded.

Providers deliver at least once and in any order:

* an event_id already stored in the same mailing is a duplicate: the first copy
  wins (a status callback with no time of its own gets a new ts on each retry);
* machine rules that look at a recipient's other events (``ingest/machine.py``)
  are recomputed over the stored and the new events of the recipients in the
  batch, marking stored events as well, and only ever add a mark, so the result
  is the same in any order of arrival.

Freshness: the derived tables (reach times, attribution) are refreshed in the
same transaction as the insert, for the (mailing, customer) pairs of the batch
only, so a report reads the new events as soon as the webhook has been answered.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from mailreport.contract import table
from mailreport.ingest import machine
from mailreport.store import derived, staging
from mailreport.store.schema import quote
from mailreport.store.staging import sql_str

EVENTS = table("events")
COLUMNS = EVENTS.column_names
RECIPIENT = "recipient"  # the address an event concerns: finds the customer when no id came


@dataclass
class IngestResult:
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    # the quarantined events of this batch: position in the batch (from 0), event_id,
    # rule and reason
    quarantine: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _arrow(events: Sequence[dict]) -> pa.Table:
    columns = {"_line": pa.array(range(1, len(events) + 1), pa.int64())}
    for name in (*COLUMNS, RECIPIENT):
        values = [_text(e.get(name)) for e in events]
        try:
            columns[name] = pa.array(values, pa.string())
        except UnicodeEncodeError:
            # JSON may carry unpaired surrogates ("\ud800"), which UTF-8 cannot: keep
            # them visible as escapes rather than refuse the whole batch
            columns[name] = pa.array(
                [v.encode("utf-8", "backslashreplace").decode() if v else v for v in values],
                pa.string())
    return pa.table(columns)


class _Pending:
    """One caller's batch waiting for a group commit."""

    def __init__(self, events: list[dict]):
        self.events = events
        self.done = threading.Event()
        self.result: IngestResult | None = None
        self.error: BaseException | None = None


class _Committer:
    """Group commit: batches that arrive while a transaction runs wait, then go in
    together in the next one. A transaction costs the same few dozen statements
    whatever its size, so under load this is what keeps up with the providers;
    alone, a batch goes in at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: list[_Pending] = []
        self.leading = False


_committers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_committers_lock = threading.Lock()
GROUP_MAX_EVENTS = 50_000


def ingest_events(store, events: Sequence[dict], source: str = "live") -> IngestResult:
    """Store a batch of events (dicts with the events table's columns, values as
    text or scalars, plus an optional ``recipient``) durably: all its storable events
    and their derived rows, and the quarantine of the rest, or nothing. Returns once
    the transaction that holds them has committed."""
    if not events:
        return IngestResult()
    events = [dict(e) for e in events]
    machine.flag_events(events)
    mine = _Pending(events)
    with _committers_lock:
        committer = _committers.setdefault(store, _Committer())
    with committer.lock:
        committer.pending.append(mine)
        lead = not committer.leading
        committer.leading = True
    if lead:
        _lead(store, committer, source)
    mine.done.wait()
    if mine.error is not None:
        raise mine.error
    assert mine.result is not None
    return mine.result


def _lead(store, committer: _Committer, source: str) -> None:
    """Commit the waiting batches, a group at a time, until none is left."""
    while True:
        with committer.lock:
            group, size = [], 0
            while committer.pending and (not group or size < GROUP_MAX_EVENTS):
                item = committer.pending.pop(0)
                group.append(item)
                size += len(item.events)
            if not group:
                committer.leading = False
                return
        try:
            _commit(store, group, source)
        except BaseException as exc:  # noqa: BLE001 -- handed to the callers
            if len(group) == 1:
                group[0].error = exc
            else:  # one bad batch must not fail the others: each on its own
                for item in group:
                    try:
                        _commit(store, [item], source)
                    except BaseException as one:  # noqa: BLE001
                        item.error = one
        for item in group:
            item.done.set()


def _commit(store, group: list[_Pending], source: str) -> None:
    events, owner, duplicates = [], [], [0] * len(group)
    seen: set[tuple] = set()
    for n, item in enumerate(group):
        for event in item.events:
            key = (event.get("mailing_id"), event.get("event_id"))
            if key[1] and key in seen:  # a copy later in the group: the first one wins
                duplicates[n] += 1
                continue
            seen.add(key)
            events.append(event)
            owner.append(n)
    lines = _ingest_batch(store, events, source)
    for n, item in enumerate(group):
        item.result = IngestResult(received=len(item.events), duplicates=duplicates[n])
    for line in lines["stored"]:
        group[owner[line - 1]].result.inserted += 1
    for line in lines["duplicates"]:
        group[owner[line - 1]].result.duplicates += 1
    positions: dict[int, int] = {}  # the event's position in its caller's batch
    for item in group:
        if lines["quarantine"]:
            positions.update((id(e), i) for i, e in enumerate(item.events))
    for q in lines["quarantine"]:
        result = group[owner[q["index"]]].result
        result.quarantined += 1
        result.quarantine.append({**q, "index": positions[id(events[q["index"]])]})


def _ingest_batch(store, events: list[dict], source: str) -> dict[str, list]:
    batch = _arrow(events)
    needs_customer = any(not e.get("customer_id") and e.get(RECIPIENT) for e in events)
    has_timing = any(e.get("type") in ("delivered", "clicked") for e in events)
    with store.write() as con:
        con.register("_live_batch", batch)
        try:
            return _ingest(con, store.settings, source, needs_customer, has_timing)
        finally:
            con.unregister("_live_batch")


def _ingest(con, settings, source: str, needs_customer: bool,
            has_timing: bool) -> dict[str, list]:
    """The batch's lines that were stored, found already stored and quarantined."""
    derived.begin_changes(con)  # validate_and_merge notes changed mailings there
    con.execute(staging.REJECTS_SQL)
    con.execute("DELETE FROM _rejects")
    staging.create_stage(con, EVENTS)
    con.execute(staging.stage_select(EVENTS, set(COLUMNS), "_line", "_live_batch"))
    if needs_customer:
        _customers_by_address(con)
    _drop_stored_duplicates(con)
    flagged_stored = _timing_rules(con) if has_timing else False
    # validate_and_merge consumes the stage: keep what the steps after it need
    con.execute("CREATE OR REPLACE TEMP TABLE _live_stage AS "
                "SELECT _line, event_id, mailing_id, customer_id FROM _stage")
    staging.validate_and_merge(con, EVENTS, source)
    rejected = f"SELECT DISTINCT line FROM _rejects WHERE file = {sql_str(source)}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_stored AS
        SELECT * FROM _live_stage WHERE _line NOT IN ({rejected})""")
    quarantined = _quarantine(con, source) if _scalar(con, f"SELECT count(*) FROM ({rejected})") \
        else []
    _forget_stored(con)
    _refresh_derived(con, settings, flagged_stored)
    return {"stored": [r[0] for r in con.execute("SELECT _line FROM _live_stored").fetchall()],
            "duplicates": [r[0] for r in con.execute("SELECT _line FROM _live_dups").fetchall()],
            "quarantine": quarantined}


def _scalar(con, sql: str):
    # fetchall, not fetchone: a result left unfinished blocks unregistering the batch
    return con.execute(sql).fetchall()[0][0]


def _customers_by_address(con) -> None:
    """Fill a missing customer_id from the recipient's address, when exactly one
    customer has it as email (case-insensitive) or phone."""
    con.execute("""
        UPDATE _stage SET customer_id = r.customer_id
        FROM (
            SELECT b._line, c.customer_id FROM _live_batch b
            JOIN (SELECT address, min(customer_id) AS customer_id FROM (
                      SELECT lower(email) AS address, customer_id FROM customers
                      WHERE lower(email) IN (SELECT lower(recipient) FROM _live_batch)
                      UNION ALL
                      SELECT lower(phone), customer_id FROM customers
                      WHERE lower(phone) IN (SELECT lower(recipient) FROM _live_batch))
                  GROUP BY address HAVING count(DISTINCT customer_id) = 1) c
              ON c.address = lower(b.recipient)
            WHERE NULLIF(b.customer_id, '') IS NULL) r
        WHERE _stage._line = r._line""")


def _drop_stored_duplicates(con) -> None:
    """Remove from the stage the events already stored; returns how many.

    Matched on mailing_id as well, so the scan of events can skip the row groups of
    other mailings; the same event_id in another mailing is a conflict, which the
    contract's check reports (and the event goes to quarantine)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _live_dups AS
        SELECT DISTINCT s._line, s.event_id FROM _stage s
        JOIN events e ON e.mailing_id = s.mailing_id AND e.event_id = s.event_id""")
    con.execute("DELETE FROM _stage WHERE _line IN (SELECT _line FROM _live_dups)")


def _timing_rules(con) -> bool:
    """Mark clicks by the rules on a recipient's other events, over the stored and
    staged events of the batch's recipients. Returns whether stored events changed."""
    timing = ", ".join(sql_str(r) for r in machine.TIMING_RULES)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_flags AS
    WITH staged AS (
        SELECT 'L' || _line AS k, _line, event_id, mailing_id, customer_id, type,
               CAST(TRY_CAST(NULLIF(ts, '') AS TIMESTAMPTZ) AS TIMESTAMP) AS ts,
               coalesce(NULLIF(link_index, ''), NULLIF(url, '')) AS link,
               NULLIF(machine_rule, '') AS machine_rule
        FROM _stage WHERE type IN ('delivered', 'clicked')
    ), stored AS (
        SELECT 'E' || event_id AS k, NULL::BIGINT AS _line, event_id, mailing_id,
               customer_id, type, ts, coalesce(CAST(link_index AS VARCHAR), url) AS link,
               machine_rule
        FROM events
        WHERE type IN ('delivered', 'clicked')
          AND mailing_id IN (SELECT mailing_id FROM staged)
          AND customer_id IN (SELECT customer_id FROM staged)
    ), ev AS (
        SELECT * FROM staged UNION ALL SELECT * FROM stored
    ), clicks AS (
        SELECT * FROM ev WHERE type = 'clicked' AND ts IS NOT NULL
    ), soon AS (
        SELECT DISTINCT c.k FROM clicks c JOIN ev d
          ON d.type = 'delivered' AND d.mailing_id = c.mailing_id
         AND d.customer_id = c.customer_id
         AND abs(epoch(c.ts) - epoch(d.ts)) <= {machine.CLICK_SOON_AFTER_DELIVERY_SECONDS}
    ), burst AS (
        SELECT c.k FROM clicks c JOIN clicks o
          ON o.mailing_id = c.mailing_id AND o.customer_id = c.customer_id
         AND abs(epoch(c.ts) - epoch(o.ts)) <= {machine.ALL_LINKS_WINDOW_SECONDS}
        GROUP BY c.k HAVING count(DISTINCT o.link) >= {machine.ALL_LINKS_MIN_LINKS}
    ), ruled AS (
        SELECT c.*, CASE
            WHEN c.k IN (SELECT k FROM soon) THEN {sql_str(machine.CLICK_SOON_AFTER_DELIVERY)}
            WHEN c.k IN (SELECT k FROM burst) THEN {sql_str(machine.ALL_LINKS_AT_ONCE)}
            END AS rule
        FROM clicks c
        -- a provider's flag or a rule on the event alone takes precedence
        WHERE c.machine_rule IS NULL OR c.machine_rule IN ({timing})
    )
    SELECT _line, event_id, mailing_id, customer_id, rule FROM ruled
    WHERE rule IS NOT NULL AND rule IS DISTINCT FROM machine_rule""")
    con.execute("""UPDATE _stage SET is_machine = 'true', machine_rule = f.rule
        FROM _live_flags f WHERE f._line = _stage._line""")
    stored = _scalar(con, "SELECT count(*) FROM _live_flags WHERE _line IS NULL")
    if stored:
        con.execute("""UPDATE events SET is_machine = true, machine_rule = f.rule
            FROM _live_flags f
            WHERE f._line IS NULL AND events.mailing_id = f.mailing_id
              AND events.event_id = f.event_id""")
    return bool(stored)


def _quarantine(con, source: str) -> list[dict[str, Any]]:
    """Keep the rejected rows of the batch in quarantine with their reasons; returns
    them. A delivery of the same content again counts in ``deliveries``."""
    # the event as received (with the machine flags of the event alone)
    event_json = "to_json(struct_pack(" + ", ".join(
        f"{c} := b.{quote(c)}" for c in (*COLUMNS, RECIPIENT)) + "))"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_q AS
        SELECT md5(CAST(ev AS VARCHAR)) AS quarantine_id, * FROM (
            SELECT b._line, b.event_id, b.provider, b.mailing_id,
                   coalesce(s.customer_id, b.customer_id) AS customer_id, b.type,
                   r.rule, r.reason, {event_json} AS ev
            FROM _live_batch b
            JOIN (SELECT line, min(rule) AS rule,
                         string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason
                  FROM _rejects WHERE file = {sql_str(source)} GROUP BY line) r
              ON r.line = b._line
            LEFT JOIN _live_stage s ON s._line = b._line)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _live_qrows AS
        SELECT q.quarantine_id, q.event_id, q.provider, q.mailing_id, q.customer_id, q.type,
               q.rule, q.reason, CAST(q.ev AS VARCHAR) AS event,
               coalesce(o.received_at, CAST(get_current_timestamp() AS TIMESTAMP)),
               CAST(get_current_timestamp() AS TIMESTAMP), coalesce(o.deliveries, 0) + 1
        FROM (SELECT * FROM _live_q
              QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY _line) = 1) q
        LEFT JOIN quarantine o USING (quarantine_id)""")
    con.execute("DELETE FROM quarantine WHERE quarantine_id IN "
                "(SELECT quarantine_id FROM _live_qrows)")
    con.execute("INSERT INTO quarantine SELECT * FROM _live_qrows")
    rows = con.execute("SELECT _line - 1, event_id, rule, reason FROM _live_q "
                       "ORDER BY _line").fetchall()
    return [{"index": i, "event_id": e, "rule": r, "reason": why} for i, e, r, why in rows]


def _forget_stored(con) -> None:
    """Drop from quarantine the events this batch stored (or found stored): a
    redelivery after the mailing was loaded, or a replay. A copy that conflicts with
    the stored event stays."""
    if not _scalar(con, "SELECT EXISTS (SELECT 1 FROM quarantine)"):
        return
    con.execute("""DELETE FROM quarantine WHERE rule <> 'duplicate_key' AND event_id IN (
        SELECT event_id FROM _live_stored UNION ALL SELECT event_id FROM _live_dups)""")


def _refresh_derived(con, settings, flagged_stored: bool) -> None:
    """Recompute the derived rows of the batch's (mailing, customer) pairs, and the
    attribution of the customers whose touch moved.

    Narrower than ``derived.refresh``, which recomputes whole mailings: a webhook
    batch touches a few hundred recipients of mailings that may have millions."""
    # the pairs of the events stored (a copy identical to one earlier in the batch
    # too: refreshing a pair again does no harm)
    pairs = "SELECT mailing_id, customer_id FROM _live_stored"
    if flagged_stored:
        pairs += " UNION ALL SELECT mailing_id, customer_id FROM _live_flags WHERE _line IS NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _live_pairs AS SELECT DISTINCT * FROM ({pairs})")
    if not _scalar(con, "SELECT count(*) FROM _live_pairs"):
        return
    # a superset of the pairs (changed mailings x changed customers), still small;
    # the filter names columns only, as derived's queries expect
    flt = ("mailing_id IN (SELECT mailing_id FROM _live_pairs) "
           "AND customer_id IN (SELECT customer_id FROM _live_pairs)")
    con.execute("CREATE OR REPLACE TEMP TABLE _live_touch AS "
                f"SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {flt}")
    con.execute(f"DELETE FROM reach_times WHERE {flt}")
    con.execute("INSERT INTO reach_times " + derived.reach_times_sql(settings, flt))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_customers AS
        SELECT DISTINCT coalesce(n.customer_id, o.customer_id) AS customer_id
        FROM (SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {flt}) n
        FULL OUTER JOIN _live_touch o
          ON o.mailing_id = n.mailing_id AND o.customer_id = n.customer_id
        WHERE n.touch_at IS DISTINCT FROM o.touch_at""")
    if not _scalar(con, "SELECT count(*) FROM _live_customers"):
        return
    # an order is attributed by its customer's touches only
    moved = "customer_id IN (SELECT customer_id FROM _live_customers)"
    con.execute(f"DELETE FROM attributed_orders WHERE {moved}")
    con.execute("INSERT INTO attributed_orders "
                + derived.attributed_orders_sql(settings, "o." + moved))
    con.execute(f"DELETE FROM attributed_lines WHERE {moved}")
    con.execute("INSERT INTO attributed_lines "
                + derived.ATTRIBUTED_LINES_SQL.format(flt="a." + moved))


# -- the quarantine -----------------------------------------------------------------

QUARANTINE_COLUMNS = ("quarantine_id", "event_id", "provider", "mailing_id", "customer_id",
                      "type", "rule", "reason", "received_at", "last_received_at",
                      "deliveries", "event")


def list_quarantine(store, limit: int = 100, offset: int = 0,
                    provider: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """The quarantined events, newest first, and how many there are in all."""
    where, params = ("WHERE provider = ?", [provider]) if provider else ("", [])
    total = store.sql(f"SELECT count(*) FROM quarantine {where}", params)[0][0]
    rows = store.sql(f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantine {where} "
                     "ORDER BY last_received_at DESC, quarantine_id LIMIT ? OFFSET ?",
                     [*params, limit, offset])
    out = []
    for row in rows:
        item = dict(zip(QUARANTINE_COLUMNS, row, strict=True))
        item["event"] = json.loads(item["event"]) if item["event"] else None
        out.append(item)
    return total, out


def replay_quarantine(store) -> IngestResult:
    """Ingest the quarantined events again, e.g. after their mailing or customer was
    loaded. Those that now pass leave the quarantine; the others stay, with their
    reasons brought up to date."""
    rows = store.sql("SELECT event FROM quarantine ORDER BY received_at, quarantine_id")
    events = [json.loads(r[0]) for r in rows if r[0]]
    return ingest_events(store, events, source="quarantine replay")
