"""Finding contract files in a directory and reading them as text batches.

CSV and JSONL are read in bounded batches (memory does not grow with the file),
every value as text, each row carrying the line it came from. Parquet is staged
by the store directly. Rows that cannot be parsed at all (a CSV row with the
wrong number of fields, a JSONL line that is not a JSON object) come back as
``Malformed`` rows so the loader can reject them by line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mailreport.contract import FILE_FORMATS, TABLES, Table

BATCH_ROWS = 100_000
CSV_BLOCK_BYTES = 8 << 20


class FileProblem(ValueError):
    """A file that cannot be loaded at all (unreadable, missing required columns)."""


@dataclass(frozen=True)
class ContractFile:
    table: Table
    path: Path
    fmt: str

    @property
    def label(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Malformed:
    line: int
    text: str
    reason: str


def find_files(directory: Path) -> tuple[list[ContractFile], list[str]]:
    """Contract files in load (dependency) order, and problems such as a table
    given in two formats."""
    names = {f"{t.name}.{fmt}" for t in TABLES for fmt in FILE_FORMATS}
    chosen, problems = choose_files({n for n in names if (directory / n).is_file()})
    return [ContractFile(table, directory / name, fmt) for table, name, fmt in chosen], problems


def choose_files(names: set[str]) -> tuple[list[tuple[Table, str, str]], list[str]]:
    """(table, file name, format) of the contract files among a directory's file
    ``names``, in load (dependency) order, and problems such as a table given in two
    formats."""
    found, problems = [], []
    for table in TABLES:
        present = [(f"{table.name}.{fmt}", fmt) for fmt in FILE_FORMATS
                   if f"{table.name}.{fmt}" in names]
        if len(present) > 1:
            listed = ", ".join(name for name, _ in present)
            problems.append(f"{table.name}: more than one file ({listed}); keep one")
            continue
        if present:
            found.append((table, *present[0]))
    return found, problems


def header(cf: ContractFile) -> list[str]:
    """Column names of a CSV or Parquet file (JSONL rows name their own)."""
    try:
        if cf.fmt == "csv":
            with cf.path.open(newline="", encoding="utf-8-sig") as fh:
                return next(csv.reader(fh), [])
        if cf.fmt == "parquet":
            return list(pq.read_schema(cf.path).names)
    except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise FileProblem(f"{cf.label}: cannot read: {exc}") from None
    return []


def check_header(cf: ContractFile, columns: list[str]) -> list[str]:
    """Raise when required columns are missing; return the unknown (ignored) ones."""
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise FileProblem(f"{cf.label}: column(s) named more than once: {', '.join(dupes)}")
    missing = [c.name for c in cf.table.columns if c.required and c.name not in columns]
    if missing:
        raise FileProblem(f"{cf.label}: missing required column(s): {', '.join(missing)}")
    known = set(cf.table.column_names)
    return [c for c in columns if c not in known]


def _lines_skipping(start: int, n: int, bad: list[int]) -> np.ndarray:
    """The next n line numbers from start, passing over the malformed ones."""
    candidates = np.arange(start, start + n + len(bad), dtype=np.int64)
    if bad:
        candidates = candidates[~np.isin(candidates, np.asarray(bad, dtype=np.int64))]
    return candidates[:n]


def read_csv(cf: ContractFile, columns: list[str],
             malformed: list[Malformed]) -> Iterator[tuple[pa.Table, int]]:
    """Yield (batch with _line and the known columns as text, bytes read so far).

    Lines count CSV records with the header as line 1, so they are the file's
    physical lines unless a quoted value spans several lines."""
    known = [c for c in columns if c in set(cf.table.column_names)]
    bad_lines: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_lines.append(row.number)
        malformed.append(Malformed(row.number, row.text,
                                   f"expected {row.expected_columns} fields, "
                                   f"found {row.actual_columns}"))
        return "skip"

    try:
        reader = pacsv.open_csv(
            cf.path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False, include_columns=known),
        )
        next_line = 2
        with cf.path.open("rb") as probe:
            size = probe.seek(0, 2)
        done = 0
        for batch in reader:
            if batch.num_rows == 0:
                continue
            lines = _lines_skipping(next_line, batch.num_rows, [b for b in bad_lines
                                                                  if b >= next_line])
            next_line = int(lines[-1]) + 1
            done = min(size, done + batch.nbytes)
            table = pa.Table.from_batches([batch]).add_column(0, "_line", pa.array(lines))
            yield table, done
    except pa.ArrowInvalid as exc:
        raise FileProblem(f"{cf.label}: cannot parse as CSV: {exc}") from None


def parquet_rows(cf: ContractFile) -> int:
    return pq.ParquetFile(cf.path).metadata.num_rows


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_jsonl(cf: ContractFile, malformed: list[Malformed],
               unknown: set[str]) -> Iterator[tuple[pa.Table, int]]:
    names = cf.table.column_names
    known = set(names)
    rows: dict[str, list] = {n: [] for n in ["_line", *names]}
    done = 0
    try:
        with cf.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                done += len(raw)
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    malformed.append(Malformed(number, raw[:200].decode("utf-8", "replace"),
                                               f"not valid JSON: {exc}"))
                    continue
                if not isinstance(obj, dict):
                    malformed.append(Malformed(number, raw[:200].decode("utf-8", "replace"),
                                               "a line must be a JSON object"))
                    continue
                unknown.update(k for k in obj if k not in known)
                rows["_line"].append(number)
                for n in names:
                    rows[n].append(_text(obj.get(n)))
                if len(rows["_line"]) >= BATCH_ROWS:
                    yield _to_table(rows), done
                    rows = {n: [] for n in rows}
    except OSError as exc:
        raise FileProblem(f"{cf.label}: cannot read: {exc}") from None
    if rows["_line"]:
        yield _to_table(rows), done


def _to_table(rows: dict[str, list]) -> pa.Table:
    return pa.table({n: pa.array(v, type=pa.int64() if n == "_line" else pa.string())
                     for n, v in rows.items()})
