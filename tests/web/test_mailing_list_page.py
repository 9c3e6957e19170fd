"""The mailing list's controls in a real browser: sortable heads, the filter bar,
pages, and the state in the URL that the back button returns to. The order and
the rows are the API's."""

# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    fmt_money,
    page,
    ready,
    reload_done,
    site,
    text,
)

pytestmark = pytest.mark.browser


def shown(page) -> list[str]:
    return page.locator("#mailings-panel tbody th .muted").all_inner_texts()


def url_state(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def api_ids(site, **params) -> list[str]:
    return [m["mailing_id"] for m in site.get("/api/v1/mailings", **params)]


def test_sort_filter_page_and_go_back(site, page):
    ready(page, site.url + "/")
    assert shown(page) == api_ids(site, channel="email")
    head = page.locator("#mailings-panel thead th", has=page.locator("[data-sort='revenue']"))
    assert head.get_attribute("aria-sort") == "none"
    # a head sorts highest first, then again lowest first
    reload_done(page, lambda: page.locator("[data-sort='revenue']").click())
    by_revenue = api_ids(site, channel="email", sort="revenue")
    assert shown(page) == by_revenue
    assert url_state(page) == {"sort": "revenue"}
    assert head.get_attribute("aria-sort") == "descending"
    reload_done(page, lambda: page.locator("[data-sort='revenue']").click())
    assert shown(page) == api_ids(site, channel="email", sort="revenue", order="asc")
    assert url_state(page) == {"sort": "revenue", "order": "asc"}
    # a filter
    reload_done(page, lambda: page.get_by_label("Status").select_option("draft"))
    drafts = api_ids(site, channel="email", status="draft", sort="revenue", order="asc")
    assert drafts and shown(page) == drafts
    assert url_state(page)["status"] == "draft"
    # back: the filter goes, the order stays; back again: highest first
    reload_done(page, page.go_back)
    assert page.get_by_label("Status").input_value() == ""
    assert shown(page) == api_ids(site, channel="email", sort="revenue", order="asc")
    reload_done(page, page.go_back)
    assert shown(page) == by_revenue
    # pages of 4 (the URL's limit): the pager and the total
    everything = api_ids(site, channel="email")
    ready(page, site.url + "/?limit=4")
    assert shown(page) == everything[:4]
    assert page.locator("#page-where").inner_text() == f"1–4 of {len(everything)}"
    assert page.get_by_role("button", name="Previous").is_disabled()
    reload_done(page, lambda: page.get_by_role("button", name="Next").click())
    assert shown(page) == everything[4:8]
    assert url_state(page) == {"limit": "4", "offset": "4"}
    reload_done(page, page.go_back)
    assert shown(page) == everything[:4]
    # past the end (an old link): empty, with the way back
    ready(page, site.url + f"/?limit=4&offset={len(everything) + 4}")
    assert "No email mailings on this page" in page.locator("#mailings-panel").inner_text()
    reload_done(page, lambda: page.get_by_role("button", name="First page").click())
    assert shown(page) == everything[:4]
    # on a phone the heads are hidden: the sort is in the filter bar
    page.set_viewport_size(PHONE)
    reload_done(page, lambda: page.locator("#f-sort").select_option("open_rate"))
    assert shown(page) == api_ids(site, channel="email", sort="open_rate", limit=4)


def trend_ready(page) -> None:
    page.wait_for_selector("#trend[data-state='ready'], #trend[data-state='error']")


def test_the_trend_follows_the_filters_and_its_figure(site, page):
    ready(page, site.url + "/?channel=sms")
    trend_ready(page)
    api = site.get("/api/v1/mailing-trend", channel="sms", figure="open_rate")
    # SMS has no opens: nothing to draw
    assert all(p["value"] is None for p in api["points"])
    assert "No open rate to show" in page.locator("#trend").inner_text()
    page.evaluate("document.getElementById('trend').dataset.state = 'stale'")
    page.get_by_label("Figure").select_option("revenue_per_recipient")
    trend_ready(page)
    assert url_state(page) == {"channel": "sms", "trend": "revenue_per_recipient"}
    api = site.get("/api/v1/mailing-trend", channel="sms", figure="revenue_per_recipient")
    assert len(api["points"]) >= 2
    page.locator("#trend summary").click()
    for p in api["points"]:
        assert text(page, f"trend.{p['mailing_id']}") == fmt_money(p["value"])
    assert page.locator("#trend canvas").count() == 1
