"""A fact's rows written into the lake as one folder per mailing under a build
(``LAKE/_facts/<fact>/<build>/mailing_id=<mailing>/*.parquet``,
``store/lake_facts.py``), and the files that came of it.

Each file holds every column of the fact, mailing_id included: the folders are
written with Spark's partitionBy on a copy of mailing_id (``m``), which Spark
drops from the files instead of the real column, then renamed to the mailing's
partition folder (``store/lake.partition_folder``, the same escaping), so that a
DuckDB reader of the lake skips other mailings' files by their path. Timestamps are written as
Parquet's plain TIMESTAMP (not adjusted to UTC), as DuckDB writes its own
TIMESTAMP: the values are UTC either way, and DuckDB reads them back as the
facts' declared type rather than as TIMESTAMP WITH TIME ZONE.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from mailreport.facts import Fact
from mailreport.store.lake import PARTITION_COLUMN
from mailreport.store.spark.store import fact_columns

FOLDER_COLUMN = "m"  # the copy of mailing_id the folders are written by


def file_uri(path: Path) -> str:
    """A local path for Spark: explicit, so that a cluster whose default file
    system is HDFS still writes to the mounted lake."""
    return "file://" + str(path.resolve())


def write_fact(df, fact: Fact, facts_root: Path, build: str) -> dict[str, list[str]]:
    """Write df (the fact's rows, its declared columns) under facts_root/<fact>/<build>,
    one folder per mailing, and return its files per mailing as paths under
    facts_root. A mailing's rows go to one task, so a mailing is one file; but a fact
    whose rows are spread by customer (``Fact.spread_by``, the largest) is written
    where its rows are, each task a file per mailing: sending them on by mailing
    would cost a shuffle of the whole fact and give a large mailing's rows to a
    single task."""
    exprs = [f"CAST(`{name}` AS TIMESTAMP_NTZ) AS `{name}`" if typ == "TIMESTAMP"
             else f"`{name}`" for name, typ in fact_columns(fact)]
    order = [c for c in ("customer_id", "day") if c in fact.column_names][:1]
    out = facts_root / fact.name / build
    rows = df.selectExpr(*exprs, f"mailing_id AS {FOLDER_COLUMN}")
    if not fact.spread_by:
        rows = rows.repartition(FOLDER_COLUMN)
    (rows.sortWithinPartitions(FOLDER_COLUMN, *order)
         .write.partitionBy(FOLDER_COLUMN).parquet(file_uri(out)))
    written = FOLDER_COLUMN + "="
    for folder in out.iterdir():  # m=X to mailing_id=X: the escaping is the same
        if folder.is_dir() and folder.name.startswith(written):
            folder.rename(out / f"{PARTITION_COLUMN}={folder.name[len(written):]}")
    return list_files(facts_root, fact.name, build)


def list_files(facts_root: Path, fact: str, build: str) -> dict[str, list[str]]:
    """The data files of a fact's build, per mailing (the folder name unescaped as
    Spark escapes partition values)."""
    prefix = PARTITION_COLUMN + "="
    files: dict[str, list[str]] = {}
    build_dir = facts_root / fact / build
    if not build_dir.is_dir():
        return files
    for folder in sorted(build_dir.iterdir()):
        if not (folder.is_dir() and folder.name.startswith(prefix)):
            continue
        mailing = urllib.parse.unquote(folder.name[len(prefix):])
        names = sorted(f.name for f in folder.iterdir()
                       if f.is_file() and f.name.endswith(".parquet")
                       and not f.name.startswith(("_", ".")))
        if names:
            files[mailing] = [f"{fact}/{build}/{folder.name}/{n}" for n in names]
    return files
