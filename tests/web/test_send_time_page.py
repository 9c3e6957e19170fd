"""Send-time advice under a mailing's open-hour chart: the best local hour per
recipient time zone (or region) as the API advises it as of the send day, the
interval and the observations behind it, low confidence with its reasons in the
reader's language, and the sentence saying when most recipients' zones have another
advised hour than the one the mailing went out at."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

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

from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser
TOP = 8
REASONS = {
    "en": {"few_observations": "fewer than 1,000 delivered at that hour",
           "overlaps_next_best": "the next best hour may be as good"},
    "ru": {"few_observations": "в этот час доставлено меньше 1 000",
           "overlaps_next_best": "следующий по результату час может быть не хуже"},
}


def flat(value: str) -> str:
    return " ".join(value.split())


def advice_ready(page) -> None:
    page.wait_for_selector("#send-time[data-state='ready'], #send-time[data-state='error']")
    assert page.locator("#send-time").get_attribute("data-state") == "ready"


def sent_utc(mailing: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(mailing["sent_at"]).replace(tzinfo=dt.UTC)


def advice(site, page, mailing: dict, by: str) -> dict:
    """The API's advice as the page asks for it: as of the send day, company time."""
    zone = ZoneInfo(page.evaluate("document.body.dataset.companyTimezone") or "UTC")
    day = sent_utc(mailing).astimezone(zone).date().isoformat()
    return site.get("/api/v1/send-time-advice", channel="email", by=by, as_of=day)


def check_rows(page, result: dict, f: Formats, language: str) -> None:
    rows = result["advice"][:TOP]
    assert rows, "the demo has a sending history"
    assert page.locator("#send-time tbody tr").count() == len(rows)
    for a in rows:
        key = f"send_time.{result['by']}.{a['key']}"
        best = a["best"]
        assert text(page, f"{key}.hour") == f"{best['hour']:02d}:00"
        low, high = flat(f.percent(best["ci_low"])), flat(f.percent(best["ci_high"]))
        joined = f"({low} to {high})" if language == "en" else f"(от {low} до {high})"
        assert text(page, f"{key}.rate") == f"{flat(f.percent(best['rate']))} {joined}"
        assert text(page, f"{key}.delivered") == flat(f.integer(best["delivered"]))
        shown = text(page, f"{key}.confidence")
        if a["low_confidence"]:
            assert shown.startswith("Low confidence" if language == "en" else "Низкая уверенность")
            for why in a["why_low"]:
                assert flat(REASONS[language][why]) in shown
        else:
            assert shown == ("Confident" if language == "en" else "Уверенно")


def off_hour_share(result: dict, mailing: dict) -> tuple[float, list[str]]:
    """The share of delivered (over zones with advice) whose advised hour is not the
    mailing's local sending hour there, and those zones, largest first."""
    sent = sent_utc(mailing)
    weighed = [a for a in result["advice"] if a["best"]]
    total = sum(a["delivered"] for a in weighed)
    off = [a for a in weighed if sent.astimezone(ZoneInfo(a["key"])).hour != a["best"]["hour"]]
    return 100 * sum(a["delivered"] for a in off) / total, [a["key"] for a in off]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_advice_shows_the_apis_best_hours(site, page, language):
    f = Formats(language)
    m = busiest_sent(site, "email")
    ready(page, f"{site.url}/mailings/{m['mailing_id']}?lang={language}")
    advice_ready(page)
    zones = advice(site, page, m, "zone")
    check_rows(page, zones, f, language)
    share, off = off_hour_share(zones, m)
    sentence = page.locator("[data-key='send_time.off_hour']")
    if share > 50:
        said = flat(sentence.inner_text())
        assert flat(f.percent(share, 0)) in said
        assert off[0] in said
        expected = "another hour is advised" if language == "en" else "лучше другое время"
        assert expected in said
    else:
        assert sentence.count() == 0
    if language == "ru":
        # the section's headings, buttons, captions, column heads and sentences
        said = page.locator("#send-time").evaluate("""(n) => [...n.querySelectorAll(
            'h3, button, caption, thead th, p, .verdict, .low-confidence')]
            .map((x) => x.textContent)""")
        data = {a["key"] for a in zones["advice"]} | {"UTC", "email"}
        latin = [w for line in said for w in re.findall(r"[A-Za-z][A-Za-z/_]{2,}", line)
                 if w not in data]
        assert latin == [], latin
        heads = page.locator("#send-time thead").text_content()
        assert "Лучший час" in heads and "Ожидаемая открываемость" in heads
    note = text(page, "send_time.method")
    assert flat(f.day(zones["date_from"])) in note and flat(f.day(zones["date_to"])) in note


def test_the_advice_switches_to_regions_and_keeps_it_in_the_url(site, page):
    m = busiest_sent(site, "email")
    ready(page, f"{site.url}/mailings/{m['mailing_id']}")
    advice_ready(page)
    page.evaluate("document.getElementById('send-time').dataset.state = 'stale'")
    page.locator("#send-time button[data-by='region']").click()
    advice_ready(page)
    assert parse_qs(urlparse(page.url).query)["advice"] == ["region"]
    assert page.locator("#send-time button[data-by='region']").get_attribute(
        "aria-pressed") == "true"
    check_rows(page, advice(site, page, m, "region"), Formats("en"), "en")
    page.reload()
    ready(page)
    advice_ready(page)
    check_rows(page, advice(site, page, m, "region"), Formats("en"), "en")


def test_an_sms_report_has_no_send_time_advice(site, page):
    m = busiest_sent(site, "sms")
    ready(page, f"{site.url}/mailings/{m['mailing_id']}")
    assert page.locator("#send-time").inner_text() == ""


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["1280", "390"])
def test_the_advice_fits_the_screen(site, page, width):
    m = busiest_sent(site, "email")
    page.set_viewport_size(width)
    ready(page, f"{site.url}/mailings/{m['mailing_id']}?lang=ru")
    advice_ready(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the report scrolls sideways by {overflow}px"
    path = screenshot(page, f"send-time-ru-{width['width']}")
    page.locator("#open_hours").screenshot(
        path=str(path.with_name(f"send-time-section-ru-{width['width']}.png")))
