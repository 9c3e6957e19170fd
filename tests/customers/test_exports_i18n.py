"""Exports for people: titles in the reader's language, a CSV a Russian Excel reads
(BOM, semicolons, decimal commas, local dates and times) and an XLSX with typed
cells, with phone numbers bare and formulas still inert."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import shop
from fastapi.testclient import TestClient

from mailreport.api.app import create_app
from mailreport.auth import create_token
from mailreport.exports import Export, ExportRequest
from mailreport.reports.customers import MAX_PAGE_SIZE, customer_list
from mailreport.reports.query import ReportQuery
from mailreport.reports.segments import Segment

ZONE = "Europe/Moscow"
RU_TITLES = ["ID клиента", "Email", "Телефон", "Дата и время этапа", "Заказы по рассылке",
             "Выручка по рассылке"]


def in_zone(tables, zone: str = ZONE):
    """The same store's tables with the company in another time zone."""
    return dataclasses.replace(tables, settings=dataclasses.replace(
        tables.settings, company_timezone=zone))


def the_busiest_mailing(store) -> str:
    [(mailing_id,)] = store.sql("SELECT mailing_id FROM attributed_orders GROUP BY 1 "
                                "ORDER BY count(*) DESC, mailing_id LIMIT 1")
    return mailing_id


def whole_list(tables, mailing_id: str, stage: str) -> list:
    rows, page = [], 1
    while True:
        part = customer_list(tables, mailing_id, Segment(stage=stage), ReportQuery(),
                             page=page, page_size=MAX_PAGE_SIZE)
        rows.extend(part.rows)
        if len(rows) >= part.total:
            return rows
        page += 1


def excel_ru_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def decimal_comma(text: str) -> Decimal:
    assert "." not in text and " " not in text and "₽" not in text, text
    return Decimal(text.replace(",", "."))


def export(tables, tmp_path, mailing_id: str, segment: dict, **options):
    req = ExportRequest(mailing_id=mailing_id, segment=Segment(**segment), **options)
    e = Export(tables, req)
    path = tmp_path / e.file_name
    return e.write(path), path


def test_a_real_list_as_csv_for_a_russian_excel_is_the_lists_figures(demo_store, tmp_path):
    tables = in_zone(demo_store.tables())
    mailing_id = the_busiest_mailing(demo_store)
    listed = whole_list(tables, mailing_id, "ordered")
    n, path = export(tables, tmp_path, mailing_id, {"stage": "ordered"},
                     format="csv-excel-ru", headers="human", lang="ru")
    assert path.suffix == ".csv"
    header, *rows = excel_ru_rows(path.read_bytes())
    assert header == RU_TITLES
    assert n == len(rows) == len(listed) > 0
    zone = ZoneInfo(ZONE)
    revenue = Decimal(0)
    for row, item in zip(rows, listed, strict=True):
        assert row[0] == item.customer_id
        assert (int(row[4]), decimal_comma(row[5])) == (item.orders, item.revenue)
        revenue += decimal_comma(row[5])
        local = item.reached_at.replace(tzinfo=dt.UTC).astimezone(zone)
        assert row[3] == local.strftime("%d.%m.%Y %H:%M")  # dd.MM.y HH:mm, Moscow time
        assert dt.datetime.strptime(row[3], "%d.%m.%Y %H:%M")  # noqa: DTZ007
    assert revenue == sum(item.revenue for item in listed) > 0
    assert any(item.revenue % 1 for item in listed)  # kopecks: a comma was written
    phones = [r[2] for r in rows if r[2]]
    assert phones and all(p.startswith("+7") and p[1:].isdigit() for p in phones)


def test_the_machine_defaults_stay_as_they_were(demo_store, tmp_path):
    tables = demo_store.tables()
    mailing_id = the_busiest_mailing(demo_store)
    _, path = export(tables, tmp_path, mailing_id, {"stage": "ordered"})
    raw = path.read_bytes()
    assert not raw.startswith("\ufeff".encode())
    header, first, *_ = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert header == ["customer_id", "email", "phone", "reached_at", "orders", "revenue"]
    assert first[2] == "" or first[2].startswith("'+")  # phones stay inert for programs
    assert "T" in first[3]


def test_a_real_list_as_xlsx_for_people_has_typed_cells_and_russian_titles(demo_store,
                                                                           tmp_path):
    tables = in_zone(demo_store.tables())
    mailing_id = the_busiest_mailing(demo_store)
    listed = whole_list(tables, mailing_id, "ordered")
    n, path = export(tables, tmp_path, mailing_id, {"stage": "ordered"}, format="xlsx",
                     headers="human", lang="ru")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet.title == "Клиенты"
    header, *rows = list(sheet.iter_rows())
    assert [c.value for c in header] == RU_TITLES
    assert n == len(rows) == len(listed)
    zone = ZoneInfo(ZONE)
    for row, item in zip(rows, listed, strict=True):
        cid, _, phone, reached, orders, revenue = row
        assert cid.data_type == "s" and cid.value == item.customer_id
        if phone.value is not None:
            assert phone.data_type == "s" and phone.value.startswith("+7")
        assert reached.is_date and reached.number_format == "dd.mm.yyyy hh:mm"
        local = item.reached_at.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
        assert abs(reached.value - local) < dt.timedelta(seconds=1)
        assert orders.data_type == "n" and orders.value == item.orders
        assert revenue.data_type == "n" and revenue.number_format == "#,##0.00"
        assert Decimal(str(revenue.value)) == item.revenue


def test_english_titles_and_dates_for_an_english_reader(demo_store, tmp_path):
    tables = demo_store.tables()
    mailing_id = the_busiest_mailing(demo_store)
    _, path = export(tables, tmp_path, mailing_id, {"stage": "ordered"}, format="xlsx",
                     headers="human", lang="en", entity="orders")
    sheet = openpyxl.load_workbook(path).active
    header, first, *_ = list(sheet.iter_rows())
    assert sheet.title == "Orders"
    assert [c.value for c in header][:4] == ["Order ID", "Customer ID", "Receipt or order",
                                             "Placed at"]
    assert first[4].number_format == "dd/mm/yyyy"  # the date, en_GB order


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


def test_formulas_stay_inert_but_phones_stay_bare_for_people(shop_store, tmp_path):
    fields = ["customer_id", "email", "phone", "region"]
    _, path = export(shop_store.tables(), tmp_path, "m1", {"stage": "clicked"},
                     format="csv-excel-ru", headers="human", lang="ru", fields=fields)
    header, *rows = excel_ru_rows(path.read_bytes())
    assert header == ["ID клиента", "Email", "Телефон", "Регион"]
    by_id = {r[0]: r for r in rows}
    # a formula in an email and a sum in a region: a leading apostrophe, as before
    assert by_id["hos"] == ["hos", "'" + shop.HOSTILE_EMAIL, "+79160000009", "'-1+2"]
    assert by_id["ann"][2] == "+79160000001"
    _, path = export(shop_store.tables(), tmp_path, "m1", {"stage": "clicked"},
                     format="xlsx", headers="human", lang="ru", fields=fields)
    cells = {r[0].value: r for r in openpyxl.load_workbook(path).active.iter_rows()}
    assert cells["hos"][1].value == "'" + shop.HOSTILE_EMAIL
    assert cells["hos"][2].value == "+79160000009" and cells["hos"][2].data_type == "s"
    assert cells["hos"][3].value == "'-1+2"
    # a separator inside a text cell is quoted: "Kazan, Tatarstan" needs none here
    _, path = export(shop_store.tables(), tmp_path, "m1", {"status": "good"},
                     format="csv-excel-ru", fields=["customer_id", "region"])
    raw = path.read_bytes().decode("utf-8-sig")
    assert "cy;Kazan, Tatarstan\r\n" in raw
    assert '"Say ""hi""\nthere"' in raw


def test_the_api_takes_headers_and_lang(shop_store):
    client = TestClient(create_app(shop_store))
    analyst = {"Authorization": f"Bearer {create_token(shop_store, 'analyst')}"}
    params = {"stage": "clicked", "fields": "customer_id,phone,revenue"}
    r = client.get("/api/v1/mailings/m1/export", headers=analyst, params=params)
    assert r.status_code == 200 and r.text.startswith("customer_id,phone,revenue\r\n")
    r = client.get("/api/v1/mailings/m1/export", headers=analyst,
                   params={**params, "format": "csv-excel-ru", "headers": "human",
                           "lang": "ru"})
    assert r.status_code == 200, r.text
    assert r.content.startswith("\ufeffID клиента;Телефон;Выручка по рассылке\r\n".encode())
    assert 'filename="m1-clicked-customers-all-time.csv"' in r.headers["content-disposition"]
    r = client.get("/api/v1/mailings/m1/export", headers=analyst,
                   params={**params, "headers": "people"})
    assert r.status_code == 422
    entities = client.get("/api/v1/exports/entities", headers=analyst,
                          params={"lang": "ru"}).json()
    customers = next(e for e in entities if e["name"] == "customers")
    assert customers["title"] == "Клиенты"
    assert {f["name"]: f["title"] for f in customers["fields"]}["phone"] == "Телефон"
