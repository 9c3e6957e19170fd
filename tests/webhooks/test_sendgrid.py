"""SendGrid: the documented events, the signed-webhook check, and what is stored."""

from __future__ import annotations

import json
import time

from cryptography.hazmat.primitives.asymmetric import ec
from examples import sendgrid_events
from webhook_kit import (  # noqa: F401 -- fixtures
    bounces_of,
    client_fixture,
    events_of,
    keys_fixture,
    stop_live_writer_fixture,
)

URL = "/webhooks/sendgrid"


def post(client, keys, events, **kw):
    body = json.dumps(events).encode()
    return client.post(URL, content=body, headers=keys.sendgrid_headers(body, **kw))


def test_the_documented_events_become_contract_events(client, keys, store):
    r = post(client, keys, sendgrid_events())
    assert r.status_code == 200, r.text
    assert r.json()["received"] == 10 and r.json()["inserted"] == 10
    assert r.json()["ignored"] == 2  # deferred, group_resubscribe
    rows = {e[0]: e for e in events_of(store)}
    types = [rows[f"sg-ann-{n}"][4] for n in (0, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert types == ["sent", "delivered", "opened", "opened", "clicked", "bounced", "failed",
                     "spam", "unsubscribed", "unsubscribed"]
    click = rows["sg-ann-5"]
    assert click[1:4] == ("m1", "A", "ann")
    assert click[6:8] == (1, "http://www.sendgrid.com/")  # url_offset.index
    assert click[10] is False and click[12] == "sendgrid"
    machine_open = rows["sg-ann-4"]
    assert machine_open[10] is True and machine_open[11] == "provider:sg_machine_open"


def test_a_second_delivery_changes_nothing(client, keys, store):
    events = sendgrid_events()
    post(client, keys, events)
    before = events_of(store)
    r = post(client, keys, list(reversed(events)))
    assert r.json()["inserted"] == 0 and r.json()["duplicates"] == 10
    assert events_of(store) == before


def test_a_tampered_body_is_refused(client, keys, store):
    body = json.dumps(sendgrid_events()).encode()
    headers = keys.sendgrid_headers(body)
    r = client.post(URL, content=body.replace(b'"m1"', b'"m2"'), headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert "signature" in r.json()["detail"]
    assert events_of(store) == []


def test_a_signature_by_another_key_is_refused(client, keys):
    other = ec.generate_private_key(ec.SECP256R1())
    r = post(client, keys, sendgrid_events(), key=other)
    assert r.status_code == 401


def test_a_stale_timestamp_is_refused(client, keys):
    r = post(client, keys, sendgrid_events(), timestamp=int(time.time()) - 3600)
    assert r.status_code == 401 and "MAX_AGE" in r.json()["detail"]


def test_a_replayed_delivery_stores_nothing_twice(client, keys, store):
    # SendGrid signs each POST; a replay within the age limit is harmless: sg_event_id
    body = json.dumps(sendgrid_events()).encode()
    headers = keys.sendgrid_headers(body)
    assert client.post(URL, content=body, headers=headers).status_code == 200
    again = client.post(URL, content=body, headers=headers)
    assert again.status_code == 200 and again.json()["inserted"] == 0


def test_unsigned_requests_are_refused(client):
    r = client.post(URL, json=sendgrid_events())
    assert r.status_code == 401 and "Signed Event Webhook" in r.json()["detail"]


def test_a_malformed_body_is_400(client, keys):
    for body in (b"{not json", b'{"event": "open"}', b"[1, 2]"):
        r = client.post(URL, content=body, headers=keys.sendgrid_headers(body))
        assert r.status_code == 400, body
        assert r.headers["content-type"] == "application/problem+json"


def test_the_public_key_may_be_pem(store, keys, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from webhook_kit import client_for, load_mailings

    pem = keys.sendgrid.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    load_mailings(store, tmp_path / "d")
    c = client_for(store, keys, sendgrid_public_key=pem)
    assert post(c, keys, sendgrid_events()).status_code == 200


def test_without_the_key_configured_nothing_is_accepted(store, keys, tmp_path):
    from webhook_kit import client_for

    c = client_for(store, keys, sendgrid_public_key=None)
    r = post(c, keys, sendgrid_events())
    assert r.status_code == 401 and "MAILREPORT_SENDGRID_PUBLIC_KEY" in r.json()["detail"]


def test_bounces_and_drops_carry_their_class_and_reason(client, keys, store):
    """The reference sample's bounce (status 5.0.0, no classification) is hard, its
    drop of a bounced address too; SendGrid's classifications name the rest
    (docs/webhooks.md)."""
    events = sendgrid_events()
    extra = [
        {"event": "bounce", "type": "blocked", "bounce_classification": "Reputation",
         "reason": "550 5.7.1 Service unavailable; client host blocked using Spamhaus",
         "status": "5.7.1"},
        {"event": "bounce", "type": "bounce", "bounce_classification": "Mailbox Unavailable",
         "reason": "552 5.2.2 mailbox full", "status": "5.2.2"},
        {"event": "bounce", "type": "bounce", "bounce_classification": "Unclassified",
         "reason": "554 transaction failed", "status": "5.0.0"},
        {"event": "bounce", "type": "blocked", "reason": "421 try later", "status": "4.0.0"},
        {"event": "dropped", "reason": "Unsubscribed Address", "status": "5.0.0"},
    ]
    base = {k: v for k, v in events[0].items() if k not in ("event", "smtp-id", "sg_event_id")}
    events += [{**base, **e, "sg_event_id": f"sg-x-{n}"} for n, e in enumerate(extra)]
    assert post(client, keys, events).status_code == 200
    got = bounces_of(store)
    assert got["sg-ann-6"] == ("bounced", "hard", "500 unknown recipient")
    assert got["sg-ann-7"] == ("failed", "hard", "Bounced Address")
    assert [got[f"sg-x-{n}"][1] for n in range(5)] == [
        "blocked", "soft", "unknown", "blocked", "blocked"]
    assert got["sg-x-1"][2] == "552 5.2.2 mailbox full"
    assert got["sg-ann-2"] == ("delivered", None, None)  # only failures are classed
