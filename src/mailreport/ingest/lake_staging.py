"""Webhooks and events into a lake: staged as Parquet files, merged by the next
refresh.

A server over a lake (``serve --lake``) does not rewrite the lake's partitions
for each webhook: it judges a batch exactly as live ingestion does, with the same
statements (``ingest/live_commit.py``: the contract's checks of
``ingest/staging.py``, the machine rules, event_id dedupe), against the lake's
tables read in place and the events staged before, and writes the new valid
events as one Parquet file ``LAKE/_staging/events/<UTC time>-<random>.parquet``.
Quarantined events go to the server's own DuckDB file (``--db``), the quarantine
of live ingestion. The answer is sent once the file is on disk (written under a
hidden name, fsync'd, renamed, its folder fsync'd) and the quarantine committed.

``mailreport refresh --lake`` then merges the files present when it starts into
the lake's ``events`` through the lake's load (``ingest/lake_load.py``: the same
dedupe and partition swap), removes them and builds the facts.

What the lake cannot do that a DuckDB store does: a machine rule that a new
event fires on an event already stored (a click within seconds of a delivery
that arrives after it) marks the new event, never the stored one, which is in a
Parquet file (docs/spark.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from mailreport.contract import table
from mailreport.facts.sql import quote, sql_list, sql_str
from mailreport.ingest import live_commit
from mailreport.ingest.live import (  # the batch as live ingestion converts it
    IngestResult,
    batch_table,
    has_timing,
    needs_customer,
    repeats,
)
from mailreport.store.durable import sync_dir
from mailreport.store.lake_swap import LakeBusy
from mailreport.store.lake_views import contract_view, typed
from mailreport.store.spark.errors import first_line
from mailreport.store.spark.lake_inputs import RefreshError

EVENTS = table("events")
COLUMNS = [(c.name, c.store_type) for c in EVENTS.columns]
STAGING = "_staging"
MERGING = "merging"    # under _staging: a refresh's copy of the files it merges
REJECTED = "rejected"  # under _staging: the load reports of merges that rejected rows
LOCK_NAME = ".lock"
# a read that met a file a refresh was merging or swapping is tried again
READ_ATTEMPTS = 5


class StagingError(Exception):
    """The events could not be staged; the message says what and where."""


def serves_lake(store) -> bool:
    return getattr(store, "engine", None) == "lake"


def staging_folder(lake: Path) -> Path:
    return Path(lake) / STAGING / EVENTS.name


def staged_files(lake: Path) -> list[Path]:
    """The staged files, oldest first (their names start with the time they were
    written); files still being written have hidden names and are left out."""
    folder = staging_folder(lake)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))


# -- staging a batch ----------------------------------------------------------------


def stage_events(store, events: Sequence[dict]) -> IngestResult:
    """Judge a batch of events (as providers' parsers give them to
    ``live.ingest_events``) against the lake of ``store``, a LakeStore with a file
    of its own, and stage the new valid ones durably; quarantine the others in the
    store's file. Returns once both are durable. One batch at a time per lake (a
    lock on ``LAKE/_staging/events/.lock``, which holds across processes too), so
    that each batch is judged against the files of those before it."""
    if not events:
        return IngestResult()
    if store.state is None:
        raise StagingError(f"a reader of the lake {store.lake} keeps nothing: events are "
                           f"staged by `mailreport serve --lake LAKE --db FILE`")
    batch = batch_table(events)
    batch = batch.append_column("_line", pa.array(range(1, batch.num_rows + 1), pa.int64()))
    folder = staging_folder(store.lake)
    try:
        _make_folder(folder)
        with _locked(folder):
            return _stage(store, batch, folder)
    except OSError as exc:
        raise StagingError(f"cannot stage events in {folder}: {exc.strerror or exc}; "
                           f"nothing was staged (the sender delivers again)") from None
    except duckdb.Error as exc:  # a file of the lake, or one staged, that cannot be read
        raise StagingError(f"cannot judge events against the lake {store.lake}: "
                           f"{first_line(exc)}; nothing was staged") from None


def replay_quarantine(store) -> IngestResult:
    """Judge the quarantined events again (e.g. once their mailing is in the lake):
    those that pass are staged and leave the quarantine, the others stay."""
    rows = store.sql("SELECT event FROM quarantine ORDER BY received_at, quarantine_id")
    return stage_events(store, [json.loads(r[0]) for r in rows if r[0]])


def _stage(store, batch: pa.Table, folder: Path) -> IngestResult:
    for attempt in range(1, READ_ATTEMPTS + 1):
        con = store.con.cursor()  # its own transaction and temporary tables
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("BEGIN")
            try:
                rows, new = _judge(con, store.lake, batch)
                if new.num_rows:
                    write_durably(folder, new)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return _result(batch.num_rows, rows)
        except duckdb.IOException:
            # a staged file merged and removed, or a partition swapped, while this
            # read: the lake now holds them, so reading again sees them
            if attempt == READ_ATTEMPTS:
                raise
        finally:
            con.close()
    raise AssertionError("unreachable")


def _judge(con, lake: Path, batch: pa.Table) -> tuple[list[tuple], pa.Table]:
    """Live ingestion's commit (``live_commit.ingest``) over the lake: the names it
    reads are temporary tables and views of this connection that shadow the
    store file's own. Returns its rows (lines not stored: duplicates, quarantine)
    and the new events, typed as the contract types them."""
    con.register("_live_batch", batch)
    # listed before the lake is read: a file a refresh removes after listing is in
    # the lake by then (it swaps the partitions in before it removes the files)
    staged = staged_files(lake)
    for name in ("mailings", "variants", "customers"):
        con.execute(f"CREATE TEMP VIEW {name} AS {contract_view(con, lake, table(name))}")
    con.execute("CREATE TEMP TABLE live_pending (mailing_id VARCHAR, customer_id VARCHAR)")
    con.execute(f"CREATE TEMP TABLE events AS {_stored_events(con, lake, batch, staged)}")
    rows, _noted, _held = live_commit.ingest(con, batch.num_rows, needs_customer(batch),
                                             has_timing(batch), repeats(batch), None)
    names = ", ".join(quote(c) for c, _ in COLUMNS)
    new = con.sql(typed(f"(SELECT {names} FROM _live_judged WHERE _status = 'new') j",
                        COLUMNS) + " ORDER BY mailing_id, customer_id, ts, event_id"
                  ).to_arrow_table()
    return rows, new


def _stored_events(con, lake: Path, batch: pa.Table, staged: list[Path]) -> str:
    """What live ingestion reads of the stored events, from the lake's and the
    staged ones: those with an event_id of the batch (a copy, or a conflict in
    another mailing), and for the machine rules the deliveries and clicks of the
    batch's recipients in its mailings."""
    events = f"({contract_view(con, lake, EVENTS)})"
    if staged:
        files = ", ".join(sql_str(str(p)) for p in staged)
        source = f"read_parquet([{files}], union_by_name = true)"
        events += f" UNION ALL ({typed(source, COLUMNS, present_columns(con, source))})"
    ids = sorted({i for i in batch["event_id"].to_pylist() if i})
    wanted = [f"event_id IN ({sql_list(ids)})"] if ids else []
    if has_timing(batch):
        mailings = sorted({m for m in batch["mailing_id"].to_pylist() if m})
        if mailings:
            # the customers of the batch, and those its addresses name (a superset of
            # those live ingestion finds: only what is read depends on it)
            wanted.append(f"""mailing_id IN ({sql_list(mailings)})
                AND type IN ('delivered', 'clicked')
                AND customer_id IN (
                    SELECT customer_id FROM _live_batch
                    UNION SELECT customer_id FROM customers
                    WHERE lower(email) IN (SELECT lower(recipient) FROM _live_batch)
                       OR lower(phone) IN (SELECT lower(recipient) FROM _live_batch))""")
    if not wanted:
        return f"SELECT * FROM ({events}) e WHERE false"
    return " UNION ".join(f"SELECT * FROM ({events}) e WHERE {w}" for w in wanted)


def _result(received: int, rows: list[tuple]) -> IngestResult:
    """The answer of live ingestion for a batch, from the lines not stored."""
    result = IngestResult(received=received)
    for line, status, event_id, rule, reason in rows:
        if status == "duplicate":
            result.duplicates += 1
        else:
            result.quarantined += 1
            result.quarantine.append({"index": line - 1, "event_id": event_id,
                                      "rule": rule, "reason": reason})
    result.inserted = received - result.duplicates - result.quarantined
    return result


# -- files on disk ------------------------------------------------------------------


def write_durably(folder: Path, rows: pa.Table) -> Path:
    """``rows`` as one Parquet file in ``folder``, on disk when this returns: written
    under a hidden name, fsync'd, renamed, the folder fsync'd. On any failure no
    file is left, under either name."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.parquet"
    tmp = folder / f".{path.name}.tmp"
    try:
        with open(tmp, "xb") as out:
            pq.write_table(rows, out)
            out.flush()
            os.fsync(out.fileno())
        os.rename(tmp, path)
        sync_dir(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)  # renamed but not known to be on disk: not staged
        raise
    return path


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for parent in (folder.parent, folder.parent.parent):
        sync_dir(parent)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """flock on the staging folder's lock file: one batch at a time, across threads
    (each holds its own descriptor) and processes."""
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# -- merging them: the refresh's first step -------------------------------------------


def merge_staged(lake: Path, spark: Callable[[], Any]) -> str | None:
    """Merge the files staged when this starts into the lake's events (``spark``
    starts Spark, only when there are some), then remove them; the line the refresh
    prints, None when nothing was staged. Files staged meanwhile wait for the next
    refresh. Run under the refresh's lock.

    A merge that dies after the swap leaves the files, whose events are in the lake
    then: the next merge finds them all stored (the load dedupes on event_id) and
    removes them."""
    from mailreport.ingest.lake_load import LakeLoadError, load_lake  # Spark's side only

    lake = Path(lake)
    scratch = lake / STAGING / MERGING
    shutil.rmtree(scratch, ignore_errors=True)  # what a merge that died left
    files = staged_files(lake)
    if not files:
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = scratch / f"{stamp}-{secrets.token_hex(3)}"
    work.mkdir(parents=True)
    try:
        _combine(files, work / f"{EVENTS.name}.parquet")
        try:
            summary = load_lake(spark(), lake, work, report_dir=work / "report")
        except LakeBusy as exc:
            return f"{len(files)} staged file(s) wait for the next refresh: {exc}"
        except LakeLoadError as exc:
            raise RefreshError(str(exc)) from None
        problems = summary.problems + [t.error for t in summary.tables if t.error]
        if problems or not summary.tables:
            raise RefreshError(f"the events staged in {staging_folder(lake)} could not be "
                               f"merged: {'; '.join(problems) or 'no file was read'}")
        merged = summary.tables[0]
        line = (f"merged {merged.read} staged event(s) from {len(files)} file(s) into "
                f"{lake / EVENTS.name}: {merged.inserted} new, {merged.duplicates} already "
                f"there")
        if merged.rejected:
            kept = lake / STAGING / REJECTED / work.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.rename(work / "report", kept)
            line += f", {merged.rejected} rejected (see {kept})"
        remove_merged(files)
        return line
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            scratch.rmdir()


def present_columns(con, source: str) -> set[str]:
    """The columns the staged files have: those staged by an older version lack
    the contract's newer optional columns (bounce_class, reason), read as null."""
    return {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}


def _combine(files: list[Path], target: Path) -> None:
    """The staged files as one, in their order: a load reads one file per table."""
    listed = ", ".join(sql_str(str(p)) for p in files)
    source = f"read_parquet([{listed}], union_by_name = true)"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"COPY ({typed(source, COLUMNS, present_columns(con, source))}) TO "
                    f"{sql_str(str(target))} "
                    f"(FORMAT parquet)")
    except duckdb.Error as exc:
        raise RefreshError(f"cannot read the events staged in {files[0].parent}: "
                           f"{first_line(exc)}; move the file it names out of the folder "
                           f"(nothing was merged)") from None
    finally:
        con.close()


def remove_merged(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
    if files:
        sync_dir(files[0].parent)
