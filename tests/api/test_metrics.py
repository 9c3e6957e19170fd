"""/metrics over real HTTP: the counters move by exactly the requests and events
sent, labels are route templates, the access rule holds, and the store's size is
its file's. Read with prometheus-client's own parser of the exposition format."""

from __future__ import annotations

import base64
import json
import os
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.webhooks import WebhookState
from mailreport.auth import create_token
from mailreport.ingest import live
from mailreport.ingest.providers import WebhookConfig
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import serving

METRICS_TOKEN = "metrics-secret-0123456789abcdef"
REPORT = "/api/v1/mailings/{mailing_id}/report"
POSTMARK = WebhookConfig(postmark_user="pm-hooks", postmark_password="pm-password-123")


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape by (name, labels)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict, name: str, **labels) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


def load(store, tmp_path) -> None:
    data = Dataset(store, tmp_path / "data")
    data.customer("ann", email="ann@example.com").customer("bob", email="bob@example.com")
    data.mailing("m1", sent_at=at(0))
    data.journeys("m1", {"ann": [("sent", at(0))]})
    data.load()


@pytest.fixture
def served(store, tmp_path, monkeypatch):
    """A server with auth on, the metrics token set, and Postmark's webhook."""
    load(store, tmp_path)
    monkeypatch.setenv("MAILREPORT_METRICS_TOKEN", METRICS_TOKEN)
    app = create_app(store, public_url="http://127.0.0.1:8000")
    app.state.webhooks = WebhookState(POSTMARK)
    with serving(app) as server:
        yield server, app


def scrape(url: str, token: str = METRICS_TOKEN) -> dict:
    r = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(r.text)


def test_requests_are_counted_by_route_template_method_and_status_class(served, store):
    server, _ = served
    admin = {"Authorization": f"Bearer {create_token(store, 'admin', 'ops')}"}
    before = scrape(server.url)
    for mailing in ("m1", "m1", "nope"):
        httpx.get(f"{server.url}/api/v1/mailings/{mailing}/report", headers=admin)
    httpx.get(f"{server.url}/api/v1/mailings/m1/report")  # no token: 401
    httpx.get(f"{server.url}/no/such/path/m1")
    httpx.post(f"{server.url}/health")  # a route, another method: 405
    after = scrape(server.url)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "mailreport_http_requests_total"
    assert moved(requests, method="GET", route=REPORT, status="2xx") == 2
    assert moved(requests, method="GET", route=REPORT, status="4xx") == 2  # 404 and 401
    assert moved(requests, method="GET", route="(unmatched)", status="4xx") == 1
    assert moved(requests, method="POST", route="/health", status="4xx") == 1
    assert moved(requests, method="GET", route="/metrics", status="2xx") == 1  # `before`
    latency = "mailreport_http_request_duration_seconds_count"
    assert moved(latency, method="GET", route=REPORT) == 4
    # no label holds a path, a mailing or a customer: the templates are the routes'
    routes = {dict(labels).get("route") for name, labels in after if name == requests}
    assert routes == {REPORT, "(unmatched)", "/health", "/metrics"}


def postmark(server, mailing: str, message: str) -> httpx.Response:
    record = {"RecordType": "Delivery", "MessageID": message, "Recipient": "ann@example.com",
              "DeliveredAt": "2026-03-02T09:28:10Z",
              "Metadata": {"mailing_id": mailing, "customer_id": "ann"}}
    basic = base64.b64encode(b"pm-hooks:pm-password-123").decode()
    return httpx.post(f"{server.url}/webhooks/postmark", content=json.dumps(record),
                      headers={"Authorization": f"Basic {basic}",
                               "Content-Type": "application/json"})


def test_events_are_counted_per_provider_and_outcome(served, store):
    server, _ = served
    admin = {"Authorization": f"Bearer {create_token(store, 'admin', 'ops')}"}
    before = scrape(server.url)
    assert postmark(server, "m1", "msg-1").json()["inserted"] == 1
    assert postmark(server, "m1", "msg-1").json()["duplicates"] == 1
    assert postmark(server, "unknown-mailing", "msg-2").json()["quarantined"] == 1
    events = [{"event_id": f"api-{n}", "mailing_id": "m1", "customer_id": "bob",
               "type": "sent", "ts": at(n)} for n in range(3)]
    r = httpx.post(f"{server.url}/api/v1/events", json=events, headers=admin)
    assert r.json()["inserted"] == 3
    bad = httpx.post(f"{server.url}/webhooks/postmark", content=b"{}",
                     headers={"Content-Type": "application/json"})  # no credentials
    assert bad.status_code == 401
    live.flush(store)
    after = scrape(server.url)

    def moved(provider, outcome):
        name = "mailreport_events_total"
        return (value(after, name, provider=provider, outcome=outcome)
                - value(before, name, provider=provider, outcome=outcome))

    assert [moved("postmark", o) for o in ("inserted", "duplicate", "quarantined")] == [1, 1, 1]
    assert [moved("api", o) for o in ("inserted", "duplicate", "quarantined")] == [3, 0, 0]
    # every provider's series is there from the start, at 0
    assert ("mailreport_events_total",
            frozenset({"provider": "sendgrid", "outcome": "inserted"}.items())) in before
    assert value(after, "mailreport_events_total", provider="sendgrid", outcome="inserted") == 0
    # everything acknowledged is in the derived tables after the flush
    assert value(after, "mailreport_live_refresh_lag_seconds") == 0
    assert (value(after, "mailreport_live_refreshes_total")
            > value(before, "mailreport_live_refreshes_total"))


def test_store_size_is_the_database_file_and_its_wal(served, store):
    server, _ = served
    got = scrape(server.url)
    assert value(got, "mailreport_store_bytes", file="database") == os.path.getsize(store.path)
    assert value(got, "mailreport_store_bytes", file="database") > 0
    wal = f"{store.path}.wal"
    assert value(got, "mailreport_store_bytes", file="wal") == (
        os.path.getsize(wal) if os.path.exists(wal) else 0)
    info = {dict(labels)["engine"] for name, labels in got if name == "mailreport_info"}
    assert info == {"duckdb"}
    assert value(got, "process_resident_memory_bytes") > 0


def test_the_metrics_need_the_metrics_token_or_an_admin(served, store):
    server, app = served
    url = f"{server.url}/metrics"
    viewer = create_token(store, "viewer", "dashboards")
    admin = create_token(store, "admin", "ops")
    nothing = httpx.get(url)
    assert nothing.status_code == 401 and nothing.headers["www-authenticate"] == "Bearer"
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
    assert httpx.get(url, headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    ok = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and "mailreport_http_requests_total" in ok.text
    # the token is no API token: it opens nothing else
    assert httpx.get(f"{server.url}/api/v1/mailings",
                     headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 401
    assert "/metrics" not in app.openapi()["paths"]


def test_a_scraper_that_asks_for_openmetrics_gets_it(served):
    server, _ = served
    r = httpx.get(f"{server.url}/metrics", headers={
        "Authorization": f"Bearer {METRICS_TOKEN}",
        "Accept": "application/openmetrics-text; version=1.0.0"})
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.endswith("# EOF\n")
    assert "# TYPE mailreport_http_requests counter" in r.text


def test_without_the_token_set_only_an_admin_reads_them(store, tmp_path, monkeypatch):
    monkeypatch.delenv("MAILREPORT_METRICS_TOKEN", raising=False)
    app = create_app(store)
    with serving(app) as server:
        # no credentials must not match an unset token
        for header in ("Bearer", "Bearer x"):
            assert httpx.get(f"{server.url}/metrics",
                             headers={"Authorization": header}).status_code == 401
        admin = create_token(store, "admin", "ops")
        assert httpx.get(f"{server.url}/metrics",
                         headers={"Authorization": f"Bearer {admin}"}).status_code == 200


@pytest.mark.parametrize(("access", "status"), [("open", 200), ("off", 404)])
def test_open_and_off_are_chosen_explicitly(tmp_path, monkeypatch, access, status):
    monkeypatch.setenv("MAILREPORT_METRICS_TOKEN", METRICS_TOKEN)
    store = open_store(tmp_path / "other.duckdb", Settings(metrics=access))
    try:
        with serving(create_app(store)) as server:
            assert httpx.get(f"{server.url}/metrics").status_code == status
    finally:
        live.stop(store)
        store.close()


def test_a_lake_servers_facts_age_is_the_manifests(tmp_path):
    """Over a lake: the time since `mailreport refresh` wrote the facts' manifest."""
    from mailreport.api.metrics import StoreCollector
    from mailreport.store.lake_facts import MANIFEST_NAME, facts_dir

    class Lake:  # what the collector reads of a LakeStore without a state file
        engine, lake, path = "lake", tmp_path, tmp_path

    lake = Lake()

    def age():
        gauges = {s.name: s.value for family in StoreCollector(lake).collect()
                  for s in family.samples}
        assert "mailreport_store_bytes" not in gauges  # no state file: no size to give
        return gauges.get("mailreport_lake_facts_age_seconds")

    assert age() is None  # no facts built yet
    manifest = facts_dir(tmp_path) / MANIFEST_NAME
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    built = time.time() - 3600
    os.utime(manifest, (built, built))
    assert 3600 <= age() < 3660
