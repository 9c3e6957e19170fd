"""One vocabulary on the pages: every label of a figure is the glossary's name
(mailreport/glossary.py), with its definition on hover, focus and tap; two figures
that answer different questions on one page carry two names."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    busiest_sent,
    fmt_int,
    page,
    ready,
    screenshot,
    site,
    text,
)

from mailreport.glossary import GLOSSARY

pytestmark = pytest.mark.browser

# each funnel stage's term (efficiency.js)
STAGE_TERMS = {"sent": "sent", "delivered": "delivered", "opened": "opened",
               "clicked": "clicked", "ordered_after_click": "ordered_after_click"}


def tip(page):
    return page.locator("#term-tip")


def check_definition_reachable(page, label, key: str) -> None:
    """The definition of `key` on hover (title and the tip), as the button's accessible
    description, on focus, and on a click that keeps it until the next one."""
    description = GLOSSARY[key].description
    assert label.get_attribute("data-term") == key
    assert label.locator(".term-name").get_attribute("title") == description
    button = label.locator(".term-tip-btn")
    described_by = button.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").text_content() == description
    button.hover()
    assert tip(page).is_visible() and tip(page).text_content() == description
    page.mouse.move(0, 0)
    assert not tip(page).is_visible()
    button.focus()
    assert tip(page).is_visible() and tip(page).text_content() == description
    button.blur()
    assert not tip(page).is_visible()
    button.click()
    page.mouse.move(0, 0)
    assert button.get_attribute("aria-expanded") == "true"
    assert tip(page).is_visible() and tip(page).text_content() == description
    # beside its button, not somewhere else on the page
    tip_box, button_box = tip(page).bounding_box(), button.bounding_box()
    assert 0 <= tip_box["y"] - (button_box["y"] + button_box["height"]) <= 12
    button.click()
    assert not tip(page).is_visible()


def test_attributed_and_group_figures_carry_two_names(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    attributed = page.locator("#orders .tile:has([data-key='orders.revenue']) .term")
    group = page.locator("#groups thead .term[data-term='group_revenue']")
    assert attributed.count() == 1 and group.count() == 1
    names = {attributed.locator(".term-name").inner_text().split(",")[0],
             group.locator(".term-name").inner_text().split(",")[0]}
    assert names == {GLOSSARY["revenue"].name, GLOSSARY["group_revenue"].name}
    assert len(names) == 2
    # all attributed buyers (the headline, the efficiency) vs the groups' buyers
    buyers = page.locator("#efficiency .buyers-name .term")
    group_buyers = page.locator("#groups thead .term[data-term='group_buyers']")
    assert buyers.locator(".term-name").inner_text() == GLOSSARY["buyers"].name
    assert group_buyers.locator(".term-name").inner_text() == GLOSSARY["group_buyers"].name
    assert GLOSSARY["buyers"].name != GLOSSARY["group_buyers"].name
    check_definition_reachable(page, attributed, "revenue")
    check_definition_reachable(page, group, "group_revenue")
    group.locator(".term-tip-btn").click()
    screenshot(page, "glossary-tip-1280")


def test_a_tap_shows_the_definition_on_a_phone(site, browser, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True,
                                  is_mobile=True)
    try:
        phone = context.new_page()
        ready(phone, f"{site.url}/mailings/{mid}")
        # the groups table turns into cards on a phone (no header row): a tile's term
        button = phone.locator("#orders .tiles .term[data-term='revenue'] .term-tip-btn")
        button.scroll_into_view_if_needed()
        button.tap()
        assert tip(phone).is_visible()
        assert tip(phone).text_content() == GLOSSARY["revenue"].description
        box = tip(phone).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        screenshot(phone, "glossary-tip-390")
        # the group cards hide their header and its "?"s: each card label's definition
        # is under the cards, one tap away, and only there on a phone
        terms = phone.locator("#groups .group-cards .card-terms")
        assert terms.is_visible() and not terms.locator("dl").is_visible()
        terms.locator("summary").tap()
        names = terms.locator("dt").all_text_contents()
        definitions = terms.locator("dd").all_text_contents()
        labels = {c.get_attribute("data-label") for c in
                  phone.locator("#groups .group-cards tbody td").all()}
        pairs = {(t.name, t.description) for t in GLOSSARY.values()}
        assert labels and {n.split(",")[0] for n in labels} <= set(names)
        assert set(zip(names, definitions, strict=True)) <= pairs
        # the uplift tables (cards too) share one list of their statistics' terms
        stats = phone.locator("#groups > .body > .card-terms")
        assert stats.count() == 1 and phone.locator("#groups .card-terms").count() == 2
        stats.locator("summary").tap()
        assert stats.locator("dt").all_text_contents()[:3] == [
            GLOSSARY[k].name for k in ("uplift", "ci_95", "significance")]
        screenshot(phone, "glossary-card-terms-390")
    finally:
        context.close()
    # on a wide screen the header's "?"s do it, and the list stays out of sight
    ready(page, f"{site.url}/mailings/{mid}")
    assert page.locator("#groups .card-terms").count() == 2
    assert not page.locator("#groups .card-terms").first.is_visible()
    assert not page.locator("#groups .card-terms").last.is_visible()


def test_funnel_labels_are_the_glossary_names(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    steps = page.locator("#efficiency .funnel-step")
    assert steps.count() == len(STAGE_TERMS)
    for i in range(steps.count()):
        step = steps.nth(i)
        key = STAGE_TERMS[step.get_attribute("data-stage")]
        assert step.locator(".funnel-name").inner_text() == GLOSSARY[key].name
        assert step.locator(".term").get_attribute("data-term") == key
    assert page.locator("#efficiency .buyers-name").inner_text() == GLOSSARY["buyers"].name
    side = page.locator("#efficiency .side-figures .term .term-name").all_inner_texts()
    assert side == [GLOSSARY["spam"].name, GLOSSARY["unsubscribed"].name]


def test_the_mailing_list_uses_the_report_names(site, page):
    ready(page, site.url + "/")
    # text, not inner text: the heads are upper-cased by CSS
    heads = [h.strip() for h in page.locator("#mailings-panel thead th").all_text_contents()]
    for key in ("sent", "delivered", "open_rate", "click_rate"):
        assert GLOSSARY[key].name in heads, (key, heads)
    assert any(h.startswith(f"{GLOSSARY['revenue'].name}, ") for h in heads), heads
    for m in site.get("/api/v1/mailings", channel="email"):
        assert text(page, f"mailings.{m['mailing_id']}.delivered") == fmt_int(m["delivered"])
