"""A local copy of a lake's facts in a DuckDB file, for a server: reports read the
facts from DuckDB's own storage instead of decoding Parquet on every query. The
small contract tables every report reads (``COPIED_CONTRACT``) are copied too.

The copy follows the lake part by part. A fact's part is its files for one mailing
(or campaign), as the manifest lists them (``lake_facts.py``): a refresh that
rebuilt three mailings lists new files for those three parts only, so only those
are read again. A contract table is one part, known by its files' names, sizes
and modification times.

Each row carries the generations it belongs to, ``_gen_from <= g < _gen_to``
(``_gen_to`` null while current). Copying makes generation g + 1: the rows of a
replaced part get ``_gen_to = g + 1`` and the new files' rows ``_gen_from = g + 1``,
part by part in transactions of their own, so that a request reading generation g
sees the same rows from start to end however far the copy has come. ``_meta``'s
``generation`` is the last generation copied whole: rows of a later one are what a
copy that stopped left behind, and the next copy, or opening, undoes them. Rows no
held generation sees any more are deleted (``collect``).

The file is the server's own: one process opens it; deleting it costs one full
copy at the next start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from mailreport.facts.sql import quote, sql_str

CACHE = "lake_cache"  # the name the file is attached under
FORMAT = "2"
# contract tables of a few thousand rows that every report reads
COPIED_CONTRACT = ("mailings", "campaigns", "variants", "categories", "products")

Columns = tuple[tuple[str, str], ...]  # (name, type)
Parts = dict[str, dict[str, list]]  # per table, per part: what identifies its files
PARTS = f"{CACHE}.main._parts"


def cache_path(state: Path) -> Path:
    """Where a server over the state file ``state`` keeps its copy of the facts."""
    return state.with_name(f"{state.stem}.lake-facts.duckdb")


def _table(name: str) -> str:
    return f"{CACHE}.main.{quote(name)}"


def visible(name: str, columns: Columns, generation: int) -> str:
    """The table's rows of ``generation``, with its own columns only."""
    cols = ", ".join(quote(c) for c, _ in columns)
    return (f"SELECT {cols} FROM {_table(name)} WHERE _gen_from <= {generation} "
            f"AND (_gen_to IS NULL OR _gen_to > {generation})")


class LakeCache:
    """The copy of ``tables`` (name: columns), attached to ``con`` as ``lake_cache``.
    ``generation`` is the last one copied whole (0: none yet)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, lake: Path,
                 fingerprint: str, tables: dict[str, Columns]):
        self.path = path
        self.tables = tables
        con.execute(f"ATTACH {sql_str(str(path))} AS {CACHE}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {CACHE}.main._meta "
                    f"(key VARCHAR PRIMARY KEY, value VARCHAR)")
        meta = dict(con.execute(f"SELECT key, value FROM {CACHE}.main._meta").fetchall())
        layout = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:16]
        owner = {"format": FORMAT, "fingerprint": fingerprint, "layout": layout,
                 "lake": str(lake.resolve())}
        con.execute("BEGIN")
        if any(meta.get(k) != v for k, v in owner.items()):
            self._create(con)  # another lake, definitions or layout: start again
            for key, value in {**owner, "generation": "0"}.items():
                con.execute(f"INSERT OR REPLACE INTO {CACHE}.main._meta VALUES (?, ?)",
                            [key, value])
            self.generation = 0
        else:
            self.generation = int(meta["generation"])
            self._undo_after(con, self.generation)
        con.execute("COMMIT")
        self.collect(con, self.generation)  # no request holds an older one yet

    def _create(self, con: duckdb.DuckDBPyConnection) -> None:
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE "
                                   f"database_name = '{CACHE}' AND table_name <> '_meta'"
                                   ).fetchall():
            con.execute(f"DROP TABLE {_table(name)}")
        con.execute(f"CREATE TABLE {PARTS} (tbl VARCHAR, part VARCHAR, files VARCHAR, "
                    f"_gen_from BIGINT, _gen_to BIGINT)")
        for name, columns in self.tables.items():
            cols = ", ".join(f"{quote(n)} {t}" for n, t in columns)
            con.execute(f"CREATE TABLE {_table(name)} ({cols}, _part VARCHAR, "
                        f"_gen_from BIGINT, _gen_to BIGINT)")

    def _all(self) -> list[str]:
        return [PARTS] + [_table(name) for name in self.tables]

    def _undo_after(self, con: duckdb.DuckDBPyConnection, generation: int) -> None:
        """Forget what a copy of a later generation did before it stopped."""
        for table in self._all():
            con.execute(f"DELETE FROM {table} WHERE _gen_from > {generation}")
            con.execute(f"UPDATE {table} SET _gen_to = NULL WHERE _gen_to > {generation}")

    def current(self, con: duckdb.DuckDBPyConnection) -> Parts:
        """Per table, per part: the files the copy's current rows came from."""
        out: Parts = {}
        for table, part, files in con.execute(
                f"SELECT tbl, part, files FROM {PARTS} WHERE _gen_to IS NULL").fetchall():
            out.setdefault(table, {})[part] = json.loads(files)
        return out

    def changes(self, con: duckdb.DuckDBPyConnection,
                wanted: Parts) -> list[tuple[str, str, list | None]]:
        """(table, part, its files now or None for a part gone) of every part whose
        files differ from the copy's."""
        have = self.current(con)
        out = []
        for name in self.tables:
            old, new = have.get(name, {}), wanted.get(name, {})
            out += [(name, part, new.get(part)) for part in sorted(old.keys() | new.keys())
                    if old.get(part) != new.get(part)]
        return out

    def copy(self, con: duckdb.DuckDBPyConnection, wanted: Parts,
             read: Callable[[str, list], str], stopping=lambda: False) -> int | None:
        """Make ``wanted`` the next generation and return it, each changed part's rows
        from ``read(table, files)`` (a SELECT of the table's columns); None when
        ``stopping()`` said to stop first."""
        self._undo_after(con, self.generation)
        changes = self.changes(con, wanted)
        if not changes and self.generation > 0:
            return self.generation  # a copy of these files already (a restart)
        generation = self.generation + 1
        for name, part, files in changes:
            if stopping():
                return None
            con.execute("BEGIN")
            con.execute(f"UPDATE {_table(name)} SET _gen_to = {generation} "
                        f"WHERE _part = ? AND _gen_to IS NULL", [part])
            con.execute(f"UPDATE {PARTS} SET _gen_to = {generation} "
                        f"WHERE tbl = ? AND part = ? AND _gen_to IS NULL", [name, part])
            if files is not None:
                con.execute(f"INSERT INTO {_table(name)} SELECT *, ?, {generation}, NULL "
                            f"FROM ({read(name, files)})", [part])
                con.execute(f"INSERT INTO {PARTS} VALUES (?, ?, ?, {generation}, NULL)",
                            [name, part, json.dumps(files)])
            con.execute("COMMIT")
        con.execute(f"UPDATE {CACHE}.main._meta SET value = ? WHERE key = 'generation'",
                    [str(generation)])
        self.generation = generation
        return generation

    def collect(self, con: duckdb.DuckDBPyConnection, oldest: int) -> None:
        """Delete the rows no generation from ``oldest`` on sees."""
        con.execute("BEGIN")
        for table in self._all():
            con.execute(f"DELETE FROM {table} WHERE _gen_to <= {oldest}")
        con.execute("COMMIT")
