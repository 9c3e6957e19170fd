"""The report in a browser over the small demo: a funnel that narrows, periods that
read right (validation, presets, errors kept off the report, denominators outside the
period), and the efficiency chart's view kept in the URL."""

# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    browser,
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


def mailing_with(site, channel: str, variants: int = 1) -> dict:
    """The busiest sent mailing of a channel with at least this many variants."""
    rows = [m for m in site.get("/api/v1/mailings", channel=channel)
            if m["status"] == "sent" and len(m["variants"]) >= variants]
    return max(rows, key=lambda m: m["recipients"])


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def funnel(page) -> list[str]:
    return page.locator("#efficiency .funnel-step").evaluate_all(
        "ns => ns.map(n => n.dataset.stage)")


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_funnel_narrows_and_buyers_stand_beside_it(site, page, channel):
    mid = mailing_with(site, channel)["mailing_id"]
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
