"""An export: a customer list's entity as a CSV or XLSX file, written in slices.

Memory stays flat whatever the row count: the segment's customers are cut into
slices of consecutive customer ids (one query finds the cut points), and each
slice is read with one query through ``tables.run`` and written out before the
next is read. Going through ``tables.run`` keeps the store's lock to one slice at
a time, so other requests are served between slices; Ibis's
``to_pyarrow_batches`` would hold the store's one connection for the whole file
(and with Ibis 12 on DuckDB 2 it fails outright: ``fetch_record_batch`` is gone).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import ibis
from pydantic import BaseModel, Field

from mailreport.exports.entities import CONTACT_FIELDS, ENTITIES, EntityName
from mailreport.exports.entities import Field as ExportField
from mailreport.exports.formats import (
    EOL,
    MEDIA_TYPES,
    Format,
    XlsxFile,
    csv_header,
    csv_lines,
    xlsx_cells,
)
from mailreport.reports.customers import CustomerRange, Segment, members
from mailreport.reports.query import ReportQuery, get_mailing
from mailreport.store.tables import Tables

# Customers per slice. A CSV slice comes back as one short string per row; an XLSX
# slice as a dict of typed cells per row, several times bigger.
SLICE = {"csv": 100_000, "xlsx": 50_000}
FILE_CHUNK = 1 << 20

# progress(customers done, customers in all)
Progress = Callable[[int, int], None]


class ExportRequest(BaseModel):
    mailing_id: str
    segment: Segment
    query: ReportQuery = Field(default_factory=ReportQuery)
    entity: EntityName = "customers"
    format: Format = "csv"
    fields: list[str] | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def file_name(request: ExportRequest) -> str:
    """What the file holds: m1-opened-customers-2026-03-01_2026-03-31.csv."""
    q = request.query
    parts = [_slug(request.mailing_id), request.segment.name]
    if q.group:
        parts.append(q.group)
    if q.variant_id:
        parts.append(f"variant-{_slug(q.variant_id)}")
    parts.append(request.entity)
    if q.date_from or q.date_to:
        parts.append(f"{q.date_from or 'start'}_{q.date_to or 'now'}")
    else:
        parts.append("all-time")
    return "-".join(parts) + "." + request.format


class Export:
    """A checked export, ready to write: the mailing exists, the fields are known,
    and the customers are cut into slices."""

    def __init__(self, tables: Tables, request: ExportRequest,
                 slice_size: int | None = None):
        self.tables, self.request = tables, request
        self.entity = ENTITIES[request.entity]
        self.fields: tuple[ExportField, ...] = self.entity.choose(request.fields)
        self.mailing = get_mailing(tables, request.mailing_id)
        self.file_name = file_name(request)
        self.media_type = MEDIA_TYPES[request.format]
        self.slice_size = slice_size or SLICE[request.format]
        who = members(tables, self.mailing, request.segment, request.query)  # checks it too
        self.customers, self.slices = self._cut(who, self.slice_size)

    @property
    def has_contacts(self) -> bool:
        return self.entity.name == "customers" and any(
            f.name in CONTACT_FIELDS for f in self.fields)

    @property
    def content_disposition(self) -> str:
        return f"attachment; filename=\"{self.file_name}\"; filename*=UTF-8''" + quote(
            self.file_name)

    def _cut(self, who: ibis.Table, size: int) -> tuple[int, list[CustomerRange]]:
        """The number of customers and the (lo, hi] id ranges of size customers each."""
        ids = who.select("customer_id")
        numbered = ids.mutate(n=ibis.row_number().over(order_by=ids.customer_id))
        ends = self.tables.run(numbered.filter(numbered.n % size == size - 1)
                               .order_by("n").select("customer_id"))
        [count] = self.tables.run(ids.aggregate(n=ids.count()))
        cuts = [None, *(r["customer_id"] for r in ends), None]
        return count["n"], list(zip(cuts[:-1], cuts[1:], strict=True))

    def _slice_rows(self, customers: CustomerRange) -> ibis.Table:
        q = self.request
        rows = self.entity.rows(self.tables, self.mailing, q.segment, q.query, customers)
        return rows.order_by(list(self.entity.order_by))

    def _progress(self, progress: Progress | None, i: int) -> None:
        if progress:
            progress(min((i + 1) * self.slice_size, self.customers)
                     if i + 1 < len(self.slices) else self.customers, self.customers)

    # -- CSV ------------------------------------------------------------------
    def csv_chunks(self, progress: Progress | None = None) -> Iterator[bytes]:
        """The CSV file, a slice at a time (UTF-8, CRLF line ends, header first)."""
        self.rows = 0
        yield csv_header(self.fields).encode()
        for i, customers in enumerate(self.slices):
            lines = self.tables.run(csv_lines(self._slice_rows(customers), self.fields))
            self.rows += len(lines)
            if lines:
                yield (EOL.join(r["line"] for r in lines) + EOL).encode()
            self._progress(progress, i)

    # -- XLSX -----------------------------------------------------------------
    def write_xlsx(self, path: Path, progress: Progress | None = None) -> int:
        book = XlsxFile(path, self.entity.name, self.fields)
        rows = 0
        try:
            for i, customers in enumerate(self.slices):
                batch = self.tables.run(xlsx_cells(self._slice_rows(customers), self.fields))
                book.write_rows(batch)
                rows += len(batch)
                self._progress(progress, i)
        finally:
            book.close()
        return rows

    # -- either ---------------------------------------------------------------
    def write(self, path: str | Path, progress: Progress | None = None) -> int:
        """Write the file at path; return the number of data rows."""
        path = Path(path)
        if self.request.format == "xlsx":
            return self.write_xlsx(path, progress)
        with path.open("wb") as fh:
            for chunk in self.csv_chunks(progress):
                fh.write(chunk)
        return self.rows

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes for an HTTP response. CSV streams as it is read; an XLSX
        file is only complete when closed, so it is built in a temporary file first."""
        if self.request.format == "csv":
            yield from self.csv_chunks()
            return
        with tempfile.TemporaryDirectory(prefix="mailreport-export-") as tmp:
            path = Path(tmp) / self.file_name
            self.write_xlsx(path)
            with path.open("rb") as fh:
                while chunk := fh.read(FILE_CHUNK):
                    yield chunk


def export_to_file(tables: Tables, request: ExportRequest, path: str | Path,
                   progress: Progress | None = None) -> int:
    return Export(tables, request).write(path, progress)

