"""Each section's table downloaded as CSV from the report page (a real download in
Chromium), read back with Python's csv module: every value is the API's."""

# The fixtures come from harness.py by import, so their names are reused here.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    busiest_sent,
    page,
    ready,
    screenshot,
    section_done,
    site,
)

pytestmark = pytest.mark.browser

BOM = b"\xef\xbb\xbf"


def download(page, key: str) -> tuple[str, list[list[str]]]:
    """Click a section's "Download CSV" button; the file's name and its rows."""
    with page.expect_download() as info:
        page.locator(f"button[data-csv='{key}']").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(BOM), "no UTF-8 byte order mark"
    text = raw[len(BOM):].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "not CRLF lines"
    return info.value.suggested_filename, list(csv.reader(io.StringIO(text, newline="")))


def table_titles(page, key: str) -> list[str]:
    """The column titles of the table beside a download button (sort marks aside)."""
    wrap = page.locator(".with-csv", has=page.locator(f"button[data-csv='{key}']"))
    return [re.sub("[▼↕]", "", t).strip() for t in wrap.locator("thead th").all_text_contents()]


def row_headers(page, key: str) -> list[str]:
    wrap = page.locator(".with-csv", has=page.locator(f"button[data-csv='{key}']"))
    return [t.strip() for t in wrap.locator("tbody th").all_text_contents()]


def same(cell: str, value) -> bool:
    """A CSV cell against the API's JSON value: numbers as numbers, money and text
    as the API's strings, null as an empty cell."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return cell == str(value)
    if isinstance(value, float):
        return float(cell) == value
    return cell == value


def check_rows(rows: list[list[str]], expected: list[list]) -> None:
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert len(got) == len(want), (got, want)
        for cell, value in zip(got, want, strict=True):
            assert same(cell, value), (cell, value, got)


def check_section(page, key: str, name: str, expected: list[list]) -> list[str]:
    """The file's name, its header (the table's titles) and every value; the header."""
    file, rows = download(page, key)
    assert file == name
    assert rows[0] == table_titles(page, key)
    check_rows(rows[1:], expected)
    return rows[0]


def test_every_section_downloads_the_api_numbers(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    report = site.get(f"/api/v1/mailings/{mid}/report")

    volume = report["volume"]
    statuses = ["good_recipients", "address_issue", "unsubscribed_channel",
                "unsubscribed_category", "blocked_by_policy"]
    audience = sum(volume[s] for s in statuses)
    check_section(page, "volume", f"{mid}-volume.csv", [
        [label, volume[s], 100 * volume[s] / audience]
        for label, s in zip(row_headers(page, "volume"), statuses, strict=True)])

    check_section(page, "orders", f"{mid}-orders.csv", [
        [d["date"], d["receipts"], d["orders"], d["revenue"]] for d in report["orders"]["daily"]])

    measures = ["assigned", "sent", "delivered", "opened", "clicked", "buyers", "orders",
                "revenue", "conversion", "revenue_per_customer", "aov"]
    check_section(page, "groups", f"{mid}-groups.csv", [
        [name, *(g[m] for m in measures)]
        for name, g in zip(row_headers(page, "groups"), report["groups"], strict=True)])

    hours = report["open_hours"]
    check_section(page, "open_hours.by-hour", f"{mid}-open_hours-by-hour.csv", [
        [f"{h:02d}:00", n, hours["percent"][h]] for h, n in enumerate(hours["counts"])])
    weekdays = row_headers(page, "open_hours.weekday-hour")
    assert len(weekdays) == 7
    check_section(page, "open_hours.weekday-hour", f"{mid}-open_hours-weekday-hour.csv", [
        [day, *row] for day, row in zip(weekdays, hours["grid"], strict=True)])

    eff = report["efficiency"]
    stages = ["sent", "delivered", "opened", "clicked", "ordered_after_click"]
    names = dict(zip(stages, page.locator("#efficiency .funnel-name").all_text_contents(),
                     strict=True))
    names["ordered"] = page.locator("#efficiency .buyers-name").inner_text()
    side = page.locator("#efficiency .side-figures li > span:first-child").all_text_contents()
    names.update(zip(["spam", "unsubscribed"], side, strict=True))
    file, rows = download(page, "efficiency.funnel")
    assert file == f"{mid}-efficiency-funnel.csv"
    assert rows[0] == ["Stage", "Customers", "Share, %", "Share of"]
    check_rows(rows[1:], [
        [names[s], eff["stages"][s], eff["transitions"][s] if i else None,
         names[stages[i - 1]] if i else None] for i, s in enumerate(stages)] + [
        [names["ordered"], eff["stages"]["ordered"], eff["transitions"]["conversion"],
         names["delivered"]],
        [names["spam"], eff["spam"], eff["spam_rate"], names["delivered"]],
        [names["unsubscribed"], eff["unsubscribed"], eff["unsubscribe_rate"], names["delivered"]]])

    daily = report["efficiency"]["daily"]
    stages = [k for k in ["sent", "delivered", "opened", "clicked", "ordered"]
              if any(d[k] for d in daily)]
    check_section(page, "efficiency.daily", f"{mid}-efficiency-daily.csv", [
        [d["date"], *(d[k] for k in stages)] for d in daily])

    sales = report["product_sales"]["rows"]
    assert sales, "the mailing has no product sales to check"
    check_section(page, "product_sales", f"{mid}-product_sales.csv",
                  sales_rows(report["product_sales"]))

    # the links of the variant chosen: the second one
    variant = report["heatmap"][1]
    page.select_option("#heatmap-variant", variant["variant_id"])
    page.wait_for_selector("#heatmap .body[data-state='ready']")
    key = f"heatmap.variant-{variant['variant_id']}"
    file, rows = download(page, key)
    assert file == f"{mid}-heatmap-variant-{variant['variant_id']}.csv"
    assert rows[0][:3] == ["#", "Text", "URL"]
    assert rows[0][3:] == table_titles(page, key)[1:]
    check_rows(rows[1:], [[link["link_index"], link["text"], link["url"], link["clicks"],
                           link["unique_clickers"], link["percent_of_readers"]]
                          for link in variant["links"]])

    # Chromium held back one page's eleventh download in a row here (its limiter of
    # automatic downloads): the rest start from a fresh page
    ready(page, f"{site.url}/mailings/{mid}")
    devices = report["devices"]
    for dim in ("device", "client", "os"):
        check_section(page, f"devices.opened-{dim}", f"{mid}-devices-opened-{dim}.csv", [
            [r["name"], r["customers"], r["percent"]] for r in devices["opened"][dim]])
    check_section(page, "devices.machine", f"{mid}-devices-machine.csv", [
        [name, r["name"], r["customers"]]
        for kind, name in (("machine_opened", "Machine opens"),
                           ("machine_clicked", "Machine clicks"))
        for r in devices[kind]["client"]])
    check_section(page, "regions", f"{mid}-regions.csv", [
        [r["region"], r["opened"], r["clicked"], r["ordered"], r["revenue"]]
        for r in report["regions"]["rows"]])

    # each button is a keyboard-reachable button that names its section
    buttons = page.locator("button.csv-download")
    # deliverability's four: classes, reasons, domains, unsubscribe reasons
    assert buttons.count() == 18
    names = {page.locator(f"#{s}-h").inner_text() for s in
             ["volume", "orders", "groups", "open_hours", "efficiency", "deliverability",
              "product_sales", "heatmap", "devices", "regions"]}
    for i in range(buttons.count()):
        label = buttons.nth(i).get_attribute("aria-label")
        assert label.startswith("Download CSV: ")
        assert label.removeprefix("Download CSV: ").split(",")[0] in names
    page.locator("button[data-csv='volume']").focus()
    assert page.evaluate("document.activeElement.dataset.csv") == "volume"
    screenshot(page, "section-csv-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "section-csv-390")


def test_a_period_and_a_sort_are_in_the_files(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    daily = site.get(f"/api/v1/mailings/{mid}/report/orders")["daily"]
    start, end = daily[1]["date"], daily[min(4, len(daily) - 1)]["date"]
    ready(page, f"{site.url}/mailings/{mid}?from={start}&to={end}")
    orders = site.get(f"/api/v1/mailings/{mid}/report/orders", **{"from": start, "to": end})
    assert [d["date"] for d in orders["daily"]][0] == start
    check_section(page, "orders", f"{mid}-orders-{start}_{end}.csv", [
        [d["date"], d["receipts"], d["orders"], d["revenue"]] for d in orders["daily"]])

    section_done(page, "product_sales",
                 lambda: page.locator("#product_sales button[data-sort='revenue']").click())
    sales = site.get(f"/api/v1/mailings/{mid}/report/product_sales", sort="revenue",
                     **{"from": start, "to": end})
    assert sales["rows"], "no product sales in the period to check"
    header = check_section(page, "product_sales", f"{mid}-product_sales-{start}_{end}.csv",
                           sales_rows(sales))
    assert len(header) == 4 + len(sales["units_of_measure"])

    # the cumulative view's table: each stage's running share of its total in the period
    page.locator("#efficiency button[data-view='cumulative']").click()
    daily = site.get(f"/api/v1/mailings/{mid}/report/efficiency",
                     **{"from": start, "to": end})["daily"]
    stages = [k for k in ["sent", "delivered", "opened", "clicked", "ordered"]
              if any(d[k] for d in daily)]
    totals = {k: sum(d[k] for d in daily) for k in stages}
    expected = []
    for i, d in enumerate(daily):
        running = {k: sum(e[k] for e in daily[:i + 1]) for k in stages}
        expected.append([d["date"], *((100 * running[k]) / totals[k] for k in stages)])
    check_section(page, "efficiency.cumulative",
                  f"{mid}-efficiency-cumulative-{start}_{end}.csv", expected)


CELLS = """async () => {
  const { csvText } = await import("/static/js/util.js");
  return csvText(["Text", "Number"], [(r) => r.t, (r) => r.n], [
    { t: "=1+1", n: -3 }, { t: 'say "hi", then', n: 0.5 }, { t: "+SUM(A1)", n: null },
    { t: "-12.50", n: 1234567 }, { t: "@cmd", n: 12 }, { t: "-x", n: -0.25 },
    { t: "two\\nlines", n: 3 }]);
}"""


def test_cells_are_quoted_and_formulas_inert(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    text = page.evaluate(CELLS)
    assert text.split("\r\n")[1] == "'=1+1,-3"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["Text", "Number"], ["'=1+1", "-3"], ['say "hi", then', "0.5"],
                    ["'+SUM(A1)", ""], ["-12.50", "1234567"], ["'@cmd", "12"],
                    ["'-x", "-0.25"], ["two\nlines", "3"]]


def test_campaign_report_downloads_its_tables(site, page):
    campaign = site.get("/api/v1/campaigns")[0]["campaign_id"]
    ready(page, f"{site.url}/campaigns/{campaign}")
    report = site.get(f"/api/v1/campaigns/{campaign}/report")
    assert report["mailings"]
    check_section(page, "mailings", f"{campaign}-mailings.csv", [
        [m[k] for k in ("name", "channel", "sent_at", "sent", "delivered", "opened", "clicked",
                        "ordered", "orders", "revenue")] for m in report["mailings"]])
    check_section(page, "orders", f"{campaign}-orders.csv", [
        [d["date"], d["receipts"], d["orders"], d["revenue"]] for d in report["orders"]["daily"]])
    check_section(page, "regions", f"{campaign}-regions.csv", [
        [r["region"], r["opened"], r["clicked"], r["ordered"], r["revenue"]]
        for r in report["regions"]["rows"]])
    hours = report["open_hours"]
    devices = report["devices"]
    # three tables of the view shown (openers, else clickers), and the machines'
    device_tables = (3 if devices["opened"]["customers"] or devices["clicked"]["customers"]
                     else 0) + bool(
        devices["machine_opened"]["customers"] or devices["machine_clicked"]["customers"])
    # the volume, the pooled groups and deliverability's tables (classes, reasons,
    # domains, unsubscribe reasons: each where it has rows)
    d = report["deliverability"]
    depth = bool(report["volume"]) + bool(report["groups"]) + (1 + bool(d["reasons"]) + bool(
        d["domains"]) + bool(d["unsubscribe_reasons"]) if d else 0)
    assert page.locator("button.csv-download").count() == 2 + bool(
        report["product_sales"]["rows"]) + (2 if hours and hours["openers"] else 0) \
        + device_tables + bool(report["regions"]["rows"]) + depth
    screenshot(page, "section-csv-campaign-1280")


def sales_rows(sales: dict) -> list[list]:
    """The product sales CSV's rows as the API gives them: with several units of
    measure, a units column per unit."""
    units = sales["units_of_measure"]
    def quantities(r):
        return [r["units_by_unit"].get(u, 0.0) for u in units] if len(units) > 1 \
            else [r["units"]]
    return [[n, r["category"], *quantities(r), r["revenue"], r["receipts"]]
            for n, r in enumerate(sales["rows"], 1)]
