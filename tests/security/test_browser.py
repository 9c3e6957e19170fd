"""What a browser is told and may do: security headers on every answer, the API docs
only on request, forged cross-site writes refused (CSRF), and email HTML cleaned
before the heatmap shows it. The Playwright side is in tests/web/test_hostile.py."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.security import SESSION_COOKIE
from mailreport.auth import create_token
from mailreport.ingest import live
from mailreport.reports.heatmap import parse_links
from mailreport.settings import SettingsError, load_settings
from mailreport.web.email_html import clean_email_html

OWN = "http://testserver"
FOREIGN = "http://127.0.0.1:8080"  # another port of the same host: the same site
EVENT = {"event_id": "forged-1", "mailing_id": "m1", "customer_id": "ann",
         "type": "spam", "ts": "2026-03-02T10:00:00Z"}


@pytest.fixture
def data(store, tmp_path):
    Dataset(store, tmp_path / "d").mailing("m1").journeys(
        "m1", {"ann": [("delivered", at(0)), ("opened", at(1))]}).load()
    yield store
    live.stop(store)  # the events API started the store's writer


def stored_events(store) -> list[str]:
    return [row[0] for row in store.sql("SELECT event_id FROM events WHERE event_id LIKE "
                                        "'forged%' ORDER BY event_id")]


def signed_in(store, role: str = "admin", base_url: str = OWN) -> tuple[TestClient, str]:
    """A client holding a session cookie, and the CSRF token its pages carry."""
    client = TestClient(create_app(store, public_url="http://127.0.0.1:8000"),
                        base_url=base_url)
    r = client.post("/signin", data={"token": create_token(store, role)},
                    headers={"origin": OWN}, follow_redirects=False)
    assert r.status_code == 303 and SESSION_COOKIE in client.cookies
    return client, page_token(client)


def page_token(client: TestClient) -> str:
    page = client.get("/", headers={"accept": "text/html"})
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    return found[1] if found else ""


def post_event(client, event_id: str = "forged-1", **headers):
    """A write as a page would make it: a text/plain body needs no CORS preflight."""
    body = json.dumps([{**EVENT, "event_id": event_id}])
    return client.post("/api/v1/events", content=body,
                       headers={"content-type": "text/plain", **headers})


def assert_refused(response, *words: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail


# -- cross-site request forgery ---------------------------------------------------


def test_a_forged_cross_site_write_with_the_session_cookie_is_refused(data):
    client, token = signed_in(data)
    # what a page on another port could send: the cookie goes along (same site)
    assert_refused(post_event(client, origin=FOREIGN), "'http://127.0.0.1:8080'",
                   "not this site")
    assert_refused(post_event(client, origin=FOREIGN, **{"x-csrf-token": token}),
                   "not this site")  # even with a token it somehow learnt
    assert_refused(post_event(client, origin="null"), "'null'")  # a sandboxed frame
    assert_refused(post_event(client, referer=FOREIGN + "/attack.html"), "Referer")
    assert_refused(post_event(client), "Origin or Referer")  # neither header
    assert stored_events(data) == []


def test_a_write_from_the_own_page_needs_the_session_token(data):
    client, token = signed_in(data)
    assert_refused(post_event(client, origin=OWN), "X-CSRF-Token")
    assert_refused(post_event(client, origin=OWN, **{"x-csrf-token": "mr-guess"}),
                   "does not belong to this session")
    assert_refused(post_event(client, origin=OWN, **{"x-csrf-token": "tökén".encode()}),
                   "does not belong")  # non-ASCII: a 403, not a 500
    assert stored_events(data) == []
    r = post_event(client, origin=OWN, **{"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["inserted"] == 1
    # without an Origin, the Referer of the own page does
    r = post_event(client, "forged-2", referer=OWN + "/mailings/m1",
                   **{"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["inserted"] == 1
    assert stored_events(data) == ["forged-1", "forged-2"]


def test_the_token_belongs_to_one_session(data):
    first, first_token = signed_in(data)
    second, second_token = signed_in(data)
    assert first_token != second_token
    assert_refused(post_event(second, origin=OWN, **{"x-csrf-token": first_token}),
                   "does not belong")
    assert stored_events(data) == []


def test_bearer_tokens_and_webhooks_are_not_concerned(data):
    client, _ = signed_in(data)
    bearer = {"authorization": f"Bearer {create_token(data, 'admin')}"}
    r = post_event(client, origin=FOREIGN, **bearer)  # a script's token, not the cookie
    assert r.status_code == 200 and r.json()["inserted"] == 1
    # a provider's webhook answers for its own signature, whatever the Origin says
    r = client.post("/webhooks/sendgrid", content=b"[]",
                    headers={"origin": FOREIGN, "content-type": "text/plain"})
    assert r.status_code != 403 and "site" not in r.json()["detail"]


def test_the_public_url_is_this_site_behind_a_proxy(data, monkeypatch):
    monkeypatch.setenv("MAILREPORT_PUBLIC_URL", "https://reports.example.com")
    client, token = signed_in(data, base_url="https://testserver")  # the cookie is Secure
    r = post_event(client, origin="https://reports.example.com", **{"x-csrf-token": token})
    assert r.status_code == 200
    assert_refused(post_event(client, "forged-2", origin="https://evil.example.com",
                              **{"x-csrf-token": token}), "not this site")


def test_without_sign_in_a_foreign_page_still_cannot_write(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    assert_refused(post_event(client, origin=FOREIGN), "not this site")
    assert stored_events(data) == []
    assert post_event(client).status_code == 200  # curl, the CLI: no Origin at all


def test_sign_in_and_sign_out_from_another_site_are_refused(data):
    client = TestClient(create_app(data, public_url="http://127.0.0.1:8000"))
    token = create_token(data, "viewer")
    for headers in ({"origin": "null"}, {"referer": FOREIGN + "/"}, {"origin": FOREIGN}):
        r = client.post("/signin", data={"token": token}, headers=headers,
                        follow_redirects=False)
        assert r.status_code == 403 and SESSION_COOKIE not in client.cookies, headers
    client, csrf = signed_in(data, "viewer")
    r = client.post("/signout", data={"csrf_token": csrf}, headers={"origin": FOREIGN},
                    follow_redirects=False)
    assert_refused(r, "not this site")
    r = client.post("/signout", headers={"origin": OWN}, follow_redirects=False)
    assert_refused(r, "CSRF token")
    r = client.post("/signout", data={"csrf_token": "x" * 5000}, headers={"origin": OWN},
                    follow_redirects=False)
    assert_refused(r, "CSRF token")  # a form too large to hold a token is not read on
    assert client.get("/api/v1/mailings").status_code == 200  # still signed in
    r = client.post("/signout", data={"csrf_token": csrf}, headers={"origin": OWN},
                    follow_redirects=False)
    assert r.status_code == 303 and client.get("/api/v1/mailings").status_code == 401


def test_the_pages_carry_the_token_only_with_a_session(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    page = client.get("/").text
    assert 'name="csrf-token"' not in page and "csrf_token" not in page
    client, token = signed_in(data, "viewer")
    assert token
    page = client.get("/mailings/m1").text
    assert f'<meta name="csrf-token" content="{token}">' in page
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in page


# -- headers ------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    for path in ("/", "/mailings/m1", "/campaigns", "/mailings/m1/customers", "/signin",
                 "/api/v1/mailings", "/api/v1/mailings/nope", "/openapi.json",
                 "/static/js/util.js", "/health"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
        policy = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        if r.headers["content-type"].startswith("text/html"):
            assert "script-src 'self';" in policy and "base-uri 'none'" in policy, path
            assert "object-src 'none'" in policy, path
        else:
            assert policy.startswith("default-src 'none'"), path


def test_the_pages_run_no_inline_script_that_the_policy_would_block(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    for path in ("/", "/mailings/m1", "/campaigns", "/campaigns/c1",
                 "/mailings/m1/customers", "/signin"):
        html = client.get(path).text
        for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, re.S):
            if 'type="application/json"' in tag:
                # a data block: the browser never runs it, and no "<" in it
                # can close the element early
                assert "<" not in body and " src=" not in tag, (path, tag)
                json.loads(body)
            else:
                assert " src=" in tag and not body.strip(), (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


def test_only_the_report_page_may_show_remote_images_and_only_in_its_preview(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    report = client.get("/mailings/m1").headers["content-security-policy"]
    assert "img-src 'self' data: https: http:;" in report
    assert "script-src 'self';" in report
    assert "img-src 'self' data:;" in client.get("/").headers["content-security-policy"]


def test_api_docs_only_when_the_setting_says(data):
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/openapi.json").json()["info"]["title"] == "mailreport"
    assert 'href="/docs"' not in client.get("/").text

    data.settings = dataclasses.replace(data.settings, api_docs=True)
    client = TestClient(create_app(data, auth=False), base_url="http://127.0.0.1")
    r = client.get("/docs")
    assert r.status_code == 200
    assert "swagger-ui-dist@5.17.14/swagger-ui-bundle.js" in r.text  # a pinned version
    policy = r.headers["content-security-policy"]
    assert re.search(r"script-src https://cdn.jsdelivr.net 'sha256-[A-Za-z0-9+/=]+';", policy)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert client.get("/redoc").status_code == 404
    assert 'href="/docs"' in client.get("/").text


def test_the_api_docs_setting_reads_true_and_false(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert load_settings().api_docs is False
    for text, value in (("1", True), ("yes", True), ("true", True), ("off", False)):
        monkeypatch.setenv("MAILREPORT_API_DOCS", text)
        assert load_settings().api_docs is value
    monkeypatch.setenv("MAILREPORT_API_DOCS", "maybe")
    with pytest.raises(SettingsError, match="api_docs: 'maybe' is not true or false"):
        load_settings()


# -- the email's HTML ---------------------------------------------------------------

MXSS = "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"


@pytest.mark.parametrize("html", [
    MXSS,
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;'
    '&lt;img src=1 onerror=alert(1)&gt;">',
    "<svg><style>&lt;/style&gt;&lt;img src=x onerror=alert(1)&gt;</style></svg>",
    "<noscript><style></noscript><img src=x onerror=alert(1)>",
    '<form action="https://evil.example/"><input name=q><button formaction=x>Go</button></form>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe><object data=x></object>',
    '<a href="javascript:alert(1)">a</a><a href="jav&#x09;ascript:alert(1)">b</a>',
    '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=x">',
    '<div onmouseover="alert(1)" style="color:red">x</div><script>alert(1)</script>',
])
def test_email_html_is_cleaned_of_everything_active(html):
    cleaned = clean_email_html(html).lower()
    for bad in ("<script", "onerror", "onmouseover", "javascript", "<iframe", "srcdoc",
                "<object", "<form", "<input", "formaction", "<base", "<meta", "<math",
                "<svg", "<img src=\"x\" onerror", "alert(1)>"):
        assert bad not in cleaned, (bad, cleaned)
    # and cleaning again changes nothing (but the numbers, which need a fresh nonce):
    # what is left parses the same way twice
    unnumbered = re.sub(r' data-mr-link="\d+"', "", cleaned)
    assert clean_email_html(cleaned) == unnumbered


def test_the_mxss_pattern_leaves_nothing():
    assert clean_email_html(MXSS) == ""


def test_what_an_email_needs_to_look_right_stays():
    html = ('<html><head><title>Spring</title><style>.cta { color: #c00 }</style></head>'
            '<body><table width="600" cellpadding="0" align="center" bgcolor="#ffffff">'
            '<tr><td valign="top" style="padding: 8px"><font face="Arial" color="#333">Hi'
            '</font><img src="https://cdn.shop.example/logo.png" alt="Shop" width="120">'
            '<a class="cta" href="https://shop.example/sale?utm=x&amp;b=1" target="_blank">'
            'Sale</a></td></tr></table></body></html>')
    cleaned = clean_email_html(html)
    for kept in ("<style>.cta { color: #c00 }</style>", 'width="600"', 'cellpadding="0"',
                 'bgcolor="#ffffff"', 'style="padding: 8px"', '<font face="Arial"',
                 'src="https://cdn.shop.example/logo.png"', 'class="cta"',
                 'href="https://shop.example/sale?utm=x&amp;b=1"'):
        assert kept in cleaned, kept
    assert "Spring" not in cleaned  # the title is no part of the body


def test_links_are_numbered_as_the_report_numbers_them():
    html = ('<a href="https://a">1</a><a href="javascript:x()">2</a><a name="top">-</a>'
            '<A\nHREF="https://c">3</A><a href="https://d"><a href="https://e">4</a></a>'
            '<a data-mr-link="0" href="https://f">5</a><!-- <a href="https://g"> -->')
    cleaned = clean_email_html(html)
    numbers = [int(n) for n in re.findall(r'data-mr-link="(\d+)"', cleaned)]
    hrefs = re.findall(r'data-mr-link="\d+"(?: href="([^"]*)")?', cleaned)
    links = parse_links(html)
    assert sorted(numbers) == [link.index for link in links]
    # each number sits on the link the report gave it; javascript: lost its href only
    by_number = dict(zip(numbers, hrefs, strict=True))
    assert by_number == {link.index: ("" if link.url.startswith("javascript") else link.url)
                         for link in links}
    assert 'data-mr-link="0" href="https://f"' not in cleaned  # the email's own number
