"""An export: a customer list's entity as a CSV or XLSX file, written in slices.

Memory stays flat whatever the row count: the segment's customers are cut into
slices of consecutive customer ids (one query finds the cut points), and each
slice is read with one query and written out before the next is read. A slice's
id range filters every table it reads (reach times, customers, orders), so each
query touches only its slice rather than sorting the whole segment again.

Slices go through ``tables.run``, which holds the store's lock for one slice at
a time, so other requests are served between slices. Ibis's
``to_pyarrow_batches`` would instead keep the store's one connection busy for the
whole file, outside that lock (and with Ibis 12 on DuckDB 2 it fails outright:
the connection's ``fetch_record_batch`` is gone). The trade-off: a load that
commits between two slices shows in the slices read after it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import ibis
from pydantic import BaseModel, Field, model_validator

from mailreport.exports.entities import CONTACT_FIELDS, ENTITIES, EntityName
from mailreport.exports.entities import Field as ExportField
from mailreport.exports.formats import (
    EOL,
    EXTENSIONS,
    MEDIA_TYPES,
    Format,
    Headers,
    Style,
    XlsxFile,
    csv_header,
    csv_lines,
    xlsx_cells,
)
from mailreport.exports.scopes import CampaignList, ListScope, MailingList
from mailreport.i18n import LANGUAGES
from mailreport.i18n.catalogs import gettext
from mailreport.private_files import open_private
from mailreport.reports.query import ReportQuery, get_mailing
from mailreport.reports.segments import EVERYONE, CustomerRange, Segment, members
from mailreport.store.tables import Tables

# Customers per slice. A CSV slice comes back as one short string per row; an XLSX
# slice as a dict of typed cells per row, several times bigger.
SLICE = {"csv": 100_000, "csv-excel-ru": 100_000, "xlsx": 50_000}
FILE_CHUNK = 1 << 20

# progress(customers done, customers in all)
Progress = Callable[[int, int], None]
# a format's query over a slice's rows: csv_lines or xlsx_cells
Shape = Callable[[ibis.Table, tuple[ExportField, ...], Style], ibis.Table]
Language = Literal[LANGUAGES]  # type: ignore[valid-type]


class ExportRequest(BaseModel):
    """One list's entity to write: a mailing's segment, or a campaign's funnel stage
    (campaign_id instead of mailing_id; segment names the stage)."""

    mailing_id: str | None = None
    campaign_id: str | None = None
    segment: Segment
    query: ReportQuery = Field(default_factory=ReportQuery)
    entity: EntityName = "customers"
    format: Format = "csv"
    fields: list[str] | None = None
    # the header row: the fields' machine names, or their titles for people
    headers: Headers = "machine"
    # the language of the titles (and of an XLSX's dates); None: the locale setting
    lang: Language | None = None

    @model_validator(mode="after")
    def _one_list(self) -> ExportRequest:
        if (self.mailing_id is None) == (self.campaign_id is None):
            raise ValueError("give either mailing_id or campaign_id, not both and not neither")
        return self


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def file_name(request: ExportRequest) -> str:
    """What the file holds: m1-opened-customers-2026-03-01_2026-03-31.csv."""
    q = request.query
    parts = ([_slug(request.mailing_id)] if request.mailing_id is not None
             else ["campaign", _slug(request.campaign_id or "")])
    parts.append(request.segment.name)
    if q.group:
        parts.append(q.group)
    if q.variant_id:
        parts.append(f"variant-{_slug(q.variant_id)}")
    parts.append(request.entity)
    if q.date_from or q.date_to:
        parts.append(f"{q.date_from or 'start'}_{q.date_to or 'now'}")
    else:
        parts.append("all-time")
    return "-".join(parts) + "." + EXTENSIONS[request.format]


def list_scope(tables: Tables, request: ExportRequest) -> ListScope:
    """The list the request names, checked: it exists, and its segment can be listed."""
    if request.campaign_id is not None:
        return CampaignList.of(tables, request.campaign_id, request.segment, request.query)
    mailing = get_mailing(tables, request.mailing_id or "")
    members(tables, mailing, request.segment, request.query)  # refuses what cannot be listed
    return MailingList(tables, mailing, request.segment, request.query)


class Export:
    """A checked export, ready to write: the mailing or campaign exists, the fields
    are known, and the customers are cut into slices."""

    def __init__(self, tables: Tables, request: ExportRequest,
                 slice_size: int | None = None):
        self.tables, self.request = tables, request
        self.entity = ENTITIES[request.entity]
        self.fields: tuple[ExportField, ...] = self.entity.choose(request.fields)
        self.scope = list_scope(tables, request)  # checks the list too
        self.file_name = file_name(request)
        self.media_type = MEDIA_TYPES[request.format]
        self.slice_size = slice_size or SLICE[request.format]
        self.rows = 0  # data rows written so far
        settings = tables.settings
        self.style = Style(format=request.format, headers=request.headers,
                           language=request.lang or settings.locale,
                           zone=settings.company_timezone, local_time=tables.local_time)
        self.customers, self.slices = self._cut(self.scope.members(EVERYONE), self.slice_size)

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
        rows = self.entity.rows(self.scope, customers)
        return rows.order_by(list(self.entity.order_by))

    def _read(self, shape: Shape, progress: Progress | None) -> Iterator[list[dict[str, Any]]]:
        """Each slice's rows, in the shape a format needs, one slice at a time."""
        for i, customers in enumerate(self.slices):
            yield self.tables.run(shape(self._slice_rows(customers), self.fields, self.style))
            if progress:
                last = i + 1 == len(self.slices)
                progress(self.customers if last else (i + 1) * self.slice_size,
                         self.customers)

    # -- CSV ------------------------------------------------------------------
    def csv_chunks(self, progress: Progress | None = None) -> Iterator[bytes]:
        """The CSV file, a slice at a time (UTF-8, CRLF line ends, header first)."""
        yield csv_header(self.fields, self.style).encode()
        for lines in self._read(csv_lines, progress):
            self.rows += len(lines)
            if lines:
                yield (EOL.join(r["line"] for r in lines) + EOL).encode()

    # -- XLSX -----------------------------------------------------------------
    def write_xlsx(self, path: Path, progress: Progress | None = None) -> int:
        sheet = (gettext(self.style.language, "exports", self.entity.title)
                 if self.request.headers == "human" else self.entity.name)
        book = XlsxFile(path, sheet, self.fields, self.style)
        try:
            for batch in self._read(xlsx_cells, progress):
                book.write_rows(batch)
                self.rows += len(batch)
        finally:
            book.close()
        return self.rows

    # -- either ---------------------------------------------------------------
    def write(self, path: str | Path, progress: Progress | None = None) -> int:
        """Write the file at path; return the number of data rows. The file appears
        only when complete: a failed export leaves no half file behind."""
        path = Path(path)
        part = path.with_name(path.name + ".part")
        try:
            # customers' data: 0600, whatever a crashed export left; the XLSX writer
            # truncates the file it is given, which keeps this mode
            fh = open_private(part, "wb")
            if self.request.format == "xlsx":
                fh.close()
                self.write_xlsx(part, progress)
            else:
                with fh:
                    for chunk in self.csv_chunks(progress):
                        fh.write(chunk)
            part.replace(path)
        finally:
            part.unlink(missing_ok=True)
        return self.rows

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes for an HTTP response. CSV streams as it is read; an XLSX
        file is only complete when closed, so it is built in a temporary file first."""
        if self.request.format != "xlsx":
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

