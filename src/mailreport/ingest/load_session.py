"""One load's transaction on the DuckDB store: stage, validate, merge, refresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import available_timezones

import pyarrow as pa

from mailreport.contract import Table
from mailreport.facts.sql import sql_str
from mailreport.ingest import staging
from mailreport.ingest.staging import MergeCounts
from mailreport.store.duckdb import erasure, fact_refresh


def memory_bytes(setting: str) -> float:
    """DuckDB's memory_limit as it shows it ('190.7 MiB', '3.7 GiB') in bytes."""
    number, _, unit = setting.partition(" ")
    scale = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
    return float(number) * scale.get(unit, 2**30)


# A load holds each chunk as Arrow in Python while it merges it (``staging.held``):
# its rows as text, typed, then accepted, and the engine's buffers for reading them,
# memory the engine does not count against its limit. So while files are staged and
# merged, the engine's limit is lowered by HELD_SHARE of it, and a chunk is cut once
# its text takes that share / HELD_PER_STAGED (merging 1.9M events, 318 MB of text,
# the process held 1.9 GB beyond what the engine counted): the two together stay
# within the configured limit. The facts' refresh, which holds no Arrow, gets it whole.
HELD_SHARE = 0.25
HELD_PER_STAGED = 8

# Rows a Parquet file's first range reads, to learn its rows' size in Arrow before
# ranges are sized by bytes.
PROBE_ROWS = 10_000
MIN_PIECE_ROWS = 1_000


class LoadSession:
    """Opened by :meth:`open`; every method runs in the load's transaction."""

    @classmethod
    @contextmanager
    def open(cls, store) -> Iterator[LoadSession]:
        """A load: one transaction on the store that commits all accepted rows and the
        derived tables they change, or nothing."""
        try:
            with store.write() as con, store.replacement_scans():
                session = cls(con, store.settings, store.memory_limit)
                yield session
                session.finish()
        finally:
            # after the transaction: one that failed refuses even a SET
            store.limit_engine()

    def __init__(self, con, settings, configured_limit: str):
        self.con = con
        self.settings = settings
        con.execute(staging.REJECTS_SQL)
        con.execute("DELETE FROM _rejects")
        con.execute(staging.FORGOTTEN_MET_SQL)
        con.execute("DELETE FROM _forgotten_met")
        staging.load_zones(con, sorted(available_timezones()))
        fact_refresh.begin_changes(con)
        self._refreshed = False
        self._configured_limit = configured_limit
        self._memory_limit = memory_bytes(
            con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        lowered = int(self._memory_limit * (1 - HELD_SHARE))
        con.execute(f"SET memory_limit = '{lowered}B'")

    def chunk_rows(self, most: int) -> int:
        """Rows a chunk may hold: at most ``most``, and about one per 2 KB of the
        engine's memory limit, since a chunk's text and typed copies are held as
        Arrow beside the engine's own memory (``staging.held``)."""
        return int(max(50_000, min(most, self._memory_limit // 2048)))

    def chunk_bytes(self) -> int:
        """Bytes of text (Arrow) a chunk may stage: see HELD_SHARE."""
        return int(self._memory_limit * HELD_SHARE / HELD_PER_STAGED)

    def full(self, most: int) -> bool:
        """Whether the staged chunk is to be merged now: by rows, or by bytes (when
        a row more, of the size this file's have had, would not fit)."""
        per_row = self.file_bytes / self.file_rows if self.file_rows else 0
        return (self.staged >= self.chunk_rows(most)
                or self.staged_bytes + per_row > self.chunk_bytes())

    def room(self, most: int) -> int:
        """Rows the chunk has room for still, by count and by the bytes a row of this
        file has taken so far; a probe's worth before any was staged. At least
        MIN_PIECE_ROWS."""
        rows = self.chunk_rows(most) - self.staged
        if self.file_rows:
            per_row = self.file_bytes / self.file_rows
            rows = min(rows, int((self.chunk_bytes() - self.staged_bytes) / per_row))
        else:
            rows = min(rows, PROBE_ROWS)
        return max(rows, MIN_PIECE_ROWS)

    def start_file(self, table: Table) -> None:
        staging.start_file(self.con, table)
        self.pieces: list[pa.Table] = []  # this chunk's rows as text (see staging.held)
        self.staged = 0
        self.staged_bytes = 0
        self.file_rows = self.file_bytes = 0  # staged of this file so far

    def stage_arrow(self, table: Table, batch: pa.Table) -> None:
        self.con.register("_batch", batch)
        try:
            self._stage(f"SELECT {staging.stage_columns(table, set(batch.column_names), '_line')}"
                        " FROM _batch")
        finally:
            self.con.unregister("_batch")
        self.staged += batch.num_rows

    def stage_parquet(self, table: Table, path, columns: list[str], first: int,
                      stop: int) -> None:
        """Rows [first, stop) of a Parquet file, read by the engine itself: it skips
        the row groups outside the range."""
        source = (f"read_parquet({sql_str(str(path))}, file_row_number = true) "
                  f"WHERE file_row_number >= {int(first)} AND file_row_number < {int(stop)}")
        self._stage(f"SELECT {staging.stage_columns(table, set(columns), 'file_row_number + 1')}"
                    f" FROM {source}")
        self.staged += stop - first

    def _stage(self, select: str) -> None:
        piece = self.con.sql(select).to_arrow_table()
        self.pieces.append(piece)
        self.staged_bytes += piece.nbytes
        self.file_rows += piece.num_rows
        self.file_bytes += piece.nbytes

    def reject_malformed(self, table: Table, file: str, line: int, text: str,
                         reason: str) -> None:
        self.con.execute("INSERT INTO _rejects VALUES (?, ?, ?, NULL, ?, 'malformed_row', ?)",
                         [table.name, file, line, text, reason])

    def merge(self, table: Table, file: str) -> MergeCounts:
        """Validate and merge what is staged, and start a new chunk."""
        pieces, self.pieces = self.pieces, []
        if not pieces:
            pieces.append(self.con.sql("SELECT " + staging.stage_columns(
                table, set(), "CAST(0 AS BIGINT)") + " LIMIT 0").to_arrow_table())
        stage = pa.concat_tables(pieces)
        del pieces
        counts = staging.validate_and_merge(self.con, table, file, stage)
        self.staged = self.staged_bytes = 0
        return counts

    def refresh_facts(self) -> None:
        # nothing is held as Arrow any more: the engine may use the whole limit
        self.con.execute(f"SET memory_limit = '{self._configured_limit}'")
        # new events of forgotten customers: their user agents erased, as stored ones
        if self.con.execute("SELECT EXISTS (SELECT 1 FROM _forgotten_met)").fetchall()[0][0]:
            erasure.erase_user_agents(
                self.con, "customer_id IN (SELECT customer_id FROM _forgotten_met)")
        fact_refresh.refresh(self.con, self.settings)
        self._refreshed = True

    def finish(self) -> None:
        if not self._refreshed:
            self.refresh_facts()
        self.con.execute("DROP TABLE IF EXISTS _file_keys")

    def rejects(self):
        """Rejected rows as (table, file, line, column, value, rule, reason), in order
        (the lake's load gives them in the same order: ``ingest/lake_load.py``)."""
        cur = self.con.execute(
            'SELECT "table", file, line, "column", value, rule, reason FROM _rejects '
            'ORDER BY file, line, "column", rule')
        while chunk := cur.fetchmany(10_000):
            yield from chunk

    def rejected_count(self, file: str) -> int:
        return self.con.execute(f"SELECT count(DISTINCT line) FROM _rejects WHERE file = "
                                f"{sql_str(file)}").fetchall()[0][0]

