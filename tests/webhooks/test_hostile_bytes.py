"""Hostile bytes before any credential (#20): each of these gave a 500 and two
tracebacks; each is now refused with a 4xx that says why, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from examples import mailgun_event, twilio_params
from webhook_kit import client_fixture, events_of, keys_fixture, stop_live_writer_fixture  # noqa: F401 -- fixtures

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 5000 + b"]" * 5000  # deeper than Python's JSON parser recurses


@pytest.mark.parametrize("stamp", ["inf", "-inf", "1e400", "nan"])
def test_a_sendgrid_timestamp_that_is_no_time_is_refused(client, keys, store, stamp):
    body = json.dumps([{"sg_event_id": "x", "event": "open", "timestamp": 1}]).encode()
    headers = keys.sendgrid_headers(body)
    headers["X-Twilio-Email-Event-Webhook-Timestamp"] = stamp
    r = client.post("/webhooks/sendgrid", content=body, headers=headers)
    assert r.status_code == 401, r.text
    assert "Unix time" in r.json()["detail"]
    assert events_of(store) == []


@pytest.mark.parametrize("stamp", ["nan", "inf", "1e400"])
def test_a_mailgun_timestamp_that_never_expires_is_refused(client, keys, store, stamp):
    # signed with the right key: only the age check stands between it and the store
    body = keys.mailgun_body(mailgun_event(), timestamp=stamp)
    r = client.post("/webhooks/mailgun", content=body, headers=JSON)
    assert r.status_code == 401, r.text
    assert "Unix time" in r.json()["detail"]
    assert events_of(store) == []


def test_a_non_ascii_mailgun_signature_is_refused(client, keys, store):
    body = json.loads(keys.mailgun_body(mailgun_event()))
    body["signature"]["signature"] = "é" * 64
    r = client.post("/webhooks/mailgun", content=json.dumps(body).encode(), headers=JSON)
    assert r.status_code == 401, r.text
    assert events_of(store) == []


def test_a_non_ascii_twilio_signature_is_refused(client, keys, store):
    path, form, headers = keys.twilio_request(twilio_params(), {"mailing_id": "s1"})
    headers["X-Twilio-Signature"] = "sig\xe9\xff".encode("latin-1")
    r = client.post(path, content=form, headers=headers)
    assert r.status_code == 401, r.text
    assert events_of(store) == []


@pytest.mark.parametrize("path", ["/webhooks/mailgun", "/webhooks/ses"])
def test_json_nested_past_the_parser_is_malformed_not_a_crash(client, store, path):
    r = client.post(path, content=DEEP, headers=JSON)
    assert r.status_code == 400, r.text
    assert "JSON" in r.json()["detail"]
    assert events_of(store) == []
