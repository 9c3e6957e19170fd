"""The Devices and Regions sections of the mailing report page: the API's figures in
the tables, the openers/clickers switch, machine events in a table of their own,
and each section hidden where it has nothing to show."""

# The fixtures come from harness.py by import, so their names are reused here.
# ruff: noqa: F811

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    WIDE,
    browser,
    busiest_sent,
    fmt_int,
    fmt_money,
    fmt_pct,
    page,
    ready,
    site,
    text,
)

pytestmark = pytest.mark.browser

# where the screenshots a person looks at go when asked for (kept out of the repository)
SHOTS = os.environ.get("MAILREPORT_SHOTS")


def test_devices_and_regions_show_the_apis_figures(site, page):
    m = busiest_sent(site, "email")
    url = f"{site.url}/mailings/{m['mailing_id']}"
    report = site.get(f"/api/v1/mailings/{m['mailing_id']}/report")
    devices, regions = report["devices"], report["regions"]
    ready(page, url)
    assert page.locator("#devices").is_visible() and page.locator("#regions").is_visible()

    opened = devices["opened"]
    assert text(page, "devices.opened.customers") == fmt_int(opened["customers"])
    for dim in ("device", "client", "os"):
        for r in opened[dim]:
            assert text(page, f"devices.opened.{dim}.{r['name']}") == fmt_int(r["customers"])
            assert text(page, f"devices.opened.{dim}.{r['name']}.percent") == fmt_pct(r["percent"])
    # machine opens are a table of their own: the proxy's client is not among people's
    machine = devices["machine_opened"]["client"]
    assert machine, "the demo's privacy proxies made no machine opens"
    for r in machine:
        assert text(page, f"devices.machine_opened.client.{r['name']}") == fmt_int(r["customers"])
    assert "GmailImageProxy" not in {r["name"] for r in opened["client"]}

    page.locator("#devices button[data-view='clicked']").click()
    clicked = devices["clicked"]
    assert text(page, "devices.clicked.customers") == fmt_int(clicked["customers"])
    first = clicked["client"][0]
    assert text(page, f"devices.clicked.client.{first['name']}") == fmt_int(first["customers"])

    for r in regions["rows"]:
        assert text(page, f"regions.{r['region']}.opened") == fmt_int(r["opened"])
        assert text(page, f"regions.{r['region']}.revenue") == fmt_money(r["revenue"])
    assert page.locator("#regions button[data-csv='regions']").count() == 1

    if SHOTS:
        for name, size in (("wide", WIDE), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(300)
            for section in ("devices", "regions"):
                page.locator(f"#{section}").screenshot(
                    path=str(Path(SHOTS) / f"{section}-{name}.png"))


def test_hidden_where_nothing_to_show(site, page):
    # a period before any mailing was sent: no opens, clicks or orders anywhere
    m = busiest_sent(site, "email")
    ready(page, f"{site.url}/mailings/{m['mailing_id']}?from=2020-01-01&to=2020-01-02")
    assert page.locator("#efficiency").is_visible()
    assert page.locator("#devices").is_hidden() and page.locator("#regions").is_hidden()
