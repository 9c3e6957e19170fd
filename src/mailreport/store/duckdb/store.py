"""The DuckDB store: one database file, opened by one process.

This module and its siblings in ``store/duckdb/`` are the ones that know the
engine is DuckDB. Reports receive a :class:`Tables` of Ibis tables and run their
expressions through it.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops
from ibis.backends.duckdb.converter import DuckDBPyArrowData

from mailreport import facts
from mailreport.contract import TABLES
from mailreport.settings import Settings
from mailreport.store.budget import Budget, current_budget
from mailreport.store.duckdb import fact_refresh
from mailreport.store.duckdb.schema import MIGRATIONS, SCHEMA_VERSION
from mailreport.store.duckdb.watchdog import Watchdog
from mailreport.store.errors import QueryTimeout, StoreError, StoreLocked
from mailreport.store.tables import Built, Tables

ALL_TABLES = tuple(t.name for t in TABLES) + facts.FACT_TABLES
COMPILED_CACHE = 4096  # compiled queries kept per store


@ibis.udf.scalar.builtin(name="timezone")
def _to_zone(zone: str, ts: dt.datetime) -> dt.datetime:  # DuckDB's timezone(text, timestamptz)
    ...


def _local_time(ts: ibis.Expr, zone: Any) -> ibis.Expr:
    return _to_zone(zone, ts.cast(ibis.dtype("timestamp('UTC')")))


def db_path(explicit: str | os.PathLike | None, settings: Settings) -> Path:
    """--db, else MAILREPORT_DB (folded into settings.db), else ./mailreport.duckdb."""
    return Path(explicit or settings.db)


class DuckDBStore:
    engine = "duckdb"

    def __init__(self, path: str | os.PathLike, settings: Settings, read_only: bool = False,
                 memory_limit: str | None = None):
        self._connect(path, settings, read_only, memory_limit)
        if not read_only:
            self._migrate()
            self._check_facts()
        else:
            self._refuse_stale()

    def _connect(self, path: str | os.PathLike, settings: Settings, read_only: bool,
                 memory_limit: str | None) -> None:
        """The connection and what runs queries on it; no schema checked or made (the
        lake store, store/lake_store.py, reads tables of its own on it)."""
        self.path = Path(path)
        self.settings = settings
        self.read_only = read_only
        self.memory_limit = memory_limit or settings.memory_limit  # as configured
        config = {"memory_limit": self.memory_limit}
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"{self.path} is open in another process (is `mailreport serve` running?)"
                ) from None
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        # Timestamps without an offset are UTC (DESIGN.md): the session's zone is what
        # TIMESTAMPTZ parsing and conversion fall back on.
        self.con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.RLock()
        self._watchdog = Watchdog(self.con.interrupt)
        self._writing = False  # in write(), on the thread that holds the lock
        self._closing: dict[Callable[[DuckDBStore], None], None] = {}  # see on_close
        self._ibis = ibis.duckdb.from_connection(self.con)
        self._tables: dict | None = None
        self._built = Built()
        self._compiled: dict = {}

    # -- schema -------------------------------------------------------------
    def _migrate(self) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        # fetchall, not fetchone: DuckDB 2 refuses other work on a connection whose
        # last result was not read to its end
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        current = int(rows[0][0]) if rows else 0
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {current}; this mailreport "
                             f"knows up to {SCHEMA_VERSION}: upgrade mailreport")
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            self.con.execute("BEGIN")
            for sql in statements:
                self.con.execute(sql)
            self._set_meta("schema_version", str(version))
            self.con.execute("COMMIT")

    def _refuse_stale(self) -> None:
        """Read-only, the derived tables cannot be rebuilt: refuse to report from
        tables built for other settings (zone, window, basis stages) or schema."""
        try:
            rows = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
        except duckdb.Error:
            raise StoreError(f"{self.path} is not a mailreport database") from None
        if int(rows.get("schema_version", 0)) != SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {rows.get('schema_version')}; "
                             f"open it once for writing (e.g. `mailreport refresh`) to "
                             f"upgrade it to {SCHEMA_VERSION}")
        if rows.get("facts") != facts.fingerprint(self.settings):
            raise StoreError(f"{self.path}'s facts were built by another version or with "
                             f"other settings; run `mailreport refresh` to rebuild them")

    def _set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def _check_facts(self) -> None:
        """Rebuild the facts when their definitions or the settings they depend on
        changed (their fingerprint says), e.g. in a store made by an older version."""
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'facts'").fetchall()
        if not rows or rows[0][0] != facts.fingerprint(self.settings):
            self.rebuild_facts()

    # -- writing ------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on the store's connection, serialised across threads."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._lock:
            self.con.execute("BEGIN")
            self._writing = True  # no interrupt now: it would abort the transaction
            try:
                yield self.con
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            finally:
                self._writing = False

    def limit_engine(self, limit: str | None = None) -> None:
        """Set the engine's memory limit (DuckDB's memory_limit, database-wide) to
        ``limit``, or back to the configured one: a load lowers it while it holds
        memory the engine does not count (``LoadSession``)."""
        with self._lock:
            self.con.execute(f"SET memory_limit = '{limit or self.memory_limit}'")

    @contextmanager
    def replacement_scans(self) -> Iterator[None]:
        """For the block, let SQL on the connection name Arrow tables held in Python
        variables of any calling frame: a load's chunks are found so (``held`` in
        ingest/staging.py). Ibis turns replacement scans off; they are on for a load
        only. Used inside ``write()``."""
        with self._lock:
            self.con.execute("SET python_enable_replacements = true")
            self.con.execute("SET python_scan_all_frames = true")
            try:
                yield
            finally:
                self.con.execute("SET python_enable_replacements = false")
                self.con.execute("SET python_scan_all_frames = false")

    def rebuild_facts(self) -> None:
        with self.write() as con:
            fact_refresh.rebuild(con, self.settings)

    # -- reading ------------------------------------------------------------
    def tables(self) -> Tables:
        # Looking a table up asks the connection for its schema, so it must not
        # run beside another thread's query; the schema does not change while the
        # store is open, so the lookups are made once.
        if self._tables is None:
            with self._lock:
                if self._tables is None:
                    self._tables = {n: self._ibis.table(n) for n in ALL_TABLES}
        return Tables(self._tables, run=self._run, local_time=_local_time,
                      settings=self.settings, built=self._built)

    def _run(self, expr: ibis.Expr) -> list[dict[str, Any]]:
        """Ibis's own to_pyarrow, less the compiling of an expression already seen:
        compiling to SQL costs more than running many of a report's small queries,
        and the same shapes come back for every mailing and every request."""
        table = expr.as_table()
        key = table.op()  # Ibis nodes are immutable and hash by structure
        budget = current_budget()
        with self._held(budget):
            compiled = self._compiled.get(key)
            if compiled is None:
                # the hooks register memtables and UDFs, and walk the whole
                # expression to find them: only worth it when there are some
                compiled = (self._ibis.compile(table),
                            bool(key.find((ops.InMemoryTable, ops.ScalarUDF))))
                if len(self._compiled) >= COMPILED_CACHE:
                    self._compiled.clear()
                self._compiled[key] = compiled
            sql, hooks = compiled
            if hooks:
                self._ibis._run_pre_execute_hooks(expr)
            arrow = self._within(budget, lambda: self.con.sql(sql).to_arrow_table())
        return expr.__pyarrow_result__(arrow, data_mapper=DuckDBPyArrowData).to_pylist()

    @contextmanager
    def _held(self, budget: Budget | None) -> Iterator[None]:
        """The store's lock; within a budget, waited for only as long as it lasts."""
        if budget is None:
            with self._lock:
                yield
            return
        if not self._lock.acquire(timeout=max(budget.remaining(), 0)):
            raise QueryTimeout(f"the database was busy for the whole budget of "
                               f"{budget.seconds:g} s")
        try:
            yield
        finally:
            self._lock.release()

    def _within(self, budget: Budget | None, run: Callable[[], Any]) -> Any:
        """run() on the connection, interrupted when it would outlast the budget."""
        if budget is None or self._writing:
            return run()
        seconds = budget.remaining()
        if seconds <= 0:
            raise QueryTimeout(f"the request used up its budget of {budget.seconds:g} s")
        with self._watchdog.watch(seconds) as watch:
            try:
                return run()
            except duckdb.InterruptException:
                if watch.fired:
                    raise QueryTimeout(f"a query ran past the budget of {budget.seconds:g} s"
                                       ) from None
                raise

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with self._held(current_budget()):
            return self.con.execute(query, params or []).fetchall()

    def counts(self) -> dict[str, int]:
        return {n: self.sql(f'SELECT count(*) FROM "{n}"')[0][0] for n in ALL_TABLES}

    def on_close(self, callback: Callable[[DuckDBStore], None]) -> None:
        """Have ``callback(store)`` run when the store closes, before its connection
        does: for what runs on the connection in another thread (the live writer),
        since DuckDB refuses to close a connection in use. The callback gets the store
        rather than closing over it, so the store holds no reference to itself; the
        same callback registered twice runs once."""
        with self._lock:
            self._closing[callback] = None

    def close(self) -> None:
        # newest first, as an ExitStack would; taken under the lock, run outside it
        # (a writer thread ending may need the lock to finish its last transaction)
        with self._lock:
            callbacks, self._closing = list(self._closing)[::-1], {}
        for callback in callbacks:
            callback(self)
        self._watchdog.close()
        self.con.close()
