"""Delivery semantics: at least once and out of order change nothing; 2xx only once
stored; quarantine; size limit; the reports see new events within the stated bound."""

from __future__ import annotations

import json
import random
import time

import pytest
from examples import sendgrid_events
from webhook_kit import (  # noqa: F401 -- fixtures
    client_fixture,
    client_for,
    derived_of,
    events_of,
    keys_fixture,
    load_mailings,
    stop_live_writer_fixture,
)

from mailreport.auth import create_token
from mailreport.ingest import live
from mailreport.settings import Settings
from mailreport.store import open_store

URL = "/webhooks/sendgrid"


def post(client, keys, events):
    body = json.dumps(events).encode()
    return client.post(URL, content=body, headers=keys.sendgrid_headers(body))


def journey(ts: int) -> list[dict]:
    """Events whose machine marks depend on each other: bob's first click comes 3 s
    after delivery (a scanner); cat clicks three links within a second, an hour later."""
    def ev(n, customer, kind, at, **kw):
        return {"sg_event_id": f"j{n}", "event": kind, "timestamp": at, "mailing_id": "m1",
                "customer_id": customer, "email": f"{customer}@example.com", **kw}
    return [
        ev(1, "bob", "processed", ts), ev(2, "bob", "delivered", ts + 1),
        ev(3, "bob", "click", ts + 4, url="https://shop.test/a",
           url_offset={"index": 0, "type": "html"}),
        ev(4, "bob", "open", ts + 7200, useragent="Mozilla/5.0 (iPhone) Mobile/15E148"),
        ev(5, "bob", "click", ts + 7300, url="https://shop.test/a",
           url_offset={"index": 0, "type": "html"}),
        ev(6, "cat", "delivered", ts), *[
            ev(7 + i, "cat", "click", ts + 3600 + i * 0.3, url=f"https://shop.test/{i}",
               url_offset={"index": i, "type": "html"}) for i in range(3)],
        ev(10, "cat", "click", ts + 9000, url="https://shop.test/0",
           url_offset={"index": 0, "type": "html"}),
    ] + sendgrid_events(ts)


def test_duplicates_and_any_order_give_the_same_store(client, keys, store, tmp_path):
    events = journey(1_772_442_000)
    assert post(client, keys, events).status_code == 200
    expected_events, expected_derived = events_of(store), derived_of(store)
    rules = {e[0]: e[11] for e in expected_events}
    assert rules["j3"] == "click_soon_after_delivery" and rules["j5"] is None
    assert [rules[f"j{n}"] for n in (7, 8, 9, 10)] == ["all_links_at_once"] * 3 + [None]

    rng = random.Random(7)
    for attempt in range(4):
        other = open_store(tmp_path / f"other{attempt}.duckdb", Settings())
        try:
            load_mailings(other, tmp_path / f"data{attempt}")
            c = client_for(other, keys)
            shuffled = events + rng.sample(events, 8)  # some delivered twice
            rng.shuffle(shuffled)
            cuts = sorted(rng.sample(range(1, len(shuffled)), 4))
            for batch in (shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, None],
                                                         strict=True)):
                assert post(c, keys, batch).status_code == 200
            assert events_of(other) == expected_events, attempt
            assert derived_of(other) == expected_derived, attempt
        finally:
            live.stop(other)
            other.close()


def test_unknown_mailing_or_customer_waits_in_quarantine(client, keys, store, tmp_path):
    events = sendgrid_events(customer="dan", prefix="q")  # dan is no customer yet
    r = post(client, keys, events)
    assert r.status_code == 200
    assert r.json()["quarantined"] == 10 and r.json()["inserted"] == 0
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    page = client.get("/api/v1/quarantine", headers=admin).json()
    assert page["total"] == 10
    # an offset past the engine's 64-bit integers is refused, not overflowed
    r = client.get("/api/v1/quarantine", headers=admin,
                   params={"offset": 9223372036854775808})
    assert r.status_code == 422, r.text
    assert {e["reason"] for e in page["events"]} == {"no customers row with customer_id dan"}
    assert all(e["event"]["mailing_id"] == "m1" for e in page["events"])
    # a redelivery is counted, not added
    post(client, keys, events)
    page = client.get("/api/v1/quarantine", headers=admin).json()
    assert page["total"] == 10 and {e["deliveries"] for e in page["events"]} == {2}
    # once dan is loaded, a replay stores them and empties the quarantine
    from conftest import Dataset

    Dataset(store, tmp_path / "dan").customer("dan").load()
    r = client.post("/api/v1/quarantine/replay", headers=admin)
    assert r.status_code == 200 and r.json()["inserted"] == 10
    assert client.get("/api/v1/quarantine", headers=admin).json()["total"] == 0
    assert len(events_of(store)) == 10


def test_a_redelivery_after_the_mailing_is_loaded_leaves_the_quarantine(client, keys, store,
                                                                        tmp_path):
    from conftest import Dataset, at

    events = [{**e, "mailing_id": "m7"} for e in sendgrid_events(prefix="late")]
    post(client, keys, events)
    assert store.sql("SELECT count(*) FROM quarantine")[0][0] == 10
    Dataset(store, tmp_path / "m7").mailing("m7", sent_at=at(0)).load()
    r = post(client, keys, events)
    assert r.json()["inserted"] == 10
    assert store.sql("SELECT count(*) FROM quarantine")[0][0] == 0


def test_the_answer_comes_only_after_the_commit(client, keys, store, monkeypatch):
    from fastapi.testclient import TestClient

    from mailreport.ingest import live_commit

    def fail(con, *a, **k):
        con.execute("CREATE TABLE half_done AS SELECT 1 AS x")  # rolled back with the rest
        raise OSError("disk full")

    monkeypatch.setattr(live_commit, "ingest", fail)
    failing = TestClient(client.app, raise_server_exceptions=False)
    r = post(failing, keys, sendgrid_events())
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    monkeypatch.undo()
    assert events_of(store) == [] and store.sql("SELECT count(*) FROM quarantine")[0][0] == 0
    assert not store.sql("SELECT * FROM duckdb_tables() WHERE table_name = 'half_done'")
    assert post(client, keys, sendgrid_events()).json()["inserted"] == 10


def test_reports_see_the_events_within_the_stated_bound(client, keys, store):
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}

    def stages() -> tuple:
        s = client.get("/api/v1/mailings/m1/report", headers=admin).json()["efficiency"]
        return tuple(s["stages"][k] for k in ("sent", "delivered", "opened", "clicked"))

    assert stages() == (0, 0, 0, 0)
    assert post(client, keys, sendgrid_events()).status_code == 200
    acknowledged = time.monotonic()
    while stages() != (1, 1, 1, 1):
        assert time.monotonic() - acknowledged < live.FRESHNESS_BOUND_SECONDS
        time.sleep(0.02)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_body_is_413(store, keys, tmp_path, chunked):
    load_mailings(store, tmp_path / "d")
    c = client_for(store, keys, max_body_bytes=1000)
    body = json.dumps(sendgrid_events()).encode()
    headers = keys.sendgrid_headers(body)
    content = iter([body[:600], body[600:]]) if chunked else body
    r = c.post(URL, content=content, headers=headers)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "MAILREPORT_WEBHOOK_MAX_BYTES" in r.json()["detail"]


def test_the_events_api_quarantines_what_breaks_the_contract(client, store):
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    events = [
        {"event_id": "p1", "mailing_id": "m1", "customer_id": "ann", "type": "opened",
         "ts": "2026-03-02T10:00:00+03:00", "is_machine": False, "channel": "push"},
        {"event_id": "p2", "mailing_id": "m1", "customer_id": "ann", "type": "read",
         "ts": "2026-03-02T10:00:00Z"},
        {"event_id": "p3", "mailing_id": "m1", "customer_id": "ann", "type": "clicked",
         "ts": "yesterday", "link_index": -1},
    ]
    r = client.post("/api/v1/events", json={"events": events}, headers=admin)
    body = r.json()
    assert r.status_code == 200 and body["inserted"] == 1 and body["quarantined"] == 2
    assert body["ignored_columns"] == ["channel"]
    assert [(q["index"], q["event_id"]) for q in body["quarantine"]] == [(1, "p2"), (2, "p3")]
    assert "type must be one of" in body["quarantine"][0]["reason"]
    assert "ts is not a valid timestamp" in body["quarantine"][1]["reason"]
    [row] = events_of(store)
    assert row[5].isoformat() == "2026-03-02T07:00:00" and row[12] == "api"


def test_the_events_api_needs_admin(client, store):
    event = {"event_id": "x", "mailing_id": "m1", "customer_id": "ann", "type": "sent",
             "ts": "2026-03-02T10:00:00Z"}
    assert client.post("/api/v1/events", json=[event]).status_code == 401
    for role in ("viewer", "analyst"):
        token = create_token(store, role)
        r = client.post("/api/v1/events", json=[event],
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403
    assert events_of(store) == []
