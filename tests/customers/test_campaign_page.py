"""The campaign funnel's drill-down in a real browser (Debian's Chromium through
Playwright) against a real server: an analyst clicks a funnel figure, sees that
many customers, and downloads the API's file; a viewer sees the figures without
links."""

# ruff: noqa: F811 - the browser fixture comes from web/harness.py by import

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import campaign_shop
import httpx
import pytest
from list_pages import open_as

from web.harness import Server, browser  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from campaign_shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def site(shop_store):
    with Server(shop_store, auth=True) as server:
        yield server


def ready(page, action=None) -> None:
    page.evaluate("document.querySelector('main') && "
                  "(document.querySelector('main').dataset.state = 'stale')")
    if action:
        action()
    page.wait_for_selector("main[data-state='ready'], main[data-state='error']")
    assert page.eval_on_selector("main", "m => m.dataset.state") == "ready"


def test_a_funnel_figure_leads_to_its_customers_and_their_file(site, browser, shop_store):
    page, auth = open_as(site, browser, shop_store, "analyst")
    page.goto(site.url + "/campaigns/c1")
    ready(page)
    funnel = httpx.get(site.url + "/api/v1/campaigns/c1/report", headers=auth).json()["funnel"]
    links = page.locator("a.customers-link")
    assert links.evaluate_all("ls => ls.map(l => [l.dataset.stage, l.textContent])") == [
        [stage, str(funnel[stage])] for stage in ("sent", "delivered", "opened", "clicked",
                                                  "ordered")]

    ready(page, lambda: page.click("a.customers-link[data-stage='sent']"))
    assert urlparse(page.url).path == "/campaigns/c1/customers"
    assert parse_qs(urlparse(page.url).query) == {"stage": ["sent"]}
    # ann is in two of its mailings, bob in two: each once
    assert page.locator("#table-h").inner_text() == f"{funnel['sent']} customers" == "3 customers"
    assert page.locator("[data-key='metrics.customers']").inner_text() == "3"
    assert page.locator("#customer-table tbody th").all_inner_texts() == ["ann", "bob", "cat"]
    assert page.locator("#report-link").get_attribute("href") == "/campaigns/c1"
    # the campaign's stages only: no audience statuses
    assert page.locator("#segment option").evaluate_all("os => os.map(o => o.value)") == [
        "stage:sent", "stage:delivered", "stage:opened", "stage:clicked", "stage:ordered"]

    page.click("#export-open")
    page.select_option("#export-entity", "customers")
    page.check("#export-form input[name=format][value=csv]")
    page.check("#export-form input[name=headers][value=names]")
    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename == "campaign-c1-sent-customers-all-time.csv"
    got = download.value.path().read_bytes()
    href = page.get_attribute("#export-download", "href")
    fields = parse_qs(urlparse(href).query)["fields"][0]
    want = httpx.get(site.url + "/api/v1/campaigns/c1/export", headers=auth,
                     params={"stage": "sent", "fields": fields}).content
    assert got == want
    assert [line.split(b",")[0] for line in got.splitlines()[1:]] == [b"ann", b"bob", b"cat"]
    assert page.errors == []
    page.context.close()


def test_a_viewer_sees_the_figures_without_links(site, browser, shop_store):
    page, _ = open_as(site, browser, shop_store, "viewer")
    page.goto(site.url + "/campaigns/c1")
    ready(page)
    assert page.locator("[data-key='funnel.sent']").inner_text() == "3"
    assert page.locator("a.customers-link").count() == 0
    page.context.close()
