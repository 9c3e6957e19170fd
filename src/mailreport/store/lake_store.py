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

import contextlib
import itertools
import json
import logging
import os
import re
import threading
import time
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
from mailreport.store.lake_cache import COPIED_CONTRACT, LakeCache, Parts, cache_path, visible
from mailreport.store.lake_facts import (
    MANIFEST_NAME,
    FactsManifest,
    LakeFactsError,
    facts_dir,
    read_manifest,
)
from mailreport.store.lake_views import (
    contract_columns,
    contract_files,
    contract_view,
    fact_view,
    part_select,
)
from mailreport.store.tables import Built, Tables

CATALOG = "lake"  # the in-memory database the views live in, one schema a generation
RETRY_COPY_S = 60.0  # after a copy failed, when the copier tries again unasked

log = logging.getLogger(__name__)


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

    def __init__(self, key: tuple, schema: str, tables: dict[str, ibis.Table], run,
                 copied: int | None = None):
        self.key = key
        self.schema = schema
        self.copied = copied  # the generation of the local copy it reads, if any
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
                 state: str | os.PathLike | None = None, memory_limit: str | None = None,
                 cache: str | os.PathLike | None = None):
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
        self._on_copy: weakref.WeakSet[_Generation] = weakref.WeakSet()  # those on the copy
        self._cache: LakeCache | None = None
        self._copier: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = False
        self.copy_error: str | None = None  # why the last copy failed, if it did
        if cache is None and self.state is not None:
            cache = cache_path(self.state)
        self._copying = cache is not None
        try:
            self.con.execute(f"ATTACH ':memory:' AS {CATALOG}")
            self._generation()  # the lake's problems are the opening's
            if cache is not None:
                self._start_copier(Path(cache))
        except BaseException:
            self.close()
            raise

    # -- the manifest and its generations -------------------------------------
    def _manifest_key(self) -> tuple:
        """What changes when the manifest is replaced: a rename gives a new inode,
        and a copy over it a new modification time. With a local copy, the files of
        the contract tables it keeps too."""
        try:
            st = os.stat(facts_dir(self.lake) / MANIFEST_NAME)
            manifest = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            manifest = None
        if not self._copying:
            return (manifest,)
        return (manifest, json.dumps(self._contract_parts()))

    def _contract_parts(self) -> Parts:
        return {name: {"": files} for name in COPIED_CONTRACT
                if (files := contract_files(self.lake, name))}

    def _generation(self) -> _Generation:
        key = self._manifest_key()
        with self._lock:
            for schema in self._retired[:]:
                self.con.execute(f"DROP SCHEMA IF EXISTS {CATALOG}.{schema} CASCADE")
                self._retired.remove(schema)
            if self._current is None or self._current.key != key:
                self._current = self._build(key)
                self._wake.set()  # the copier has a new manifest to copy
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

    def _views(self, manifest: FactsManifest,
               copied: int | None) -> Iterator[tuple[str, str]]:
        """(name, SELECT) of each table reports see; reading a contract table's
        columns runs a query, so they are made one at a time. The facts are read
        from the local copy's generation ``copied``, else from the files."""
        for table in TABLES:
            yield table.name, (
                visible(table.name, contract_columns(table.name), copied)
                if copied is not None and table.name in COPIED_CONTRACT else
                contract_view(self.con, self.lake, table))
        for fact in facts.FACTS:
            yield fact.name, (visible(fact.name, fact.columns, copied) if copied is not None
                              else fact_view(fact, manifest.files.get(fact.name, {}),
                                             facts_dir(self.lake)))

    def _build(self, key: tuple | None, manifest: FactsManifest | None = None,
               copied: int | None = None) -> _Generation:
        manifest = manifest or self._manifest()
        schema = f"g{next(self._generations)}"
        self.con.execute(f"CREATE SCHEMA {CATALOG}.{schema}")
        try:
            for name, select in self._views(manifest, copied):
                self.con.execute(f"CREATE VIEW {CATALOG}.{schema}.{quote(name)} AS {select}")
            tables = {name: self._ibis.table(name, database=(CATALOG, schema))
                      for name in ALL_TABLES}
        except duckdb.Error as exc:
            self.con.execute(f"DROP SCHEMA {CATALOG}.{schema} CASCADE")
            raise StoreUnavailable(f"cannot read the lake {self.lake}: "
                                   f"{str(exc).strip().splitlines()[0]}") from None
        generation = _Generation(key, schema, tables, self._run_in, copied)
        weakref.finalize(generation, self._retired.append, schema).atexit = False
        if copied is not None:
            self._on_copy.add(generation)
        return generation

    # -- the local copy of the facts ---------------------------------------------
    def _start_copier(self, path: Path) -> None:
        copied = {name: tuple(contract_columns(name)) for name in COPIED_CONTRACT}
        copied |= {fact.name: fact.columns for fact in facts.FACTS}
        self._cache = LakeCache(self.con, path, self.lake, facts.fingerprint(self.settings),
                                copied)
        self._copy_con = self.con.cursor()
        self._copier = threading.Thread(target=self._copy_loop, name="lake-facts-copy",
                                        daemon=True)
        self._copier.start()
        self.on_close(lambda store: store._stop_copier())

    def _stop_copier(self) -> None:
        """Stop the copy, a part being read included (undone at the next open)."""
        self._stop = True
        self._wake.set()
        if self._copier is not None:
            with contextlib.suppress(duckdb.Error):
                self._copy_con.interrupt()
            self._copier.join()

    def _copy_loop(self) -> None:
        con = self._copy_con
        try:
            while not self._stop:
                self._wake.wait(None if self.copy_error is None else RETRY_COPY_S)
                self._wake.clear()
                if not self._stop:
                    self._copy_once(con)
        finally:
            con.close()

    def _copy_once(self, con) -> None:
        key = self._manifest_key()
        if self._current is not None and self._current.copied is not None \
                and self._current.key == key:
            return  # requests read the copy of the manifest already
        try:
            manifest = self._manifest()
            wanted = {fact.name: manifest.files.get(fact.name, {}) for fact in facts.FACTS}
            wanted |= json.loads(key[1])  # the contract tables' files the key was made of
            with self._lock:
                oldest = min((g.copied for g in self._on_copy), default=self._cache.generation)
            self._cache.collect(con, oldest)
            copied = self._cache.copy(
                con, wanted, lambda name, files: part_select(con, self.lake, name, files),
                stopping=lambda: self._stop or self._manifest_key() != key)
        except (duckdb.Error, StoreUnavailable) as exc:
            self._rollback(con)
            if self._stop:
                return  # interrupted by close
            self.copy_error = str(exc).strip().splitlines()[0]
            log.warning("copying %s's facts to %s failed (reports read the lake's files "
                        "meanwhile): %s", self.lake, self._cache.path, self.copy_error)
            return
        self.copy_error = None
        if copied is None:
            self._wake.set()  # a newer manifest came: copy that one
            return
        with self._lock:
            if self._manifest_key() == key and not self._stop:
                self._current = self._build(key, manifest, copied)

    @staticmethod
    def _rollback(con) -> None:
        with contextlib.suppress(duckdb.Error):  # when no transaction was open
            con.execute("ROLLBACK")

    def wait_for_copy(self, timeout: float = 600.0) -> bool:
        """Whether requests read the local copy of the current manifest within
        ``timeout`` seconds (for tests and benchmarks; a server never waits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self._generation()
            if current.copied is not None or self._cache is None:
                return current.copied is not None
            time.sleep(0.05)
        return False

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
