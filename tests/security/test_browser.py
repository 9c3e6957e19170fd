"""What a browser is told and may do: security headers on every answer, the API docs
only on request, forged cross-site writes refused (CSRF), and email HTML cleaned
before the heatmap shows it. The Playwright side is in tests/web/test_hostile.py."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.ingest import live
from mailreport.settings import SettingsError, load_settings

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


# -- headers ------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(data):
    client = TestClient(create_app(data, auth=False))
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
    client = TestClient(create_app(data, auth=False))
    for path in ("/", "/mailings/m1", "/campaigns", "/campaigns/c1",
                 "/mailings/m1/customers", "/signin"):
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


def test_api_docs_only_when_the_setting_says(data):
    client = TestClient(create_app(data, auth=False))
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/openapi.json").json()["info"]["title"] == "mailreport"
    assert 'href="/docs"' not in client.get("/").text

    data.settings = dataclasses.replace(data.settings, api_docs=True)
    client = TestClient(create_app(data, auth=False))
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
