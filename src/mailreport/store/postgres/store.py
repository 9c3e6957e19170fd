"""The PostgreSQL store: the contract's tables in a PostgreSQL database, read
through Ibis's PostgreSQL backend.

PostgreSQL has no loader of its own: ``copy_store`` copies a DuckDB store's contract
tables into it. The facts are then built there from their single definitions
(``facts/``), translated to PostgreSQL's SQL with sqlglot (``dialects.py``), as the
DuckDB and Spark stores build them, so reports read the same facts the same way on
every engine. They are built whole; the contract tables changing (a new copy) needs
``build_facts()`` again, and ``tables()`` refuses facts built from other
definitions or settings, as a read-only DuckDB store does.

Text columns are created with the "C" collation: DuckDB compares strings byte by
byte, and a database's own collation (en_US, say) would order customer ids, variant
ids and category names otherwise, and so change ``min(variant_id)``, ties and pages.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlglot import exp

from mailreport import facts
from mailreport.contract import TABLES, Table
from mailreport.facts import user_agents
from mailreport.facts.sql import quote
from mailreport.settings import Settings
from mailreport.store.dialects import translate
from mailreport.store.errors import StoreError
from mailreport.store.tables import Tables

CONTRACT_TABLES = tuple(t.name for t in TABLES)
ALL_TABLES = CONTRACT_TABLES + facts.FACT_TABLES

# What the reports and the facts' build look rows up by: a mailing's rows, a
# customer's orders, an order's lines, the dimensions by id.
CONTRACT_INDEXES = {
    "events": ["mailing_id, type, customer_id"],
    "audience": ["mailing_id, customer_id"],
    "orders": ["customer_id, ts", "order_id"],
    "order_lines": ["order_id"],
    "customers": ["customer_id"],
    "products": ["product_id"],
    "categories": ["category_id"],
    "mailings": ["mailing_id", "campaign_id"],
    "variants": ["mailing_id"],
    "campaigns": ["campaign_id"],
}
# Every fact is read by mailing; these also by customer within a mailing (customer
# lists, their pages and exports).
FACTS_BY_CUSTOMER = ("reach_times", "attributed_orders", "attributed_lines", "complaints",
                     "buyers", "bounces")
FACT_INDEXES = {name: ["mailing_id, customer_id" if name in FACTS_BY_CUSTOMER else "mailing_id"]
                for name in facts.FACT_TABLES}
# the facts look the user agents' parse up by user agent (facts/user_agents.py)
INDEXES = {**CONTRACT_INDEXES, **FACT_INDEXES, "user_agents": ["user_agent"]}

Progress = Callable[[str, int, int], None]


class PostgresStoreError(StoreError):
    """The database cannot be reached or read, or the extra is missing; the message says."""


def _psycopg():
    try:
        import psycopg
    except ImportError as exc:
        raise PostgresStoreError(f"the PostgreSQL store needs {exc.name or 'psycopg'}: "
                                 f"pip install 'mailreport[postgres]'") from None
    return psycopg


def pg_type(store_type: str) -> str:
    """A DuckDB type (the contract's store types, the facts' column types) in
    PostgreSQL: VARCHAR is TEXT, TINYINT SMALLINT, DOUBLE DOUBLE PRECISION..."""
    return exp.DataType.build(store_type, dialect="duckdb").sql(dialect="postgres")


def create_table_sql(name: str, columns: Iterable[tuple[str, str]]) -> str:
    """CREATE TABLE for (name, DuckDB type) columns, text compared byte by byte."""
    cols = []
    for col, store_type in columns:
        typ = pg_type(store_type)
        cols.append(f"{quote(col)} {typ} COLLATE {quote('C')}" if typ == "TEXT"
                    else f"{quote(col)} {typ}")
    return f"CREATE TABLE {quote(name)} ({', '.join(cols)})"


@ibis.udf.scalar.builtin(name="timezone")
def _to_zone(zone: str, ts: dt.datetime) -> dt.datetime:  # PostgreSQL's timezone(text, timestamptz)
    ...


def _local_time(ts: ibis.Expr, zone: Any) -> ibis.Expr:
    return _to_zone(zone, ts.cast(ibis.dtype("timestamp('UTC')")))


def _count(duck, name: str) -> int:
    # fetchall: DuckDB refuses other work on a connection with a result left unread
    return duck.execute(f"SELECT count(*) FROM {quote(name)}").fetchall()[0][0]


def _copy_table(duck, pg, table: Table, batch_rows: int, progress: Progress | None) -> int:
    """Replace the table with the DuckDB table's rows, in the store's own order
    (sorted by mailing, so the heap is clustered alike). Made and filled in one
    transaction: with ``wal_level = minimal`` PostgreSQL then writes no WAL for it."""
    cols = ", ".join(quote(c) for c in table.column_names)
    total = _count(duck, table.name)
    reader = duck.sql(f"SELECT {cols} FROM {quote(table.name)}").to_arrow_reader(batch_rows)
    # strings are always quoted, nulls never: PostgreSQL's CSV tells '' from NULL so
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    done = 0
    with pg.transaction():
        pg.execute(f"DROP TABLE IF EXISTS {quote(table.name)}")
        pg.execute(create_table_sql(table.name, ((c.name, c.store_type) for c in table.columns)))
        with pg.cursor() as cur, cur.copy(
                f"COPY {quote(table.name)} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for batch in reader:
                sink = pa.BufferOutputStream()
                pacsv.write_csv(pa.Table.from_batches([batch]), sink, options)
                copy.write(sink.getvalue().to_pybytes())
                done += batch.num_rows
                if progress:
                    progress(f"copy {table.name} to PostgreSQL", done, total)
    return done


class PostgresStore:
    """A PostgreSQL database holding the contract's tables and the facts. Reports get
    the same :class:`Tables` as from DuckDB and Spark."""

    engine = "postgres"

    def __init__(self, conninfo: str, settings: Settings, **params: Any):
        """conninfo: a libpq connection string or URL (``host=... dbname=...`` or
        ``postgresql://user@host:port/db``; "" for libpq's defaults and environment);
        ``params`` (host, port, user, password, dbname...) override it."""
        psycopg = _psycopg()
        self.settings = settings
        self.conninfo = psycopg.conninfo.make_conninfo(conninfo, **params)
        shown = psycopg.conninfo.conninfo_to_dict(self.conninfo)
        shown.pop("password", None)
        self.path = psycopg.conninfo.make_conninfo(**shown)  # what commands print
        self._lock = threading.RLock()
        self.con = self._connect()
        self._ibis = None
        self._tables: dict[str, ibis.Table] | None = None

    def _connect(self):
        psycopg = _psycopg()
        try:
            con = psycopg.connect(self.conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise PostgresStoreError(f"cannot connect to PostgreSQL ({self.path}): "
                                     f"{str(exc).strip()}") from None
        # CAST(ts AS TIMESTAMPTZ) takes a naive timestamp in the session's zone: the
        # contract's timestamps are UTC, as DuckDB's store reads them (its session is UTC)
        con.execute("SET TimeZone = 'UTC'")
        return con

    # -- contract tables ------------------------------------------------------
    def copy_store(self, duck, progress: Progress | None = None, batch_rows: int = 500_000,
                   workers: int = 2) -> dict[str, int]:
        """Replace the contract tables with a DuckDB store's (``duck``: a connection to
        it, e.g. ``DuckDBStore.con``), the largest first, ``workers`` tables at a time
        (PostgreSQL parses a COPY on one core); then index and analyse them. The facts
        are stale until ``build_facts()``. Returns rows per table."""
        with self._lock:
            with self.con.transaction():
                self._create_meta()
                self.con.execute("DELETE FROM meta WHERE key = 'facts'")
            self._tables = None
            queue = sorted(TABLES, key=lambda t: -_count(duck, t.name))
            taken = threading.Lock()
            counts: dict[str, int] = {}

            def work() -> None:
                cursor = duck.cursor()
                with self._connect() as pg:
                    while True:
                        with taken:
                            if not queue:
                                return
                            table = queue.pop(0)
                        counts[table.name] = _copy_table(cursor, pg, table, batch_rows,
                                                         progress)

            with ThreadPoolExecutor(workers) as pool:
                for future in [pool.submit(work) for _ in range(workers)]:
                    future.result()
            self._index(CONTRACT_TABLES)
            self._vacuum(CONTRACT_TABLES)
        return {name: counts[name] for name in CONTRACT_TABLES}

    # -- facts ----------------------------------------------------------------
    def build_facts(self, progress: Progress | None = None) -> dict[str, float]:
        """Build every fact from its definition, in ``facts.FACTS`` order, in one
        transaction (readers keep the old facts until it commits); index and analyse
        each before the next reads it. Returns the seconds each took."""
        seconds: dict[str, float] = {}
        with self._lock:
            with self.con.transaction():
                self._parse_user_agents()
                for n, fact in enumerate(facts.FACTS):
                    if progress:
                        progress("build the facts in PostgreSQL", n, len(facts.FACTS))
                    start = time.perf_counter()
                    self._build(fact)
                    seconds[fact.name] = time.perf_counter() - start
                self._create_meta()
                self.con.execute("INSERT INTO meta VALUES ('facts', %s) ON CONFLICT (key) "
                                 "DO UPDATE SET value = excluded.value",
                                 [facts.fingerprint(self.settings)])
            # outside the transaction (VACUUM needs that): the visibility map lets
            # PostgreSQL answer from the indexes alone
            self._vacuum(facts.FACT_TABLES)
            self._tables = None
            if progress:
                progress("build the facts in PostgreSQL", len(facts.FACTS), len(facts.FACTS))
        return seconds

    def _parse_user_agents(self) -> None:
        """The user agents the facts join (facts/user_agents.py), parsed afresh: the
        facts are built whole here, and the parser's version is in their fingerprint."""
        self.con.execute("DROP TABLE IF EXISTS user_agents")
        self.con.execute(create_table_sql("user_agents", user_agents.COLUMNS))

        def insert(rows) -> None:
            with self.con.cursor() as cur, cur.copy(
                    "COPY user_agents (user_agent, device, client, os) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        user_agents.fill(lambda sql: self.con.execute(translate(sql, "postgres")).fetchall(),
                         insert)
        self._index(["user_agents"])
        self.con.execute("ANALYZE user_agents")

    def _build(self, fact: facts.Fact) -> None:
        psycopg = _psycopg()
        select = translate(fact.select(self.settings, "true"), "postgres")
        cols = ", ".join(quote(c) for c in fact.column_names)
        try:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(fact.name)}")
            self.con.execute(create_table_sql(fact.name, fact.columns))
            self.con.execute(f"INSERT INTO {quote(fact.name)} ({cols}) {select}")
        except psycopg.Error as exc:
            raise PostgresStoreError(f"PostgreSQL cannot build {fact.name} (the facts "
                                     f"are left as they were): {str(exc).strip()}") from exc
        self._index([fact.name])
        # the next facts read this one: plan them with its statistics
        self.con.execute(f"ANALYZE {quote(fact.name)}")

    def facts_current(self) -> bool:
        """Whether the facts were built by these definitions with these settings."""
        with self._lock:
            if not self._has_table("meta"):
                return False
            row = self.con.execute("SELECT value FROM meta WHERE key = 'facts'").fetchone()
        return row is not None and row[0] == facts.fingerprint(self.settings)

    def _create_meta(self) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def _has_table(self, name: str) -> bool:
        return self.con.execute("SELECT to_regclass(%s) IS NOT NULL",
                                [quote(name)]).fetchone()[0]

    def _index(self, names: Iterable[str]) -> None:
        for name in names:
            for i, columns in enumerate(INDEXES.get(name, ())):
                self.con.execute(f"CREATE INDEX {quote(f'{name}_{i}')} ON {quote(name)} "
                                 f"({columns})")

    def _vacuum(self, names: Iterable[str]) -> None:
        for name in names:
            self.con.execute(f"VACUUM ANALYZE {quote(name)}")

    # -- what reports see -------------------------------------------------------
    def tables(self) -> Tables:
        with self._lock:
            if self._tables is None:
                if not self.facts_current():
                    raise PostgresStoreError(
                        f"the facts in {self.path} are missing or were built by another "
                        f"version or with other settings: build them (build_facts())")
                backend = self._backend()
                self._tables = {name: backend.table(name) for name in ALL_TABLES}
        return Tables(self._tables, run=self._run, local_time=_local_time,
                      settings=self.settings)

    def _backend(self):
        """Ibis's PostgreSQL backend on a connection of its own (it sets its session
        to UTC too)."""
        if self._ibis is None:
            params = _psycopg().conninfo.conninfo_to_dict(self.conninfo)
            database = params.pop("dbname", None)
            try:
                self._ibis = ibis.postgres.connect(database=database,
                                                   port=params.pop("port", None), **params)
            except ImportError as exc:
                raise PostgresStoreError(f"the PostgreSQL store needs Ibis's PostgreSQL "
                                         f"backend ({exc.name} is missing): pip install "
                                         f"'mailreport[postgres]'") from None
        return self._ibis

    def _run(self, expr: ibis.Expr) -> list[dict[str, Any]]:
        with self._lock:
            return expr.to_pyarrow().to_pylist()

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with self._lock:
            return self.con.execute(query, params or []).fetchall()

    def counts(self) -> dict[str, int]:
        return {n: self.sql(f"SELECT count(*) FROM {quote(n)}")[0][0] for n in ALL_TABLES}

    def close(self) -> None:
        with self._lock:
            if self._ibis is not None:
                self._ibis.disconnect()
            self.con.close()


__all__ = ["INDEXES", "PostgresStore", "PostgresStoreError", "create_table_sql", "pg_type"]
