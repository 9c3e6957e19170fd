"""The workbook in the reader's language: Russian sheet names, headings, labels and
definitions, dd.mm.yyyy dates and ₽ in money headings, with the same numbers as the
API's JSON; English where it is asked for."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import query
from mailreport.api.app import create_app
from mailreport.cli import app
from mailreport.exports.workbook import write_campaign_workbook, write_mailing_workbook
from mailreport.glossary import GLOSSARY
from mailreport.i18n.catalogs import translations
from mailreport.reports import campaign_report, mailing_report
from mailreport.settings import Settings

RU_SHEETS = ["Сводка", "Объём", "Эффективность", "Заказы", "Группы", "Часы открытий",
             "Продажи товаров", "Карта кликов", "Определения"]
EN_SHEETS = ["Summary", "Volume", "Efficiency", "Orders", "Groups", "Open hours",
             "Product sales", "Heatmap", "Definitions"]
ru_term = translations("ru", "glossary").gettext


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def figure(ws, label: str):
    return next(r[1] for r in rows(ws) if r[0] == label)


def header_after(ws, title: str) -> int:
    """The row number (1-based) of the header of the table under ``title``."""
    return next(c.row for c in ws["A"] if c.value == title) + 1


@pytest.fixture(scope="module")
def m08_ru(demo_store, tmp_path_factory):
    report = mailing_report(demo_store.tables(), "M08", query())
    path = write_mailing_workbook(report, tmp_path_factory.mktemp("ru") / "m08.xlsx",
                                  Settings(), language="ru")
    return report, openpyxl.load_workbook(path)


def test_the_russian_workbook_names_its_sheets_and_figures_in_russian(m08_ru):
    report, book = m08_ru
    assert book.sheetnames == RU_SHEETS
    ws = book["Эффективность"]
    assert ru_term(GLOSSARY["sent"].name) != GLOSSARY["sent"].name  # the term is translated
    assert figure(ws, ru_term(GLOSSARY["sent"].name)) == report.efficiency.stages.sent
    assert figure(ws, ru_term(GLOSSARY["conversion"].name)) == pytest.approx(
        report.efficiency.transitions.conversion / 100)
    # money headings show the ruble's sign, not its code
    revenue = figure(book["Заказы"], f"{ru_term(GLOSSARY['revenue'].name)}, ₽")
    assert revenue == float(report.orders.revenue)
    groups = book["Группы"]
    header = header_after(groups, "Заказы каждой группы в её окне атрибуции")
    assert groups.cell(header, 1).value == "Группа"
    assert [groups.cell(header + 1 + i, 1).value for i in range(5)] == [
        "Вариант A", "Вариант B", "Вариант C", "Тестовая группа (вся)", "Контрольная группа"]
    # no English left in the headings of the sheets' tables
    for ws in book.worksheets:
        for r in ws.iter_rows(max_col=1):
            if r[0].font.bold and isinstance(r[0].value, str):
                assert not re.search(r"\b(the|of|by|and|Variant|Orders)\b", r[0].value), (
                    ws.title, r[0].value)


def test_a_russian_date_cell_reads_day_month_year(m08_ru):
    report, book = m08_ru
    ws = book["Эффективность"]
    header = header_after(ws, "По дням")
    assert ws.cell(header, 1).value == "Дата"
    first = ws.cell(header + 1, 1)
    assert first.value.date() == report.efficiency.daily[0].date
    assert first.number_format == "dd.mm.yyyy"
    # counts keep Excel's locale-independent code: Excel shows the reader's separators
    assert ws.cell(header + 1, 2).number_format == "#,##0"
    assert figure(book["Определения"], "Сформирован (UTC)") is not None
    generated = next(c for c in book["Определения"]["B"] if c.row > 1 and c.is_date)
    assert generated.number_format == "dd.mm.yyyy hh:mm"


def test_the_russian_definitions_use_the_translated_glossary(m08_ru):
    _, book = m08_ru
    ws = book["Определения"]
    assert figure(ws, "Окно атрибуции, дней") == 7
    header = header_after(ws, "Что означают показатели")
    assert (ws.cell(header, 1).value, ws.cell(header, 2).value) == ("Показатель", "Определение")
    terms = [(ws.cell(r, 1).value, ws.cell(r, 2).value)
             for r in range(header + 1, header + 2 + len(GLOSSARY))]
    assert terms[-1] == (None, None) and len(terms) - 1 == len(GLOSSARY)
    sent = GLOSSARY["sent"]
    assert (ru_term(sent.name), f"{ru_term(sent.definition)} "
                                f"{ru_term(f'Not {sent.not_}')}") in terms
    assert all(re.search("[а-яё]", f"{n} {d}") for n, d in terms[:-1])


def test_the_english_workbook_dates_read_day_month_year_too(demo_store, tmp_path):
    report = mailing_report(demo_store.tables(), "M08", query())
    book = openpyxl.load_workbook(write_mailing_workbook(report, tmp_path / "en.xlsx",
                                                         Settings(), language="en"))
    assert book.sheetnames == EN_SHEETS
    ws = book["Efficiency"]
    assert ws.cell(header_after(ws, "By day") + 1, 1).number_format == "dd/mm/yyyy"
    assert figure(book["Orders"], f"{GLOSSARY['revenue'].name}, RUB") == float(
        report.orders.revenue)


def test_the_russian_campaign_workbook(demo_store, tmp_path):
    report = campaign_report(demo_store.tables(), "CMP1", query())
    book = openpyxl.load_workbook(write_campaign_workbook(report, tmp_path / "c.xlsx",
                                                          Settings(), language="ru"))
    assert book.sheetnames[0] == "Сводка" and book.sheetnames[-1] == "Определения"
    ws = book["Сводка"]
    assert figure(ws, ru_term(GLOSSARY["sent"].name)) == report.funnel.sent
    names = [ws.cell(r, 1).value for r in range(header_after(ws, "Рассылки") + 1,
                                                header_after(ws, "Рассылки") + 2
                                                + len(report.mailings))]
    assert names == [m.name for m in report.mailings] + ["Сумма по рассылкам"]


def test_the_api_serves_the_workbook_in_the_asked_language(demo_store):
    client = TestClient(create_app(demo_store, auth=False), base_url="http://127.0.0.1")
    params = {"from": "2026-07-01", "to": "2026-07-03"}
    r = client.get("/api/v1/mailings/M08/report.xlsx", params={**params, "lang": "ru"})
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == RU_SHEETS
    period = client.get("/api/v1/mailings/M08/report", params=params).json()
    ws = book["Эффективность"]
    assert figure(ws, ru_term(GLOSSARY["sent"].name)) == period["efficiency"]["stages"]["sent"]
    assert figure(book["Заказы"], f"{ru_term(GLOSSARY['revenue'].name)}, ₽") == pytest.approx(
        float(period["orders"]["revenue"]))
    # without ?lang=: the reader's language, as the pages choose it
    r = client.get("/api/v1/mailings/M08/report.xlsx", headers={"Accept-Language": "en-GB"})
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames == EN_SHEETS
    r = client.get("/api/v1/campaigns/CMP1/report.xlsx")  # the locale setting: ru
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames[0] == "Сводка"
    r = client.get("/api/v1/campaigns/CMP1/report.xlsx", params={"lang": "en"},
                   headers={"Accept-Language": "ru"})
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames[0] == "Summary"
    assert client.get("/api/v1/campaigns/CMP1/report.xlsx",
                      params={"lang": "de"}).status_code == 422


def test_the_cli_writes_the_workbook_in_its_language(demo_db, tmp_path):
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(app, ["report", "M01", "--db", str(demo_db), "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert "Эффективность" in openpyxl.load_workbook(out).sheetnames  # the locale setting
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(app, ["--lang", "en", "campaign-report", "CMP1", "--db",
                                      str(demo_db), "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"
