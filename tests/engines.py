"""The engines a test can run its report cases on (DESIGN.md: every engine
computes exactly the same numbers): a Dataset whose ``tables()`` come from the
engine, after the rows were loaded into the case's DuckDB store through the real
loader.

* ``duckdb``: the store itself (``conftest.Dataset``);
* ``spark``: a local SparkSession shared by the whole test session, over a lake
  exported from the store after each load (``SparkDataset``);
* ``postgres``: a throwaway PostgreSQL 15 server on loopback shared by the whole
  test session (the benchmark's, ``bench/postgres.py``), a database of its own per
  case, into which the store's contract tables are copied and the facts built
  (``PostgresDataset``).

``conftest.py`` runs each case of a module marked ``engines`` once per engine (the
``engine`` fixture); a case that cannot run on one says which and why with
``@pytest.mark.engines("duckdb", reason=...)``. Spark and PostgreSQL must run in CI
and are skipped with the reason elsewhere.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from conftest import Dataset

# Local tests run many tiny queries, where a query's fixed costs dominate: one
# shuffle partition, no adaptive re-planning, no code generation, and a JVM that
# does not spend the run JIT-compiling (C1 only) roughly halve the CPU they take.
TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


def _require_spark() -> None:
    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "PySpark is not installed: pip install -e '.[spark]'"
    if missing is None and not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing = "Java is not installed: apt-get install -y openjdk-17-jre-headless"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the Spark tests must run in CI: {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_session = None


def _start_session():
    from mailreport.store.spark.store import spark_session

    port = _free_port()
    session = spark_session("local[2]", {
        **TEST_CONF,
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    })
    session.sparkContext.setLogLevel("ERROR")
    session.connect_url = f"sc://127.0.0.1:{port}"
    return session


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession shared by every Spark test. Its JVM also serves Spark
    Connect (``spark.connect_url``), so the sc:// path is tested without a second JVM.

    Each test module imports this fixture, which makes one fixture per module to
    pytest: the session itself is kept here, so there is still only one."""
    global _session
    _require_spark()
    if _session is None:
        _session = _start_session()
    yield _session
    # stopped when the Python process ends: a module's teardown must not stop it
    # under another module that still uses it


class EngineDataset(Dataset):
    """A Dataset whose tables() come from another engine, opened afresh over the
    case's DuckDB store after each load (or change of settings)."""

    def __init__(self, store, directory, session):
        super().__init__(store, directory)
        self.session = session  # the engine's session fixture
        self.engine_store = None
        self._version = None

    def tables(self):
        version = (self._loads, self.store.settings)
        if self._version != version:
            self.close()
            self.engine_store = self._open()
            self._version = version
        return self.engine_store.tables()

    def close(self) -> None:
        if self.engine_store is not None:
            self._close(self.engine_store)
            self.engine_store = None

    def _open(self):
        raise NotImplementedError

    def _close(self, engine_store) -> None:
        engine_store.close()


class SparkDataset(EngineDataset):
    """Spark's: the DuckDB store exported to a fresh lake, a SparkStore over it."""

    def _open(self):
        from mailreport.store.lake import export_lake
        from mailreport.store.spark.store import SparkStore

        lake = self.directory / f"lake{self._loads}"
        export_lake(self.store, lake)
        return SparkStore(lake, self.store.settings, session=self.session)



def _require_postgres():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's bench/
    from bench import postgres as server

    try:
        server.binary("initdb")
        import psycopg  # noqa: F401
    except (server.PostgresError, ImportError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL tests must run in CI: {exc}")
        pytest.skip(f"PostgreSQL 15 is not installed (.ci/run installs it): {exc}")
    return server


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL 15 server on 127.0.0.1 for the whole test session, in the
    system's temporary folder (it runs as 'postgres', which cannot enter pytest's)."""
    server = _require_postgres()
    with server.cluster() as cluster:
        server.wait_ready(cluster)
        yield cluster


_databases = itertools.count(1)


def postgres_store(cluster, duck):
    """duck's contract tables copied into a new database of the cluster, the facts
    built there from their definitions."""
    from mailreport.store.postgres import PostgresStore

    name = f"case_{os.getpid()}_{next(_databases)}"
    with cluster.connect() as con:
        con.execute(f'CREATE DATABASE "{name}"')
    store = PostgresStore(cluster.conninfo, duck.settings, dbname=name)
    store.copy_store(duck.con)
    store.build_facts()
    return store


class PostgresDataset(EngineDataset):
    """PostgreSQL's: the DuckDB store's contract tables copied to a fresh database
    of the session's server, the facts built there."""

    def _open(self):
        return postgres_store(self.session, self.store)

    def _close(self, engine_store) -> None:
        name = engine_store.sql("SELECT current_database()")[0][0]
        engine_store.close()
        with self.session.connect() as con:
            con.execute(f'DROP DATABASE "{name}"')


DATASETS = {"spark": SparkDataset, "postgres": PostgresDataset}


@pytest.fixture
def spark_data(store, tmp_path, spark):
    d = SparkDataset(store, tmp_path / "data", spark)
    yield d
    d.close()


def spark_twin(store, tmp_path_factory):
    """(the store's tables, the same read through Spark over a lake exported from
    it), for a module fixture to yield from: it reuses the Spark tests' session when
    they ran first and stops only one it started."""
    _require_spark()
    from mailreport.store.lake import export_lake
    from mailreport.store.spark.store import SparkStore

    lake = tmp_path_factory.mktemp("twin-lake") / "lake"
    export_lake(store, lake)
    spark = SparkStore(lake, store.settings, conf=TEST_CONF)
    yield store.tables(), spark.tables()
    spark.close()


_demos: dict = {}


def demo_tables(engine: str, demo_store, session, tmp_path_factory):
    """The small demo (conftest's ``demo_store``) read through ``engine``: built once
    per test session and kept, as the demo store is. ``session``: the engine's
    session fixture (a SparkSession, a PostgreSQL cluster)."""
    if engine == "postgres" and engine not in _demos:
        _demos[engine] = postgres_store(session, demo_store)
    if engine not in _demos:
        from mailreport.store.lake import export_lake
        from mailreport.store.spark.store import SparkStore

        lake = tmp_path_factory.mktemp("demo-lake") / "lake"
        export_lake(demo_store, lake)
        _demos[engine] = SparkStore(lake, demo_store.settings, session=session)
    return _demos[engine].tables()
