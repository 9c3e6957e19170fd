"""What a refresh of the lake's facts read, and what changed since the last one.

A refresh records its inputs in the facts manifest (``lake_facts.py``), so that
the next one rebuilds only what they touched:

- every contract table folder: a signature of its files (relative path, size and
  mtime in nanoseconds); ``events`` and ``audience`` one per mailing partition;
- ``mailings``: a digest of each mailing's row (Spark's xxhash64 of the row,
  summed: ``_hash_sums``), so a rewritten file that changes one mailing rebuilds
  that mailing;
- ``orders`` and ``order_lines``: a digest of each customer's orders and their
  lines, kept in a small Parquet folder under the build (``_inputs/<build>/``,
  too big for the manifest), so a new day of orders re-attributes its buyers.

Digesting every order and line costs a read of them all, however few changed. A
load into the lake knows which customers' orders it changed, and records them
(``_changes/<load>/``: the customers, and the signatures of the two folders before
and after it). When the records of the loads since the last refresh lead, one to
the next, from the folders it read to those of now, their customers are the
changed ones and nothing is digested; any other writer breaks the chain (its
files match no record), and the digests decide. The digests kept are then those
of an older state (``order_digests_at``), so they tell at least every customer
changed since.

The signatures are read before Spark lists the files, so a table written while a
refresh runs is seen as changed by the next one: rebuilt twice, never missed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from mailreport.contract import TABLES
from mailreport.contract import table as contract_table
from mailreport.facts import FACTS, Fact
from mailreport.settings import Settings
from mailreport.store.errors import StoreError
from mailreport.store.lake import PARTITION_COLUMN, PARTITIONED

INPUTS_VERSION = 2  # the shape of the manifest's "inputs" that this module writes
# contract tables whose changes a refresh follows per mailing (partition folders,
# row digests) or per customer; any other table a fact reads rebuilds everything
BY_MAILING_ROWS = ("mailings", "variants")
BY_CUSTOMER = ("orders", "order_lines")
CHANGES_DIR = "_changes"  # in the lake: the loads' records of the customers they changed
CHANGE_RECORD = "record.json"


class RefreshError(StoreError):
    """The lake's facts cannot be refreshed; the message says why and what to do."""


def local_lake_path(lake: str | os.PathLike) -> Path | None:
    """The lake as a local (or mounted) folder; None for another URI (s3a://...)."""
    text = os.fspath(lake)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme == "file":
        return Path(urllib.parse.unquote(parts.path))
    if len(parts.scheme) > 1:  # one letter: a Windows drive
        return None
    return Path(text)


@functools.lru_cache(maxsize=64)
def fact_sources(fact: Fact, settings: Settings) -> frozenset[str]:
    """The contract tables and facts the fact's definition reads (its own CTEs
    aside), taken from its SQL, so a definition that comes to read another table is
    followed without a list kept by hand."""
    known = {t.name for t in TABLES} | {f.name for f in FACTS}
    return tables_read(fact, settings) & known


@functools.lru_cache(maxsize=64)
def tables_read(fact: Fact, settings: Settings) -> frozenset[str]:
    """Every table the fact's SQL names (its CTEs' names among them)."""
    tree = sqlglot.parse_one(fact.select(settings, "true"), read="duckdb")
    return frozenset(t.name for t in tree.find_all(exp.Table))


@functools.lru_cache(maxsize=8)
def read_by_facts(settings: Settings) -> frozenset[str]:
    contract = {t.name for t in TABLES}
    return frozenset(s for f in FACTS for s in fact_sources(f, settings) if s in contract)


# -- file signatures ------------------------------------------------------------------


def _data_files(folder: Path) -> list[tuple[str, int, int]]:
    """(path relative to folder, size, mtime_ns) of the files Spark reads under
    folder: names starting with _ or . (_SUCCESS, .crc) are not data."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
        for name in files:
            if name.startswith(("_", ".")):
                continue
            path = Path(root) / name
            st = path.stat()
            found.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return sorted(found)


def _signature(files: list[tuple[str, int, int]]) -> str:
    text = "\n".join(f"{p}\t{size}\t{mtime}" for p, size, mtime in files)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def table_signature(folder: Path) -> str | None:
    """The signature of a table folder's data files; None when it has none."""
    files = _data_files(folder) if folder.is_dir() else []
    return _signature(files) if files else None


def scan_files(lake: Path) -> dict:
    """The signature of every contract table folder: ``tables`` (for events and
    audience, of the files outside mailing partitions) and ``partitions`` (per
    mailing: of the files in its events and audience partitions). A folder or a
    partition with no data files is left out, as an empty table is."""
    tables: dict[str, str] = {}
    partitions: dict[str, dict[str, str]] = {}
    prefix = PARTITION_COLUMN + "="
    for table in TABLES:
        folder = lake / table.name
        if not folder.is_dir():
            continue
        files = _data_files(folder)
        if table.name in PARTITIONED:
            by_mailing: dict[str, list] = {}
            loose = []
            for path, size, mtime in files:
                top, _, rest = path.partition("/")
                if rest and top.startswith(prefix):
                    mailing = urllib.parse.unquote(top[len(prefix):])
                    by_mailing.setdefault(mailing, []).append((rest, size, mtime))
                else:
                    loose.append((path, size, mtime))
            partitions[table.name] = {m: _signature(f) for m, f in sorted(by_mailing.items())}
            files = loose
        if files:
            tables[table.name] = _signature(files)
    return {"tables": tables, "partitions": partitions}


# -- digests of rows ------------------------------------------------------------------


def _row_hash(columns: list[str], alias: str = "") -> str:
    """Spark's xxhash64 of a row. xxhash64 skips nulls, so that (x, null) and
    (null, x) hash alike: whether each column is null is hashed with it."""
    cols = [f"{alias}`{c}`" for c in columns]
    return f"xxhash64({', '.join(cols)}, {', '.join(f'{c} IS NULL' for c in cols)})"


# A sum of 64-bit hashes overflows a BIGINT (an error in ANSI mode), and a 38-digit
# decimal sum is slow (a Java BigDecimal per row: the order digests of the large demo
# took 55 s, 34 s so). The hash's high 32 bits (signed) and low 32 bits (unsigned)
# are summed apart instead: neither sum can overflow before 2^31 rows, and the two
# give the whole sum back, so they tell the same rows apart.
def _hash_sums(hash_sql: str) -> tuple[str, str]:
    """The two sums of ``hash_sql``: of its high and of its low 32 bits."""
    return f"sum(shiftright({hash_sql}, 32))", f"sum(({hash_sql}) & 4294967295)"


def _digest(high: str, low: str) -> str:
    return f"concat(CAST({high} AS STRING), ':', CAST({low} AS STRING))"


def mailing_digests(session, view: str, table: str) -> dict[str, str]:
    """Per mailing, a digest of its rows of ``table`` (read through ``view``)."""
    columns = contract_table(table).column_names
    rows = session.sql(f"SELECT mailing_id, {_digest(*_hash_sums('h'))} AS d "
                       f"FROM (SELECT mailing_id, {_row_hash(list(columns))} AS h FROM {view} "
                       f"WHERE mailing_id IS NOT NULL) GROUP BY mailing_id").collect()
    return {r[0]: r[1] for r in rows}


def customer_digests(session, orders_view: str, lines_view: str):
    """Per customer, a digest of their orders and of those orders' lines (a
    DataFrame: customer_id, digest). A line is its order's customer's. The lines
    are summed per order before they meet their order, so that a few sums per
    order cross the shuffle, not every line; the digest is the same sum."""
    orders = contract_table("orders").column_names
    lines = contract_table("order_lines").column_names
    high, low = _hash_sums("h")
    return session.sql(f"""
        SELECT o.customer_id,
               {_digest("sum(shiftright(o.h, 32) + coalesce(l.high, 0))",
                        "sum((o.h & 4294967295) + coalesce(l.low, 0))")} AS digest
        FROM (SELECT order_id, customer_id, {_row_hash(list(orders))} AS h
              FROM {orders_view}) o
        LEFT JOIN (SELECT order_id, {high} AS high, {low} AS low
                   FROM (SELECT order_id, {_row_hash(list(lines))} AS h FROM {lines_view})
                   GROUP BY order_id) l ON l.order_id = o.order_id
        WHERE o.customer_id IS NOT NULL GROUP BY o.customer_id""")


# -- what changed ---------------------------------------------------------------------


@dataclass
class LakeChanges:
    """What changed in the lake since the last build: ``full`` says why everything
    must be rebuilt (None: the rest says what to rebuild)."""

    full: str | None = None
    mailings: dict[str, set[str]] = field(default_factory=dict)  # per table
    customers: object = None  # DataFrame of customer_id whose orders changed, or None
    # DataFrame of the changed orders' customer_id and ts (as they were and as they
    # are), when the loads recorded them; None: not known
    orders: object = None

    @property
    def any(self) -> bool:
        return bool(self.full or any(self.mailings.values()) or self.customers is not None)


def changed_keys(old: dict[str, str], new: dict[str, str]) -> set[str]:
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def order_tables(tables: dict) -> dict[str, str | None]:
    """The signatures of the tables followed by customer, of ``tables``."""
    return {name: tables.get(name) for name in BY_CUSTOMER}


@dataclass(frozen=True)
class ChangeRecord:
    """What a load changed in the orders and order lines: the orders it added or
    changed, as their customers and times (``customer_id``, ``ts``: a changed
    order's as it was and as it is, a changed line's order's), in Parquet folders
    beside the record named in ``customers``, taking the folders' signatures from
    ``before`` to ``after``."""

    folder: Path
    before: dict[str, str | None]
    after: dict[str, str | None]
    customers: tuple[str, ...]

    def write(self) -> None:
        (self.folder / CHANGE_RECORD).write_text(json.dumps(
            {"before": self.before, "after": self.after,
             "customers": list(self.customers)}, indent=2) + "\n", encoding="utf-8")


def change_records(lake: Path) -> list[ChangeRecord]:
    """The loads' records in the lake; one that cannot be read is left out (a
    refresh then digests the orders)."""
    records = []
    folder = lake / CHANGES_DIR
    for path in sorted(folder.glob(f"*/{CHANGE_RECORD}")) if folder.is_dir() else []:
        try:
            said = json.loads(path.read_text(encoding="utf-8"))
            records.append(ChangeRecord(path.parent, dict(said["before"]), dict(said["after"]),
                                        tuple(said["customers"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return records


def recorded_changes(records: list[ChangeRecord], since: dict, now: dict
                     ) -> list[ChangeRecord] | None:
    """The records that lead from the signatures ``since`` to ``now``, in order;
    None when none do (a writer other than a load, or a record lost)."""
    state, chain = order_tables(since), []
    target = order_tables(now)
    while state != target:
        step = next((r for r in records if r.before == state and r not in chain), None)
        if step is None:
            return None
        chain.append(step)
        state = step.after
    return chain


def full_rebuild_reason(old_inputs: dict, now: dict, read: frozenset[str]) -> str | None:
    """Why the files' signatures alone call for a full rebuild (a changed table that
    is not followed per mailing or per customer), or None."""
    version = old_inputs.get("version")
    if version is None:
        return "the facts were not built by `mailreport refresh`"
    if version != INPUTS_VERSION:
        return (f"the last refresh recorded what it read in another form (version "
                f"{version}, now {INPUTS_VERSION})")
    old_tables = old_inputs.get("tables", {})
    for name in sorted(read):
        if name in BY_MAILING_ROWS or name in BY_CUSTOMER:
            continue
        if old_tables.get(name) != now["tables"].get(name):
            what = "files outside its mailing partitions" if name in PARTITIONED else "folder"
            return f"the {name} {what} changed"
    return None
