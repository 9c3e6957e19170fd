"""``mailreport load DIR --lake LAKE``: the store's load (``ingest/loader.py``) into a
Parquet lake (``store/lake.py``), on Spark.

The same files, the same contract and named checks (``ingest/lake_merge.py`` runs
staging's on Spark), the same rejects file, summary and exit codes: the loader's
``run_load`` drives both. What differs is where rows go. Each file is staged,
checked and classified against the lake by Spark (held in memory, spilling to
disk; a CSV's rows and the rejects in Parquet under the lake's hidden
``_loading/<load>/``); a table whose rows change gets its new content written
there too (a table's whole folder; for events and audience only the partitions of
the mailings it touches). Nothing in the lake's tables changes until every file is
done; then the new folders are swapped in (``store/lake_swap.py``: a journal makes
the swaps finish even when the load dies among them). A file that changes nothing
writes nothing, so loading a directory again leaves the lake as it was.

A load that changes orders or order lines of a lake with facts records whose orders
they were (``store/spark/lake_inputs.py``, ``_changes/``), swapped in with the
tables, so that the next refresh need not digest every order to find them.

Spark does the work with its built-in functions: no Python runs on the executors,
and of the rows only the rejected ones come to the driver, for the rejects file
(besides counts and the ids of the mailings whose partitions change).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import shutil
from pathlib import Path
from zoneinfo import available_timezones

from mailreport import __version__
from mailreport.contract import TABLES, Table
from mailreport.ingest import lake_merge, staging
from mailreport.ingest.files import FileProblem
from mailreport.ingest.lake_files import MALFORMED, LakeFile, find_lake_files, is_uri, staged_rows
from mailreport.ingest.loader import (
    LoadSummary,
    Progress,
    TableResult,
    default_report_dir,
    run_load,
)
from mailreport.store import lake_swap
from mailreport.store.lake import PARTITION_COLUMN, PARTITIONED
from mailreport.store.lake_facts import MANIFEST_NAME, facts_dir
from mailreport.store.spark import lake_inputs
from mailreport.store.spark.session import REQUIRED_CONF
from mailreport.store.spark.store import spark_ddl

# Within a file, rows are ordered as ``lake.export_lake`` orders them, so that
# Parquet's statistics let a reader skip row groups.
ORDER = {
    "events": ("customer_id", "ts", "event_id"),
    "audience": ("customer_id",),
    "orders": ("customer_id", "ts", "order_id"),
}
LAKE_MANIFEST = "_lake.json"
# A table smaller than this (its Parquet and the file loaded) is written as one file
ONE_FILE_BYTES = 128 << 20

_loads = itertools.count(1)


class LakeLoadError(Exception):
    """The lake cannot be loaded at all; the message says why and what to change."""


def load_lake(spark, lake: str | os.PathLike, directory: str | os.PathLike,
              report_dir: str | os.PathLike | None = None,
              progress: Progress | None = None) -> LoadSummary:
    """Load every contract file of ``directory`` (a local folder or a URI Spark
    reads) into ``lake`` (a local folder) with the SparkSession ``spark``."""
    lake = lake_folder(lake)
    directory = str(directory)
    if not is_uri(directory):
        directory = str(Path(directory))
    started = dt.datetime.now(dt.UTC)
    summary = LoadSummary(directory, started.isoformat(timespec="seconds"))
    files = find_lake_files(spark, directory, summary)
    if not files:
        return summary
    if report_dir:
        out = Path(report_dir)
    elif is_uri(directory):  # not beside the files: in the lake, which is local
        out = lake / "_loads" / default_report_dir(lake, started).name
    else:
        out = default_report_dir(Path(directory), started)
    return run_load(summary, started, files, out, LakeLoad.open(lake, spark), _load_file,
                    progress)


def lake_folder(lake: str | os.PathLike) -> Path:
    """The lake as a local folder: partitions are swapped by rename, which object
    stores do not have."""
    text = os.fspath(lake)
    if text.startswith("file://"):
        text = text.removeprefix("file://")
    elif is_uri(text):
        raise LakeLoadError(
            f"--lake {text}: `load --lake` writes a local or mounted folder (a partition "
            "is replaced by a rename, which object stores lack); load into a folder and "
            "copy it, or write the lake with a table format (docs/spark.md)")
    return Path(text).absolute()


def _load_file(load: LakeLoad, f: LakeFile, progress: Progress | None) -> TableResult:
    result = TableResult(f.table.name, f.path)
    if progress:
        progress(f.label, 0, 1)
    try:
        load.load(f, result)
    except FileProblem as exc:
        result.error = str(exc)
        return result
    if progress:
        progress(f.label, 1, 1)
    return result


class LakeLoad:
    """One load into a lake, opened by :meth:`open`: the files' new folders are
    swapped in when it closes without an error, else nothing changes."""

    @classmethod
    @contextlib.contextmanager
    def open(cls, lake: Path, spark):
        with lake_swap.writing(lake):
            load = cls(lake, spark)
            try:
                yield load
                load.commit()
            finally:
                load.close()

    def __init__(self, lake: Path, spark):
        self.lake = lake
        self.spark = spark
        for key, value in REQUIRED_CONF.items():
            spark.conf.set(key, value)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.id = f"{stamp}-{os.getpid()}"
        self.staging = lake / lake_swap.STAGING / self.id
        self.staging.mkdir(parents=True)
        prefix = f"mailreport_load_{os.getpid()}_{next(_loads)}_"
        self.views = {name: prefix + name.lstrip("_") for name in (
            "_stage", "_checked", "_stored", "_classified", "_malformed", "_old", "_zones")}
        # the contract's tables as the checks of later files see them: the lake's
        # rows, then each table's new content once a file has changed it
        self.views.update({t.name: prefix + "table_" + t.name for t in TABLES})
        self._written: dict[str, Path] = {}
        self._inserted: dict[str, int] = {}
        # the orders' customers each file changes, for the next refresh, when the
        # lake has facts to refresh (a lake without them is built whole)
        self._orders_before = None
        if (facts_dir(lake) / MANIFEST_NAME).is_file():
            self._orders_before = {name: lake_inputs.table_signature(lake / name)
                                   for name in lake_inputs.BY_CUSTOMER}
        self._customers: list[str] = []  # folders under the staging folder
        self._rejects: list[Path] = []  # the rejects' folder of each file that has some
        self._swapping = False
        # (rows made on the driver would go through Python workers: a literal table
        # does not)
        zones = ", ".join(f"({lake_merge.spark_str(z)})" for z in sorted(available_timezones()))
        spark.sql(f"SELECT name FROM VALUES {zones} AS z(name)").createOrReplaceTempView(
            self.views["_zones"])
        self._nothing = self.staging / "empty"
        self._nothing.mkdir()
        for table in TABLES:
            self._read_lake(table).createOrReplaceTempView(self.views[table.name])

    # -- one file -------------------------------------------------------------------
    def load(self, f: LakeFile, result: TableResult) -> None:
        """Stage, check and classify a file's rows; write the table's new content."""
        from pyspark import StorageLevel

        table, work = f.table, self.staging / "work" / f.table.name
        rows, _columns, result.ignored_columns = staged_rows(self.spark, f)
        malformed = f.fmt == "csv"
        if malformed:  # a CSV is read by one task: keep its rows, and lines, once
            self._write(rows, work / "stage")
            rows = self.spark.read.schema(rows.schema).parquet(str(work / "stage"))
            rows.where(f"`{MALFORMED}` IS NOT NULL").createOrReplaceTempView(
                self.views["_malformed"])
            rows = rows.where(f"`{MALFORMED}` IS NULL").drop(MALFORMED, MALFORMED + "_reason")
        rows.createOrReplaceTempView(self.views["_stage"])
        # Kept while the file is judged (in memory, spilling to disk): the checks
        # run once, and what follows reads their result several times.
        checked = _slim(table, self.spark.sql(lake_merge.checked_sql(table, self.views)))
        checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
        checked.createOrReplaceTempView(self.views["_checked"])
        self._stored(table, checked).createOrReplaceTempView(self.views["_stored"])
        classified = self.spark.sql(lake_merge.classified_sql(table, self.views)).persist(
            StorageLevel.MEMORY_AND_DISK)
        classified.createOrReplaceTempView(self.views["_classified"])
        try:
            partitioned = table.name in PARTITIONED
            counts = self.spark.sql(lake_merge.counts_sql(self.views, malformed,
                                                          partitioned)).first()
            checked.unpersist()  # classified holds what follows needs
            result.read, result.inserted, result.updated = counts.read, counts.inserted, \
                counts.updated
            result.duplicates, result.rejected = counts.duplicates, counts.rejected
            if result.rejected:
                self._write(self.spark.sql(lake_merge.rejects_sql(
                    table, f.label, self.views, malformed)), work / "rejects")
                self._rejects.append(work / "rejects")
            if result.inserted or result.updated:
                self._record_customers(table)
                self._write_content(table, f, sorted(counts.touched) if partitioned else [])
        finally:
            classified.unpersist()
            checked.unpersist()
        self._inserted[table.name] = result.inserted

    def _stored(self, table: Table, checked):
        """The lake's rows with a key of the file's rows that pass the checks: for
        events, those with one of its event ids whatever their mailing, found by
        reading event_id alone, then the matching mailings' partitions."""
        from pyspark.sql import functions as F

        keys = checked.where("NOT _broken").select(*table.key).distinct()
        old = self._read_lake(table)
        if table.name in PARTITIONED:
            if table.name == "events":
                matched = old.select("event_id", PARTITION_COLUMN).join(keys, "event_id",
                                                                        "left_semi")
            else:
                matched = keys
            mailings = [r[0] for r in matched.select(PARTITION_COLUMN).distinct().collect()]
            old = old.where(F.col(PARTITION_COLUMN).isin(mailings))
        return old.join(keys, list(table.key), "left_semi")

    def _record_customers(self, table: Table) -> None:
        """The orders the file adds or changes, as their customers and times (a
        changed order's before and after; a line's order's), kept for the record: a
        refresh redoes those customers, and the rows of the mailings whose windows
        those times fall in. Read before the table's new content replaces its view."""
        if self._orders_before is None or table.name not in lake_inputs.BY_CUSTOMER:
            return
        classified = self.views["_classified"]
        if table.name == "orders":
            sql = f"""
                SELECT customer_id, ts FROM {classified}
                WHERE _class IN {lake_merge.ACCEPTED}
                UNION
                SELECT s.customer_id, s.ts FROM {self.views['_stored']} s
                LEFT SEMI JOIN (SELECT order_id FROM {classified}
                                WHERE _class = 'changed') c ON c.order_id = s.order_id"""
        else:
            sql = f"""
                SELECT DISTINCT o.customer_id, o.ts FROM {self.views['orders']} o
                LEFT SEMI JOIN (SELECT order_id FROM {classified}
                                WHERE _class IN {lake_merge.ACCEPTED}) c
                  ON c.order_id = o.order_id"""
        folder = self.staging / "changes" / f"customers-{len(self._customers)}"
        self._write(self.spark.sql(sql).where("customer_id IS NOT NULL").repartition(1),
                    folder)
        self._customers.append(folder.name)

    def _write_content(self, table: Table, f: LakeFile, touched: list[str]) -> None:
        """The table's new content under the staging folder: all of it, or for events
        and audience the partitions of the ``touched`` mailings (whose rows the file
        adds or changes). Later files' checks read it there."""
        from pyspark.sql import functions as F

        old = self._read_lake(table)
        target = self.staging / "tables" / table.name
        order = list(ORDER.get(table.name, table.key))
        if table.name in PARTITIONED:
            old.where(F.col(PARTITION_COLUMN).isin(touched)).createOrReplaceTempView(
                self.views["_old"])
            content = self.spark.sql(lake_merge.content_sql(table, self.views))
            content = content.repartition(PARTITION_COLUMN).sortWithinPartitions(
                PARTITION_COLUMN, *order)
            self._write(content, target, partition_by=PARTITION_COLUMN)
        else:
            old.createOrReplaceTempView(self.views["_old"])
            content = self.spark.sql(lake_merge.content_sql(table, self.views))
            if self._small(table, f):  # one file, sorted without sampling the rows first
                content = content.repartition(1).sortWithinPartitions(*order)
            else:
                content = content.orderBy(*order)
            self._write(content, target)
            self._parquet(target, table).createOrReplaceTempView(self.views[table.name])
        self._written[table.name] = target

    def _small(self, table: Table, f: LakeFile) -> bool:
        """Whether the table's files in the lake and the file loaded into it (when it is
        local) hold under ONE_FILE_BYTES."""
        folder = self.lake / table.name
        held = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) \
            if folder.is_dir() else 0
        return not is_uri(f.path) and held + Path(f.path).stat().st_size < ONE_FILE_BYTES

    # -- reading and writing Parquet ----------------------------------------------------
    def _read_lake(self, table: Table):
        """A table of the lake with the contract's types (timestamps as the checks
        type them, TIMESTAMP_NTZ); no folder is an empty table."""
        folder = self.lake / table.name
        if not folder.is_dir():  # (an empty folder: no Python worker makes the rows)
            folder = self._nothing
        return self.spark.read.schema(spark_ddl(table)).parquet(str(folder)).select(
            *table.column_names)

    def _parquet(self, folder: Path, table: Table | None = None):
        reader = self.spark.read
        if table is not None:
            reader = reader.schema(spark_ddl(table))
        return reader.parquet(str(folder))

    def _write(self, df, folder: Path, partition_by: str | None = None) -> None:
        writer = df.write.mode("error").option(
            "mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
        if partition_by:
            writer = writer.partitionBy(partition_by)
        writer.parquet(str(folder))

    # -- the load's end -------------------------------------------------------------------
    def rejects(self):
        """Rejected rows as (table, file, line, column, value, rule, reason), in the
        order of the store's loader (``LoadSession.rejects``)."""
        if not self._rejects:
            return
        every = self.spark.read.parquet(*(str(folder) for folder in self._rejects))
        ordered = every.orderBy("file", "line", every["column"].asc_nulls_last(), "rule")
        for row in ordered.toLocalIterator():
            yield tuple(row)

    def refresh_facts(self) -> None:
        """Nothing: the lake's facts are built by ``mailreport refresh``, from the
        tables a load leaves."""

    def commit(self) -> None:
        """Swap the new folders in: each table folder or partition folder written."""
        moves = []
        trash = f"{lake_swap.TRASH}/{self.id}"
        for name, folder in self._written.items():
            _tidy(folder)
            new = folder.relative_to(self.lake).as_posix()
            if name in PARTITIONED:
                for part in sorted(p.name for p in folder.iterdir() if p.is_dir()):
                    moves.append(lake_swap.Move(f"{new}/{part}", f"{name}/{part}",
                                                f"{trash}/{name}/{part}"))
            else:
                moves.append(lake_swap.Move(new, name, f"{trash}/{name}"))
        if self._customers:
            moves.append(self._record_move(trash))
        if moves and (self.lake / LAKE_MANIFEST).is_file():
            moves.append(self._manifest_move(trash))
        self._swapping = True
        lake_swap.swap(self.lake, moves)
        self._swapping = False

    def _record_move(self, trash: str) -> lake_swap.Move:
        """The record of the customers whose orders the load changed, with the
        signatures of the orders' folders before it and after (a rename keeps a
        file's name, size and time), swapped in with the tables."""
        folder = self.staging / "changes"
        after = {name: (lake_inputs.table_signature(self._written[name])
                        if name in self._written else before)
                 for name, before in self._orders_before.items()}
        lake_inputs.ChangeRecord(folder, self._orders_before, after,
                                 tuple(self._customers)).write()
        _tidy(folder)
        return lake_swap.Move(folder.relative_to(self.lake).as_posix(),
                              f"{lake_inputs.CHANGES_DIR}/{self.id}",
                              f"{trash}/{lake_inputs.CHANGES_DIR}")

    def _manifest_move(self, trash: str) -> lake_swap.Move:
        """``_lake.json`` (written by ``lake export``) with the new row counts, swapped
        with the tables."""
        manifest = json.loads((self.lake / LAKE_MANIFEST).read_text(encoding="utf-8"))
        rows = manifest.get("rows", {})
        for name, inserted in self._inserted.items():
            rows[name] = rows.get(name, 0) + inserted
        manifest.update(rows=rows, written_by=f"mailreport {__version__} load",
                        written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        path = self.staging / LAKE_MANIFEST
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return lake_swap.Move(path.relative_to(self.lake).as_posix(), LAKE_MANIFEST,
                              f"{trash}/{LAKE_MANIFEST}")

    def close(self) -> None:
        for view in self.views.values():
            self.spark.catalog.dropTempView(view)
        # A swap cut short by an error leaves its journal, which names these folders:
        # the next writer or reader finishes it (lake_swap.recover)
        if not self._swapping:
            shutil.rmtree(self.staging, ignore_errors=True)
            with contextlib.suppress(OSError):  # the lake keeps no empty _loading
                self.staging.parent.rmdir()


def _slim(table: Table, checked):
    """What the rest of a file's load needs of its checked rows: the lists of broken
    checks only on the rows that break one, and of the values as given only the
    key's (which a duplicate key's reject shows)."""
    from pyspark.sql import functions as F

    keys = {staging.raw_name(table.column(k)).strip('"') for k in table.key}
    columns = []
    for name in checked.columns:
        if name in ("_columns", "_values", "_rules", "_reasons"):
            columns.append(F.when(F.col("_broken"), F.col(name)).alias(name))
        elif not name.startswith("_raw_") or name in keys:
            columns.append(F.col(f"`{name}`"))
    return checked.select(*columns)


def _tidy(folder: Path) -> None:
    """Drop the checksum files Hadoop's local file system writes beside each file:
    the lake holds Parquet files only."""
    for crc in folder.rglob(".*.crc"):
        crc.unlink()
