"""The report as an Excel workbook: a sheet per section holding the API's numbers in
typed cells, and the definitions and settings they were made with."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import query
from mailreport.cli import app
from mailreport.exports.workbook import write_campaign_workbook, write_mailing_workbook
from mailreport.glossary import GLOSSARY
from mailreport.reports import campaign_report, mailing_report
from mailreport.settings import Settings


def rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True)]


def after(ws, title: str) -> list[tuple]:
    """The table under a title: its header row and its rows, up to the blank row."""
    all_rows = rows(ws)
    start = next(i for i, r in enumerate(all_rows) if r[0] == title) + 1
    out = []
    for r in all_rows[start:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


def figure(ws, label: str):
    return next(r[1] for r in rows(ws) if r[0] == label)


@pytest.fixture(scope="module")
def m08(demo_store, tmp_path_factory):
    report = mailing_report(demo_store.tables(), "M08", query())
    path = write_mailing_workbook(report, tmp_path_factory.mktemp("book") / "m08.xlsx",
                                  Settings())
    return report, openpyxl.load_workbook(path)


def test_every_section_of_the_mailing_is_a_sheet_of_its_numbers(m08):
    report, book = m08
    assert book.sheetnames == ["Summary", "Volume", "Efficiency", "Orders", "Groups",
                               "Open hours", "Product sales", "Heatmap", "Definitions"]
    e = report.efficiency
    ws = book["Efficiency"]
    assert figure(ws, GLOSSARY["sent"].name) == e.stages.sent
    assert figure(ws, GLOSSARY["ordered_after_click"].name) == e.stages.ordered_after_click
    # a rate is a percentage cell: its fraction, shown as %
    assert figure(ws, GLOSSARY["conversion"].name) == pytest.approx(e.transitions.conversion / 100)
    cell = next(c for c in ws["B"] if c.value == pytest.approx(e.transitions.conversion / 100))
    assert cell.number_format == "0.00%"
    daily = after(ws, "By day")
    assert [r[0].date() for r in daily[1:]] == [d.date for d in e.daily]
    assert [r[1] for r in daily[1:]] == [d.sent for d in e.daily]

    o = book["Orders"]
    revenue = figure(o, f"{GLOSSARY['revenue'].name}, RUB")
    assert revenue == float(report.orders.revenue) and isinstance(revenue, float)
    groups = after(book["Groups"], "Orders of each group in its attribution window")
    assert [r[0] for r in groups[1:]] == ["Variant A", "Variant B", "Variant C",
                                          "Test group (all)", "Control group"]
    assert [r[6] for r in groups[1:]] == [g.buyers for g in report.groups]
    pairs = after(book["Groups"], "Variants compared pairwise (Holm-adjusted)")
    assert len(pairs) - 1 == (len(report.variant_comparison.click_rate.pairs)
                              + len(report.variant_comparison.conversion.pairs))

    hours = rows(book["Open hours"])
    by_hour = [r for r in hours if isinstance(r[0], str) and r[0].endswith(":00")]
    assert [r[1] for r in by_hour] == report.open_hours.counts

    sales = after(book["Product sales"], next(
        r[0] for r in rows(book["Product sales"]) if r[0] and r[0].startswith("Top ")))
    assert [r[1] for r in sales[1:]] == [r.category for r in report.product_sales.rows]
    assert [r[0] for r in sales[1:]] == list(range(1, len(report.product_sales.rows) + 1))
    links = report.heatmap[0].links
    heat = after(book["Heatmap"], f"Variant {report.heatmap[0].variant_id}: "
                                  f"{report.heatmap[0].openers:,} openers")
    assert [r[3] for r in heat[1:]] == [link.clicks for link in links]


def test_the_definitions_sheet_states_the_settings_and_every_term(m08):
    _, book = m08
    ws = book["Definitions"]
    assert figure(ws, "Attribution window, days") == 7
    assert figure(ws, "Company time zone (days and hours)") == "UTC"
    assert figure(ws, "Basis stage, SMS") == "delivered"
    assert isinstance(figure(ws, "Generated (UTC)"), dt.datetime)
    terms = after(ws, "What the figures mean")
    assert {(r[0], r[1]) for r in terms[1:]} == {
        (t.name, t.description) for t in GLOSSARY.values()}


def test_text_that_looks_like_a_formula_stays_text(tmp_path, data):
    from conftest import at

    data.mailing("m1", name="=HYPERLINK(\"http://x\")")
    data.journeys("m1", {"ann": [("opened", at(1))]})
    data.load()
    report = mailing_report(data.tables(), "m1", query())
    path = write_mailing_workbook(report, tmp_path / "m1.xlsx", Settings())
    ws = openpyxl.load_workbook(path)["Summary"]
    assert ws["A1"].value == "=HYPERLINK(\"http://x\")" and ws["A1"].data_type == "s"


def test_the_campaign_workbook_counts_each_customer_once(demo_store, tmp_path):
    report = campaign_report(demo_store.tables(), "CMP1", query())
    book = openpyxl.load_workbook(write_campaign_workbook(report, tmp_path / "c.xlsx",
                                                          Settings()))
    ws = book["Summary"]
    assert figure(ws, GLOSSARY["sent"].name) == report.funnel.sent < report.totals.sent
    mailings = after(ws, "Mailings")
    assert [r[0] for r in mailings[1:]] == [m.name for m in report.mailings] + [
        "Sum of the mailings"]
    assert mailings[-1][3] == report.totals.sent


def test_the_cli_writes_the_workbook(demo_db, tmp_path):
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(app, ["--lang", "en", "report", "M01", "--db", str(demo_db),
                                      "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert "Efficiency" in openpyxl.load_workbook(out).sheetnames


def test_the_api_serves_the_workbook(demo_store):
    import io

    from fastapi.testclient import TestClient

    from mailreport.api.app import create_app

    client = TestClient(create_app(demo_store, auth=False), base_url="http://127.0.0.1")
    r = client.get("/api/v1/mailings/M08/report.xlsx", params={
        "from": "2026-07-01", "to": "2026-07-03", "lang": "en"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="M08-report-2026-07-01_2026-07-03.xlsx"' in r.headers[
        "content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    period = client.get("/api/v1/mailings/M08/report", params={"from": "2026-07-01",
                                                               "to": "2026-07-03"}).json()
    assert figure(book["Efficiency"], GLOSSARY["sent"].name) == period["efficiency"][
        "stages"]["sent"]
    assert figure(book["Definitions"], "Period from") == dt.datetime(2026, 7, 1)
    r = client.get("/api/v1/campaigns/CMP1/report.xlsx", params={"lang": "en"})
    assert r.status_code == 200 and "Summary" in openpyxl.load_workbook(
        io.BytesIO(r.content)).sheetnames
    assert client.get("/api/v1/mailings/NOPE/report.xlsx").status_code == 404
