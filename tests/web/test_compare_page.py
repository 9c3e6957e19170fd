"""Mailings side by side: the compare page shows each mailing's figures as the API
gives them, keeps its choice and period in the URL, and the mailing list's
"Compare (n)" button allows two to four mailings."""

# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    WIDE,
    browser,
    page,
    ready,
    screenshot,
    site,
    text,
)
from test_report_languages import data_words, english_words

from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser


def flat(value: str) -> str:
    return " ".join(value.split())


def chosen(site) -> list[str]:
    """Two sent email mailings and a sent SMS one, largest first."""
    rows = [m for m in site.get("/api/v1/mailings") if m["status"] == "sent"]
    email = sorted((m for m in rows if m["channel"] == "email"), key=lambda m: -m["recipients"])
    sms = [m for m in rows if m["channel"] == "sms"]
    assert len(email) >= 2 and sms, "the demo has sent email and SMS mailings"
    return [email[0]["mailing_id"], email[1]["mailing_id"], sms[0]["mailing_id"]]


def compared(site, ids, **period) -> dict:
    """The API's comparison (mailing_id repeats, which Server.get's params cannot)."""
    params = [("mailing_id", i) for i in ids] + [(k, v) for k, v in period.items() if v]
    r = httpx.get(f"{site.url}/api/v1/compare", params=params, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def check_figures(page, api: dict, f: Formats) -> None:
    for c in api["mailings"]:
        m, s, t = c["mailing"], c["stages"], c["transitions"]
        key = f"compare.{m['mailing_id']}"
        link = page.locator(f"[data-key='{key}.name']")
        assert link.get_attribute("href") == f"/mailings/{m['mailing_id']}"
        assert link.inner_text() == m["name"]
        for stage in ("sent", "delivered", "clicked", "ordered"):
            assert text(page, f"{key}.{stage}") == flat(f.integer(s[stage]))
        assert text(page, f"{key}.delivered_share") == flat(f.percent(t["delivered"]))
        assert text(page, f"{key}.conversion") == flat(f.percent(t["conversion"]))
        click_rate = 100 * s["clicked"] / s["delivered"]
        assert text(page, f"{key}.click_rate") == flat(f.percent(click_rate))
        assert text(page, f"{key}.revenue") == flat(f.amount(c["revenue"]))
        assert text(page, f"{key}.revenue_per_recipient") == flat(
            f.amount(c["revenue_per_recipient"]))
        assert text(page, f"{key}.sent_at") == flat(f.moment(m["sent_at"]))
        if m["channel"] == "email":
            assert text(page, f"{key}.open_rate") == flat(f.percent(t["opened"]))
            peak = max(range(24), key=lambda h: c["open_hours"]["percent"][h])
            assert text(page, f"{key}.open_hours.{peak}") == flat(
                f.percent(c["open_hours"]["percent"][peak]))
        else:
            assert page.locator(f"[data-key^='{key}.open_hours.']").count() == 0


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_compare_page_shows_the_apis_figures(site, page, language):
    f = Formats(language)
    ids = chosen(site)
    ready(page, f"{site.url}/compare?ids={','.join(ids)}&lang={language}")
    assert page.locator("main").get_attribute("data-state") == "ready"
    check_figures(page, compared(site, ids), f)
    # one chart of the funnels, one of the open-hour profiles (email mailings only)
    assert page.locator("#funnel canvas").count() == 1
    assert page.locator("#open_hours canvas").count() == 1
    if language == "ru":
        assert page.locator("h1").inner_text() == "Сравнение рассылок"
        assert page.locator(f"[data-key='compare.{ids[2]}.open_rate']").inner_text() == "н/д"
        assert "У 1 рассылки нет открытий" in page.locator("#open_hours").inner_text()
        api = compared(site, ids)
        names = [c["mailing"]["name"] for c in api["mailings"]]
        assert english_words(page, data_words(*names)) == []


def test_the_choice_and_the_period_stay_in_the_url(site, page):
    ids = chosen(site)[:2]
    ready(page, f"{site.url}/compare?ids={','.join(ids)}")
    sent = compared(site, ids)["mailings"][0]["mailing"]["sent_at"][:10]
    y, mo, d = sent.split("-")
    page.locator("#period-from").fill(f"{d}/{mo}/{y}")
    page.evaluate("document.querySelector('main').dataset.state = 'stale'")
    page.get_by_role("button", name="Apply").click()
    ready(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["ids"] == [",".join(ids)] and query["from"] == [sent]
    api = compared(site, ids, **{"from": sent})
    assert api["period"]["from"] == sent
    check_figures(page, api, Formats("en"))
    page.reload()
    ready(page)
    assert page.locator("#period-from").input_value() == f"{d}/{mo}/{y}"
    check_figures(page, api, Formats("en"))


def test_too_few_mailings_ask_for_a_choice(site, page):
    ready(page, f"{site.url}/compare?ids={chosen(site)[0]}")
    assert "Choose 2 to 4 mailings" in page.locator("#report-status").inner_text()
    assert page.locator("#figures").is_hidden()


def test_the_list_compares_two_to_four_mailings(site, page):
    ready(page, site.url + "/")
    button = page.locator("#compare-btn")
    assert button.is_disabled() and button.inner_text() == "Compare (0)"
    boxes = page.locator("#mailings-panel input[data-pick]:not([disabled])")
    assert boxes.count() >= 5, "the demo has five sent email mailings"
    boxes.nth(0).check()
    assert button.is_disabled()
    boxes.nth(1).check()
    assert button.is_enabled() and button.inner_text() == "Compare (2)"
    for i in (2, 3):
        boxes.nth(i).check()
    assert button.is_enabled()
    boxes.nth(4).check()
    assert button.is_disabled() and button.inner_text() == "Compare (5)"
    assert "at most 4" in page.locator("#compare-hint").inner_text()
    boxes.nth(4).uncheck()
    assert button.is_enabled()
    ids = [boxes.nth(i).get_attribute("data-pick") for i in range(4)]
    button.click()
    page.wait_for_url("**/compare?ids=*")
    ready(page)
    assert parse_qs(urlparse(page.url).query)["ids"] == [",".join(ids)]
    assert page.locator("#figures thead a").all_inner_texts() == [
        c["mailing"]["name"] for c in compared(site, ids)["mailings"]]


def test_the_list_keeps_its_choice_across_tabs_and_in_russian(site, page):
    ready(page, site.url + "/?lang=ru")
    button = page.locator("#compare-btn")
    assert button.inner_text() == "Сравнить (0)"
    page.locator("#mailings-panel input[data-pick]:not([disabled])").first.check()
    page.evaluate("document.querySelector('main').dataset.state = 'stale'")
    page.locator("#tab-sms").click()
    ready(page)
    page.locator("#mailings-panel input[data-pick]:not([disabled])").first.check()
    assert button.is_enabled() and button.inner_text() == "Сравнить (2)"


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["1280", "390"])
def test_the_compare_page_fits_the_screen(site, page, width):
    page.set_viewport_size(width)
    ready(page, f"{site.url}/compare?ids={','.join(chosen(site))}&lang=ru")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the compare page scrolls sideways by {overflow}px"
    screenshot(page, f"compare-ru-{width['width']}")
    ready(page, f"{site.url}/?lang=ru")
    page.locator("#mailings-panel input[data-pick]:not([disabled])").first.check()
    screenshot(page, f"list-compare-ru-{width['width']}")


def test_the_compare_page_links_its_pdf(site, page):
    """The page's PDF link asks the API for the same mailings, period and language."""
    rows = [m for m in site.get("/api/v1/mailings", channel="email", status="sent")][:2]
    ids = [m["mailing_id"] for m in rows]
    ready(page, f"{site.url}/compare?ids={','.join(ids)}&from=2026-06-01&lang=ru")
    href = page.locator("#pdf-link").get_attribute("href")
    assert href.startswith("/api/v1/compare/report.pdf?")
    assert all(f"mailing_id={i}" in href for i in ids)
    assert "from=2026-06-01" in href and "lang=ru" in href
