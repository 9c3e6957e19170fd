"""What a browser is told and may do: security headers on every answer, the API docs
only on request, forged cross-site writes refused (CSRF), and email HTML cleaned
before the heatmap shows it. The Playwright side is in tests/web/test_hostile.py."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.ingest import live

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
