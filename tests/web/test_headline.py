"""The headline strip at the top of a mailing report, and the variants compared
pairwise in the groups report: every figure is the API's."""

# ruff: noqa: F811

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_EVEN, Decimal

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
    screenshot,
    site,
    text,
)

pytestmark = pytest.mark.browser


def flat(value: str) -> str:
    """Spaces of any kind as one, as text() reads the page (CLDR puts no-break ones)."""
    return " ".join(value.split())


def signed_money(v) -> str:
    """headline.js's signedMoney: whole roubles with the currency, and a sign."""
    n = Decimal(str(v))
    sign = ENGLISH.signed(n, 0)[:1]
    return flat(f"{sign if sign in '+−' else ''}{ENGLISH.money(abs(n), whole=True)}")


def signed_count(v) -> str:
    """headline.js's signedCount: to the whole customer, half to even (CLDR's)."""
    n = Decimal(str(v))
    shown = ENGLISH.integer(abs(n).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return shown if shown == "0" else f"{'+' if n > 0 else '−'}{shown}"


def winner_words(rate: dict) -> str:
    return f"variant {rate['winner']}" if rate["winner"] else "no significant winner"


def check_top_figures(page, api: dict) -> None:
    stages = api["efficiency"]["stages"]
    assert text(page, "headline.revenue") == flat(ENGLISH.money(api["orders"]["revenue"],
                                                           whole=True))
    assert text(page, "headline.buyers") == fmt_int(stages["ordered"])
    assert text(page, "headline.conversion") == fmt_pct(api["efficiency"]["transitions"]
                                                        ["conversion"])
    assert stages["delivered"] > 0
    # the API's, which is attributed revenue / delivered (the page computes nothing)
    per_recipient = api["headline"]["revenue_per_recipient"]
    assert Decimal(per_recipient) == (Decimal(api["orders"]["revenue"]) / stages["delivered"]
                                      ).quantize(Decimal("0.01"))
    assert text(page, "headline.revenue_per_recipient") == flat(ENGLISH.money(per_recipient))


def test_the_strip_shows_the_api_figures_with_control_and_variants(site, page):
    mid = busiest_sent(site, control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    strip = page.locator("#headline")
    assert strip.is_visible()
    # it comes first: above the first section
    assert strip.bounding_box()["y"] < page.locator("#volume").bounding_box()["y"]
    check_top_figures(page, api)

    vc = next(g for g in api["groups"] if g["group"] == "test" and g["variant_id"] is None)[
        "vs_control"]
    assert text(page, "headline.incremental_buyers") == signed_count(vc["incremental_buyers"])
    assert text(page, "headline.incremental_revenue") == signed_money(vc["incremental_revenue"])
    notes = [flat(n) for n in strip.locator(".tile-note").all_inner_texts()]
    low, high = vc["incremental_revenue_ci"]
    assert f"95% interval {signed_money(low)} to {signed_money(high)}" in notes
    low, high = vc["incremental_buyers_ci"]
    assert f"95% interval {signed_count(low)} to {signed_count(high)}" in notes

    variants = api["variant_comparison"]
    for metric in ("click_rate", "conversion"):
        rate = variants[metric]
        assert text(page, f"headline.winner.{metric}") == winner_words(rate)
        assert text(page, f"variants.{metric}.winner") == winner_words(rate)
        # the groups report lists every pair, with the Holm-adjusted p-value
        n = len(api["mailing"]["variants"])
        assert len(rate["pairs"]) == n * (n - 1) // 2
        for pair in rate["pairs"]:
            key = f"variants.{metric}.{pair['variant_id']}-{pair['compared_with']}"
            p = pair["p_adjusted"]
            assert text(page, f"{key}.p_adjusted") == (
                "—" if p is None else f"< {ENGLISH.number(0.001)}" if p < 0.001
                else ENGLISH.signed(p, 3).lstrip("+"))
    caption = page.locator("#groups .pairwise caption").inner_text()
    assert "Holm-adjusted" in caption
    # the unadjusted comparisons with A alone give way to the adjusted pairs
    assert page.locator("[data-key$='.vs_a.conversion.verdict']").count() == 0
    screenshot(page, "headline-control-variants-1280")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the report scrolls sideways by {overflow}px at 390px"
    screenshot(page, "headline-control-variants-390")


def test_without_a_control_group_the_strip_has_no_control_figures(site, page):
    mid = busiest_sent(site, control=False, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert all(g["vs_control"] is None for g in api["groups"])
    check_top_figures(page, api)
    strip = page.locator("#headline")
    assert strip.locator(".tile").count() == 4
    assert page.locator("[data-key^='headline.incremental']").count() == 0
    assert "Incremental" not in strip.inner_text()
    assert text(page, "headline.winner.conversion") == winner_words(
        api["variant_comparison"]["conversion"])
    screenshot(page, "headline-no-control-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "headline-no-control-390")


def test_an_unsent_mailing_has_no_strip(site, page):
    draft = next(m for m in site.get("/api/v1/mailings") if m["status"] != "sent")
    ready(page, f"{site.url}/mailings/{draft['mailing_id']}")
    assert page.locator("#headline").is_hidden()
    assert page.locator("#report-status .empty").is_visible()


def usual_text(u: dict, money: bool = False) -> str:
    """headline.js's usualText: "+2.1 pp above your usual (usual 18.0%–22.4%)"."""
    fmt = ENGLISH.money if money else ENGLISH.percent
    spread = f"usual {fmt(u['q1'])}–{fmt(u['q3'])}"
    d = Decimal(str(u["difference"]))
    signed = ENGLISH.signed(d, 2 if money else 1)
    if signed[:1] not in "+−":
        return flat(f"at your usual ({spread})")
    shown = f"{signed[0]}{ENGLISH.money(abs(d))}" if money else ENGLISH.signed(d, 1, " pp")
    return flat(f"{shown} {'above' if d > 0 else 'below'} your usual ({spread})")


def test_the_strip_compares_each_figure_with_the_usual(site, page):
    emails = site.get("/api/v1/mailings", channel="email", status="sent")
    newest = emails[0]
    ready(page, f"{site.url}/mailings/{newest['mailing_id']}")
    usual = site.get(f"/api/v1/mailings/{newest['mailing_id']}/report")["headline"]["usual"]
    # the usual is the list's figures of the previous (up to) 10, worked out here again
    before = [m["open_rate"] for m in emails[1:11] if m["open_rate"] is not None]
    assert len(before) >= 3
    q1, median, q3 = statistics.quantiles(before, n=4, method="inclusive")
    assert (usual["open_rate"]["median"], usual["open_rate"]["q1"], usual["open_rate"]["q3"]
            ) == (round(median, 4), round(q1, 4), round(q3, 4))
    assert usual["open_rate"]["n"] == len(before)
    for key in ("open_rate", "click_rate", "conversion"):
        assert text(page, f"headline.usual.{key}") == usual_text(usual[key])
    assert text(page, "headline.usual.revenue_per_recipient") == usual_text(
        usual["revenue_per_recipient"], money=True)
    assert page.locator("#headline [data-term='usual']").count() >= 1  # with its tip
    # the oldest email mailing has nothing before it
    ready(page, f"{site.url}/mailings/{emails[-1]['mailing_id']}")
    assert text(page, "headline.usual.conversion") == (
        "fewer than 3 earlier mailings to compare with")
    # SMS has no opens: no open rate line, a click rate one
    sms = site.get("/api/v1/mailings", channel="sms", status="sent")[0]
    ready(page, f"{site.url}/mailings/{sms['mailing_id']}")
    assert page.locator("[data-key='headline.usual.open_rate']").count() == 0
    assert page.locator("[data-key='headline.usual.click_rate']").count() == 1
