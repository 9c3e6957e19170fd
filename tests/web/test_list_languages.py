"""The mailing list, the campaign list and the customer list in Russian and in
English, on a desk and on a phone: every figure as the page's language writes it
(CLDR through mailreport.i18n.formats, the oracle), the words in that language, the
date filters typed as the language writes a day, and the language switcher keeping
the page's filters."""

# ruff: noqa: F811

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    WIDE,
    browser,
    busiest_sent,
    ready,
    reload_done,
    screenshot,
    site,
    watched,
)

from mailreport.glossary import GLOSSARY
from mailreport.i18n.catalogs import translations
from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser

WIDTHS = {"wide": WIDE, "phone": PHONE}
# Latin words a Russian page may show: the product, channel and format names, codes.
ALLOWED = {"mailreport", "email", "sms", "push", "csv", "xlsx", "pdf", "api", "echarts",
           "excel", "utf", "rub", "id"}
# What people read as the page's words (not the data in the rows).
WORDS = "h1, h2, th, button, a.btn, label, option, summary, caption, legend, .empty"


def open_page(browser, site, path: str, language: str, size: str):
    context = browser.new_context(viewport=WIDTHS[size], locale="en-US")
    sep = "&" if "?" in path else "?"
    return watched(context), f"{site.url}{path}{sep}lang={language}"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def formats(page, language: str) -> Formats:
    zone = page.evaluate("document.body.dataset.companyTimezone") or "UTC"
    return Formats(language, timezone=zone)


def plural(language: str, singular: str, plural_: str, n: int, **values) -> str:
    """A count's words as the pages' catalog gives them, the count as CLDR writes it."""
    return translations(language, "pages").ngettext(singular, plural_, n).format(
        n=Formats(language).integer(n), **values)


def english_left(page, data: list[str]) -> list[str]:
    """Latin words in the page's visible words, but for data values (names and ids of
    mailings and campaigns), the glossary's names (the glossary's own catalog) and
    the allowed product and format names."""
    texts = page.eval_on_selector_all(WORDS, """nodes => nodes
        .filter(n => n.offsetParent !== null || n.tagName === "OPTION")
        .filter(n => !n.closest("#period-form"))
        .flatMap(n => {  // each text node apart: a name and its id are two values
          const walker = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
          const out = [];
          while (walker.nextNode()) out.push(walker.currentNode.nodeValue);
          return out;
        })""")
    text = " \n ".join(f"\n{t.strip()}\n" for t in texts)
    for value in sorted(set(data), key=len, reverse=True):
        if value:  # a whole text: a short id must not cut a word in two
            text = re.sub(rf"(?<=\n){re.escape(value)}(?=\n)", " ", text)
    for name in sorted({t.name for t in GLOSSARY.values()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'’]+", text)
    return sorted({w for w in words if w.lower() not in ALLOWED})


def data_values(site) -> list[str]:
    values = []
    for channel in ("email", "sms", "push"):
        for m in site.get("/api/v1/mailings", channel=channel, limit=500):
            values += [m["name"], m["mailing_id"], m.get("category") or ""]
    for c in site.get("/api/v1/campaigns"):
        values += [c["name"], c["campaign_id"]]
    return values


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_mailing_list_speaks_the_language(site, browser, language, size):
    watch, url = open_page(browser, site, "/", language, size)
    with watch as page:
        ready(page, url)
        f = formats(page, language)
        rows = site.get("/api/v1/mailings", channel="email")
        m = next(r for r in rows if r["open_rate"] is not None and r["sent_at"])
        cell = page.locator(f"[data-key='mailings.{m['mailing_id']}.open_rate']")
        assert cell.inner_text().strip() == f.percent(m["open_rate"])
        count = page.locator(f"[data-key='mailings.{m['mailing_id']}.recipients']")
        assert count.text_content().strip() == f.integer(m["recipients"])
        row = page.locator("#mailings-panel tbody tr", has=cell)
        assert f.moment(m["sent_at"]) in row.inner_text()
        big = max(rows, key=lambda r: r["recipients"] or 0)
        if language == "ru" and big["recipients"] >= 1000:
            shown = page.locator(f"[data-key='mailings.{big['mailing_id']}.recipients']")
            assert "\u00a0" in shown.text_content()  # the group separator of Russian
        caption = page.locator("#mailings-panel caption").text_content()
        assert caption.startswith(plural(language, "{n} {channel} mailing",
                                         "{n} {channel} mailings", len(rows),
                                         channel="Email" if language == "ru" else "email"))
        heading = page.locator("h1").inner_text()
        if language == "ru":
            assert heading == "Массовые рассылки"
            assert page.locator("#trend-title").inner_text() == "Динамика"
            assert page.get_by_role("button", name="Сбросить фильтры").count() == 1
            assert english_left(page, data_values(site)) == []
        else:  # the same check finds the English words of an English page
            assert heading == "Mass messages"
            assert {"Status", "Stats"} <= set(english_left(page, data_values(site)))
        screenshot(page, f"list-mailings-{language}-{size}")


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_campaign_list_speaks_the_language(site, browser, language, size):
    watch, url = open_page(browser, site, "/campaigns", language, size)
    with watch as page:
        ready(page, url)
        f = formats(page, language)
        rows = site.get("/api/v1/campaigns")
        assert rows, "the demo has campaigns"
        for c in rows:
            shown = page.locator(f"[data-key='campaigns.{c['campaign_id']}.mailings']")
            assert shown.text_content().strip() == f.integer(c["mailings"])
        caption = page.locator("#campaigns-panel caption").text_content()
        assert caption == plural(language, "{n} campaign", "{n} campaigns", len(rows))
        if language == "ru":
            assert page.locator("h1").inner_text() == "Кампании"
            assert page.locator("#campaigns-panel a.btn").first.inner_text() == "Отчёт"
            assert english_left(page, data_values(site)) == []
        else:
            assert {"Campaigns", "Report"} <= set(english_left(page, data_values(site)))
        screenshot(page, f"list-campaigns-{language}-{size}")


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_customer_list_speaks_the_language(site, browser, language, size):
    mailing = busiest_sent(site, "email")
    path = f"/mailings/{mailing['mailing_id']}/customers"
    watch, url = open_page(browser, site, path, language, size)
    with watch as page:
        ready(page, url)
        f = formats(page, language)
        api = site.get(f"/api/v1{path}", stage="sent")
        m = api["metrics"]
        assert page.locator("[data-key='metrics.customers']").text_content() == \
            f.integer(m["customers"])
        assert page.locator("[data-key='metrics.share_of_audience']").text_content() == \
            f.percent(m["share_of_audience"])
        assert page.locator("#table-h").text_content() == plural(
            language, "{n} customer", "{n} customers", api["total"])
        first = api["rows"][0]
        row = page.locator(f"#customer-table tr[data-customer='{first['customer_id']}']")
        assert f.moment(first["reached_at"]) in row.inner_text()
        page.click("#export-open")
        checked = page.locator("#export-form input[name=format]:checked")
        assert checked.get_attribute("value") == "xlsx"
        href = page.get_attribute("#export-download", "href")
        assert query(href)["format"] == "xlsx"
        assert query(href)["headers"] == "human" and query(href)["lang"] == language
        if language == "ru":
            assert page.locator("#export-h").inner_text() == "Выгрузить в файл"
            assert page.locator("#export-form").get_by_text("Excel (русский)").count() == 1
            fields = [field["name"] for e in site.get("/api/v1/exports/entities")
                      for field in e["fields"]] + [e["name"].replace("_", " ") for e in
                                                   site.get("/api/v1/exports/entities")]
            assert english_left(page, [*data_values(site), *fields,
                                       *(r["customer_id"] for r in api["rows"])]) == []
        else:
            assert "Cancel" in english_left(page, data_values(site))
        screenshot(page, f"list-customers-export-{language}-{size}")
        page.click("#export-cancel")
        screenshot(page, f"list-customers-{language}-{size}")


def test_the_language_switcher_keeps_the_filters(site, browser):
    watch, url = open_page(browser, site, "/?status=sent&sort=revenue&order=asc", "en", "wide")
    with watch as page:
        ready(page, url)
        assert page.locator("h1").inner_text() == "Mass messages"
        reload_done(page, lambda: page.click("nav.languages a[data-lang='ru']"))
        assert query(page.url) == {"status": "sent", "sort": "revenue", "order": "asc",
                                   "lang": "ru"}
        assert page.locator("h1").inner_text() == "Массовые рассылки"
        assert page.locator("#f-status").input_value() == "sent"
        assert page.locator("#f-sort").input_value() == "revenue"
        # the choice is kept for the next page, without ?lang=
        ready(page, site.url + "/campaigns")
        assert page.locator("h1").inner_text() == "Кампании"


@pytest.mark.parametrize("language, typed, pattern", [("ru", "01.07.2026", "ДД.ММ.ГГГГ"),
                                                      ("en", "01/07/2026", "DD/MM/YYYY")])
def test_the_date_filters_read_the_languages_days(site, browser, language, typed, pattern):
    watch, url = open_page(browser, site, "/", language, "wide")
    with watch as page:
        ready(page, url)
        field = page.locator("#f-sent-from")
        assert field.get_attribute("type") == "text"
        assert field.get_attribute("placeholder") == pattern
        reload_done(page, lambda: (field.fill(typed), field.dispatch_event("change")))
        assert query(page.url)["sent_from"] == "2026-07-01"
        assert field.input_value() == typed
        assert site.get("/api/v1/mailings", channel="email", sent_from="2026-07-01") \
            or page.locator(".empty").count() == 1
        # an American day, or none: refused in a sentence, the filter unchanged
        for wrong in ("07/31/2026", "31.02.2026", "2026-07-01"):
            field.fill(wrong)
            field.dispatch_event("change")
            error = page.locator("#f-sent-from-error")
            assert error.is_visible() and pattern in error.inner_text()
            assert field.get_attribute("aria-invalid") == "true"
            assert query(page.url)["sent_from"] == "2026-07-01"
        # a URL's ISO date is shown as the language writes it
        ready(page, site.url + "/?sent_to=2026-07-31")
        assert page.locator("#f-sent-to").input_value() == Formats(language).day("2026-07-31")
