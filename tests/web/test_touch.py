"""A phone's touch screen (390 x 844, no hover): a tap shows what hovering shows (chart
tooltips, a tile's exact figure, the heatmap's link labels), and the groups table keeps
every group's figures in sight without sideways scrolling."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    SCREENSHOTS,
    browser,
    busiest_sent,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_pct,
    ready,
    site,
    watched,
)

from mailreport.glossary import GLOSSARY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def phone(browser):
    """One touch page for the module: a phone's screen, touch events, no mouse hover."""
    with watched(browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                     device_scale_factor=1, locale="en-US")) as pg:
        yield pg


def snapshot(locator, name: str) -> None:
    """One section as the phone shows it (a whole report page is too long to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


# where on the screen a category of the orders chart's x axis is, half-way up its plot
POINT = """(i) => {
  const node = document.querySelector('#orders .chart');
  const chart = echarts.getInstanceByDom(node);
  const x = chart.convertToPixel({ xAxisIndex: 0 }, i);
  const box = node.getBoundingClientRect();
  return [box.left + x, box.top + box.height * 0.6];
}"""


def test_a_tap_on_a_chart_shows_its_tooltip(site, phone):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(phone, f"{site.url}/mailings/{mid}")
    days = site.get(f"/api/v1/mailings/{mid}/report/orders")["daily"]
    # the busiest day off the plot's edges: a tap on the first day's point lands on the
    # grid's very border, which a longer axis name can move by a fraction of a pixel
    inner = range(1, len(days) - 1) if len(days) > 2 else range(len(days))
    day = max(inner, key=lambda i: (days[i]["receipts"], days[i]["orders"]))
    phone.locator("#orders .chart").scroll_into_view_if_needed()
    assert phone.locator("#orders .tt").count() == 0
    x, y = phone.evaluate(POINT, day)
    phone.touchscreen.tap(x, y)
    tip = phone.locator("#orders .tt")
    tip.wait_for()
    shown = " ".join(tip.inner_text().split())
    assert f"{GLOSSARY['receipts'].name}: {fmt_int(days[day]['receipts'])}" in shown, shown
    assert f"{GLOSSARY['orders'].name}: {fmt_int(days[day]['orders'])}" in shown, shown
    assert f": {fmt_money(days[day]['revenue'])}" in shown, shown
    # inside the chart, which is inside the screen
    box = phone.evaluate("""() => {
      const r = document.querySelector('#orders .tt').parentElement.getBoundingClientRect();
      return [r.left, r.right]; }""")
    assert box[0] >= 0 and box[1] <= PHONE["width"], box
    snapshot(phone.locator("#orders"), "touch-chart-tooltip-390")


# where the ring's first segment is on the screen: half-way through it, half-way across
SEGMENT = """() => {
  const node = document.querySelector('#product_sales .ring');
  const chart = echarts.getInstanceByDom(node);
  const at = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
  const angle = (at.startAngle + at.endAngle) / 2, r = (at.r + at.r0) / 2;
  const box = node.getBoundingClientRect();
  return [box.left + at.cx + r * Math.cos(angle), box.top + at.cy + r * Math.sin(angle)];
}"""


def test_a_tap_on_a_ring_segment_shows_its_value(site, phone):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(phone, f"{site.url}/mailings/{mid}")
    sales = site.get(f"/api/v1/mailings/{mid}/report/product_sales")
    first = sales["rows"][0]
    fmt = {"units": fmt_number, "revenue": fmt_money, "receipts": fmt_int}[sales["sort"]]
    phone.locator("#product_sales .ring").scroll_into_view_if_needed()
    x, y = phone.evaluate(SEGMENT)
    phone.touchscreen.tap(x, y)
    tip = phone.locator("#product_sales .tt")
    tip.wait_for()
    shown = " ".join(tip.inner_text().split())
    assert shown.startswith(first["category"]) and f": {fmt(first[sales['sort']])}" in shown, shown


def test_a_tap_on_an_abbreviated_tile_shows_the_exact_value(site, phone):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(phone, f"{site.url}/mailings/{mid}/customers?stage=ordered")
    metrics = site.get(f"/api/v1/mailings/{mid}/customers", stage="ordered")["metrics"]
    currency = phone.evaluate("document.body.dataset.currency")
    # the small demo's revenue is below a million, which is written in full: the tile
    # gets the figure the page would write for ten thousand times as much
    large = float(metrics["revenue"]) * 10_000
    phone.evaluate("""async ([v, currency]) => {
      const { fmtMoney, tileFigure } = await import('/static/js/util.js');
      document.querySelector("[data-key='metrics.revenue']")
        .replaceChildren(tileFigure(v, (x) => `${fmtMoney(x)} ${currency}`));
    }""", [large, currency])
    value = phone.locator("[data-key='metrics.revenue']")
    exact = f"{fmt_money(large)} {currency}"
    assert exact not in value.inner_text()
    value.locator("abbr").tap()
    shown = value.locator(".figure-exact")
    assert shown.inner_text() == exact
    assert value.locator("button").get_attribute("aria-expanded") == "true"
    box = shown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    snapshot(phone.locator(".tiles").first, "touch-tile-exact-390")
    value.locator("abbr").tap()  # and a second tap takes it away
    assert shown.count() == 0


def test_a_phone_shows_every_heatmap_label_without_a_hover(site, phone):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(phone, f"{site.url}/mailings/{mid}")
    variant = site.get(f"/api/v1/mailings/{mid}/report/heatmap")[0]  # the one shown first
    link = max(variant["links"], key=lambda link: link["clicks"])
    phone.locator("#heatmap [data-toggle='labels']").tap()
    phone.wait_for_function("document.querySelector('#heatmap .body').dataset.labels === 'true'")
    frame = phone.frame_locator("#heatmap iframe.email-frame")
    anchor = frame.locator(f"a[data-mr-link='{link['link_index']}']")
    label = "getComputedStyle(a, '::after').content"
    clicks = f"{fmt_int(link['clicks'])} {'click' if link['clicks'] == 1 else 'clicks'}"
    expected = f'"{clicks} · {fmt_pct(link["percent_of_readers"])} of readers"'
    # a touch screen has no hover, and a tap in the script-less preview need not focus:
    # with labels on, every link wears its label, tap or not
    assert anchor.evaluate(f"a => {label}") == expected
    assert anchor.evaluate("a => getComputedStyle(a, '::after').position") == "static"
    anchor.scroll_into_view_if_needed()
    anchor.tap()
    assert anchor.evaluate(f"a => {label}") == expected
    anchor.evaluate("a => a.focus()")  # and focus does not move it out of the flow
    assert anchor.evaluate("a => getComputedStyle(a, '::after').position") == "static"
    snapshot(phone.locator("#heatmap .email-holder"), "touch-heatmap-label-390")
    phone.locator("#heatmap [data-toggle='labels']").tap()
    phone.wait_for_function("document.querySelector('#heatmap .body').dataset.labels === 'false'")
    anchor = phone.frame_locator("#heatmap iframe.email-frame").locator(
        f"a[data-mr-link='{link['link_index']}']")
    assert anchor.evaluate(f"a => {label}") == "none"


# each row of the groups' summary (the section's first table): its cells' boxes
GROUP_CELLS = """() => [...document.querySelector('#groups .table-wrap')
  .querySelectorAll('tbody tr')].map(tr => [...tr.children].map(c => {
    const r = c.getBoundingClientRect();
    return [c.dataset.label || c.textContent.trim(), r.left, r.right, r.width]; }))"""


def test_every_group_figure_in_sight_on_a_phone(site, phone):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(phone, f"{site.url}/mailings/{mid}")
    groups = site.get(f"/api/v1/mailings/{mid}/report/groups")
    rows = phone.evaluate(GROUP_CELLS)
    assert len(rows) == len(groups)
    for cells in rows:
        assert len(cells) >= 6  # the name, assigned, buyers, conversion, revenue per customer
        for name, left, right, width in cells:
            assert width > 0 and left >= 0 and right <= PHONE["width"], (name, left, right)
    for g in groups:
        key = "control" if g["group"] == "control" else g["variant_id"] or "test"
        cell = phone.locator(f"[data-key='groups.{key}.conversion']")
        assert " ".join(cell.inner_text().split()).endswith(fmt_pct(g["conversion"]))
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    snapshot(phone.locator("#groups"), "touch-groups-390")
