"""The report in a browser over the small demo: a funnel that narrows, periods that
read right (validation, presets, errors kept off the report, denominators outside the
period), and the efficiency chart's view kept in the URL."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from harness import (  # noqa: F401 - fixtures
    ENGLISH,
    PHONE,
    browser,
    busiest_sent,
    fmt_int,
    fmt_pct,
    page,
    ready,
    reload_done,
    screenshot,
    section_done,
    site,
    text,
)

pytestmark = pytest.mark.browser

FUNNEL = {"email": ["sent", "delivered", "opened", "clicked", "ordered_after_click"],
          "sms": ["sent", "delivered", "clicked", "ordered_after_click"]}


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def funnel(page) -> list[str]:
    return page.locator("#efficiency .funnel-step").evaluate_all(
        "ns => ns.map(n => n.dataset.stage)")


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_funnel_narrows_and_buyers_stand_beside_it(site, page, channel):
    mid = busiest_sent(site, channel)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    e = site.get(f"/api/v1/mailings/{mid}/report")["efficiency"]
    assert funnel(page) == FUNNEL[channel]
    shown = [int(text(page, f"efficiency.stages.{s}").replace(",", "")) for s in FUNNEL[channel]]
    assert shown == [e["stages"][s] for s in FUNNEL[channel]]
    assert all(b <= a for a, b in zip(shown, shown[1:], strict=False)), shown
    for stage in FUNNEL[channel][1:]:
        assert text(page, f"efficiency.transitions.{stage}") == fmt_pct(e["transitions"][stage])
    # all attributed buyers: beside the funnel, not in it, with conversion of delivered
    buyers = page.locator("#efficiency .buyers-figure")
    assert "All attributed buyers" in buyers.inner_text()
    assert "not a step of the funnel" in buyers.inner_text()
    assert page.locator("#efficiency .funnel [data-key='efficiency.stages.ordered']").count() == 0
    assert text(page, "efficiency.stages.ordered") == fmt_int(e["stages"]["ordered"])
    assert text(page, "efficiency.transitions.conversion") == fmt_pct(
        e["transitions"]["conversion"])


# -- periods --------------------------------------------------------------------------


def sent_day(page, mailing: dict) -> dt.date:
    """The send day in the company's time zone, as the page counts periods."""
    zone = page.evaluate("document.body.dataset.companyTimezone") or "UTC"
    sent = dt.datetime.fromisoformat(mailing["sent_at"]).replace(tzinfo=dt.UTC)
    return sent.astimezone(ZoneInfo(zone)).date()


def on_the_send_day(site, page) -> tuple[dict, str]:
    """The A/B/C email mailing's report for its send day alone: the mailing, the day."""
    m = busiest_sent(site, "email", min_variants=3)
    mid = m["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    day = sent_day(page, m).isoformat()
    reload_done(page, lambda: page.goto(f"{site.url}/mailings/{mid}?from={day}&to={day}"))
    return m, day


def report_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/api/" in r.url else None)
    return seen


def efficiency_top(page) -> str:
    return " ".join(page.locator("#efficiency .efficiency-top").inner_text().split())


def test_a_period_without_the_send_day_reads_right(site, page):
    m = busiest_sent(site, "email", min_variants=3)
    mid = m["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    day = sent_day(page, m)
    start, end = (day + dt.timedelta(days=1)).isoformat(), (day + dt.timedelta(days=4)).isoformat()
    ready(page, f"{site.url}/mailings/{mid}?from={start}&to={end}")
    api = site.get(f"/api/v1/mailings/{mid}/report", **{"from": start, "to": end})["efficiency"]
    everything = site.get(f"/api/v1/mailings/{mid}/report")["efficiency"]
    assert api["stages"]["sent"] == 0 and api["stages"]["opened"] > 0  # the case in point
    shown = efficiency_top(page)
    assert "—" not in shown
    # sent and delivered: their all-time counts, said to be so, never "0"
    for stage in ("sent", "delivered"):
        row = page.locator(f"#efficiency .funnel-step[data-stage='{stage}']")
        assert "not in this period" in row.inner_text()
        assert text(page, f"efficiency.all_time.stages.{stage}") == fmt_int(
            everything["stages"][stage])
        assert page.locator(f"[data-key='efficiency.stages.{stage}']").count() == 0
    assert text(page, "efficiency.all_time.transitions.delivered") == fmt_pct(
        everything["transitions"]["delivered"])
    # opened in the period, as a share of all-time delivered
    assert text(page, "efficiency.stages.opened") == fmt_int(api["stages"]["opened"])
    assert text(page, "efficiency.all_time_share.opened") == fmt_pct(
        100 * api["stages"]["opened"] / everything["stages"]["delivered"])
    assert "of all-time delivered" in shown
    for stage in ("clicked", "ordered_after_click"):
        assert text(page, f"efficiency.stages.{stage}") == fmt_int(api["stages"][stage])
    assert text(page, "efficiency.transitions.ordered_after_click") == fmt_pct(
        api["transitions"]["ordered_after_click"])
    assert text(page, "efficiency.all_time_share.conversion") == fmt_pct(
        100 * api["stages"]["ordered"] / everything["stages"]["delivered"])
    # a rate of delivered with no deliveries in the period says so
    assert "No deliveries in this period to compare" in page.locator("#groups").inner_text()
    # the page says what the period covers
    note = text(page, "period.coverage")
    assert "before this period" in note and "all time" in note
    screenshot(page, "period-after-send-day-1280")
    # later still, orders after clicks that came before the period: clicked is the
    # denominator outside the period now
    start, end = (day + dt.timedelta(days=4)).isoformat(), (day + dt.timedelta(days=7)).isoformat()
    reload_done(page, lambda: page.goto(f"{site.url}/mailings/{mid}?from={start}&to={end}"))
    api = site.get(f"/api/v1/mailings/{mid}/report", **{"from": start, "to": end})["efficiency"]
    assert api["stages"]["clicked"] == 0 and api["stages"]["ordered_after_click"] > 0
    assert "—" not in efficiency_top(page)
    clicked = page.locator("#efficiency .funnel-step[data-stage='clicked']").inner_text()
    assert "not in this period" in clicked and "0.00%" not in clicked
    assert text(page, "efficiency.all_time.stages.clicked") == fmt_int(
        everything["stages"]["clicked"])
    assert text(page, "efficiency.all_time_share.ordered_after_click") == fmt_pct(
        100 * api["stages"]["ordered_after_click"] / everything["stages"]["clicked"])
    page.set_viewport_size(PHONE)
    screenshot(page, "period-after-send-day-390")


def test_an_empty_period_has_no_comparisons_of_nothing(site, page):
    m = busiest_sent(site, "email", min_variants=3)
    mid = m["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    day = (sent_day(page, m) + dt.timedelta(days=90)).isoformat()
    reload_done(page, lambda: page.goto(f"{site.url}/mailings/{mid}?from={day}&to={day}"))
    groups = site.get(f"/api/v1/mailings/{mid}/report", **{"from": day, "to": day})["groups"]
    assert not any(g["buyers"] or g["clicked"] for g in groups)
    body = page.locator("#groups").inner_text()
    assert "p = " not in body and "No orders in this period" in body
    assert "—" not in efficiency_top(page)
    assert "none in this period" in efficiency_top(page)


def test_a_reversed_period_is_stopped_in_the_form(site, page):
    m, day = on_the_send_day(site, page)
    before = text(page, "efficiency.stages.opened")
    seen = report_requests(page)
    page.get_by_label("From", exact=True).fill(ENGLISH.day("2026-08-05"))
    page.get_by_label("To", exact=True).fill(ENGLISH.day("2026-08-01"))
    page.get_by_role("button", name="Apply").click()
    message = page.locator("#period-message")
    assert "is after" in message.inner_text() and message.is_visible()
    # so is a period that ends before the send day
    page.get_by_label("From", exact=True).fill(ENGLISH.day("2020-01-01"))
    page.get_by_label("To", exact=True).fill(ENGLISH.day("2020-01-31"))
    page.get_by_role("button", name="Apply").click()
    assert "was sent on" in message.inner_text()
    page.wait_for_timeout(300)
    assert seen == []
    assert query(page) == {"from": day, "to": day}
    assert text(page, "efficiency.stages.opened") == before


def test_a_server_error_is_kept_off_the_report(site, page):
    m, day = on_the_send_day(site, page)
    before = text(page, "efficiency.stages.opened")
    chip = text(page, "period")
    page.route("**/report?*", lambda route: route.fulfill(
        status=422, content_type="application/problem+json",
        body='{"title": "Unprocessable Content", "status": 422, "detail": "the period is '
             'longer than the server allows"}'))
    later = (sent_day(page, m) + dt.timedelta(days=3)).isoformat()
    page.get_by_label("To", exact=True).fill(ENGLISH.day(later))
    reload_done(page, lambda: page.get_by_role("button", name="Apply").click())
    alert = page.locator("#report-status [role='alert']").inner_text()
    assert "could not be shown" in alert and "longer than the server allows" in alert
    assert f"still for {ENGLISH.day(day)} – {ENGLISH.day(day)}" in alert
    assert "(422)" not in alert and "Unprocessable" not in alert
    # the report and its period stay, in the page, the form and the URL
    assert text(page, "efficiency.stages.opened") == before
    assert text(page, "period") == chip
    assert page.locator("#efficiency").is_visible()
    assert query(page) == {"from": day, "to": day}
    assert page.get_by_label("To", exact=True).input_value() == ENGLISH.day(day)


def test_a_preset_sets_the_url_and_shows_the_api_numbers(site, page):
    m = busiest_sent(site, "sms")
    mid = m["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    day = sent_day(page, m)
    presets = page.locator("#period-presets button").all_inner_texts()
    assert presets == ["Since sending", "First 24 h", "7 days", "30 days"]
    reload_done(page, lambda: page.locator("#period-presets").get_by_role(
        "button", name="7 days").click())
    start, end = day.isoformat(), (day + dt.timedelta(days=6)).isoformat()
    assert query(page) == {"from": start, "to": end}
    assert page.locator("#period-presets button[aria-pressed='true']").inner_text() == "7 days"
    api = site.get(f"/api/v1/mailings/{mid}/report", **{"from": start, "to": end})
    assert api["efficiency"] != site.get(f"/api/v1/mailings/{mid}/report")["efficiency"]
    for stage in FUNNEL["sms"]:
        assert text(page, f"efficiency.stages.{stage}") == fmt_int(
            api["efficiency"]["stages"][stage])
    assert text(page, "efficiency.stages.ordered") == fmt_int(
        api["efficiency"]["stages"]["ordered"])
    assert text(page, "orders.orders") == fmt_int(api["orders"]["orders"])
    reload_done(page, lambda: page.locator("#period-presets").get_by_role(
        "button", name="First 24 h").click())
    assert query(page) == {"from": start, "to": (day + dt.timedelta(days=1)).isoformat()}


# -- activity over time ---------------------------------------------------------------


def test_the_activity_view_is_kept_in_the_url(site, page):
    m = busiest_sent(site, "email", min_variants=3)
    mid = m["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    days = site.get(f"/api/v1/mailings/{mid}/report")["efficiency"]["daily"]
    seen = report_requests(page)
    page.locator("#efficiency button[data-view='cumulative']").click()
    assert query(page) == {"activity": "cumulative"}
    assert seen == []  # the same numbers, drawn again
    assert page.locator("#efficiency button[data-view='cumulative']").get_attribute(
        "aria-pressed") == "true"
    # each stage's running total as a share of its total: the send day is no spike
    for stage in ("delivered", "opened", "clicked", "ordered"):
        total, running = sum(d[stage] for d in days), 0
        for d in days:
            running += d[stage]
            assert text(page, f"efficiency.cumulative.{d['date']}.{stage}") == fmt_pct(
                100 * running / total), (stage, d["date"])
    # a reload (or a shared link) keeps the view, and the period beside it
    day = sent_day(page, m).isoformat()
    reload_done(page, lambda: page.goto(f"{site.url}/mailings/{mid}?from={day}"
                                        "&activity=cumulative"))
    assert query(page) == {"from": day, "activity": "cumulative"}
    assert page.locator("#efficiency h3", has_text="Cumulative share").count() == 1
    screenshot(page, "activity-cumulative-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "activity-cumulative-390")
    page.locator("#efficiency button[data-view='daily']").click()
    assert query(page) == {"from": day}
    assert page.locator("#efficiency h3", has_text="By day").count() == 1
