"""The click heatmap's email preview shows each variant's email, however often the
reader switches between them: the frame keeps its size and its document is laid out
(its headline has a box), and it holds that variant's own body."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import re

import pytest
from harness import PHONE, browser, page, ready, screenshot, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def mailing_with_most_variants(site) -> dict:
    rows = [m for m in site.get("/api/v1/mailings", channel="email") if m["status"] == "sent"]
    best = max(rows, key=lambda m: len(m["variants"]))
    assert len(best["variants"]) >= 2, "the demo has no email mailing with variants"
    return best


def headline(site, mailing_id: str, variant_id: str) -> str:
    body = site.get(f"/api/v1/mailings/{mailing_id}/variants/{variant_id}/body")["body_html"]
    return re.search(r"<h1>(.*?)</h1>", body).group(1)


def choose(page, variant_id: str) -> None:
    page.evaluate("document.querySelector('#heatmap .body').dataset.state = 'stale'")
    page.locator("#heatmap-variant").select_option(variant_id)
    page.wait_for_selector("#heatmap .body[data-state='ready']")


def check_preview(page, variant_id: str, title: str) -> None:
    frames = page.locator("#heatmap iframe")
    assert frames.count() == 1, f"{frames.count()} preview frames after choosing {variant_id}"
    frame = frames.first
    assert title in (frame.get_attribute("srcdoc") or ""), f"variant {variant_id}'s body"
    box = frame.bounding_box()
    holder = page.locator("#heatmap .email-holder").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300, (variant_id, box)
    assert box["x"] >= holder["x"] and box["x"] + box["width"] <= holder["x"] + holder["width"]
    # the email itself is laid out: its headline has a box, inside the frame
    h1 = page.frame_locator("#heatmap iframe").locator("h1")
    try:
        h1.wait_for(state="visible", timeout=5_000)
    except Exception:  # noqa: BLE001 - say what the reader would see
        pytest.fail(f"variant {variant_id}: the preview is blank (its headline has no box)")
    assert h1.text_content() == title
    inner = h1.bounding_box()
    assert inner["height"] > 10 and inner["y"] >= box["y"], (variant_id, inner, box)


@pytest.mark.parametrize("width", ["1280", "390"])
def test_switching_variants_back_and_forth_shows_each_email(site, page, width):
    if width == "390":
        page.set_viewport_size(PHONE)
    m = mailing_with_most_variants(site)
    mid, variants = m["mailing_id"], m["variants"]
    titles = {v: headline(site, mid, v) for v in variants}
    assert len(set(titles.values())) == len(variants), "variants with the same headline"
    ready(page, f"{site.url}/mailings/{mid}")
    check_preview(page, variants[0], titles[variants[0]])
    for v in [variants[1], variants[0], variants[1], *variants[2:], variants[0]]:
        choose(page, v)
        check_preview(page, v, titles[v])
        # the table below follows the variant too
        heat = next(h for h in site.get(f"/api/v1/mailings/{mid}/report/heatmap")
                    if h["variant_id"] == v)
        assert page.locator("#heatmap tbody tr").count() == len(heat["links"])
    # a toggle rebuilds the current variant's preview, not another's
    page.locator("#heatmap button[data-toggle='labels']").click()
    check_preview(page, variants[0], titles[variants[0]])
    choose(page, variants[1])
    check_preview(page, variants[1], titles[variants[1]])
    assert 'class="mr-labels"' in page.locator("#heatmap iframe").get_attribute("srcdoc")
    screenshot(page, f"heatmap-variant-{variants[1]}-{width}")


def test_choosing_a_variant_by_keyboard_keeps_the_focus(site, page):
    m = mailing_with_most_variants(site)
    mid, variants = m["mailing_id"], m["variants"]
    ready(page, f"{site.url}/mailings/{mid}")
    page.locator("#heatmap-variant").focus()
    page.evaluate("document.querySelector('#heatmap .body').dataset.state = 'stale'")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#heatmap .body[data-state='ready']")
    assert page.evaluate("document.activeElement.id") == "heatmap-variant"
    assert page.locator("#heatmap-variant").input_value() == variants[1]
    check_preview(page, variants[1], headline(site, mid, variants[1]))
