"""What cannot apply is not drawn, and every error reads as a sentence with a way
back: no control-group tile without a control group, no spam figure for SMS or push,
one empty state for a mailing not sent yet, no export for a mailing that does not
exist, and an HTML page (for browsers) or problem JSON (for API clients) at an
address that names nothing."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import httpx
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

pytestmark = pytest.mark.browser

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def visible_sections(page) -> list[str]:
    return page.eval_on_selector_all("#report > section", "ns => ns.filter(n => !n.hidden)"
                                     ".map(n => n.id)")


@pytest.mark.parametrize("channel", ["sms", "push"])
def test_sms_and_push_have_no_spam_figure(site, page, channel):
    mid = busiest_sent(site, channel)["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    efficiency = page.locator("#efficiency")
    assert page.locator("[data-key='efficiency.spam']").count() == 0
    assert "spam" not in efficiency.inner_text().lower()
    assert page.locator("#efficiency a[data-stage='spam']").count() == 0
    # the unsubscribes beside it stay
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert text(page, "efficiency.unsubscribed") == fmt_int(api["efficiency"]["unsubscribed"])
    # nor does its customer list offer a spam segment
    ready(page, f"{site.url}/mailings/{mid}/customers")
    segments = page.locator("#segment option").evaluate_all("os => os.map(o => o.value)")
    assert "stage:spam" not in segments and "stage:unsubscribed" in segments


def test_an_email_keeps_its_spam_figure(site, page):
    mid = busiest_sent(site, "email")["mailing_id"]
    ready(page, f"{site.url}/mailings/{mid}")
    api = site.get(f"/api/v1/mailings/{mid}/report")
    assert text(page, "efficiency.spam") == fmt_int(api["efficiency"]["spam"])


def test_no_control_group_no_control_tile(site, page):
    without = busiest_sent(site, "email", control=False)["mailing_id"]
    ready(page, f"{site.url}/mailings/{without}")
    assert site.get(f"/api/v1/mailings/{without}/report")["volume"]["control_group"] == 0
    assert page.locator("[data-key='volume.control_group']").count() == 0
    assert "control" not in page.locator("#volume").inner_text().lower()
    assert page.locator("#volume .tile").count() == 2
    # and a mailing with one shows its size
    with_control = busiest_sent(site, "email", control=True)["mailing_id"]
    ready(page, f"{site.url}/mailings/{with_control}")
    volume = site.get(f"/api/v1/mailings/{with_control}/report")["volume"]
    assert volume["control_group"] > 0
    assert text(page, "volume.control_group") == fmt_int(volume["control_group"])


def test_a_draft_shows_one_empty_state(site, page):
    draft = next(m for m in site.get("/api/v1/mailings") if m["status"] == "draft")
    ready(page, f"{site.url}/mailings/{draft['mailing_id']}")
    assert visible_sections(page) == []
    assert page.locator("main .empty").count() == 1
    status = page.locator("#report-status").inner_text()
    assert "No events yet" in status and "is a draft" in status
    assert page.locator("#period-form").is_hidden()  # no period to choose
    assert page.locator("#workbook-link").count() == 0  # and no figures to take away
    assert page.locator("h1").inner_text() == draft["name"]


def test_an_unknown_mailing_is_a_sentence_and_a_way_back(site, page):
    ready(page, f"{site.url}/mailings/NO-SUCH")
    assert page.locator("main").get_attribute("data-state") == "error"
    assert page.locator("h1").inner_text() == "Mailing not found"
    alert = page.get_by_role("alert")
    words = alert.inner_text()
    assert "There is no mailing with the ID “NO-SUCH”." in words
    assert "{" not in words and "Not Found (404)" not in words
    assert alert.get_by_role("link", name="Back to mass messages").get_attribute("href") == "/"
    assert page.locator("#period-form").is_hidden()
    assert visible_sections(page) == []
    assert page.locator("#workbook-link").count() == 0
    # its customer list says so too, and offers no export of it
    ready(page, f"{site.url}/mailings/NO-SUCH/customers")
    page.wait_for_load_state("networkidle")
    assert page.locator("#export-open").is_hidden()
    alert = page.get_by_role("alert").first
    assert alert.get_by_role("link", name="Back to mass messages").count() == 1
    assert "Mailing 'NO-SUCH' does not exist." in alert.inner_text()


def test_an_unknown_page_is_html_for_browsers_and_problem_json_for_clients(site, page):
    url = f"{site.url}/no/such/page"
    html = httpx.get(url, headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "en"})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in html.text and 'href="/"' in html.text
    # a reader who asks for no language gets the locale setting's, Russian
    russian = httpx.get(url, headers={"Accept": BROWSER_ACCEPT})
    assert "<h1>Страница не найдена</h1>" in russian.text, russian.text[:2000]
    assert "Accept" in html.headers["vary"]
    for accept in ("application/json", "*/*", None):
        r = httpx.get(url, headers={"Accept": accept} if accept else {})
        assert r.status_code == 404, accept
        assert r.headers["content-type"] == "application/problem+json", accept
        assert r.json()["status"] == 404
    # under /api/ a client always gets problem JSON, whatever it accepts
    api = httpx.get(f"{site.url}/api/v1/no-such", headers={"Accept": BROWSER_ACCEPT})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    # in the browser: the page, its sentence and the way back
    response = page.goto(url)
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.get_by_role("link", name="Back to mass messages").get_attribute("href") == "/"


@pytest.mark.parametrize("width", ["1280", "390"])
def test_screenshots(site, page, width):
    if width == "390":
        page.set_viewport_size(PHONE)
    draft = next(m for m in site.get("/api/v1/mailings") if m["status"] == "draft")
    without = busiest_sent(site, "email", control=False)["mailing_id"]
    shots = {"applies-sms": f"/mailings/{busiest_sent(site, 'sms')['mailing_id']}",
             "applies-no-control": f"/mailings/{without}",
             "applies-draft": f"/mailings/{draft['mailing_id']}",
             "applies-unknown-mailing": "/mailings/NO-SUCH",
             "applies-unknown-page": "/no/such/page"}
    for name, path in shots.items():
        ready(page, site.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        screenshot(page, f"{name}-{width}")
