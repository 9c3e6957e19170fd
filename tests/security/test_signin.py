"""The web sign-in: a session cookie that is HttpOnly, SameSite=Lax and Secure on
https; a rate limit on attempts; revocation and sign-out end the session."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.security import SESSION_COOKIE
from mailreport.api.signin import AttemptLimiter, Sessions
from mailreport.auth import create_token, list_tokens, revoke_token


@pytest.fixture
def app(store, tmp_path):
    Dataset(store, tmp_path / "d").mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}) \
        .load()
    return create_app(store, public_url="http://127.0.0.1:8000")


def sign_in(client, token, next_="/", **headers):
    return client.post("/signin", data={"token": token, "next": next_},
                       headers=headers, follow_redirects=False)


def test_the_page_and_a_good_sign_in(app, store):
    client = TestClient(app)
    page = client.get("/signin")
    assert page.status_code == 200 and 'name="token"' in page.text
    assert page.headers["cache-control"] == "no-store"
    r = sign_in(client, create_token(store, "viewer"), "/campaigns")
    assert r.status_code == 303 and r.headers["location"] == "/campaigns"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    for flag in ("HttpOnly", "SameSite=lax", "Path=/", "Max-Age="):
        assert flag in cookie
    assert "Secure" not in cookie  # served over http here
    assert client.get("/api/v1/mailings").status_code == 200  # the cookie is the session


def test_the_cookie_is_secure_when_the_public_url_is_https(store, monkeypatch):
    monkeypatch.setenv("MAILREPORT_PUBLIC_URL", "https://reports.example.com")
    client = TestClient(create_app(store), base_url="https://testserver")
    r = sign_in(client, create_token(store, "viewer"))
    assert "Secure" in r.headers["set-cookie"]


def test_a_bad_token_is_refused_and_attempts_are_limited(app):
    client = TestClient(app)
    for _ in range(10):
        r = sign_in(client, "mr_nope_nope", accept="text/html", **{"accept-language": "en"})
        assert r.status_code == 401 and "not valid" in r.text
        assert "set-cookie" not in r.headers
    r = sign_in(client, "mr_nope_nope")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"


def test_the_limit_is_per_address_and_slides():
    limiter = AttemptLimiter(limit=2, window=60)
    assert limiter.wait_seconds("a", now=0) == 0 and limiter.wait_seconds("a", now=1) == 0
    assert limiter.wait_seconds("a", now=2) > 0
    assert limiter.wait_seconds("b", now=2) == 0
    assert limiter.wait_seconds("a", now=61) == 0


def test_revoking_the_token_ends_the_session(app, store):
    client = TestClient(app)
    sign_in(client, create_token(store, "analyst"))
    assert client.get("/api/v1/mailings").status_code == 200
    revoke_token(store, list_tokens(store)[0].token_id)
    assert client.get("/api/v1/mailings").status_code == 401


def test_sign_out_ends_the_session(app, store):
    client = TestClient(app)
    sign_in(client, create_token(store, "viewer"))
    cookie = client.cookies[SESSION_COOKIE]
    # as the page's sign-out form posts it: from this site, with the session's token
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)[1]
    r = client.post("/signout", data={"csrf_token": token}, headers={"origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    assert app.state.sessions.token_for(cookie) is None
    client.cookies.set(SESSION_COOKIE, cookie)  # replaying the old cookie
    assert client.get("/api/v1/mailings").status_code == 401


def test_pages_send_a_signed_out_browser_to_the_sign_in_page(app, store):
    client = TestClient(app)
    r = client.get("/campaigns?x=1", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2Fcampaigns%3Fx%3D1"
    assert client.get("/campaigns").status_code == 401  # not a browser: a problem
    sign_in(client, create_token(store, "viewer"))
    r = client.get("/campaigns", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code != 303


def test_no_open_redirect(app, store):
    client = TestClient(app)
    token = create_token(store, "viewer")
    for target in ("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com"):
        assert sign_in(client, token, target).headers["location"] == "/"


def test_another_site_cannot_sign_a_visitor_in(app, store):
    client = TestClient(app)
    r = sign_in(client, create_token(store, "viewer"), origin="https://evil.example.com")
    assert r.status_code == 403 and "set-cookie" not in r.headers
    r = sign_in(client, create_token(store, "viewer"), origin="http://testserver")
    assert r.status_code == 303


def test_sessions_keep_no_cookie_and_expire():
    sessions = Sessions(ttl_seconds=0)
    cookie = sessions.start("mr_a_b")
    assert cookie not in repr(sessions._by_digest)
    assert sessions.token_for(cookie) is None  # expired at once
    sessions = Sessions(max_sessions=2)
    first = sessions.start("t1")
    sessions.start("t2")
    sessions.start("t3")
    assert sessions.token_for(first) is None
