"""Exports: the rows are the list's (or exactly the attributed orders and lines of
its customers), XLSX equals CSV cell for cell, formulas are inert, and slicing a
segment changes nothing in the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import shop

from mailreport.exports import ENTITIES, Export, ExportRequest, UnknownFields, file_name
from mailreport.exports import formats as export_formats
from mailreport.reports.customers import customer_list
from mailreport.reports.query import ReportQuery
from mailreport.reports.segments import LIST_STAGES, Segment

ALL_FIELDS = {name: [f.name for f in e.fields] for name, e in ENTITIES.items()}


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


@pytest.fixture
def tables(shop_store):
    return shop_store.tables()


def request(segment: dict, entity="customers", fmt="csv", fields=None, **query):
    return ExportRequest(mailing_id=query.pop("mailing_id", "m1"), segment=Segment(**segment),
                         query=ReportQuery(**query), entity=entity, format=fmt, fields=fields)


def write(tables, tmp_path, req, slice_size=None) -> tuple[int, object]:
    export = Export(tables, req, slice_size=slice_size)
    path = tmp_path / export.file_name
    return export.write(path), path


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    outside_quotes = b"".join(raw.split(b'"')[::2])
    assert raw.endswith(b"\r\n")  # RFC 4180: every record ends with CRLF
    assert outside_quotes.count(b"\r\n") == outside_quotes.count(b"\n")
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def read_xlsx(path) -> list[list[object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for sheet in book.worksheets:
        rows.extend(list(r) for r in sheet.iter_rows(values_only=True))
    return rows


def same_cell(xlsx, text: str, kind: str) -> bool:
    if kind in ("money", "number", "int"):
        return (xlsx is None and text == "") or Decimal(str(xlsx)) == Decimal(text)
    if kind in ("timestamp", "date"):
        if xlsx is None:
            return text == ""
        when = (xlsx + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return when.isoformat() == text if kind == "timestamp" else when.date().isoformat() == text
    return (xlsx or "") == text


@pytest.mark.parametrize("stage", LIST_STAGES)
def test_a_customers_export_is_the_list(tables, tmp_path, stage):
    whole = customer_list(tables, "m1", Segment(stage=stage), ReportQuery(), page_size=500)
    n, path = write(tables, tmp_path, request({"stage": stage}))
    header, *rows = read_csv(path)
    assert header == ["customer_id", "email", "phone", "reached_at", "orders", "revenue"]
    assert n == len(rows) == whole.total
    assert [r[0] for r in rows] == [r.customer_id for r in whole.rows]
    for row, item in zip(rows, whole.rows, strict=True):
        assert row[3] == (item.reached_at.isoformat() if item.reached_at else "")
        assert (int(row[4]), Decimal(row[5])) == (item.orders, item.revenue)


def attributed(store, kind: str, customers: list[str], period=None) -> list[tuple]:
    where = " AND day BETWEEN ? AND ?" if period else ""
    params = [kind, *customers, *([period["from"], period["to"]] if period else [])]
    marks = ",".join("?" * len(customers)) or "NULL"
    return store.sql(f"SELECT order_id, customer_id, total FROM attributed_orders "
                     f"WHERE mailing_id = 'm1' AND kind = ? AND customer_id IN ({marks})"
                     f"{where} ORDER BY customer_id, ts, order_id", params)


@pytest.mark.parametrize("segment", [{"stage": "opened"}, {"stage": "clicked"},
                                     {"status": "good"}, {"stage": "ordered"}])
@pytest.mark.parametrize("period", [{}, shop.PERIOD])
def test_orders_and_lines_exports_are_exactly_the_attributed_ones_of_the_list(
        tables, shop_store, tmp_path, segment, period):
    listed = customer_list(tables, "m1", Segment(**segment), ReportQuery(**period),
                           page_size=500)
    ids = [r.customer_id for r in listed.rows]
    for kind, entity in (("receipt", "receipts"), ("order", "orders")):
        _, path = write(tables, tmp_path, request(segment, entity, **period))
        header, *rows = read_csv(path)
        expected = attributed(shop_store, kind, ids, period)
        assert [(r[0], r[1], Decimal(r[header.index("total")])) for r in rows] == expected
        assert all(r[header.index("kind")] == kind for r in rows)
        _, path = write(tables, tmp_path, request(segment, f"{kind}_lines", **period))
        header, *lines = read_csv(path)
        order_ids = [o[0] for o in expected]
        marks = ",".join("?" * len(order_ids)) or "NULL"
        want = shop_store.sql(f"SELECT order_id, line_no, amount FROM order_lines "
                         f"WHERE order_id IN ({marks})", order_ids)
        got = [(r[0], int(r[1]), Decimal(r[header.index("amount")])) for r in lines]
        assert sorted(got) == sorted(want)


def test_the_shop_exports_some_of_everything(tables, tmp_path):
    # the equalities above mean little if the files are empty
    counts = {entity: write(tables, tmp_path, request({"status": "good"}, entity))[0]
              for entity in ENTITIES}
    assert counts == {"customers": 11, "receipts": 3, "receipt_lines": 4, "orders": 1,
                      "order_lines": 1, "audience": 11}


def test_an_audience_export_is_the_audience_rows_of_the_list(tables, shop_store, tmp_path):
    _, path = write(tables, tmp_path, request({"stage": "sent"}, "audience"))
    header, *rows = read_csv(path)
    assert header == ["mailing_id", "customer_id", "status", "group", "variant_id"]
    # kim is sent but has no audience row
    want = shop_store.sql("SELECT mailing_id, customer_id, status, \"group\", variant_id "
                     "FROM audience WHERE mailing_id = 'm1' AND customer_id IN "
                     "('ann','bob','cy','dan','eve','fay','hos','lee','max') "
                     "ORDER BY customer_id")
    assert [tuple(c or None for c in r) for r in rows] == want


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_xlsx_equals_csv_cell_for_cell(tables, tmp_path, entity):
    fields = ALL_FIELDS[entity]
    req = {"segment": {"status": "good"}, "entity": entity, "fields": fields}
    _, csv_path = write(tables, tmp_path, request(**req))
    n, xlsx_path = write(tables, tmp_path, request(**req, fmt="xlsx"))
    text = read_csv(csv_path)
    cells = read_xlsx(xlsx_path)
    assert n == len(text) - 1 and len(cells) == len(text) and n > 0
    assert cells[0] == text[0] == fields
    kinds = [f.kind for f in ENTITIES[entity].fields]
    for xrow, crow in zip(cells[1:], text[1:], strict=True):
        for x, c, kind in zip(xrow, crow, kinds, strict=True):
            assert same_cell(x, c, kind), (entity, x, c, kind)


def test_formulas_in_cells_are_written_inert_in_csv_and_xlsx(tables, tmp_path):
    fields = ["customer_id", "email", "phone", "region"]
    _, csv_path = write(tables, tmp_path, request({"stage": "clicked"}, fields=fields))
    raw = csv_path.read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in raw
    rows = {r[0]: r for r in read_csv(csv_path)}
    assert rows["hos"] == ["hos", "'" + shop.HOSTILE_EMAIL, "'+79160000009", "'-1+2"]
    assert rows["ann"][2] == "'+79160000001"
    _, xlsx_path = write(tables, tmp_path, request({"stage": "clicked"}, fields=fields,
                                                   fmt="xlsx"))
    book = openpyxl.load_workbook(xlsx_path)
    cells = {row[0].value: row for row in book.active.iter_rows()}
    email = cells["hos"][1]
    assert email.data_type == "s" and email.value == "'" + shop.HOSTILE_EMAIL
    with zipfile.ZipFile(xlsx_path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet  # a string, never a formula
    # a product name that is a DDE payload, in the lines
    _, path = write(tables, tmp_path, request({"stage": "clicked"}, "receipt_lines",
                                              fields=["order_id", "product"]))
    assert ["'=cmd|\" /C calc\"!A0"] in [r[1:] for r in read_csv(path)]


def test_commas_quotes_and_line_breaks_are_quoted(tables, tmp_path):
    _, path = write(tables, tmp_path, request({"status": "good"}, fields=["customer_id",
                                                                          "email", "region"]))
    raw = path.read_bytes().decode()
    assert '"Kazan, Tatarstan"' in raw and '"Say ""hi""\r\nthere"' not in raw
    rows = {r[0]: r for r in read_csv(path)}
    assert rows["cy"][2] == "Kazan, Tatarstan"
    assert rows["max"][1:] == ["'@max", 'Say "hi"\nthere']


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("entity", ["customers", "receipt_lines", "audience"])
def test_slicing_the_segment_changes_nothing_in_the_file(tables, tmp_path, fmt, entity):
    req = request({"status": "good"}, entity, fmt, fields=ALL_FIELDS[entity])
    export = Export(tables, req, slice_size=2)
    assert export.customers == 11 and len(export.slices) == 6
    small = tmp_path / f"small.{fmt}"
    done = []
    export.write(small, lambda d, t: done.append((d, t)))
    assert done[-1] == (11, 11) and [d for d, _ in done] == sorted(d for d, _ in done)
    _, whole = write(tables, tmp_path, req)
    read = read_csv if fmt == "csv" else read_xlsx
    assert read(small) == read(whole)


def test_past_a_worksheets_last_row_the_rows_go_on_to_another_sheet(tables, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(export_formats, "XLSX_MAX_ROWS", 5)
    n, path = write(tables, tmp_path, request({"status": "good"}, fmt="xlsx"))
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["customers", "customers 2", "customers 3"]
    assert sum(s.max_row - 1 for s in book.worksheets) == n == 11


def test_fields_come_in_the_order_asked_and_unknown_ones_are_named(tables, tmp_path):
    _, path = write(tables, tmp_path, request({"stage": "ordered"},
                                              fields=["revenue", "customer_id"]))
    assert read_csv(path)[0] == ["revenue", "customer_id"]
    with pytest.raises(UnknownFields) as err:
        Export(tables, request({"stage": "ordered"}, "receipts", fields=["total", "emial"]))
    assert "'emial'" in str(err.value) and "order_id, customer_id, kind" in str(err.value)


def test_an_empty_list_exports_a_header_only(tables, tmp_path):
    n, path = write(tables, tmp_path, request({"stage": "spam"}, mailing_id="s1"))
    assert n == 0 and read_csv(path) == [["customer_id", "email", "phone", "reached_at",
                                          "orders", "revenue"]]
    n, path = write(tables, tmp_path, request({"stage": "spam"}, fmt="xlsx", mailing_id="s1"))
    assert n == 0 and len(read_xlsx(path)) == 1


def test_the_file_name_says_what_it_holds():
    assert file_name(request({"stage": "opened"}, **shop.PERIOD)) == (
        "m1-opened-customers-2026-03-03_2026-03-05.csv")
    grouped = request({"status": "good"}, "receipt_lines", "xlsx", group="test", variant_id="B")
    assert file_name(grouped) == "m1-good-test-variant-B-receipt_lines-all-time.xlsx"
    odd = request({"stage": "sent"}, mailing_id="a/b c", **{"to": dt.date(2026, 3, 1)})
    assert file_name(odd) == "a_b_c-sent-customers-start_2026-03-01.csv"
