"""The report pages in a real browser (Debian's Chromium through Playwright) against
a real server over the small demo: every figure on a page is the API's."""

# The fixtures come from harness.py by import (a second conftest.py would shadow the
# `conftest` module the tests import Dataset from), so their names are reused here.
# ruff: noqa: F811

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from harness import (  # noqa: F401 - fixtures
    ENGLISH,
    PHONE,
    browser,
    busiest_sent,
    fmt_currency,
    fmt_int,
    fmt_money,
    fmt_number,
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

SECTIONS = ["volume", "orders", "groups", "open_hours", "efficiency", "deliverability",
            "product_sales", "heatmap", "devices", "regions"]


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def visible_sections(page) -> list[str]:
    return page.eval_on_selector_all("#report > section", "ns => ns.filter(n => !n.hidden)"
                                     ".map(n => n.id)")


# -- list -> report -----------------------------------------------------------------


def test_list_shows_the_api_figures_and_stats_opens_the_report(site, page):
    ready(page, site.url + "/")
    assert page.get_by_role("tab", name="Email").get_attribute("aria-selected") == "true"
    api = site.get("/api/v1/mailings", channel="email")
    assert page.locator("#mailings-panel tbody tr").count() == len(api)
    for m in api:
        key = f"mailings.{m['mailing_id']}"
        assert text(page, f"{key}.recipients") == fmt_int(m["recipients"])
        assert text(page, f"{key}.open_rate") == fmt_pct(m["open_rate"])
        assert text(page, f"{key}.click_rate") == fmt_pct(m["click_rate"])
        assert text(page, f"{key}.revenue") == fmt_money(m["revenue"])
    target = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    name = next(m["name"] for m in api if m["mailing_id"] == target)
    row = page.locator("#mailings-panel tbody tr", has_text=name)
    row.get_by_role("link", name="Stats").click()
    page.wait_for_url(f"**/mailings/{target}")
    ready(page)
    assert page.locator("h1").inner_text() == name
    assert visible_sections(page) == SECTIONS


def test_channel_tabs_and_search(site, page):
    ready(page, site.url + "/")
    reload_done(page, lambda: page.get_by_role("tab", name="SMS").click())
    sms = site.get("/api/v1/mailings", channel="sms")
    names = page.locator("#mailings-panel tbody th a").all_inner_texts()
    assert names == [m["name"] for m in sms]
    assert query(page) == {"channel": "sms"}
    # keyboard: arrow right moves to Push
    page.get_by_role("tab", name="SMS").focus()
    reload_done(page, lambda: page.keyboard.press("ArrowRight"))
    assert page.get_by_role("tab", name="Push").get_attribute("aria-selected") == "true"
    push = site.get("/api/v1/mailings", channel="push")
    assert page.locator("#mailings-panel tbody tr").count() == len(push)

    reload_done(page, lambda: page.get_by_role("tab", name="Email").click())
    word = site.get("/api/v1/mailings", channel="email")[0]["name"].split()[0]
    reload_done(page, lambda: page.get_by_label("Search by name").fill(word.lower()))
    found = site.get("/api/v1/mailings", channel="email", search=word.lower())
    assert page.locator("#mailings-panel tbody th a").all_inner_texts() == [
        m["name"] for m in found]
    reload_done(page, lambda: page.get_by_label("Search by name").fill("no such mailing"))
    assert "No email mailings match" in page.locator("#mailings-panel").inner_text()


def test_campaign_list_and_report(site, page):
    ready(page, site.url + "/campaigns")
    campaigns = site.get("/api/v1/campaigns")
    assert page.locator("#campaigns-panel tbody tr").count() == len(campaigns)
    first = campaigns[0]
    page.locator("#campaigns-panel tbody tr", has_text=first["name"]).get_by_role(
        "link", name="Report").click()
    page.wait_for_url(f"**/campaigns/{first['campaign_id']}")
    ready(page)
    api = site.get(f"/api/v1/campaigns/{first['campaign_id']}/report")
    assert page.locator("h1").inner_text() == api["campaign"]["name"]
    for row in api["mailings"]:
        for k in ("sent", "delivered", "opened", "clicked", "ordered", "orders"):
            assert text(page, f"mailings.{row['mailing_id']}.{k}") == fmt_int(row[k])
        assert text(page, f"mailings.{row['mailing_id']}.revenue") == fmt_money(row["revenue"])
    assert text(page, "totals.revenue") == fmt_money(api["totals"]["revenue"])
    assert text(page, "totals.sent") == fmt_int(api["totals"]["sent"])
    # each customer once beside the sum of the mailings, and at a glance on top
    funnel = api["funnel"]
    assert funnel["sent"] < api["totals"]["sent"], "the demo campaign's customers overlap"
    for k in ("sent", "delivered", "clicked", "ordered"):
        assert text(page, f"funnel.{k}") == fmt_int(funnel[k])
    assert text(page, "headline.buyers") == fmt_int(funnel["ordered"])
    assert text(page, "headline.revenue") == fmt_currency(funnel["revenue"], whole=True)
    assert text(page, "headline.conversion") == fmt_pct(funnel["conversion"])
    assert text(page, "orders.revenue") == fmt_currency(api["orders"]["revenue"], whole=True)
    if api["open_hours"]:
        assert text(page, "open_hours.openers") == fmt_int(api["open_hours"]["openers"])
    rows = api["product_sales"]["rows"]
    assert page.locator("#product_sales tbody tr").count() == len(rows)


# -- the report's numbers -----------------------------------------------------------


def check_report(page, api: dict) -> None:
    """Every section on the page shows the figures of this API answer."""
    m = api["mailing"]
    if api["volume"]:
        for key, value in api["volume"].items():
            if key == "control_group" and not (m["control_share"] or value):
                continue  # no control group, no tile (test_applicability.py)
            assert text(page, f"volume.{key}") == fmt_int(value), key
    o = api["orders"]
    assert text(page, "orders.receipts") == fmt_int(o["receipts"])
    assert text(page, "orders.orders") == fmt_int(o["orders"])
    assert text(page, "orders.revenue") == fmt_currency(o["revenue"], whole=True)
    groups = api["groups"] or []
    variants = [g for g in groups if g["group"] == "test" and g["variant_id"]]
    if len(variants) == 1:  # a lone variant is the test group: one row, not two
        groups = [g for g in groups if g is not variants[0]]
        assert page.locator("[data-key^='groups.A.']").count() == 0
    for g in groups:
        gk = "control" if g["group"] == "control" else g["variant_id"] or "test"
        assert text(page, f"groups.{gk}.assigned") == fmt_int(g["assigned"])
        assert text(page, f"groups.{gk}.buyers") == fmt_int(g["buyers"])
        assert text(page, f"groups.{gk}.conversion") == fmt_pct(g["conversion"])
        assert text(page, f"groups.{gk}.revenue") == fmt_money(g["revenue"])
        vc = g["vs_control"]
        if vc:
            words = text(page, f"groups.{gk}.vs_control.conversion.verdict")
            if vc["conversion_p"] is None:
                assert words == "Not enough data to test"
            elif vc["conversion_significant"]:
                assert words.startswith("Significant")
            else:
                assert words.startswith("Not significant")
    # a missing value is a dash or an empty state, never JavaScript's words for it
    assert not re.search(r"\b(null|undefined|NaN)\b", page.locator("main").inner_text())
    if api["open_hours"]:
        h = api["open_hours"]
        assert text(page, "open_hours.openers") == fmt_int(h["openers"])
        if h["openers"]:
            for hour in range(24):
                assert text(page, f"open_hours.counts.{hour}") == fmt_int(h["counts"][hour])
                assert text(page, f"open_hours.percent.{hour}") == fmt_pct(h["percent"][hour])
    e = api["efficiency"]
    for stage, n in e["stages"].items():
        if n is not None:
            assert text(page, f"efficiency.stages.{stage}") == fmt_int(n), stage
    # each funnel stage with its share of the stage before (the funnel's own test is
    # in test_periods.py); conversion beside it, with all attributed buyers
    for key in ("delivered", "clicked", "conversion", "ordered_after_click"):
        assert text(page, f"efficiency.transitions.{key}") == fmt_pct(e["transitions"][key])
    if m["channel"] == "email":  # SMS and push have no spam figure
        assert text(page, "efficiency.spam") == fmt_int(e["spam"])
    assert text(page, "efficiency.unsubscribed_rate") == (
        f"{fmt_pct(e['unsubscribe_rate'])} of delivered")
    if api["product_sales"]:
        check_product_sales(page, api["product_sales"])
    for variant in (api["heatmap"] or [])[:1]:
        assert text(page, "heatmap.openers") == fmt_int(variant["openers"])
        for link in variant["links"]:
            i = link["link_index"]
            assert text(page, f"heatmap.{i}.clicks") == fmt_int(link["clicks"])
            assert text(page, f"heatmap.{i}.percent_of_readers") == fmt_pct(
                link["percent_of_readers"])


def check_product_sales(page, sales: dict) -> None:
    rows = sales["rows"]
    assert page.locator("#product_sales tbody tr").count() == len(rows)
    for n, row in enumerate(rows, 1):
        assert text(page, f"product_sales.{n}.category") == row["category"]
        if len(sales["units_of_measure"]) > 1:  # a column per unit, never their sum
            for unit in sales["units_of_measure"]:
                assert text(page, f"product_sales.{n}.units_by_unit.{unit}") == fmt_number(
                    row["units_by_unit"].get(unit, 0))
        else:
            assert text(page, f"product_sales.{n}.units") == fmt_number(row["units"])
        assert text(page, f"product_sales.{n}.revenue") == fmt_money(row["revenue"])
        assert text(page, f"product_sales.{n}.receipts") == fmt_int(row["receipts"])


def test_each_section_shows_the_api_numbers(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert all(api[s] is not None for s in SECTIONS)
    check_report(page, api)
    # a chart's tooltip has the day's exact figures
    chart = page.locator("#orders .chart")
    chart.hover()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#orders .tt")
    tip.wait_for()
    assert re.search(r"Attributed receipts: [\d,]+", tip.inner_text())
    assert re.search(r"Revenue attributed, \w+: [\d,]+\.\d\d", tip.inner_text())


def test_a_new_date_range_changes_the_numbers_and_stays_in_the_url(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    sent_day = site.get(f"/api/v1/mailings/{mid}")["sent_at"][:10]
    everything = site.get(f"/api/v1/mailings/{mid}/report")
    page.get_by_label("From", exact=True).fill(ENGLISH.day(sent_day))
    page.get_by_label("To", exact=True).fill(ENGLISH.day(sent_day))
    reload_done(page, lambda: page.get_by_role("button", name="Apply").click())
    assert query(page) == {"from": sent_day, "to": sent_day}
    one_day = site.get(f"/api/v1/mailings/{mid}/report", **{"from": sent_day, "to": sent_day})
    assert one_day["efficiency"]["stages"] != everything["efficiency"]["stages"]
    check_report(page, one_day)
    # the magnifiers take the period along
    href = page.locator("#efficiency a[data-stage='opened']").get_attribute("href")
    assert parse_qs(urlparse(href).query) == {"stage": ["opened"], "from": [sent_day],
                                              "to": [sent_day]}
    # a reload keeps the period
    page.reload()
    ready(page)
    assert page.get_by_label("From", exact=True).input_value() == ENGLISH.day(sent_day)
    check_report(page, one_day)
    # a reversed period is stopped in the form, the report stays (test_periods.py)
    page.get_by_label("From", exact=True).fill(ENGLISH.day("2026-08-05"))
    page.get_by_label("To", exact=True).fill(ENGLISH.day("2026-08-01"))
    page.get_by_role("button", name="Apply").click()
    assert "is after" in page.locator("#period-message").inner_text()
    assert visible_sections(page) == SECTIONS
    assert query(page) == {"from": sent_day, "to": sent_day}
    reload_done(page, lambda: page.get_by_role("button", name="All time").click())
    assert query(page) == {}
    check_report(page, everything)


def test_product_sales_sorting_searching_and_groups(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    base = f"/api/v1/mailings/{mid}/report/product_sales"
    ready(page, f"{site.url}/mailings/{mid}")
    # the demo sells pieces and kilograms: ranked by pieces, kilograms a column apart
    default = site.get(base)
    assert default["units_of_measure"] == ["pcs", "kg"] and default["unit"] == "pcs"
    header = page.locator("#product_sales th[aria-sort='descending']")
    assert header.text_content().startswith("Units, pcs")
    check_product_sales(page, default)
    section_done(page, "product_sales", lambda: page.locator(
        "#product_sales button[data-sort='units'][data-unit='kg']").click())
    assert query(page) == {"unit": "kg"}
    by_kg = site.get(base, unit="kg")
    assert by_kg["rows"] and all(r["units_by_unit"].get("kg") for r in by_kg["rows"])
    check_product_sales(page, by_kg)
    assert header.text_content().startswith("Units, kg")
    section_done(page, "product_sales",
                 lambda: page.locator("#product_sales button[data-sort='revenue']").click())
    assert query(page) == {"sort": "revenue"}
    assert header.text_content().startswith(
        "Category revenue")
    by_revenue = site.get(base, sort="revenue")
    check_product_sales(page, by_revenue)
    assert by_revenue["rows"] != site.get(base)["rows"]

    word = by_revenue["rows"][0]["category"].split()[0][:4].lower()
    page.get_by_label("Search categories").fill(word)
    section_done(page, "product_sales",
                 lambda: page.locator("#product_sales").get_by_role("button",
                                                                    name="Search").click())
    found = site.get(base, sort="revenue", search=word)
    assert found["rows"] and all(word in r["category"].lower() for r in found["rows"])
    check_product_sales(page, found)
    assert query(page) == {"sort": "revenue", "search": word}

    variant = site.get(f"/api/v1/mailings/{mid}")["variants"][-1]
    section_done(page, "product_sales",
                 lambda: page.locator("#product-group").select_option(f"variant:{variant}"))
    check_product_sales(page, site.get(base, sort="revenue", search=word, variant_id=variant))
    section_done(page, "product_sales",
                 lambda: page.locator("#product_sales").get_by_role("button",
                                                                    name="Clear").click())
    check_product_sales(page, site.get(base, sort="revenue", variant_id=variant))
    # the ring's tooltip names the category and the value of the sort column
    ring = page.locator("#product_sales .ring")
    box = ring.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2 + box["height"] * 0.29,
                    box["y"] + box["height"] / 2)
    tip = page.locator("#product_sales .tt")
    tip.wait_for()
    assert re.search(r"Category revenue, \w+: [\d,]+\.\d\d", tip.inner_text())


def test_open_hours_switch_between_local_and_company_time(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    company = page.locator("#open_hours button[data-zone='company']")
    section_done(page, "open_hours", company.click)
    assert query(page) == {"open_hours_zone": "company"}
    assert page.locator("#open_hours button[data-zone='company']").get_attribute(
        "aria-pressed") == "true"
    api = site.get(f"/api/v1/mailings/{mid}/report/open_hours", open_hours_zone="company")
    for hour in range(24):
        assert text(page, f"open_hours.counts.{hour}") == fmt_int(api["counts"][hour])


def srcdoc(page) -> str:
    return page.locator("#heatmap iframe").get_attribute("srcdoc") or ""


def test_heatmap_is_sandboxed_and_toggles_colours_and_labels(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    page.wait_for_selector("#heatmap .body[data-state='ready']")
    frame = page.locator("#heatmap iframe")
    assert frame.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin
    heat = site.get(f"/api/v1/mailings/{mid}/report/heatmap")
    first = heat[0]
    doc = srcdoc(page)
    assert "<script" not in doc.lower()
    assert doc.count("data-mr-link=") == len(first["links"])
    busiest = max(first["links"], key=lambda link: link["clicks"])
    clicks = f"{fmt_int(busiest['clicks'])} click{'' if busiest['clicks'] == 1 else 's'}"
    label = f"{clicks} · {fmt_pct(busiest['percent_of_readers'])} of readers"
    assert f'data-mr-label="{label}"' in doc
    assert "outline:" in doc and 'class="mr-labels"' not in doc

    heat_button = page.locator("#heatmap button[data-toggle='heat']")
    assert heat_button.get_attribute("aria-pressed") == "true"
    heat_button.click()
    assert page.locator("#heatmap button[data-toggle='heat']").get_attribute(
        "aria-pressed") == "false"
    assert "outline:" not in srcdoc(page)
    page.locator("#heatmap button[data-toggle='heat']").click()
    assert "outline:" in srcdoc(page)

    page.locator("#heatmap button[data-toggle='labels']").click()
    assert 'class="mr-labels"' in srcdoc(page)
    # inside the frame, hovering the busiest link shows its label
    email = page.frame_locator("#heatmap iframe")
    link = email.locator(f"a[data-mr-link='{busiest['link_index']}']")
    link.hover()
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert label in after
    # and the keyboard: a focused link shows its label
    other = email.locator(f"a[data-mr-label]:not([data-mr-link='{busiest['link_index']}'])"
                          ).first
    assert other.evaluate("a => getComputedStyle(a, '::after').content") == "none"
    other.focus()
    assert other.evaluate("a => getComputedStyle(a, '::after').content") == (
        f'"{other.get_attribute("data-mr-label")}"')

    second = heat[1]["variant_id"]
    page.locator("#heatmap-variant").select_option(second)
    page.wait_for_selector("#heatmap .body[data-state='ready']")
    body = site.get(f"/api/v1/mailings/{mid}/variants/{second}/body")["body_html"]
    subject = re.search(r"<h1>(.*?)</h1>", body).group(1)
    assert subject in srcdoc(page)


def test_stage_magnifiers_link_to_the_customer_lists(site, page):
    mid = busiest_sent(site, "email")["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    for stage in ("sent", "delivered", "opened", "clicked", "ordered", "spam", "unsubscribed"):
        link = page.locator(f"#efficiency a[data-stage='{stage}']")
        assert link.get_attribute("href") == f"/mailings/{mid}/customers?stage={stage}"
        assert link.get_attribute("aria-label")
    # ordered after a click has no list of its own: no link to a page that refuses it
    assert page.locator("#efficiency a[data-stage='ordered_after_click']").count() == 0
    page.locator("#efficiency a[data-stage='clicked']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/mailings/{mid}/customers?stage=clicked")


def test_sms_report_has_no_open_hours_and_no_heatmap(site, page):
    mid = busiest_sent(site, "sms")["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    shown = visible_sections(page)
    assert "open_hours" not in shown and "heatmap" not in shown
    assert "efficiency" in shown and "orders" in shown
    steps = page.locator("#efficiency .funnel-step").evaluate_all(
        "ns => ns.map(n => n.dataset.stage)")
    assert steps == ["sent", "delivered", "clicked", "ordered_after_click"]
    check_report(page, api)


def test_the_workbook_link_downloads_the_report_as_chosen(site, page):
    mid = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    sent_day = site.get(f"/api/v1/mailings/{mid}")["sent_at"][:10]
    ready(page, f"{site.url}/mailings/{mid}?from={sent_day}&to={sent_day}")
    # a choice made after the page was drawn goes along too
    section_done(page, "product_sales",
                 lambda: page.locator("#product_sales button[data-sort='revenue']").click())
    with page.expect_download() as download:
        page.locator("#workbook-link").click()
    url = urlparse(download.value.url)
    assert url.path == f"/api/v1/mailings/{mid}/report.xlsx"
    assert parse_qs(url.query) == {"from": [sent_day], "to": [sent_day], "sort": ["revenue"],
                                   "lang": ["en"]}  # the page's language
    assert download.value.suggested_filename == f"{mid}-report-{sent_day}_{sent_day}.xlsx"
    assert download.value.path().read_bytes()[:2] == b"PK"  # a zip: the workbook
    import io

    import openpyxl

    # in the page's language
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames[0] == "Summary"


def test_one_variant_with_a_control_group_is_one_test_row(site, page):
    mid = busiest_sent(site, "sms", control=True)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert [(g["group"], g["variant_id"]) for g in api["groups"]] == [
        ("test", "A"), ("test", None), ("control", None)]
    names = page.locator("#groups .group-cards tbody th").all_inner_texts()
    assert names == ["Test group (all)", "Control group"]
    check_report(page, api)


def test_unsent_mailing_says_no_events_yet(site, page):
    draft = next(m for m in site.get("/api/v1/mailings") if m["status"] != "sent")
    ready(page, f"{site.url}/mailings/{draft['mailing_id']}")
    assert "No events yet" in page.locator("#report-status").inner_text()
    assert "volume" not in visible_sections(page)


def test_unknown_mailing_says_so(site, page):
    ready(page, f"{site.url}/mailings/NO-SUCH")
    assert page.locator("main").get_attribute("data-state") == "error"
    assert "There is no mailing with the ID “NO-SUCH”" in page.get_by_role("alert").inner_text()


def test_keyboard_reaches_the_stats_button(site, page):
    ready(page, site.url + "/")
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Stats":
            break
    else:
        pytest.fail("Tab never reached a Stats button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**/mailings/*")
    ready(page)


# -- screenshots at a laptop's and a phone's width ----------------------------------


def pages_to_shoot(site) -> dict[str, str]:
    email = busiest_sent(site, "email", control=True, min_variants=2)["mailing_id"]
    sms = busiest_sent(site, "sms")["mailing_id"]
    push = busiest_sent(site, "push")["mailing_id"]
    draft = next(m for m in site.get("/api/v1/mailings") if m["status"] != "sent")
    campaign = site.get("/api/v1/campaigns")[0]["campaign_id"]
    return {"mailings": "/", "mailings-sms": "/?channel=sms", "campaigns": "/campaigns",
            "report-email": f"/mailings/{email}", "report-sms": f"/mailings/{sms}",
            "report-push": f"/mailings/{push}",
            "report-unsent": f"/mailings/{draft['mailing_id']}",
            "campaign-report": f"/campaigns/{campaign}", "signin": "/signin"}


@pytest.mark.parametrize("width", ["1280", "390"])
def test_screenshots_and_no_sideways_scrolling(site, page, width):
    if width == "390":
        page.set_viewport_size(PHONE)
    for name, path in pages_to_shoot(site).items():
        page.goto(site.url + path)
        if name != "signin":  # api/signin.py's page has no script to wait for
            ready(page)
        # "load", not "networkidle": Chromium never reports the network idle for a
        # phone-sized viewport once the sandboxed email frame sits far enough below
        # it (about 8,000 px), though every request has finished; ready() has
        # already waited for what the page's scripts fetch.
        page.wait_for_load_state("load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        screenshot(page, f"{name}-{width}")
