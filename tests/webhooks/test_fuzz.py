"""Property-based fuzzing of the webhooks and the events API: whatever arrives, the
server answers without a 5xx, and every valid event it acknowledges is stored."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_kit import Keys, client_for, load_mailings

from mailreport.auth import create_token
from mailreport.ingest import live
from mailreport.settings import Settings
from mailreport.store import open_store

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OK = {200, 400, 401, 403, 413}

scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(st.characters(codec="utf-8"), max_size=30))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    keys = Keys.make(tmp_path_factory.mktemp("certs"))
    store = open_store(tmp_path_factory.mktemp("db") / "fuzz.duckdb", Settings())
    load_mailings(store, tmp_path_factory.mktemp("data"))
    client = client_for(store, keys)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    yield store, client, keys, admin
    live.stop(store)
    store.close()


def stored(store, ids) -> set[str]:
    if not ids:
        return set()
    rows = store.sql("SELECT event_id FROM events WHERE event_id IN (SELECT unnest(?))",
                     [list(ids)])
    return {r[0] for r in rows}


def valid_sendgrid() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "sg_event_id": st.builds(lambda: "v-" + uuid.uuid4().hex),
        "event": st.sampled_from(["processed", "delivered", "open", "click", "bounce",
                                  "dropped", "spamreport", "unsubscribe"]),
        "timestamp": st.integers(1_700_000_000, 1_900_000_000),
        "mailing_id": st.just("m1"),
        "customer_id": st.sampled_from(["ann", "bob", "cat"]),
        "email": st.sampled_from(["ann@example.com", "x@y.z"]),
    }, optional={"url": st.text(max_size=20), "useragent": st.text(max_size=40),
                 "ip": st.sampled_from(["17.1.2.3", "10.0.0.1", "::1", "nonsense"]),
                 "url_offset": st.fixed_dictionaries({"index": st.integers(0, 20)}),
                 "sg_machine_open": st.booleans()})


def hostile_sendgrid() -> st.SearchStrategy[dict]:
    return st.dictionaries(
        st.sampled_from(["sg_event_id", "event", "timestamp", "mailing_id", "customer_id",
                         "variant_id", "url", "url_offset", "useragent", "ip", "email",
                         "sg_machine_open", "custom_args"]) | st.text(max_size=6),
        json_values, max_size=8)


@FUZZ
@given(valid=st.lists(valid_sendgrid(), max_size=20),
       hostile=st.lists(hostile_sendgrid(), max_size=10), data=st.data())
def test_sendgrid_never_fails_and_never_loses_a_valid_event(world, valid, hostile, data):
    store, client, keys, _ = world
    events = data.draw(st.permutations(valid + hostile))
    body = json.dumps(events).encode()
    r = client.post("/webhooks/sendgrid", content=body, headers=keys.sendgrid_headers(body))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["received"] == answer["inserted"] + answer["duplicates"] + \
        answer["quarantined"]
    ids = {e["sg_event_id"] for e in valid}
    assert stored(store, ids) == ids


@FUZZ
@given(valid=st.lists(st.fixed_dictionaries({
    "event_id": st.builds(lambda: "g-" + uuid.uuid4().hex),
    "mailing_id": st.sampled_from(["m1", "s1"]), "customer_id": st.sampled_from(["ann", "bob"]),
    "type": st.sampled_from(["sent", "delivered", "opened", "clicked", "spam"]),
    "ts": st.datetimes().map(lambda d: d.isoformat() + "Z"),
}, optional={"link_index": st.integers(0, 50), "url": st.text(max_size=20),
             "user_agent": st.text(max_size=30), "is_machine": st.booleans(),
             "variant_id": st.just("A")}), max_size=15),
    hostile=st.lists(st.dictionaries(
        st.sampled_from(["event_id", "mailing_id", "customer_id", "type", "ts", "link_index",
                         "is_machine", "variant_id", "url", "provider", "machine_rule"])
        | st.text(max_size=5), scalars, max_size=8), max_size=10), data=st.data())
def test_the_events_api_never_fails_and_never_loses_a_valid_event(world, valid, hostile, data):
    store, client, _, admin = world
    events = data.draw(st.permutations(valid + hostile))
    # json.dumps, not json=: Infinity and NaN are part of the hostile input
    r = client.post("/api/v1/events", content=json.dumps(events),
                    headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    ids = {e["event_id"] for e in valid}
    assert stored(store, ids) == ids


ENDPOINTS = ["/webhooks/sendgrid", "/webhooks/mailgun", "/webhooks/ses", "/webhooks/postmark",
             "/webhooks/twilio", "/api/v1/events"]


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS),
       body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
       signed=st.booleans(), content_type=st.sampled_from(
           ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]))
def test_arbitrary_bodies_never_make_a_5xx(world, endpoint, body, signed, content_type):
    store, client, keys, admin = world
    headers = {"Content-Type": content_type} if content_type else {}
    if signed:
        headers.update({
            "/webhooks/sendgrid": lambda: keys.sendgrid_headers(body),
            "/webhooks/postmark": keys.postmark_headers,
            "/api/v1/events": lambda: admin,
        }.get(endpoint, dict)())
        if endpoint == "/webhooks/sendgrid" or endpoint == "/webhooks/postmark":
            headers["Content-Type"] = content_type or "application/json"
    r = client.post(endpoint, content=body, headers=headers)
    assert r.status_code in OK, (r.status_code, r.text)
    if r.status_code != 200:
        assert r.headers["content-type"] == "application/problem+json"


@FUZZ
@given(event_data=st.dictionaries(st.sampled_from(
    ["id", "event", "timestamp", "user-variables", "client-info", "recipient", "url", "ip",
     "severity", "reason"]), json_values, max_size=8))
def test_mailgun_event_data_never_makes_a_5xx(world, event_data):
    _, client, keys, _ = world
    r = client.post("/webhooks/mailgun", content=keys.mailgun_body(event_data),
                    headers={"Content-Type": "application/json"})
    assert r.status_code in OK, r.text


@FUZZ
@given(message=json_values | st.fixed_dictionaries({
    "eventType": st.sampled_from(["Delivery", "Bounce", "Open", "Click", "Send", "Complaint",
                                  "Subscription", "Weird"]) | json_values,
    "mail": st.dictionaries(st.sampled_from(["messageId", "destination", "tags", "timestamp"]),
                            json_values, max_size=4)}, optional={
    "bounce": json_values, "delivery": json_values, "click": json_values}),
    version=st.sampled_from(["1", "2"]))
def test_ses_messages_never_make_a_5xx(world, message, version):
    _, client, keys, _ = world
    r = client.post("/webhooks/ses", content=keys.sns_body(message, version=version))
    assert r.status_code in OK, r.text


def test_unpaired_surrogates_and_nul_characters(world):
    store, client, _, admin = world
    body = (b'[{"event_id": "\\ud800x", "mailing_id": "m1", "customer_id": "ann", '
            b'"type": "opened", "ts": "2026-03-02T10:00:00Z", "user_agent": "a\\u0000b"}]')
    r = client.post("/api/v1/events", content=body, headers=admin)
    assert r.status_code in (200, 400), r.text
