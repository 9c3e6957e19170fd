"""Live events: a batch from a webhook or the events API, stored durably, with the
derived tables brought up to date within a stated bound.

A live event is held to exactly the contract a file row is: the named checks of
``ingest/staging.py``, run here in one pass over the batch
(``staging.checked_select``) rather than one statement per check, with references
looked up for the batch's own ids. What differs is what happens to the rows that
fail: a file's rejects are reported to the person loading it, but nobody reads a
webhook's answer, so a live event that cannot be stored (no known mailing or
customer, a bad value) goes to the ``quarantine`` table with the reason, where the
CLI and the API show it and a replay stores it once its mailing or customer has
been loaded.

Providers deliver at least once and in any order:

* an event_id already stored in the same mailing, or met earlier in the same
  transaction, is a duplicate: the first copy wins (a status callback with no time
  of its own gets a new ts on each retry);
* machine rules that look at a recipient's other events (``ingest/machine.py``)
  are recomputed over the stored and the new events of the recipients in the
  batch, marking stored events as well, and only ever add a mark, so the result
  is the same in any order of arrival.

Durability: :func:`ingest_events` returns once the transaction that holds the
batch's events, its quarantine and its pending (mailing, customer) pairs has
committed; only then does a webhook answer 2xx.

Freshness: the derived tables (reach times, attribution) are refreshed for the
pending pairs off the acknowledgement path, by the store's live writer
(``ingest/live_writer.py``): **a report reflects an acknowledged event within 2 s**
(``FRESHNESS_BOUND_SECONDS``), normally within 0.5 s under load and within 0.05 s
on a quiet server. The pending pairs are rows of ``live_pending``, committed with
the events, so a crash between the commit and the refresh leaves them pending, and
the writer refreshes them when it starts again.
"""

from __future__ import annotations

import bisect
import json
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mailreport.contract import table
from mailreport.ingest import live_commit, live_writer, machine
from mailreport.ingest.live_writer import FRESHNESS_BOUND_SECONDS, Arrival, Job
from mailreport.store.duckdb import live_refresh

__all__ = ["FRESHNESS_BOUND_SECONDS", "IngestResult", "announce", "flush", "ingest_events",
           "list_quarantine", "refresh_state", "replay_quarantine", "start", "stop"]

EVENTS = table("events")
COLUMNS = EVENTS.column_names
RECIPIENT = "recipient"  # the address an event concerns: finds the customer when no id came
BATCH_COLUMNS = (*COLUMNS, RECIPIENT)


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


def _column(values: list) -> pa.Array:
    """Values as text. Strings (nearly all of them) convert in one call; a number or a
    boolean sends the column through ``_text``."""
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid, UnicodeEncodeError):
        pass
    values = [_text(v) for v in values]
    try:
        return pa.array(values, pa.string())
    except UnicodeEncodeError:
        # JSON may carry unpaired surrogates ("\ud800"), which UTF-8 cannot: keep
        # them visible as escapes rather than refuse the whole batch
        return pa.array([v.encode("utf-8", "backslashreplace").decode() if v else v
                         for v in values], pa.string())


def batch_table(events: Sequence[dict]) -> pa.Table:
    """The batch as text columns, with the machine marks of the events alone."""
    is_machine, rules = machine.marks(events)
    columns = {}
    for name in BATCH_COLUMNS:
        values = (is_machine if name == "is_machine" else rules if name == "machine_rule"
                  else [e.get(name) for e in events])
        columns[name] = _column(values)
    return pa.table(columns)


# -- the store's writer ---------------------------------------------------------------

def _writer(store) -> live_writer.LiveWriter:
    return live_writer.writer_for(store, _commit, _refresh, _has_pending)


def ingest_events(store, events: Sequence[dict], arrival: Arrival | None = None) -> IngestResult:
    """Store a batch of events (dicts with the events table's columns, values as
    text or scalars, plus an optional ``recipient``) durably: all its storable events
    and the quarantine of the rest, or nothing. Returns once the transaction that
    holds them has committed; the derived tables follow within the bound above.
    ``arrival``: what :func:`announce` gave when the batch's request came in."""
    if not events:
        return IngestResult()
    batch = batch_table(events)  # in the caller's thread: the writer only runs SQL
    return _writer(store).submit(Job(batch, len(events)), arrival).wait()


def announce(store) -> Arrival:
    """Tell the store's writer that a batch is on its way (a request came in and is
    being read, verified and parsed), so that it may go in the same transaction as
    the batches already waiting. Pass the answer to :func:`ingest_events`, or cancel
    it."""
    return _writer(store).announce()


def start(store) -> None:
    """Start the store's live writer now (the server does, so that pairs left
    pending by a crash are refreshed without waiting for the next event)."""
    _writer(store)


def flush(store) -> None:
    """Return once every event committed so far is in the derived tables."""
    _writer(store).submit(Job()).wait()


def stop(store) -> None:
    """Refresh what is pending and end the store's live writer: before the store
    is closed."""
    live_writer.stop(store)


@dataclass(frozen=True)
class RefreshState:
    lag_seconds: float  # since the oldest commit not yet in the derived tables; 0: none
    refreshes: int  # derived refreshes the writer has run since it started


def refresh_state(store) -> RefreshState | None:
    """How far the derived tables are behind the live events committed, from the
    store's writer (in memory: no query, so it answers while a load holds the
    store); None when no writer runs (a read-only store, a lake, or not started)."""
    writer = live_writer.running(store)
    return None if writer is None else RefreshState(writer.lag(), writer.refreshes)


def _has_pending(store) -> bool:
    return bool(store.sql(f"SELECT EXISTS (SELECT 1 FROM {live_refresh.PENDING_TABLE})")[0][0])


def _refresh(store) -> None:
    with store.write() as con:
        live_refresh.refresh_pending(con, store.settings)


# whether a store's quarantine may hold events (only live commits add to it): when it
# does not, a commit has nothing to take out of it
_quarantine_held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _commit(store, jobs: list[Job]) -> bool:
    """Store the jobs' batches in one transaction and set each job's result;
    returns whether it noted pending pairs."""
    tables = [job.batch for job in jobs]
    batch = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    batch = batch.append_column("_line", pa.array(range(1, batch.num_rows + 1), pa.int64()))
    starts, at = [], 0
    for job in jobs:
        starts.append(at)
        at += job.size
    with store.write() as con:
        con.register("_live_batch", batch)
        try:
            rows, noted, held = live_commit.ingest(
                con, batch.num_rows, needs_customer(batch), has_timing(batch), repeats(batch),
                _quarantine_held.get(store))
        finally:
            con.unregister("_live_batch")
    _quarantine_held[store] = held
    results = [IngestResult(received=job.size) for job in jobs]
    for line, status, event_id, rule, reason in rows:
        n = bisect.bisect_right(starts, line - 1) - 1
        result = results[n]
        if status == "duplicate":
            result.duplicates += 1
        else:
            result.quarantined += 1
            result.quarantine.append({"index": line - 1 - starts[n], "event_id": event_id,
                                      "rule": rule, "reason": reason})
    for job, result in zip(jobs, results, strict=True):
        result.inserted = result.received - result.duplicates - result.quarantined
        job.result = result
    return noted


def needs_customer(batch: pa.Table) -> bool:
    """Whether an event has no customer_id but an address to find it by."""
    customer, recipient = batch["customer_id"], batch[RECIPIENT]
    missing = pc.or_kleene(pc.is_null(customer), pc.equal(customer, ""))
    address = pc.and_kleene(pc.is_valid(recipient), pc.not_equal(recipient, ""))
    return bool(pc.any(pc.and_kleene(missing, address)).as_py())


def repeats(batch: pa.Table) -> bool:
    """Whether an event_id comes more than once."""
    ids = batch["event_id"]
    return pc.count_distinct(ids, mode="only_valid").as_py() < len(ids) - ids.null_count


def has_timing(batch: pa.Table) -> bool:
    kinds = pa.array(["delivered", "clicked"])
    return bool(pc.any(pc.is_in(batch["type"], value_set=kinds)).as_py())


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
    result = ingest_events(store, events)
    flush(store)  # the CLI closes the store next
    return result
