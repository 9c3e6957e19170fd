"""The file formats: CSV (UTF-8, RFC 4180, header row), CSV for a Russian Excel
(``csv-excel-ru``) and XLSX (XlsxWriter in constant-memory mode), and the rule they
share: a text cell that a spreadsheet would run as a formula is written inert.

A file is for programs or for people (``Style``): for programs the header row holds
the fields' machine names and times are UTC; for people it holds their titles in the
reader's language, and times are in the company's time zone.

CSV lines are rendered by the engine (Ibis expressions below), not in Python:
turning a million rows of six typed cells into Python objects and then into text
took about 12 s on the benchmark's machine, against 2 s for the query itself,
while fetching one ready line per row costs under a second. XLSX needs typed
cells, so its rows do come to Python (as numbers and strings, the cheap kinds)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis

from mailreport.exports.entities import Field
from mailreport.i18n import format_locale
from mailreport.i18n.formats import short_date_pattern

Format = Literal["csv", "csv-excel-ru", "xlsx"]
FORMATS: tuple[str, ...] = Format.__args__
Headers = Literal["machine", "human"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-excel-ru": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "csv", "csv-excel-ru": "csv", "xlsx": "xlsx"}

# OWASP's CSV-injection list: a cell starting with one of these may run as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number as people write it: "+79161234567", "+7 (916) 123-45-67". Such a
# text has no letters, quotes, "!" or "|": no function, reference or DDE call can be
# spelt with it, so a file for people may leave it as it is rather than put a quote
# before it that the reader would then see in the number.
PHONE_LIKE = r"^\+?[0-9][0-9 ()-]*$"
EOL = "\r\n"  # RFC 4180
BOM = "\ufeff"  # tells Excel the file is UTF-8
XLSX_MAX_ROWS = 1_048_576  # rows of one worksheet, header included
EXCEL_DAY_OF_1970 = 25569
LocalTime = Callable[[ibis.Expr, Any], ibis.Expr]


@dataclass(frozen=True)
class Style:
    """Who a file is for. ``headers="human"``: the fields' titles in ``language``
    head the columns, and an XLSX file is made for people too (times in ``zone``,
    dates in the language's order, phone numbers without a quote). The
    ``csv-excel-ru`` format is always made for people in its cells, whatever its
    header row."""

    format: Format = "csv"
    headers: Headers = "machine"
    language: str = "en"
    zone: str = "UTC"
    # the store's UTC-to-wall-time function (Tables.local_time); UTC when None
    local_time: LocalTime | None = None

    @property
    def for_people(self) -> bool:
        return self.format == "csv-excel-ru" or (
            self.format == "xlsx" and self.headers == "human")

    def headings(self, fields: tuple[Field, ...]) -> list[str]:
        if self.headers == "human":
            return [f.heading(self.language) for f in fields]
        return [f.name for f in fields]

    def local(self, ts: ibis.Value) -> ibis.Value:
        """A UTC timestamp as the company's wall time."""
        if self.local_time is None or self.zone == "UTC":
            return ts
        return self.local_time(ts, self.zone)


MACHINE = Style()


def inert(text: ibis.StringValue, *, spare_phones: bool = False) -> ibis.StringValue:
    """The text with a leading apostrophe when it starts like a formula; with
    ``spare_phones``, a text that is only a phone number keeps its "+" bare."""
    formula = text.substr(0, 1).isin(FORMULA_STARTS)
    if spare_phones:
        formula = formula & ~text.re_search(PHONE_LIKE)
    return ibis.cases((formula, ibis.literal("'").concat(text)), else_=text)


def _separator(style: Style) -> str:
    return ";" if style.format == "csv-excel-ru" else ","


def _csv_quoted(text: ibis.StringValue, separator: str = ",") -> ibis.StringValue:
    needs = (text.contains('"') | text.contains(separator) | text.contains("\n")
             | text.contains("\r"))
    quoted = ibis.literal('"').concat(text.replace('"', '""'), '"')
    return ibis.cases((needs, quoted), else_=text)


def _csv_cell(col: ibis.Value, kind: str) -> ibis.StringValue:
    if kind == "text":
        cell = _csv_quoted(inert(col))
    elif kind == "timestamp":
        # two formats around a literal T: Spark's date_format cannot take one inside
        cell = col.strftime("%Y-%m-%d").concat("T", col.strftime("%H:%M:%S"))
    elif kind == "date":
        cell = col.strftime("%Y-%m-%d")
    else:  # int, money (two decimals), number
        cell = col.cast("string")
    return cell.fill_null("")


def _excel_ru_cell(col: ibis.Value, kind: str, style: Style) -> ibis.StringValue:
    """A cell as a Russian Excel reads it: decimal comma, dd.MM.yyyy dates, times in
    the company's zone to the minute, money as a bare number (no symbol, so that it
    stays a number), phone numbers bare."""
    if kind == "text":
        cell = _csv_quoted(inert(col, spare_phones=True), ";")
    elif kind == "timestamp":
        cell = style.local(col).strftime("%d.%m.%Y %H:%M")
    elif kind == "date":
        cell = col.strftime("%d.%m.%Y")
    elif kind == "int":
        cell = col.cast("string")
    else:  # money (two decimals), number
        cell = col.cast("string").replace(".", ",")
    return cell.fill_null("")


def csv_lines(rows: ibis.Table, fields: tuple[Field, ...],
              style: Style = MACHINE) -> ibis.Table:
    """rows as one column, ``line``: each row's CSV record without its line break."""
    if style.format == "csv-excel-ru":
        cells = [_excel_ru_cell(rows[f.name], f.kind, style) for f in fields]
    else:
        cells = [_csv_cell(rows[f.name], f.kind) for f in fields]
    separator = _separator(style)
    return rows.select(line=ibis.literal(separator).join(cells) if len(cells) > 1
                       else cells[0])


def _quoted_heading(text: str, separator: str) -> str:
    if any(c in text for c in ('"', separator, "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_header(fields: tuple[Field, ...], style: Style = MACHINE) -> str:
    """The header row; a file for a Russian Excel starts with a byte-order mark, which
    is how Excel knows it is UTF-8 rather than the system's code page."""
    separator = _separator(style)
    row = separator.join(_quoted_heading(h, separator) for h in style.headings(fields))
    return (BOM if style.format == "csv-excel-ru" else "") + row + EOL


def _xlsx_cell(col: ibis.Value, kind: str, style: Style) -> ibis.Value:
    people = style.for_people
    if kind == "text":
        return inert(col, spare_phones=people)
    if kind in ("timestamp", "date"):
        # Excel's own date number, days since 1899-12-30: made by the engine, it spares
        # a Python datetime per cell and XlsxWriter's conversion of it; for people, of
        # the company's wall time
        ts = col.cast("timestamp") if kind == "date" else style.local(col) if people else col
        return ts.epoch_seconds().cast("float64") / 86400 + EXCEL_DAY_OF_1970
    return col.cast("float64") if kind in ("money", "number") else col


def xlsx_cells(rows: ibis.Table, fields: tuple[Field, ...],
               style: Style = MACHINE) -> ibis.Table:
    """rows with the chosen fields as XlsxWriter takes them: text made inert, the
    rest as numbers."""
    return rows.select(**{f.name: _xlsx_cell(rows[f.name], f.kind, style) for f in fields})


def excel_date_format(language: str) -> str:
    """The language's short date (CLDR's dd.MM.y, dd/MM/y) as an Excel number format."""
    pattern = short_date_pattern(format_locale(language))
    return re.sub(r"y+", "yyyy", pattern.replace("MM", "mm"))


class XlsxFile:
    """One workbook written row by row (constant memory: a row, once written, is on
    disk). A worksheet holds 1,048,575 data rows; more go on to another sheet."""

    def __init__(self, path: Path, sheet: str, fields: tuple[Field, ...],
                 style: Style = MACHINE):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.sheet_name, self.fields = _sheet_name(sheet), fields
        self.headings = style.headings(fields)
        self.sheets = 0
        bold = self.book.add_format({"bold": True})
        if style.for_people:
            day = excel_date_format(style.language)
            number_formats = {"money": "#,##0.00", "timestamp": f"{day} hh:mm", "date": day}
        else:
            number_formats = {"money": "0.00", "timestamp": "yyyy-mm-dd hh:mm:ss",
                              "date": "yyyy-mm-dd"}
        formats = {kind: self.book.add_format({"num_format": f})
                   for kind, f in number_formats.items()}
        self._header_format = bold
        # (column, field, is text, number format)
        self._cells = [(c, f.name, f.kind == "text", formats.get(f.kind))
                       for c, f in enumerate(fields)]
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name} {self.sheets}"
        self.ws = self.book.add_worksheet(name)
        for col, (f, heading) in enumerate(zip(self.fields, self.headings, strict=True)):
            self.ws.write_string(0, col, heading, self._header_format)
            width = 20 if f.kind == "timestamp" else 14
            self.ws.set_column(col, col, max(width, len(heading) + 2))
        self.row = 1

    def write_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows from xlsx_cells(): text is written with write_string, never write(), so
        a text cell is never taken for a formula or a number; the rest are numbers."""
        cells = self._cells
        for values in rows:
            if self.row >= XLSX_MAX_ROWS:
                self._new_sheet()
            ws, r = self.ws, self.row
            for c, name, text, fmt in cells:
                value = values[name]
                if value is None:
                    continue
                if text:
                    if value:
                        ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value, fmt)
            self.row += 1

    def close(self) -> None:
        self.book.close()


def _sheet_name(name: str) -> str:
    """A name Excel takes for a sheet: none of []:*?/\\, room left for " 2"."""
    return "".join(" " if c in "[]:*?/\\" else c for c in name)[:28].strip() or "Sheet"
