"""Layout measured in the browser: large figures fit their tiles (abbreviated, the
exact value on hover), the top bar keeps every link on a phone, and a single product
category gets no ring chart."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import pytest
from harness import (  # noqa: F401 - fixtures
    ENGLISH,
    PHONE,
    browser,
    busiest_sent,
    page,
    ready,
    screenshot,
    site,
)

pytestmark = pytest.mark.browser

# every tile's figure inside its tile: [label, overflow in px]
TILE_OVERFLOW = """() => [...document.querySelectorAll('.tile')].map(t => {
  const v = t.querySelector('.tile-value');
  return [t.querySelector('.tile-label').textContent, v.scrollWidth - v.clientWidth];
})"""


def test_large_figures_fit_their_tiles(site, page):
    mid = busiest_sent(site, "email")["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}/customers?stage=ordered")
    overflow = page.evaluate(TILE_OVERFLOW)
    assert all(over <= 0 for _, over in overflow), overflow
    # the revenue tile, given the medium demo's 11,290,435.20: exact, it overflows;
    # as the page writes it, it fits, with the exact value on hover
    shown = page.evaluate("""async () => {
      const { fmtCurrency, tileFigure } = await import('/static/js/util.js');
      const money = (v) => fmtCurrency(v);
      const value = document.querySelector("[data-key='metrics.revenue']");
      value.textContent = money(11290435.2);
      const exact = value.scrollWidth - value.clientWidth;
      value.replaceChildren(tileFigure(11290435.2, money));
      const abbr = value.querySelector('abbr');
      return { exact, fitted: value.scrollWidth - value.clientWidth, text: value.textContent,
               title: abbr && abbr.title, small: tileFigure(412963, money) };
    }""")
    assert shown["exact"] > 0, "the exact figure should overflow a tile at 1280 px"
    assert shown["fitted"] <= 0
    assert shown["text"] == ENGLISH.compact(11290435.2)
    assert shown["title"] == ENGLISH.money("11290435.20")
    assert shown["small"] == ENGLISH.money(412963)  # below a million, the exact figure


def test_the_top_bar_keeps_every_link_on_a_phone(site, page):
    page.set_viewport_size(PHONE)
    ready(page, site.url + "/")
    # the links base.html adds with the API docs on and a session: "API", "Sign out"
    page.evaluate("""() => {
      const nav = document.querySelector('.topbar nav');
      nav.insertAdjacentHTML('beforeend', '<a href="/docs">API</a>');
      nav.insertAdjacentHTML('afterend', '<form class="signout"><button type="submit" '
        + 'class="btn btn-small btn-dark">Sign out</button></form>');
    }""")
    # the language switcher (nav.languages) has a test of its own (test_formats_i18n.py)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.topbar a, .topbar button')]
      .filter(n => !n.closest('nav.languages'))
      .map(n => { const r = n.getBoundingClientRect();
                  return [n.textContent.trim(), r.left, r.right, r.height]; })""")
    assert [b[0] for b in boxes] == ["mailreport", "Mass messages", "Campaigns", "Schedules",
                                     "API", "Sign out"]
    nav_right = page.evaluate("document.querySelector('.topbar nav').getBoundingClientRect()"
                              ".right")
    for name, left, right, height in boxes:
        assert left >= 0 and right <= PHONE["width"] and height > 0, (name, left, right)
        assert name in ("mailreport", "Sign out") or right <= nav_right, name
    nav = page.evaluate("(n => n.scrollWidth - n.clientWidth)(document.querySelector"
                        "('.topbar nav'))")
    assert nav <= 0, f"the nav scrolls by {nav}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "topbar-390")


def test_one_product_category_gets_no_ring(site, page):
    mid = busiest_sent(site, "email")["mailing_id"]
    base = f"/api/v1/mailings/{mid}/report/product_sales"
    categories = [r["category"] for r in site.get(base)["rows"]]
    word = next(c.lower() for c in categories if len(site.get(base, search=c.lower())["rows"]) == 1)
    ready(page, f"{site.url}/mailings/{mid}?search={word}")
    assert page.locator("#product_sales tbody tr").count() == 1
    assert page.locator("#product_sales .ring").count() == 0
    table = page.locator("#product_sales .table-wrap").bounding_box()
    body = page.locator("#product_sales .body").bounding_box()
    assert table["width"] > 0.95 * body["width"]  # the table takes the ring's place
    ready(page, f"{site.url}/mailings/{mid}")
    assert page.locator("#product_sales tbody tr").count() >= 2
    assert page.locator("#product_sales .ring").count() == 1


# the texts ECharts drew on the orders chart's canvas, with their boxes
CHART_TEXTS = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('#orders .chart'));
  const legend = new Set(chart.getOption().series.map(s => s.name));
  const names = new Set(chart.getOption().yAxis.map(a => a.name).filter(Boolean));
  return chart.getZr().storage.getDisplayList().filter(e => e.style && e.style.text)
    .map(e => { const r = e.getBoundingRect().clone(); r.applyTransform(e.getComputedTransform());
      // "Revenue, RUB" names a series and an axis: the legend's row is the top one
      const kind = names.has(e.style.text) && r.y > 12 ? 'axis'
        : legend.has(e.style.text) ? 'legend' : '';
      return [kind, e.style.text, r.x, r.x + r.width, r.y + r.height / 2]; })
    .filter(t => t[0]);
}"""


@pytest.mark.parametrize("width", ["1280", "390"])
def test_chart_legend_clear_of_axis_names(site, page, width):
    if width == "390":
        page.set_viewport_size(PHONE)
    mid = busiest_sent(site, "email")["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    page.locator("#orders .chart").scroll_into_view_if_needed()
    texts = page.evaluate(CHART_TEXTS)
    legend = [t for t in texts if t[0] == "legend"]
    axes = [t for t in texts if t[0] == "axis"]
    assert legend and len(axes) == 2, texts
    for _, name, left, right, middle in axes:
        for _, label, l_left, l_right, l_middle in legend:
            if left < l_right and l_left < right:  # one above the other: a line apart
                assert middle - l_middle >= 16, (name, label, middle, l_middle)
