"""The customer-list page in a real browser (Debian's Chromium through Playwright)
against a real server over the shop: the page shows the API's figures, sorts and
pages through the API, and its export dialog downloads the API's file."""

# ruff: noqa: F811 - the browser fixture comes from web/harness.py by import

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import shop
from list_pages import open_as

from mailreport.glossary import GLOSSARY
from web.harness import ENGLISH, Server, browser, fmt_int, fmt_number  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def site(shop_store):
    with Server(shop_store, auth=True) as server:
        yield server


def ready(page, action=None) -> None:
    page.evaluate("document.querySelector('main').dataset.state = 'stale'")
    if action:
        action()
    page.wait_for_selector("main[data-state='ready'], main[data-state='error']")
    assert page.eval_on_selector("main", "m => m.dataset.state") == "ready"


def shown(page, key: str) -> str:
    return " ".join(page.locator(f"[data-key='{key}']").inner_text().split())


def row_ids(page) -> list[str]:
    return page.locator("#customer-table tbody th").all_inner_texts()


def test_the_page_shows_the_apis_list_and_sorts_through_it(site, browser, shop_store):
    page, auth = open_as(site, browser, shop_store, "analyst")
    page.goto(site.url + "/mailings/m1/customers?stage=opened")
    ready(page)
    api = httpx.get(site.url + "/api/v1/mailings/m1/customers", headers=auth,
                    params={"stage": "opened"}).json()
    m = api["metrics"]
    assert shown(page, "metrics.customers") == fmt_int(m["customers"])
    # shown() folds white space, the no-break space of "RUB\u00a0441" too; the tile has
    # whole roubles, the exact sum on hover
    assert shown(page, "metrics.revenue") == " ".join(
        ENGLISH.money(m["revenue"], whole=True).split())
    assert page.locator("[data-key='metrics.revenue']").get_attribute("title") == (
        ENGLISH.money(m["revenue"]))
    assert shown(page, "metrics.orders_per_customer") == fmt_number(m["orders_per_customer"])
    assert shown(page, "metrics.deviation.revenue_per_customer") == (
        f"{ENGLISH.signed(m['deviation']['revenue_per_customer'], unit='%')} vs audience")
    # the tiles and columns carry the glossary's names: the list's attributed figures
    # are not the groups' figures of the same mailing
    labels = page.locator("#segment-metrics .tile-label .term-name").all_inner_texts()
    assert labels == [GLOSSARY[k].name for k in (
        "list_customers", "purchases", "revenue", "list_aov", "list_revenue_per_customer",
        "list_purchases_per_customer")]
    heads = page.locator("#customer-table thead th").all_text_contents()
    assert heads[3].startswith(GLOSSARY["purchases"].name)
    assert heads[4].startswith(GLOSSARY["revenue"].name)
    assert row_ids(page) == [r["customer_id"] for r in api["rows"]]
    assert shop.HOSTILE_EMAIL in page.locator("#customer-table").inner_text()  # as text

    ready(page, lambda: page.click("button.sort[data-sort='revenue']"))
    query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert query == {"stage": "opened", "sort": "revenue", "order": "desc"}
    by_revenue = httpx.get(site.url + "/api/v1/mailings/m1/customers", headers=auth,
                           params=query).json()
    assert row_ids(page) == [r["customer_id"] for r in by_revenue["rows"]]

    ready(page, lambda: page.select_option("#segment", "status:good"))
    assert shown(page, "metrics.customers") == "11"
    assert page.errors == []
    page.context.close()


def test_the_export_dialog_downloads_the_apis_file(site, browser, shop_store):
    page, auth = open_as(site, browser, shop_store, "analyst")
    page.goto(site.url + "/mailings/m1/customers?stage=opened&from=2026-03-03&to=2026-03-05")
    ready(page)
    page.click("#export-open")
    page.select_option("#export-entity", "receipts")
    page.uncheck("#export-fields input[value='touch_at']")
    # XLSX is offered first; column titles for people, in the page's language
    href = page.get_attribute("#export-download", "href")
    assert {k: v[0] for k, v in parse_qs(urlparse(href).query).items()} == {
        "stage": "opened", "from": "2026-03-03", "to": "2026-03-05", "entity": "receipts",
        "format": "xlsx", "fields": "order_id,customer_id,kind,ts,date,total",
        "headers": "human", "lang": "en"}
    page.check("#export-form input[name=format][value=csv]")
    page.check("#export-form input[name=headers][value=names]")
    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename == "m1-opened-receipts-2026-03-03_2026-03-05.csv"
    got = download.value.path().read_bytes()
    want = httpx.get(site.url + "/api/v1/mailings/m1/export", headers=auth, params={
        "stage": "opened", "from": "2026-03-03", "to": "2026-03-05", "entity": "receipts",
        "fields": "order_id,customer_id,kind,ts,date,total"}).content
    assert got == want and got.count(b"\r\n") == 3
    assert page.errors == []
    page.context.close()


def test_a_viewer_is_told_lists_need_the_customer_data_permission(site, browser,
                                                                  shop_store):
    """Lists are for analysts (#20): a viewer's page says why it shows none."""
    page, _ = open_as(site, browser, shop_store, "viewer")
    page.goto(site.url + "/mailings/m1/customers?stage=clicked")
    page.wait_for_selector("main[data-state='ready'], main[data-state='error']")
    assert page.eval_on_selector("main", "m => m.dataset.state") == "error"
    assert "customer_data" in page.locator("main").inner_text()
    assert "ann@shop.example" not in page.content()
    assert page.locator("#export-open").is_hidden()
    page.context.close()
