"""The campaign report at full depth: its volume in the mailings and in distinct
customers, its groups pooled per customer (with the customers left out), its
deliverability, and a link from each mailing to that mailing's report. Figures are
compared with the API's JSON through Babel's formats, in English and in Russian."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    WIDE,
    browser,
    page,
    ready,
    screenshot,
    site,
    text,
)

from mailreport.i18n.catalogs import translations
from mailreport.i18n.formats import Formats

pytestmark = pytest.mark.browser

STATUSES = ["good_recipients", "address_issue", "unsubscribed_channel",
            "unsubscribed_category", "blocked_by_policy", "control_group", "actual_recipients"]


def flat(value: str) -> str:
    return " ".join(value.split())


def pooled_campaign(site) -> dict:
    """The demo campaign with pooled groups and the most mailings."""
    reports = [site.get(f"/api/v1/campaigns/{c['campaign_id']}/report")
               for c in site.get("/api/v1/campaigns")]
    pooled = [r for r in reports if r["groups"] and r["volume"] and r["deliverability"]]
    assert pooled, "the demo has a campaign with control groups"
    return max(pooled, key=lambda r: len(r["mailings"]))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_volume_groups_and_deliverability_show_the_apis_figures(site, page, language):
    f = Formats(language)
    api = pooled_campaign(site)
    cid = api["campaign"]["campaign_id"]
    ready(page, f"{site.url}/campaigns/{cid}?lang={language}")
    volume = api["volume"]
    for key in STATUSES:
        assert text(page, f"volume.mailings.{key}") == flat(f.integer(volume["mailings"][key]))
        assert text(page, f"volume.customers.{key}") == flat(f.integer(volume["customers"][key]))
    # the demo's customers overlap, so the two columns differ somewhere
    assert volume["mailings"]["actual_recipients"] > volume["customers"]["actual_recipients"]

    test, control = api["groups"]["rows"]
    assert (test["group"], control["group"]) == ("test", "control")
    for name, row in (("test", test), ("control", control)):
        assert text(page, f"groups.{name}.assigned") == flat(f.integer(row["assigned"]))
        assert text(page, f"groups.{name}.buyers") == flat(f.integer(row["buyers"]))
        assert text(page, f"groups.{name}.conversion") == flat(f.percent(row["conversion"]))
        assert text(page, f"groups.{name}.revenue") == flat(f.amount(row["revenue"]))
    vc = test["vs_control"]
    uplift = text(page, "groups.test.vs_control.conversion.uplift")
    assert uplift.startswith(flat(f.signed(vc["conversion_uplift"])))
    # pooled rows have no funnel stages: no columns of dashes
    heads = page.locator("#groups table").first.locator("thead th").all_inner_texts()
    assert len(heads) == 8 and not {"Sent", "Delivered", "Opened", "Clicked"} & {
        flat(h) for h in heads}, heads
    left_out = text(page, "groups.left_out")
    n = api["groups"]["left_out"]
    assert flat(f.integer(n)) in left_out
    d = api["deliverability"]
    assert text(page, "deliverability.bounced") == flat(f.integer(d["bounced"]))
    top = d["domains"][0]
    assert text(page, f"deliverability.domain.{top['domain']}.sent") == flat(
        f.integer(top["sent"]))
    # a campaign offers no customer lists: no links in its deliverability
    assert page.locator("#deliverability a").count() == 0
    if language == "ru":
        headings = page.locator("#report h2").all_inner_texts()
        assert "Объём кампании" in headings and "Доставляемость" in headings
        assert "В рассылках" in page.locator("#volume thead").text_content()
        plural = translations("ru", "report").ngettext(
            "{n} customer was in a control group of one mailing and a test group of another: "
            "left out of both groups.", "{n} customers were in a control group of one mailing "
            "and a test group of another: left out of both groups.", n)
        assert plural.startswith("{n} клиент")
        assert left_out == flat(plural.format(n=f.integer(n)))
        assert "от отправленных" in page.locator("#deliverability .tiles").inner_text()
    else:
        assert left_out.startswith(f"{f.integer(n)} customer")


def test_each_mailing_links_to_its_report(site, page):
    api = pooled_campaign(site)
    ready(page, f"{site.url}/campaigns/{api['campaign']['campaign_id']}")
    links = page.locator("#mailings tbody th a")
    assert links.count() == len(api["mailings"])
    for i, row in enumerate(api["mailings"]):
        assert links.nth(i).get_attribute("href") == f"/mailings/{row['mailing_id']}"
        assert links.nth(i).inner_text() == row["name"]
    first = api["mailings"][0]
    links.first.click()
    page.wait_for_url(f"**/mailings/{first['mailing_id']}")
    ready(page)
    assert page.locator("h1").inner_text() == first["name"]


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["1280", "390"])
def test_the_deeper_campaign_report_fits_the_screen(site, page, width):
    api = pooled_campaign(site)
    page.set_viewport_size(width)
    ready(page, f"{site.url}/campaigns/{api['campaign']['campaign_id']}?lang=ru")
    for section in ("volume", "groups", "deliverability"):
        assert page.locator(f"#{section}").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the campaign report scrolls sideways by {overflow}px"
    for section in ("volume", "groups"):
        page.locator(f"#{section}").screenshot(
            path=str(screenshot(page, f"campaign-depth-ru-{width['width']}").with_name(
                f"campaign-depth-{section}-ru-{width['width']}.png")))
