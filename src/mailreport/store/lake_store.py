"""The lake store: reports, lists and exports answered from a lake's Parquet files
by DuckDB, in the process, without Spark.

The contract's tables and the facts are views over the lake's files
(``lake_views.py``): the facts those its manifest lists (``lake_facts.py``), built
by ``mailreport refresh --lake`` on Spark or by ``mailreport lake export``. It is
a :class:`DuckDBStore` in all else (the time budget, compiled queries, ``sql()``
and ``write()``), over a DuckDB file of its own for what a server keeps, its API
tokens, or over nothing for a command that keeps nothing.

A refresh replaces the manifest while the store is open. Each call of
``tables()`` (one per request) looks at the manifest's modification time and,
when it changed, reads it and makes a new generation of views, in a schema of
their own: the tables a request was handed keep reading the files of the
generation it started with, and a generation no request holds any more is
dropped.
"""

from __future__ import annotations

import itertools
import os
import re
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import ibis

from mailreport import facts
from mailreport.contract import TABLES
from mailreport.facts.sql import quote
from mailreport.settings import Settings
from mailreport.store.duckdb.store import ALL_TABLES, DuckDBStore, _local_time
from mailreport.store.errors import StoreError, StoreUnavailable
from mailreport.store.lake_facts import (
    MANIFEST_NAME,
    FactsManifest,
    LakeFactsError,
    facts_dir,
    read_manifest,
)
from mailreport.store.lake_views import contract_view, fact_view
from mailreport.store.tables import Built, Tables

CATALOG = "lake"  # the in-memory database the views live in, one schema a generation


def refresh_hint(lake: Path) -> str:
    return f"run `mailreport refresh --lake {lake}`"


def local_lake(lake: str | os.PathLike) -> Path:
    """The lake's folder; a URI is for Spark, which reads object stores itself."""
    text = os.fspath(lake)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        raise StoreError(f"--lake {text}: reading a lake without Spark needs a folder on "
                         f"this machine; for a URI add --engine spark")
    path = Path(text)
    if not path.is_dir():
        raise StoreError(f"--lake {text}: no such folder")
    return path


class _Generation:
    """The views of one version of the manifest. Handed to requests through their
    Tables' ``run``, so it lives as long as a request holds it."""

    def __init__(self, key: tuple, schema: str, tables: dict[str, ibis.Table], run):
        self.key = key
        self.schema = schema
        self.tables = tables
        self.built = Built()  # expressions over this generation's views
        self._run = run

    def run(self, expr: ibis.Expr) -> list[dict[str, Any]]:
        return self._run(self, expr)


class LakeStore(DuckDBStore):
    """Reads a lake's Parquet on DuckDB. ``state``: the DuckDB file that keeps the
    server's tokens (a mailreport database; made when missing); None keeps
    nothing, and the store refuses writes."""

    engine = "lake"

    def __init__(self, lake: str | os.PathLike, settings: Settings,
                 state: str | os.PathLike | None = None, memory_limit: str | None = None):
        self.lake = local_lake(lake)
        if state is None:
            self._connect(":memory:", settings, read_only=False, memory_limit=memory_limit)
            self.read_only = True  # nothing of its own to write
            self.path = self.lake
        else:
            super().__init__(state, settings, memory_limit=memory_limit)
        self.state = None if state is None else Path(state)
        self._generations = itertools.count(1)
        self._current: _Generation | None = None
        self._retired: list[str] = []  # schemas of generations no one holds any more
        try:
            self.con.execute(f"ATTACH ':memory:' AS {CATALOG}")
            self._generation()  # the lake's problems are the opening's
        except BaseException:
            self.close()
            raise

    # -- the manifest and its generations -------------------------------------
    def _manifest_key(self) -> tuple | None:
        """What changes when the manifest is replaced: a rename gives a new inode,
        and a copy over it a new modification time."""
        try:
            st = os.stat(facts_dir(self.lake) / MANIFEST_NAME)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _generation(self) -> _Generation:
        key = self._manifest_key()
        with self._lock:
            for schema in self._retired[:]:
                self.con.execute(f"DROP SCHEMA IF EXISTS {CATALOG}.{schema} CASCADE")
                self._retired.remove(schema)
            if self._current is None or self._current.key != key:
                self._current = self._build(key)
            return self._current

    def _manifest(self) -> FactsManifest:
        try:
            manifest = read_manifest(self.lake)
        except LakeFactsError as exc:
            raise StoreUnavailable(str(exc)) from None
        if manifest is None:
            raise StoreUnavailable(f"{self.lake} has no facts: {refresh_hint(self.lake)}")
        wanted = facts.fingerprint(self.settings)
        if manifest.fingerprint != wanted:
            raise StoreUnavailable(
                f"{self.lake}'s facts were built by other definitions or settings "
                f"(fingerprint {manifest.fingerprint}, these settings need {wanted}): "
                f"{refresh_hint(self.lake)} with the settings the reports use")
        root = facts_dir(self.lake)
        for fact in facts.FACTS:
            for path in manifest.fact_files(fact.name):
                if not (root / path).is_file():
                    raise StoreUnavailable(
                        f"{root / path}, a file of the fact {fact.name} that "
                        f"{root / MANIFEST_NAME} lists, is missing: {refresh_hint(self.lake)}")
        return manifest

    def _views(self, manifest: FactsManifest) -> Iterator[tuple[str, str]]:
        """(name, SELECT) of each table reports see; reading a contract table's
        columns runs a query, so they are made one at a time."""
        for table in TABLES:
            yield table.name, contract_view(self.con, self.lake, table)
        for fact in facts.FACTS:
            yield fact.name, fact_view(fact, manifest.files.get(fact.name, {}),
                                       facts_dir(self.lake))

    def _build(self, key: tuple | None) -> _Generation:
        manifest = self._manifest()
        schema = f"g{next(self._generations)}"
        self.con.execute(f"CREATE SCHEMA {CATALOG}.{schema}")
        try:
            for name, select in self._views(manifest):
                self.con.execute(f"CREATE VIEW {CATALOG}.{schema}.{quote(name)} AS {select}")
            tables = {name: self._ibis.table(name, database=(CATALOG, schema))
                      for name in ALL_TABLES}
        except duckdb.Error as exc:
            self.con.execute(f"DROP SCHEMA {CATALOG}.{schema} CASCADE")
            raise StoreUnavailable(f"cannot read the lake {self.lake}: "
                                   f"{str(exc).strip().splitlines()[0]}") from None
        generation = _Generation(key, schema, tables, self._run_in)
        weakref.finalize(generation, self._retired.append, schema).atexit = False
        return generation

    def _run_in(self, generation: _Generation, expr: ibis.Expr) -> list[dict[str, Any]]:
        try:
            return self._run(expr)
        except duckdb.IOException as exc:
            # a refresh removes the files it replaced right after its manifest: a
            # request still reading them can only be asked again
            if generation.key == self._manifest_key():
                raise
            raise StoreUnavailable(
                f"a refresh replaced the lake's facts while this request read them "
                f"({str(exc).strip().splitlines()[0]}): ask again") from None

    # -- what reports see -------------------------------------------------------
    def tables(self) -> Tables:
        generation = self._generation()
        return Tables(dict(generation.tables), run=generation.run, local_time=_local_time,
                      settings=self.settings, built=generation.built)

    def counts(self) -> dict[str, int]:
        schema = self._generation().schema
        return {n: self.sql(f"SELECT count(*) FROM {CATALOG}.{schema}.{quote(n)}")[0][0]
                for n in ALL_TABLES}
