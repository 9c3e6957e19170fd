"""The two file formats: CSV (UTF-8, RFC 4180, header row) and XLSX (XlsxWriter in
constant-memory mode), and the rule both share: a text cell that a spreadsheet
would run as a formula is written inert.

CSV lines are rendered by the engine (Ibis expressions below), not in Python:
turning a million rows of six typed cells into Python objects and then into text
took about 12 s on the benchmark's machine, against 2 s for the query itself,
while fetching one ready line per row costs under a second. XLSX needs typed
cells, so its rows do come to Python (as numbers and strings, the cheap kinds)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import ibis

from mailreport.exports.entities import Field

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = Format.__args__
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# OWASP's CSV-injection list: a cell starting with one of these may run as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EOL = "\r\n"  # RFC 4180
XLSX_MAX_ROWS = 1_048_576  # rows of one worksheet, header included
EXCEL_DAY_OF_1970 = 25569


def inert(text: ibis.StringValue) -> ibis.StringValue:
    """The text with a leading apostrophe when it starts like a formula."""
    return ibis.cases((text.substr(0, 1).isin(FORMULA_STARTS), ibis.literal("'").concat(text)),
                      else_=text)


def _csv_quoted(text: ibis.StringValue) -> ibis.StringValue:
    needs = text.contains('"') | text.contains(",") | text.contains("\n") | text.contains("\r")
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


def csv_lines(rows: ibis.Table, fields: tuple[Field, ...]) -> ibis.Table:
    """rows as one column, ``line``: each row's CSV record without its line break."""
    cells = [_csv_cell(rows[f.name], f.kind) for f in fields]
    return rows.select(line=ibis.literal(",").join(cells) if len(cells) > 1 else cells[0])


def csv_header(fields: tuple[Field, ...]) -> str:
    return ",".join(f.name for f in fields) + EOL


def _xlsx_cell(col: ibis.Value, kind: str) -> ibis.Value:
    if kind == "text":
        return inert(col)
    if kind in ("timestamp", "date"):
        # Excel's own date number, days since 1899-12-30: made by the engine, it spares
        # a Python datetime per cell and XlsxWriter's conversion of it
        seconds = (col.cast("timestamp") if kind == "date" else col).epoch_seconds()
        return seconds.cast("float64") / 86400 + EXCEL_DAY_OF_1970
    return col.cast("float64") if kind in ("money", "number") else col


def xlsx_cells(rows: ibis.Table, fields: tuple[Field, ...]) -> ibis.Table:
    """rows with the chosen fields as XlsxWriter takes them: text made inert, the
    rest as numbers."""
    return rows.select(**{f.name: _xlsx_cell(rows[f.name], f.kind) for f in fields})


class XlsxFile:
    """One workbook written row by row (constant memory: a row, once written, is on
    disk). A worksheet holds 1,048,575 data rows; more go on to another sheet."""

    def __init__(self, path: Path, sheet: str, fields: tuple[Field, ...]):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.sheet_name, self.fields = sheet[:28], fields
        self.sheets = 0
        bold = self.book.add_format({"bold": True})
        formats = {"money": self.book.add_format({"num_format": "0.00"}),
                   "timestamp": self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
                   "date": self.book.add_format({"num_format": "yyyy-mm-dd"})}
        self._header_format = bold
        # (column, field, is text, number format)
        self._cells = [(c, f.name, f.kind == "text", formats.get(f.kind))
                       for c, f in enumerate(fields)]
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name} {self.sheets}"
        self.ws = self.book.add_worksheet(name)
        for col, f in enumerate(self.fields):
            self.ws.write_string(0, col, f.name, self._header_format)
            self.ws.set_column(col, col, 20 if f.kind == "timestamp" else 14)
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
