"""Choosing the engine a command reads with: DuckDB (the default; a database file
or a lake's files) or Spark."""

from __future__ import annotations

import os
from pathlib import Path

from mailreport.settings import Settings
from mailreport.store.duckdb import DuckDBStore, db_path
from mailreport.store.errors import StoreError
from mailreport.store.spark.errors import SparkStoreError, spark_errors

ENGINES = ("duckdb", "spark")


def open_reader(engine: str, settings: Settings, db: str | os.PathLike | None = None,
                lake: str | os.PathLike | None = None, spark_master: str | None = None):
    """A store to read reports from.

    duckdb: the database file (``db``, else the settings' path), opened read-only
    when it exists, so reports work beside a running loader; or, given ``lake``, the
    lake's files and facts read by DuckDB in this process (``lake_store.py``).
    spark: a SparkStore over the Parquet lake ``lake`` (a folder or a URI Spark can
    read), on a local session or the cluster at ``spark_master`` (spark://, k8s://,
    yarn, or sc:// for Spark Connect). All have ``tables()``, ``settings``,
    ``engine`` and ``close()``."""
    if engine == "duckdb":
        if spark_master is not None:
            raise StoreError("--spark-master needs --engine spark")
        if lake is not None:
            if db is not None:
                raise StoreError(f"--lake {lake} and --db {db}: a report reads the lake or "
                                 f"a database file, not both; drop one of them")
            from mailreport.store.lake_store import LakeStore

            return LakeStore(lake, settings)
        path = db_path(db, settings)
        return DuckDBStore(path, settings, read_only=Path(path).exists())
    if engine == "spark":
        if lake is None:
            raise StoreError("--engine spark needs --lake DIR_OR_URI (see `mailreport lake "
                             "export`)")
        if db is not None:
            raise StoreError("--db is for --engine duckdb; Spark reads the lake")
        try:
            # the store imports PySpark only when it starts a session: ask for it here
            import pyspark  # noqa: F401

            from mailreport.store.spark.store import SparkStore
        except ImportError as exc:
            raise SparkStoreError(f"the Spark engine needs PySpark ({exc.name} is missing): "
                                  f"pip install 'mailreport[spark]'") from None
        with spark_errors(settings):  # opening reads the lake and builds the facts
            return SparkStore(lake, settings, spark_master=spark_master)
    raise StoreError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")


def open_lake_server(lake: str | os.PathLike, settings: Settings,
                     db: str | os.PathLike | None = None):
    """The store ``mailreport serve --lake`` answers from: the lake read by DuckDB
    (``lake_store.py``), the server's tokens kept in the database file ``db``, else
    the settings' path (made when missing), as for a server over that file."""
    from mailreport.store.lake_store import LakeStore

    return LakeStore(lake, settings, state=db_path(db, settings))
