"""The lake: the data contract's tables as Parquet files, for the Spark engine.

Layout (docs/spark.md says the same for pipelines that write the lake directly)::

    LAKE/
      _lake.json                          what wrote it and the row counts (optional)
      categories/part-00000.parquet       one folder per contract table, any number of
      products/...                        Parquet files in it, any file names
      campaigns/  customers/  mailings/  variants/  orders/  order_lines/
      audience/mailing_id=M01/part-00000.parquet
      events/mailing_id=M01/part-00000.parquet
      events/mailing_id=M02/...

Columns and names are the contract's (``contract.TABLES``); timestamps are UTC,
either plain (``isAdjustedToUTC=false``) or instants; money is DECIMAL(18,2).
events and audience are partitioned by mailing_id, Hive style, with the value
escaped the way Spark escapes partition paths, so one mailing's report opens only
that mailing's folders. A table with no folder is empty.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import urllib.parse
from pathlib import Path

from mailreport import __version__, facts
from mailreport.contract import TABLES
from mailreport.facts.sql import quote
from mailreport.store.durable import sync_tree
from mailreport.store.lake_facts import (
    FactsManifest,
    facts_dir,
    remove_unreferenced,
    write_manifest,
)

PARTITION_COLUMN = "mailing_id"
PARTITIONED = frozenset({"events", "audience"})
LAKE_FORMAT = 1

# Within a partition rows are ordered so that Parquet's min/max statistics let a
# reader skip row groups; the order also keeps repeated exports byte-stable.
_ORDER = {
    "events": "customer_id, ts, event_id",
    "audience": "customer_id",
    "orders": "customer_id, ts, order_id",
}

# The characters Spark (and Hive) escape in partition folder names, as %XX.
# DuckDB percent-encodes UTF-8 bytes instead, which Spark would misread for
# non-ASCII ids, so folders are renamed to Spark's form after writing.
_SPARK_ESCAPED = frozenset(
    [chr(c) for c in range(0x01, 0x20)] + list('"#%\'*/:=?\\\x7f{[]^'))


def spark_escape(value: str) -> str:
    """A partition value as Spark writes it in a folder name."""
    return "".join(f"%{ord(ch):02X}" if ch in _SPARK_ESCAPED else ch for ch in value)


def partition_folder(mailing_id: str) -> str:
    return f"{PARTITION_COLUMN}={spark_escape(mailing_id)}"


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_lake(store, out_dir: str | os.PathLike) -> dict[str, int]:
    """Write every contract table of a DuckDB store as Parquet under out_dir, then
    its facts (``export_facts``), so that the lake can be served at once.

    Replaces the folders of the contract tables and the facts in out_dir and
    nothing else. Returns the row count of each contract table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in TABLES:
        target = out / table.name
        if target.exists():
            shutil.rmtree(target)
        counts[table.name] = store.sql(f"SELECT count(*) FROM {quote(table.name)}")[0][0]
        if not counts[table.name]:
            continue  # no folder: an empty table
        cols = ", ".join(quote(c) for c in table.column_names)
        order = _ORDER.get(table.name, ", ".join(quote(k) for k in table.key))
        if table.name in PARTITIONED:
            query = (f"SELECT {cols} FROM {quote(table.name)} "
                     f"ORDER BY {PARTITION_COLUMN}, {order}")
            store.sql(f"COPY ({query}) TO {_sql_path(target)} "
                      f"(FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN}))")
            _rename_partitions(store, table.name, target)
        else:
            target.mkdir()
            query = f"SELECT {cols} FROM {quote(table.name)} ORDER BY {order}"
            store.sql(f"COPY ({query}) TO {_sql_path(target / 'part-00000.parquet')} "
                      f"(FORMAT parquet)")
    manifest = {"format": LAKE_FORMAT, "written_by": f"mailreport {__version__}",
                "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "partitioned_by": {name: PARTITION_COLUMN for name in sorted(PARTITIONED)},
                "rows": counts}
    (out / "_lake.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    export_facts(store, out)
    return counts


def export_facts(store, lake: str | os.PathLike) -> FactsManifest:
    """Write the store's facts into the lake as a build of their own (lake_facts.py):
    one folder per fact and mailing, named as the mailing's partition so that
    readers skip other mailings' files by their path, every column in each file.
    Then the manifest is replaced and the builds it no longer lists removed: a
    crash before the manifest leaves the facts as they were."""
    build = f"export-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    files: dict[str, dict[str, list[str]]] = {}
    for fact in facts.FACTS:
        target = facts_dir(lake) / fact.name / build
        if not store.sql(f"SELECT count(*) FROM {quote(fact.name)}")[0][0]:
            files[fact.name] = {}
            continue
        cols = ", ".join(quote(c) for c in fact.column_names)
        target.parent.mkdir(parents=True, exist_ok=True)
        # unsorted: no report reads a fact in an order, and sorting the reach rows of
        # a large store would cost more than writing them
        store.sql(f"COPY (SELECT {cols} FROM {quote(fact.name)}) "
                  f"TO {_sql_path(target)} (FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN}), "
                  f"WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part-{{i}}')")
        ids = _rename_partitions(store, fact.name, target)
        files[fact.name] = {
            mailing_id: sorted(p.relative_to(facts_dir(lake)).as_posix()
                               for p in (target / partition_folder(mailing_id)).glob("*.parquet"))
            for mailing_id in sorted(ids)}
        sync_tree(target)
    [[fingerprint]] = store.sql("SELECT value FROM meta WHERE key = 'facts'")
    manifest = FactsManifest(fingerprint=fingerprint, files=files)
    write_manifest(lake, manifest, "lake export")
    remove_unreferenced(lake, manifest)
    return manifest


def _rename_partitions(store, table: str, target: Path) -> set[str]:
    """Give DuckDB's partition folders Spark's names, checking none was lost; the
    mailing ids."""
    prefix = PARTITION_COLUMN + "="
    seen = set()
    for entry in target.iterdir():
        if not entry.name.startswith(prefix):
            continue
        value = urllib.parse.unquote(entry.name[len(prefix):])
        seen.add(value)
        wanted = target / partition_folder(value)
        if wanted != entry:
            entry.rename(wanted)
    ids = {r[0] for r in store.sql(f"SELECT DISTINCT {PARTITION_COLUMN} FROM {quote(table)}")}
    if seen != ids:
        raise RuntimeError(f"the {table} partitions written do not match its mailing ids: "
                           f"{sorted(ids ^ seen)[:5]}")
    return ids
