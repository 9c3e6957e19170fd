"""The mailing report and the campaign report in Russian and in English, at a desk's
width and a phone's: figures as the language writes them (compared with the API's
JSON through Babel's formats), Russian headings, and no English words left on a
Russian page's headings, labels, buttons and table headings."""

# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    WIDE,
    browser,
    busiest_sent,
    page,
    ready,
    screenshot,
    site,
    text,
)

from mailreport.glossary import TERMS
from mailreport.i18n.catalogs import translations
from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser

RUSSIAN = Formats("ru")
ENGLISH = Formats("en")

# Words a Russian page may show in Latin letters: the product's name, channels,
# file formats, and data (mailing ids, providers, domains, clients, time zones).
ALLOWED = {"mailreport", "email", "sms", "push", "csv", "xlsx", "pdf", "api", "echarts",
           "utc", "excel", "url", "ctr", "aov"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")

# The visible text of the chrome of a page (headings, labels, buttons, column headings),
# without what is translated elsewhere: glossary terms (data-term: the glossary
# catalog) and util.js's CSV buttons and card-terms box (the shared pages' catalog,
# still English on main: to be dropped from here once util.js is marked), and without data
# (links of the email, the options of a select: variants, groups).
VISIBLE_TEXT = """(selector) => [...document.querySelectorAll(selector)]
  .filter((n) => n.getClientRects().length
    && !n.closest('[hidden], .csv-bar, .card-terms, [data-term]'))
  .map((n) => {
    const copy = n.cloneNode(true);
    copy.querySelectorAll('[data-term], .url, select, .link-cell').forEach((c) => c.remove());
    return copy.textContent.trim();
  }).filter(Boolean)"""


def flat(value: str) -> str:
    """Spaces of any kind as one (text() does the same to the page's)."""
    return " ".join(value.split())


def english_words(page, data: set[str]) -> list[str]:
    """The Latin words of a page's headings, labels, buttons and table headings that
    are neither allowed tokens nor data the API gave."""
    found = []
    texts = page.evaluate(VISIBLE_TEXT,
                          "h1,h2,h3,thead th,tfoot th,button,label,legend,caption,summary")
    texts += page.evaluate("""() => [...document.querySelectorAll('[aria-label],[placeholder]')]
      .filter((n) => !n.closest('[hidden], .csv-bar, .card-terms, [data-term]')
        && !n.matches('abbr'))
      .map((n) => n.getAttribute('placeholder') || n.getAttribute('aria-label'))""")
    for line in texts:
        for word in LATIN_WORD.findall(line):
            if word.lower() in ALLOWED or word in data or "/" in word:
                continue
            found.append(f"{word!r} in {line!r}")
    return found


def data_words(*values) -> set[str]:
    """Latin words that come from the data (names, regions, clients, zones), and the
    words of glossary names the glossary catalog does not translate yet (its own
    catalog's business, checked by `manage check`, not this page's)."""
    glossary = translations("ru", "glossary").gettext
    untranslated = [t.name for t in TERMS if glossary(t.name) == t.name]
    return {word for v in [*values, *untranslated] for word in LATIN_WORD.findall(str(v))}


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_mailing_report_speaks_the_readers_language(site, page, language, width):
    f = RUSSIAN if language == "ru" else ENGLISH
    m = busiest_sent(site, "email", control=True, min_variants=2)
    mid = m["mailing_id"]
    page.set_viewport_size(width)
    ready(page, f"{site.url}/mailings/{mid}?lang={language}")
    assert page.evaluate("document.documentElement.lang") == language
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert text(page, "headline.revenue") == flat(f.money(api["orders"]["revenue"], whole=True))
    exact = page.locator("[data-key='headline.revenue'] [title]").get_attribute("title")
    assert flat(exact) == flat(f.money(api["orders"]["revenue"]))
    assert text(page, "headline.conversion") == flat(
        f.percent(api["efficiency"]["transitions"]["conversion"]))
    assert text(page, "headline.revenue_per_recipient") == flat(
        f.money(api["headline"]["revenue_per_recipient"]))
    assert text(page, "efficiency.transitions.opened") == flat(
        f.percent(api["efficiency"]["transitions"]["opened"]))
    assert text(page, "open_hours.peak").endswith(":00")
    # a day of the orders table, as the language writes a date
    first = api["orders"]["daily"][0]["date"]
    days = page.locator("#orders details.numbers tbody th").all_text_contents()
    assert days[0] == f.day(first)
    if language == "ru":
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", days[0])
        headings = page.locator("#report h2").all_inner_texts()
        for heading in ("Объём рассылки", "Эффективность рассылки", "Доставляемость",
                        "Продажи товаров", "Тепловая карта кликов", "Устройства и клиенты",
                        "Регионы"):
            assert heading in headings
        assert page.locator("#period-from").get_attribute("placeholder") == "дд.мм.гггг"
        assert page.get_by_role("button", name="Применить").is_visible()
        assert "п. п." in page.locator("#groups").inner_text()
        data = data_words(m["name"], m.get("category"), *(
            r["region"] for r in api["regions"]["rows"]), *(
            r["name"] for kind in ("opened", "clicked") for dim in ("device", "client", "os")
            for r in api["devices"][kind].get(dim, [])), *(
            r["domain"] for r in (api.get("deliverability") or {}).get("domains", [])),
            *(r["category"] for r in api["product_sales"]["rows"]),
            *api["product_sales"].get("units_of_measure", []), api["open_hours"]["timezone"])
        assert english_words(page, data) == []
    else:
        assert page.locator("#period-from").get_attribute("placeholder") == "dd/mm/yyyy"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the report scrolls sideways by {overflow}px"
    screenshot(page, f"report-{language}-{width['width']}")


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_campaign_report_speaks_the_readers_language(site, page, language, width):
    f = RUSSIAN if language == "ru" else ENGLISH
    campaign = max(site.get("/api/v1/campaigns"), key=lambda c: c["mailings"])
    cid = campaign["campaign_id"]
    page.set_viewport_size(width)
    ready(page, f"{site.url}/campaigns/{cid}?lang={language}")
    api = site.get(f"/api/v1/campaigns/{cid}/report")
    assert text(page, "headline.revenue") == flat(f.money(api["funnel"]["revenue"], whole=True))
    assert text(page, "headline.conversion") == flat(f.percent(api["funnel"]["conversion"]))
    if language == "ru":
        assert page.locator("h2#mailings-h").inner_text() == "Рассылки"
        data = data_words(api["campaign"]["name"], *(m["name"] for m in api["mailings"]), *(
            r["region"] for r in api["regions"]["rows"]), *(
            r["name"] for kind in ("opened", "clicked") for dim in ("device", "client", "os")
            for r in api["devices"][kind].get(dim, [])),
            *(r["category"] for r in api["product_sales"]["rows"]),
            *api["product_sales"].get("units_of_measure", []), api["open_hours"]["timezone"])
        assert english_words(page, data) == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the campaign report scrolls sideways by {overflow}px"
    screenshot(page, f"campaign-report-{language}-{width['width']}")


def test_the_period_fields_take_the_locales_dates(site, page):
    m = busiest_sent(site, "email")
    ready(page, f"{site.url}/mailings/{m['mailing_id']}?lang=ru")
    start = page.locator("#period-from")
    start.fill("2026-07-01")  # not how a Russian reader writes a date
    page.get_by_role("button", name="Применить").click()
    message = page.locator("#period-message")
    assert message.is_visible() and "«С»" in message.inner_text()
    assert "дд.мм.гггг" in message.inner_text()
    assert start.get_attribute("aria-invalid") == "true"
    start.fill("31.02.2026")  # no such day
    page.get_by_role("button", name="Применить").click()
    assert "не дата" in message.inner_text()
    page.locator("#period-to").fill("")
    start.fill("01.07.2026")
    page.evaluate("document.querySelector('main').dataset.state = 'stale'")
    page.get_by_role("button", name="Применить").click()
    ready(page)
    assert "from=2026-07-01" in page.url
    assert start.input_value() == "01.07.2026"

