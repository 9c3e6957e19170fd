"""A load directory's contract files read by Spark, staged as the store's loader
stages them (``ingest/files.py``): every contract column as text, each row with
its line.

Lines are numbered as the store's loader numbers them: a CSV's records counting
the header as line 1 (a quoted value may span several physical lines), a Parquet
file's rows from 1. A CSV is read as one stream (Spark's ``multiLine``: a record
may hold newlines), so one task reads each CSV file; Parquet files are split by
row group. A CSV record with the wrong number of fields is a malformed row,
rejected by line, as the store's loader rejects it.

The directory is a local folder or a URI Spark reads (``s3a://``, ``hdfs://``,
``gs://``...), listed through Spark's Hadoop file system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mailreport.contract import Table
from mailreport.ingest.files import FileProblem, check_header, choose_files
from mailreport.ingest.loader import LoadSummary, local_files

# A column no contract or file names, holding a malformed CSV record's text
MALFORMED = "_mailreport_malformed"
READ_FORMATS = ("csv", "parquet")

CSV_OPTIONS = {
    "multiLine": "true",      # a quoted value may hold newlines, as RFC 4180 allows
    "escape": '"',            # "" in a quoted value is one quote (RFC 4180)
    "encoding": "UTF-8",
}

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
# RFC 4180's quoted values, which hold commas that separate no fields
_QUOTED = r'"([^"]|"")*"'


@dataclass(frozen=True)
class LakeFile:
    table: Table
    path: str     # as Spark reads it
    fmt: str

    @property
    def label(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


def is_uri(directory: str) -> bool:
    return bool(_SCHEME.match(directory))


def find_lake_files(spark, directory: str, summary: LoadSummary) -> list[LakeFile]:
    """The contract files of a local folder (as the store's loader finds them) or of
    a URI; when there are none, the summary's problems say why."""
    if not is_uri(directory):
        return [LakeFile(cf.table, str(cf.path), cf.fmt)
                for cf in local_files(Path(directory), summary)]
    names = _listed_names(spark, directory, summary)
    if names is None:
        return []
    chosen, summary.problems = choose_files(names)
    if not chosen:
        summary.problems.append(f"{directory}: no contract files (<table>.csv, .parquet or "
                                ".jsonl) found")
    base = directory.rstrip("/")
    return [LakeFile(table, f"{base}/{name}", fmt) for table, name, fmt in chosen]


def _listed_names(spark, directory: str, summary: LoadSummary) -> set[str] | None:
    """The file names in a URI's folder, through the JVM's Hadoop file system."""
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(directory)
    try:
        fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
        if not fs.exists(path) or not fs.getFileStatus(path).isDirectory():
            summary.problems.append(f"{directory}: not a directory")
            return None
        return {s.getPath().getName() for s in fs.listStatus(path) if s.isFile()}
    except Exception as exc:  # py4j carries the JVM's IOException: no scheme, no access
        summary.problems.append(f"{directory}: cannot be read: {_first_line(exc)}")
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    # py4j prefixes the Java exception with its own call; the Java message follows
    for line in text.splitlines():
        if "Exception:" in line:
            return line.strip()
    return text.splitlines()[0] if text else type(exc).__name__


def staged_rows(spark, f: LakeFile) -> tuple:
    """(rows, header, ignored columns) of a file: ``rows`` has ``_line``, every
    contract column as text and, for a CSV, ``MALFORMED`` (the record's text where
    it has the wrong number of fields, else null). Raises FileProblem when the file
    cannot be loaded at all, as the store's loader does."""
    if f.fmt not in READ_FORMATS:
        raise FileProblem(f"{f.label}: `load --lake` reads CSV and Parquet files, not "
                          f"{f.fmt.upper()}: convert it (or load it into a DuckDB store)")
    reader = _csv_rows if f.fmt == "csv" else _parquet_rows
    return reader(spark, f)


def _csv_rows(spark, f: LakeFile):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    columns = _csv_header(spark, f)
    ignored = check_header(f, columns)
    schema = StructType([StructField(c, StringType()) for c in columns]
                        + [StructField(MALFORMED, StringType())])
    raw = (spark.read.schema(schema).options(**CSV_OPTIONS)
           .options(header="true", enforceSchema="true", mode="PERMISSIVE",
                    columnNameOfCorruptRecord=MALFORMED)
           .csv(f.path))
    # One task reads the file (multiLine), in order: a row's number within its task
    # is its record number. The header is line 1.
    record = F.monotonically_increasing_id() - F.shiftleft(
        F.spark_partition_id().cast("long"), 33)
    fields = F.size(F.split(F.regexp_replace(F.col(MALFORMED), _QUOTED, ""), ",", -1))
    reason = F.when(F.col(MALFORMED).isNotNull(), F.format_string(
        f"expected {len(columns)} fields, found %d", fields))
    rows = raw.select((record + 2).alias("_line"), *_text_columns(f.table, raw, columns),
                      F.col(MALFORMED), reason.alias(MALFORMED + "_reason"))
    return rows, columns, ignored


def _csv_header(spark, f: LakeFile) -> list[str]:
    try:
        first = spark.read.options(**CSV_OPTIONS).csv(f.path).limit(1).collect()
    except Exception as exc:  # AnalysisException or the JVM's IOException
        raise FileProblem(f"{f.label}: cannot read: {_first_line(exc)}") from None
    return [value if value is not None else "" for value in first[0]] if first else []


def _parquet_rows(spark, f: LakeFile):
    from pyspark.sql import functions as F

    try:
        raw = spark.read.parquet(f.path)
        columns = list(raw.columns)
    except Exception as exc:
        raise FileProblem(f"{f.label}: cannot read: {_first_line(exc)}") from None
    ignored = check_header(f, columns)
    rows = raw.select((F.col("_metadata.row_index") + 1).alias("_line"),
                      *_text_columns(f.table, raw, columns))
    return rows, columns, ignored


def _text_columns(table: Table, raw, present: list[str]) -> list:
    """Every contract column as text, null where the file lacks it (as
    ``staging.stage_columns`` gives them to the store)."""
    from pyspark.sql import functions as F

    return [(raw[c.name] if c.name in present else F.lit(None)).cast("string").alias(c.name)
            for c in table.columns]
