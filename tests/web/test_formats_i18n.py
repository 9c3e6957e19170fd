"""The page scripts format as the server does: the same CLDR data through Babel
(i18n/client.py) behind util.js, checked value by value in Chromium against
mailreport.i18n.formats in both languages."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import pytest
from harness import browser, page, ready, site  # noqa: F401 - fixtures

from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser

VALUES = [0, 1, 7, 999, 1000, 1285, 11290435, 1234567890, -1500, "0.5", "22.45", "22.55",
          "0.05", "99.95", "11290435.22", "1234.5", "-42.125", 3.14159, 1e-7, 0.015]
DAYS = ["2026-07-01", "2026-01-31", "2026-12-09", "2027-05-02"]
MOMENTS = ["2026-07-01T07:00:00", "2026-12-31T21:30:00", "2026-03-29T00:59:59Z"]

FORMATTED = """async ([values, days, moments, zone]) => {
  const f = await import('/static/js/i18n.js');
  return {
    integer: values.map((v) => f.fmtInt(v)),
    number: values.map((v) => f.fmtNumber(v)),
    amount: values.map((v) => f.fmtMoney(v)),
    money: values.map((v) => f.fmtCurrency(v)),
    whole: values.map((v) => f.fmtCurrency(v, { whole: true })),
    percent: values.map((v) => f.fmtPct(v)),
    signed: values.map((v) => f.fmtSigned(v)),
    compact: values.filter((v) => Math.abs(Number(v)) >= 1000).map((v) => f.fmtCompact(v)),
    compact_money: values.filter((v) => Math.abs(Number(v)) >= 1000)
      .map((v) => f.fmtCompactMoney(v)),
    day: days.map((d) => f.fmtDay(d)),
    long_day: days.map((d) => f.fmtLongDay(d)),
    moment: moments.map((m) => f.fmtDateTime(m, zone)),
  };
}"""


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_page_writes_figures_as_babel_does(site, page, language):
    ready(page, f"{site.url}/campaigns?lang={language}")
    assert page.evaluate("document.documentElement.lang") == language
    zone = "Europe/Moscow"
    shown = page.evaluate(FORMATTED, [VALUES, DAYS, MOMENTS, zone])
    f = Formats(language, "RUB", zone)
    expected = {
        "integer": [f.integer(v) for v in VALUES],
        "number": [f.number(v) for v in VALUES],
        "amount": [f.amount(v) for v in VALUES],
        "money": [f.money(v) for v in VALUES],
        "whole": [f.money(v, whole=True) for v in VALUES],
        "percent": [f.percent(v) for v in VALUES],
        "signed": [f.signed(v) for v in VALUES],
        "compact": [f.compact(v) for v in VALUES if abs(float(v)) >= 1000],
        "compact_money": [f.compact_money(v) for v in VALUES if abs(float(v)) >= 1000],
        "day": [f.day(d) for d in DAYS],
        "long_day": [f.long_day(d) for d in DAYS],
        "moment": [f.moment(m) for m in MOMENTS],
    }
    for key, want in expected.items():
        assert shown[key] == want, key


def test_the_switcher_keeps_the_choice_and_the_page_state(site, page):
    ready(page, f"{site.url}/?lang=ru&channel=sms")
    assert page.evaluate("document.documentElement.lang") == "ru"
    english = page.locator("nav.languages a[data-lang='en']")
    assert "channel=sms" in english.get_attribute("href")  # the page's state goes along
    english.click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    # kept in a cookie: the next page, asked without ?lang=, is English too
    ready(page, f"{site.url}/campaigns")
    assert page.evaluate("document.documentElement.lang") == "en"
    ready(page, f"{site.url}/campaigns?lang=ru")
    assert page.locator("nav[aria-label] a[href='/']").first.inner_text() == "Массовые рассылки"
