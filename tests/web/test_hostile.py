"""The pages over small hand-made data: hostile email HTML and names stay inert, and
with sign-in on, the pages show what the token may see and say why when it may not."""

# The fixtures come from harness.py by import (a second conftest.py would shadow the
# `conftest` module the tests import Dataset from), so their names are reused here.
# ruff: noqa: F811

from __future__ import annotations

import json
import time

import pytest
from harness import Elsewhere, Server, browser, fmt_int, fmt_pct, page, ready  # noqa: F401 - fixtures

from conftest import Dataset, at
from mailreport.auth import create_token, revoke_token

pytestmark = pytest.mark.browser

HOSTILE = """<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<base href="https://evil.example/">
<script>parent.postMessage("pwned", "*")</script>
</head><body onload="alert(1)">
<p><a href="https://shop.example/sale" onclick="alert(2)">Sale</a></p>
<img src="x" onerror="alert(3)" alt="">
<a href="javascript:alert(4)">Script link</a>
<iframe src="https://evil.example/frame"></iframe>
<p><a href="https://shop.example/more" style="color: red">More</a></p>
<math><mtext><table><mglyph><style><img src=x onerror="alert(6)">
</body></html>"""

NAME = '<img src=x onerror="alert(5)">Spring'


@pytest.fixture
def hostile_site(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.mailing("m1", name=NAME)
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 1.0,
                          "body_html": HOSTILE})
    data.journeys("m1", {
        "ann": [("delivered", at(0)), ("opened", at(1)),
                ("clicked", at(2), {"link_index": 0, "url": "https://shop.example/sale"})],
        "bob": [("delivered", at(0)), ("opened", at(1)),
                ("clicked", at(2), {"link_index": 0, "url": "https://shop.example/sale"}),
                ("clicked", at(3), {"link_index": 2, "url": "https://shop.example/more"})],
        "cid": [("delivered", at(0))],
    })
    data.load()
    with Server(store) as server:
        yield server


def test_hostile_email_html_is_rendered_inert(hostile_site, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ready(page, hostile_site.url + "/")
    # a name is text, never markup
    assert page.locator("#mailings-panel tbody th a").inner_text() == NAME
    ready(page, hostile_site.url + "/mailings/m1")
    page.wait_for_selector("#heatmap .body[data-state='ready']")
    doc = srcdoc(page).lower()
    for bad in ("<script", "onload", "onclick", "onerror", "javascript:", "refresh",
                "<iframe", "<base", "evil.example/frame", "<math", "mglyph", "alert("):
        assert bad not in doc, bad
    assert "content-security-policy" in doc and "script-src 'none'" in doc
    assert 'style="color: red' in doc  # the email's own styles stay
    # the three <a href> elements are numbered in document order, as the API numbers them
    heat = hostile_site.get("/api/v1/mailings/m1/report/heatmap")[0]
    assert [link["clicks"] for link in heat["links"]] == [2, 0, 1]
    assert doc.count("data-mr-link=") == 3
    # the page's words and formats, English in the test browser: "100.0%" as CLDR writes it
    assert f'data-mr-label="2 clicks · {fmt_pct(100.0)} of readers"' in doc
    assert text_of_link(page, 2) == "More"
    assert dialogs == []


def text_of_link(page, index: int) -> str:
    return page.frame_locator("#heatmap iframe").locator(
        f"a[data-mr-link='{index}']").inner_text()


def test_sign_in_decides_what_the_pages_show(store, tmp_path, browser):
    data = Dataset(store, tmp_path / "data")
    data.mailing("m1").journeys("m1", {"ann": [("delivered", at(0)), ("opened", at(1))]})
    data.load()
    viewer = create_token(store, "viewer")
    seller = create_token(store, "viewer", product_sales=True)
    with Server(store, auth=True) as site:
        # a visitor without a session signs in on the page and comes back to the report
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(site.url + "/mailings/m1?from=2026-03-01")
        pg.wait_for_url("**/signin?next=*")
        # a token signs in through the folded-away second form (the first is by name)
        pg.locator("details.token-signin summary").click()
        pg.get_by_label("API token").fill(viewer)
        pg.locator("#token-signin button[type='submit']").click()
        pg.wait_for_url("**/mailings/m1?from=2026-03-01")
        ready(pg)
        assert pg.locator("main").get_attribute("data-state") == "ready"
        assert not pg.locator("#product_sales").is_visible()  # a viewer without the right
        assert pg.locator("[data-key='efficiency.stages.opened']").inner_text() == fmt_int(1)
        # lists are customer data: a viewer is offered no link the API would refuse
        assert pg.locator("#efficiency .funnel-step").count() >= 4
        assert pg.locator("#efficiency a[data-stage]").count() == 0
        # the token is revoked while the page is open: the next request says so
        token_id = viewer.split("_")[1]
        revoke_token(store, token_id)
        pg.get_by_role("button", name="Apply").click()
        pg.wait_for_selector("main[data-state='error']")
        alert = pg.get_by_role("alert")
        assert "a valid token is required" in alert.inner_text().lower()  # as a sentence
        assert alert.get_by_role("link", name="Sign in").get_attribute("href") == (
            "/signin?next=%2Fmailings%2Fm1%3Ffrom%3D2026-03-01")
        context.close()

        context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {seller}"})
        pg = context.new_page()
        ready(pg, site.url + "/mailings/m1")
        assert pg.locator("#product_sales").is_visible()
        assert pg.locator("#efficiency a[data-stage]").count() == 0
        context.close()

        # an analyst may open the lists: every listed stage links to its list
        analyst = create_token(store, "analyst")
        context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {analyst}"})
        pg = context.new_page()
        ready(pg, site.url + "/mailings/m1")
        links = pg.locator("#efficiency a[data-stage]")
        assert links.count() == 7
        href = links.first.get_attribute("href")
        # the page's list and its API answer the analyst (a viewer's would be a 403)
        assert pg.request.get(site.url + "/api/v1" + href).status == 200
        context.close()


def wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        time.sleep(0.05)
    return condition()


def test_the_preview_loads_remote_images_only_when_asked(store, tmp_path, page):
    with Elsewhere() as sender:
        data = Dataset(store, tmp_path / "data")
        data.mailing("m1")
        data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 1.0,
                              "body_html": f'<p><img src="{sender.url}/pixel.gif?open=1" '
                                           f'alt="">Hello <a href="https://shop.example/">Shop'
                                           f'</a></p><div style="background-image: url('
                                           f'{sender.url}/pixel.gif?background=1)">x</div>'})
        data.journeys("m1", {"ann": [("delivered", at(0)), ("opened", at(1))]})
        data.load()
        with Server(store) as site:
            ready(page, site.url + "/mailings/m1")
            page.wait_for_selector("#heatmap .body[data-state='ready']")
            email = page.frame_locator("#heatmap iframe")
            assert email.locator("a[data-mr-link='0']").inner_text() == "Shop"
            page.wait_for_timeout(500)
            assert sender.requests == []  # no pixel fired on opening the report
            assert 'img-src data:">' in srcdoc(page)
            note = page.locator("#heatmap-images-note")
            assert "Remote images are not loaded" in note.inner_text()

            button = page.get_by_role("button", name="Load images")
            assert button.get_attribute("aria-pressed") == "false"
            button.click()
            assert wait_until(lambda: len(set(sender.requests)) == 2), sender.requests
            assert set(sender.requests) == {"/pixel.gif?open=1", "/pixel.gif?background=1"}
            assert 'img-src data: https: http:">' in srcdoc(page)
            assert page.get_by_role("button", name="Load images").get_attribute(
                "aria-pressed") == "true"
            assert note.count() == 0
            assert email.locator("img").evaluate(
                "img => img.decode().then(() => img.naturalWidth)") == 1  # shown


def srcdoc(page) -> str:
    return page.locator("#heatmap iframe").get_attribute("srcdoc") or ""


FORGED = {"event_id": "forged-1", "mailing_id": "m1", "customer_id": "ann", "type": "spam",
          "ts": "2026-03-02T10:00:00Z"}


def test_a_page_on_another_port_cannot_write_with_the_session(store, tmp_path, browser):
    Dataset(store, tmp_path / "data").mailing("m1").journeys(
        "m1", {"ann": [("delivered", at(0)), ("opened", at(1))]}).load()
    admin = create_token(store, "admin")
    with Server(store, auth=True) as site, Elsewhere() as attacker:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(site.url + "/signin")
        pg.locator("details.token-signin summary").click()
        pg.get_by_label("API token").fill(admin)
        pg.locator("#token-signin button[type='submit']").click()
        pg.wait_for_url(site.url + "/")
        answers = []
        pg.on("response", lambda r: answers.append(r.status) if "/api/v1/" in r.url
              and r.request.method == "POST" else None)
        # the forgery: text/plain needs no preflight, and the cookie goes along
        attacker.files["/attack.html"] = (f"""<!doctype html><title>...</title><script>
            fetch("{site.url}/api/v1/events", {{method: "POST", mode: "no-cors",
              credentials: "include", headers: {{"Content-Type": "text/plain"}},
              body: JSON.stringify([{json.dumps(FORGED)}])}})
              .finally(() => {{ document.title = "sent"; }});
            </script>""".encode(), "text/html")
        pg.goto(attacker.url + "/attack.html")
        pg.wait_for_function("document.title === 'sent'")
        assert wait_until(lambda: answers == [403]), answers
        assert stored(store) == []

        # the app's own page writes through its script, which sends the session's token
        ready(pg, site.url + "/")
        answer = pg.evaluate("""async (event) => {
            const { api } = await import("/static/js/util.js");
            return api("/api/v1/events", {}, { method: "POST", body: [event] });
        }""", {**FORGED, "event_id": "own-1"})
        assert answer["inserted"] == 1 and answers == [403, 200]
        assert stored(store) == ["own-1"]
        context.close()


def stored(store) -> list[str]:
    return [row[0] for row in store.sql(
        "SELECT event_id FROM events WHERE event_id IN ('forged-1', 'own-1')")]
