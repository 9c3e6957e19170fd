"""``mailreport load DIR``: every contract file of a directory, in one transaction.

Per table it reports rows read, inserted, updated, duplicates and rejected; the
rejected rows go to ``rejects.csv`` beside ``summary.json`` in the load's report
folder. Valid rows go in even when others are rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mailreport.ingest.files import (
    ContractFile,
    FileProblem,
    Malformed,
    check_header,
    find_files,
    header,
    parquet_rows,
    read_csv,
    read_jsonl,
)
from mailreport.ingest.load_session import LoadSession
from mailreport.private_files import open_private

# progress(label, done, total): done/total in bytes for text files, rows for Parquet
Progress = Callable[[str, int, int], None]

EXIT_OK, EXIT_REJECTS, EXIT_NOTHING = 0, 1, 2

REJECTS = "rejects.csv"

# Rows validated and merged at a time, at most: bounds the memory a chunk holds
# (see LoadSession.chunk_rows, which also scales it to the engine's memory limit,
# and LoadSession.full, which also cuts a chunk by its bytes).
CHUNK_ROWS = 2_000_000


@dataclass
class TableResult:
    table: str
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    # rows of forgotten customers loaded without their personal data
    # (docs/personal-data.md)
    withheld: int = 0
    error: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadSummary:
    directory: str
    started_at: str
    tables: list[TableResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    summary_file: str | None = None
    derived_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    @property
    def accepted(self) -> int:
        return sum(t.inserted + t.updated + t.duplicates for t in self.tables)

    @property
    def directory_problem(self) -> str | None:
        """Why nothing of the directory could be read (missing, not a directory, no
        contract file): the request named the wrong place. None once files were read."""
        return "; ".join(self.problems) if self.problems and not self.tables else None

    @property
    def exit_code(self) -> int:
        failed = self.problems or any(t.error for t in self.tables)
        if not self.tables or (self.accepted == 0 and (failed or self.rejected)):
            return EXIT_NOTHING
        return EXIT_REJECTS if (self.rejected or failed) else EXIT_OK

    @classmethod
    def from_dict(cls, data: dict) -> LoadSummary:
        """A summary as to_dict() gave it, e.g. from a server that ran the load."""
        fields_ = {k: v for k, v in data.items() if k not in ("exit_code", "tables")}
        return cls(**fields_, tables=[TableResult(**t) for t in data["tables"]])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["exit_code"] = self.exit_code
        return d


def default_report_dir(directory: Path, started: dt.datetime) -> Path:
    return directory / ".loads" / started.strftime("%Y%m%dT%H%M%S%fZ")


def load_directory(store, directory: str | Path, report_dir: str | Path | None = None,
                   progress: Progress | None = None) -> LoadSummary:
    directory = Path(directory)
    started = dt.datetime.now(dt.UTC)
    summary = LoadSummary(str(directory), started.isoformat(timespec="seconds"))
    files = local_files(directory, summary)
    if not files:
        return summary
    out = Path(report_dir) if report_dir else default_report_dir(directory, started)
    return run_load(summary, started, files, out, LoadSession.open(store), _load_file, progress)


def local_files(directory: Path, summary: LoadSummary) -> list[ContractFile]:
    """The contract files of a local directory; when there are none, the summary's
    problems say why."""
    try:
        is_dir = directory.is_dir()
    except OSError as exc:  # e.g. a name longer than the file system allows
        shown = str(directory) if len(str(directory)) <= 200 else f"{str(directory)[:200]}..."
        summary.problems.append(f"{shown}: cannot be read: {exc.strerror}")
        return []
    if not is_dir:
        summary.problems.append(f"{directory}: not a directory")
        return []
    files, summary.problems = find_files(directory)
    if not files:
        summary.problems.append(f"{directory}: no contract files (<table>.csv, .parquet or "
                                ".jsonl) found")
    return files


def run_load(summary: LoadSummary, started: dt.datetime, files: list, out: Path,
             opened_session, load_file: Callable, progress: Progress | None) -> LoadSummary:
    """Load each file with ``load_file(session, file, progress)`` in the session that
    ``opened_session`` (a context manager) gives, which keeps everything or nothing;
    then the rejects file and the summary. Shared by the store's loader and the
    lake's (``ingest/lake_load.py``)."""
    rejects: Path | None = None  # written under a temporary name until the commit
    try:
        with opened_session as session:
            for cf in files:
                started_file = time.perf_counter()
                summary.tables.append(load_file(session, cf, progress))
                summary.tables[-1].seconds = round(time.perf_counter() - started_file, 3)
            rejects = write_rejects(session, summary, out)
            started_derived = time.perf_counter()
            session.refresh_facts()
            summary.derived_seconds = round(time.perf_counter() - started_derived, 3)
    except BaseException:
        # the load kept nothing: no rejects.csv may describe it
        if rejects:
            rejects.unlink(missing_ok=True)
        raise
    if rejects:
        summary.rejects_file = str(rejects.replace(out / REJECTS))
    summary.seconds = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3)
    write_summary(summary, out)
    return summary


def _text_batches(cf: ContractFile, result: TableResult, malformed: list[Malformed]):
    """(batch, bytes done, bytes in all) of a CSV or JSONL file."""
    if cf.fmt == "jsonl":
        unknown: set[str] = set()
        total = cf.path.stat().st_size
        for batch, done in read_jsonl(cf, malformed, unknown):
            yield batch, done, total
        result.ignored_columns = sorted(unknown)
        return
    columns = header(cf)
    result.ignored_columns = check_header(cf, columns)
    total = cf.path.stat().st_size
    for batch, done in read_csv(cf, columns, malformed):
        yield batch, done, total


def _load_file(session, cf: ContractFile, progress: Progress | None) -> TableResult:
    """Stage a file in chunks (``LoadSession.chunk_rows``) and merge each: memory and temporary
    space stay bounded by the chunk, not the file."""
    result = TableResult(cf.table.name, str(cf.path))
    malformed: list[Malformed] = []
    try:
        session.start_file(cf.table)
        if cf.fmt == "parquet":
            _stage_parquet(session, cf, result, progress)
        else:
            _stage_text(session, cf, result, malformed, progress)
        for m in malformed:
            session.reject_malformed(cf.table, cf.label, m.line, m.text, m.reason)
        _add(result, session.merge(cf.table, cf.label))
    except FileProblem as exc:
        # Header problems stop a file before anything is merged; a file that turns
        # unreadable part way keeps the chunks merged before, as the counts say.
        result.error = str(exc)
        return result
    result.read += len(malformed)
    result.rejected = session.rejected_count(cf.label)
    if progress:
        progress(cf.label, 1, 1)
    return result


def _stage_text(session, cf: ContractFile, result: TableResult, malformed: list[Malformed],
                progress: Progress | None) -> None:
    """Stage a CSV or JSONL file, merging each full chunk; the last stays staged."""
    for batch, done, total in _text_batches(cf, result, malformed):
        session.stage_arrow(cf.table, batch)
        if session.full(CHUNK_ROWS):
            _add(result, session.merge(cf.table, cf.label))
        if progress:
            progress(cf.label, done, total)


def _stage_parquet(session, cf: ContractFile, result: TableResult,
                   progress: Progress | None) -> None:
    """Stage a Parquet file in row ranges, each as many rows as the chunk has room
    for (``LoadSession.room``), merging each full chunk; the last stays staged."""
    columns = header(cf)
    result.ignored_columns = check_header(cf, columns)
    total = parquet_rows(cf)
    first = 0
    while first < total:
        stop = min(total, first + session.room(CHUNK_ROWS))
        session.stage_parquet(cf.table, cf.path, columns, first, stop)
        if stop < total and session.full(CHUNK_ROWS):
            _add(result, session.merge(cf.table, cf.label))
        first = stop
        if progress:
            progress(cf.label, stop, total)


def _add(result: TableResult, counts) -> None:
    result.read += counts.read
    result.inserted += counts.inserted
    result.updated += counts.updated
    result.duplicates += counts.duplicates
    result.withheld += counts.withheld


def write_rejects(session, summary: LoadSummary, out: Path) -> Path | None:
    """The rejected rows in a temporary file beside rejects.csv, which the caller
    renames once the load has committed. A load killed before that leaves at most
    this hidden ``.rejects.csv.*.partial`` file, never a rejects.csv of rows for a
    load that did not happen."""
    if not summary.rejected:
        return None
    out.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out, prefix=f".{REJECTS}.", suffix=".partial")  # 0600
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["table", "file", "line", "column", "value", "rule", "reason"])
            for row in session.rejects():
                writer.writerow(row)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def write_summary(summary: LoadSummary, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    summary.summary_file = str(path)
    with open_private(path, encoding="utf-8") as fh:  # 0600, like the rejects
        fh.write(json.dumps(summary.to_dict(), indent=2))
