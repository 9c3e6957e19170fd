"""The Spark store: the contract's tables in a Parquet lake (``lake.py``), read
through Ibis's PySpark backend on a SparkSession.

The facts are built from their single definitions (``facts/``), which the DuckDB
store runs too, translated to Spark SQL with sqlglot (``dialects.py``), so both
engines compute them alike and reports read them the same way. When a refresh
(``refresh.py``) kept them in the lake for these definitions and settings, the
store reads the files its manifest lists (``lake_facts.py``), as of that refresh;
otherwise it computes them when it opens and caches them for the session, and a
lake that changes needs ``rebuild_facts()`` (or a new store) to be seen.

Many stores may share one SparkSession (tests do): each names its views with its
own prefix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from ibis.formats.pyarrow import PyArrowData
from sqlglot import exp

from mailreport import facts
from mailreport.contract import TABLES, Table
from mailreport.facts import Fact, user_agents
from mailreport.settings import Settings
from mailreport.store.dialects import translate
from mailreport.store.lake_facts import FactsManifest, LakeFactsError, facts_dir, read_manifest
from mailreport.store.lake_swap import recover
from mailreport.store.spark.errors import SparkStoreError, spark_errors
from mailreport.store.spark.lake_inputs import local_lake_path
from mailreport.store.spark.session import REQUIRED_CONF, spark_session
from mailreport.store.tables import Tables

_store_ids = itertools.count(1)


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _from_utc_timestamp(ts: dt.datetime, zone: str) -> dt.datetime:  # Spark's builtin
    ...


def _local_time(ts: ibis.Expr, zone: Any) -> ibis.Expr:
    """UTC timestamp to wall time in zone (an IANA name or a string expression)."""
    return _from_utc_timestamp(ts, zone if isinstance(zone, ibis.Expr) else ibis.literal(zone))


def spark_ddl(table: Table) -> str:
    """The contract table's columns as a Spark schema string."""
    return ", ".join(f"`{c.name}` {_spark_type(c.store_type)}" for c in table.columns)


def _spark_type(store_type: str) -> str:
    return exp.DataType.build(store_type, dialect="duckdb").sql(dialect="spark")


def fact_columns(fact: Fact) -> list[tuple[str, str]]:
    """(name, Spark type) of a fact's columns, so both engines give reports one schema."""
    return [(name, _spark_type(typ)) for name, typ in fact.columns]


def fact_ddl(fact: Fact) -> str:
    return ", ".join(f"`{name}` {typ}" for name, typ in fact_columns(fact))


def fact_frame(session, fact: Fact, settings: Settings, views: dict[str, str],
               where: str = "true", few_customers: bool = False):
    """The fact's rows for ``where`` (facts/fact.py) computed on Spark from the
    tables and facts ``views`` names, cast to its declared types so that every
    engine reads one schema. ``few_customers``: ``where`` names few customers, so
    the fact's subqueries that hold few rows then are broadcast
    (``Fact.few_for_few_customers``)."""
    sql = translate(fact.select(settings, where), "spark", views, keep_order=False,
                    spread_by=fact.spread_by,
                    broadcast=fact.few_for_few_customers if few_customers else ())
    return session.sql(sql).selectExpr(
        *(f"CAST(`{c}` AS {t}) AS `{c}`" for c, t in fact_columns(fact)))


# Spark joins two inputs split by a part of the join's columns (by customer, for a
# join on mailing and customer) only with this off. It is off only while a fact
# that spreads its rows (``Fact.spread_by``) is computed: elsewhere a split by the
# mailing alone could leave a few tasks with all the rows.
CO_PARTITION = "spark.sql.requireAllClusterKeysForCoPartition"


@contextlib.contextmanager
def planned_for(session, fact: Fact) -> Iterator[None]:
    """Around the Spark action that computes ``fact``'s rows (Spark plans a query
    when it runs, not when it is written)."""
    if not fact.spread_by:
        yield
        return
    before = session.conf.get(CO_PARTITION, None)
    session.conf.set(CO_PARTITION, "false")
    try:
        yield
    finally:
        if before is None:
            session.conf.unset(CO_PARTITION)
        else:
            session.conf.set(CO_PARTITION, before)


def read_lake_table(session, lake: str, table: Table):
    """A contract table from its folder in the lake; no folder is an empty table."""
    from pyspark.errors import AnalysisException

    ddl = spark_ddl(table)
    path = lake.rstrip("/") + "/" + table.name
    try:
        df = session.read.schema(ddl).parquet(path)
        df.schema  # noqa: B018 -- Spark Connect reports a missing path only here
    except AnalysisException as exc:
        if "PATH_NOT_FOUND" not in str(exc) and "Path does not exist" not in str(exc):
            raise SparkStoreError(f"cannot read {path}: {exc}") from None
        df = session.createDataFrame([], ddl)
    return df.select(*table.column_names)


def user_agents_frame(session, events_view: str, where: str = "true"):
    """The user agents of the events in ``events_view`` (those ``where`` matches),
    parsed on the driver (facts/user_agents.py): the facts join them by the name
    ``user_agents`` maps to. Distinct user agents are few (thousands), whatever the
    events number."""
    sql = translate(user_agents.distinct_sql(where), "spark", {"events": events_view})
    agents = [r[0] for r in session.sql(sql).collect()]
    rows = user_agents.rows(agents)
    # handed over as Arrow, which the JVM reads itself: rows of Python objects would
    # need Python on the executors, which mailreport's Spark never asks for
    table = pa.table({name: pa.array([r[i] for r in rows], pa.string())
                      for i, (name, _) in enumerate(user_agents.COLUMNS)})
    return session.createDataFrame(table)


def read_fact_files(session, facts_root: Path, fact: Fact, paths: list[str]):
    """A fact from the files a facts manifest lists (paths under facts_root): those
    files only, whatever else the folders hold."""
    if not paths:
        return session.createDataFrame([], fact_ddl(fact))
    uris = ["file://" + str((facts_root / p).resolve()) for p in paths]
    return session.read.schema(fact_ddl(fact)).parquet(*uris)


def kept_facts(lake: str, settings: Settings) -> FactsManifest | None:
    """The manifest of the facts a refresh kept in a local lake, when they were
    built from these definitions and settings; None: compute them."""
    path = local_lake_path(lake)
    if path is None:
        return None
    try:
        manifest = read_manifest(path)
    except LakeFactsError:
        return None  # unreadable or of another format: computed, as with none
    if manifest is None or manifest.fingerprint != facts.fingerprint(settings):
        return None
    return manifest


class SparkStore:
    """Reads a lake on Spark. Reports get the same :class:`Tables` as from DuckDB."""

    engine = "spark"

    def __init__(self, lake: str | os.PathLike, settings: Settings,
                 spark_master: str | None = None, session=None,
                 conf: dict[str, str] | None = None):
        self.lake = os.fspath(lake)
        self.path = self.lake  # what commands print as the store's location
        recover(self.lake)  # a load that died among its swaps: finish them first
        self.settings = settings
        self._lock = threading.RLock()
        if session is None:
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None and spark_master is None and not conf:
                session = active  # e.g. a notebook's or spark-submit's session
            else:  # one line naming what to change if it cannot start (session.py)
                session = spark_session(spark_master, conf, settings)
            # a session this store starts is this store's to stop
            self._owns_session = session is not active
        else:
            self._owns_session = False
        for key, value in REQUIRED_CONF.items():
            session.conf.set(key, value)
        self.session = session
        self._prefix = f"mailreport_{os.getpid()}_{next(_store_ids)}_"
        self._views = {t.name: self._prefix + t.name for t in TABLES}
        self._views.update({name: self._prefix + name for name in facts.FACT_TABLES})
        self._cached: dict[str, Any] = {}
        self.facts_manifest: FactsManifest | None = None  # the kept facts read, if any
        self._ibis = ibis.pyspark.connect(session)
        for table in TABLES:
            self._read(table).createOrReplaceTempView(self._views[table.name])
        self._views["user_agents"] = self._prefix + "user_agents"
        user_agents_frame(session, self._views["events"]).createOrReplaceTempView(
            self._views["user_agents"])
        self._open_facts()
        self._tables = {name: self._ibis.table(view) for name, view in self._views.items()}

    # -- reading the lake ----------------------------------------------------
    def _read(self, table: Table):
        return read_lake_table(self.session, self.lake, table)

    # -- facts ---------------------------------------------------------------
    def _open_facts(self) -> None:
        """The facts a refresh kept in the lake when they are of these definitions and
        settings (read as files, never cached: a report reads its mailing's), else
        computed now."""
        manifest = kept_facts(self.lake, self.settings)
        if manifest is None:
            self.rebuild_facts()
            return
        with self._lock:
            self._uncache()
            root = facts_dir(local_lake_path(self.lake))
            for fact in facts.FACTS:
                df = read_fact_files(self.session, root, fact, manifest.fact_files(fact.name))
                df.createOrReplaceTempView(self._views[fact.name])
            self.facts_manifest = manifest

    def rebuild_facts(self) -> None:
        """(Re)compute every fact on Spark, in order, and cache it for the session,
        whatever facts the lake keeps."""
        from pyspark import StorageLevel

        with self._lock:
            self._uncache()
            self.facts_manifest = None
            for fact in facts.FACTS:
                typed = fact_frame(self.session, fact, self.settings, self._views)
                typed = typed.persist(StorageLevel.MEMORY_AND_DISK)
                typed.createOrReplaceTempView(self._views[fact.name])
                with planned_for(self.session, fact):
                    typed.count()  # compute now, so that no report pays for it
                self._cached[fact.name] = typed

    def _uncache(self) -> None:
        for df in self._cached.values():
            df.unpersist()
        self._cached.clear()

    # -- what reports see ----------------------------------------------------
    def tables(self) -> Tables:
        return Tables(dict(self._tables), run=self._run, local_time=_local_time,
                      settings=self.settings)

    def _run(self, expr: ibis.Expr) -> list[dict[str, Any]]:
        table = expr.as_table()
        with self._lock, spark_errors(self.settings):
            # Ibis's own to_pyarrow goes through pandas; Spark 4 hands Arrow over
            # directly, which halves the time of a small query. The price is one
            # private Ibis call (registering memtables and UDFs), pinned by the
            # spark extra's Ibis version.
            self._ibis._run_pre_execute_hooks(table)
            result = self.session.sql(self._ibis.compile(table)).toArrow()
        return PyArrowData.convert_table(result, table.schema()).to_pylist()

    def counts(self) -> dict[str, int]:
        return {name: self.session.table(view).count() for name, view in self._views.items()}

    def close(self) -> None:
        from py4j.protocol import Py4JNetworkError

        with self._lock:
            try:
                self._uncache()
                for view in self._views.values():
                    self.session.catalog.dropTempView(view)
                if self._owns_session:
                    self.session.stop()
            except (ConnectionError, Py4JNetworkError):
                pass  # the JVM is gone (it exits when out of memory): nothing to close
