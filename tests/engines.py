"""The engines a test can run its report cases on (DESIGN.md: every engine
computes exactly the same numbers): a Dataset whose ``tables()`` come from the
engine, after the rows were loaded into the case's DuckDB store through the real
loader.

* ``duckdb``: the store itself (``conftest.Dataset``);
* ``spark``: a local SparkSession shared by the whole test session, over a lake
  exported from the store after each load (``SparkDataset``).

``conftest.py`` runs each case of a module marked ``engines`` once per engine (the
``engine`` fixture); a case that cannot run on one says which and why with
``@pytest.mark.engines("duckdb", reason=...)``. Spark must run in CI and is skipped
with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket

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


class SparkDataset(Dataset):
    """A Dataset whose tables() are Spark's: after each load the DuckDB store is
    exported to a fresh lake and a SparkStore opened over it."""

    def __init__(self, store, directory, spark):
        super().__init__(store, directory)
        self.spark = spark
        self._spark_store = None
        self._version = None

    def tables(self):
        from mailreport.store.lake import export_lake
        from mailreport.store.spark.store import SparkStore

        version = (self._loads, self.store.settings)
        if self._version != version:
            self.close()
            lake = self.directory / f"lake{self._loads}"
            export_lake(self.store, lake)
            self._spark_store = SparkStore(lake, self.store.settings, session=self.spark)
            self._version = version
        return self._spark_store.tables()

    def close(self) -> None:
        if self._spark_store is not None:
            self._spark_store.close()
            self._spark_store = None


DATASETS = {"spark": SparkDataset}


@pytest.fixture
def spark_data(store, tmp_path, spark):
    d = SparkDataset(store, tmp_path / "data", spark)
    yield d
    d.close()


_demos: dict = {}


def demo_tables(engine: str, demo_store, session, tmp_path_factory):
    """The small demo (conftest's ``demo_store``) read through ``engine``: built once
    per test session and kept, as the demo store is."""
    if engine not in _demos:
        from mailreport.store.lake import export_lake
        from mailreport.store.spark.store import SparkStore

        lake = tmp_path_factory.mktemp("demo-lake") / "lake"
        export_lake(demo_store, lake)
        _demos[engine] = SparkStore(lake, demo_store.settings, session=session)
    return _demos[engine].tables()
