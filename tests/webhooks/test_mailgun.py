"""Mailgun: HMAC of timestamp + token, the age limit, the token replay cache, bots."""

from __future__ import annotations

import time

from examples import mailgun_event
from webhook_kit import (  # noqa: F401 -- fixtures
    bounces_of,
    client_fixture,
    events_of,
    keys_fixture,
    stop_live_writer_fixture,
)

URL = "/webhooks/mailgun"
JSON = {"Content-Type": "application/json"}


def test_the_documented_open_is_stored_with_its_variables(client, keys, store):
    r = client.post(URL, content=keys.mailgun_body(mailgun_event()), headers=JSON)
    assert r.status_code == 200, r.text
    [row] = events_of(store)
    assert row[:5] == ("CPgfbmQMTCKtHW6uIWtuVe", "m1", "A", "ann", "opened")
    assert row[9] == "50.56.129.169" and row[8].startswith("Mozilla/5.0 (X11")
    assert row[10] is False and row[12] == "mailgun"


def test_event_types(client, keys, store):
    cases = {"accepted": "sent", "delivered": "delivered", "clicked": "clicked",
             "complained": "spam", "unsubscribed": "unsubscribed", "rejected": "failed"}
    for n, kind in enumerate(cases):
        body = keys.mailgun_body(mailgun_event(kind, event_id=f"e{n}", url="https://x.test/"))
        assert client.post(URL, content=body, headers=JSON).status_code == 200
    failed = mailgun_event("failed", event_id="hard", severity="permanent", reason="bounce")
    soft = mailgun_event("failed", event_id="soft", severity="temporary", reason="generic")
    suppressed = mailgun_event("failed", event_id="supp", severity="permanent",
                               reason="suppress-bounce")
    for data in (failed, soft, suppressed):
        client.post(URL, content=keys.mailgun_body(data), headers=JSON)
    got = {r[0]: r[4] for r in events_of(store)}
    assert got == {**{f"e{n}": t for n, t in enumerate(cases.values())},
                   "hard": "bounced", "supp": "failed"}


def test_client_info_bot_marks_a_machine_event(client, keys, store):
    data = mailgun_event(event_id="bot1")
    data["client-info"] = {**data["client-info"], "bot": "apple", "user-agent": "Mozilla/5.0"}
    client.post(URL, content=keys.mailgun_body(data), headers=JSON)
    [row] = events_of(store)
    assert row[10] is True and row[11] == "provider:mailgun_bot=apple"


def test_a_tampered_body_is_refused(client, keys, store):
    body = keys.mailgun_body(mailgun_event())
    r = client.post(URL, content=body.replace(b'"ann"', b'"bob"'), headers=JSON)
    # the signature covers timestamp and token only: the event itself is not signed
    # by Mailgun, so what a tampered body can change is limited to one redelivery
    assert r.status_code == 200
    forged = body.replace(b'"signature": "', b'"signature": "0')
    assert client.post(URL, content=forged, headers=JSON).status_code == 401


def test_a_wrong_key_is_refused(client, keys, store):
    body = keys.mailgun_body(mailgun_event(), key="key-not-the-right-one")
    r = client.post(URL, content=body, headers=JSON)
    assert r.status_code == 401 and events_of(store) == []


def test_a_stale_timestamp_is_refused(client, keys):
    body = keys.mailgun_body(mailgun_event(), timestamp=int(time.time()) - 3600)
    r = client.post(URL, content=body, headers=JSON)
    assert r.status_code == 401 and "MAX_AGE" in r.json()["detail"]


def test_a_replayed_token_is_refused(client, keys, store):
    body = keys.mailgun_body(mailgun_event(), token="a8ce0edb2dd8301dee6c2405235584e45aa9")
    assert client.post(URL, content=body, headers=JSON).status_code == 200
    again = client.post(URL, content=body, headers=JSON)
    assert again.status_code == 401 and "replayed" in again.json()["detail"]
    assert len(events_of(store)) == 1


def test_a_token_is_remembered_only_once_the_events_are_stored(client, keys, store,
                                                              monkeypatch):
    from mailreport.ingest import live

    body = keys.mailgun_body(mailgun_event(), token="retry-me")

    def broken(*a, **k):
        raise RuntimeError("disk full")

    from fastapi.testclient import TestClient

    monkeypatch.setattr(live, "ingest_events", broken)
    failing = TestClient(client.app, raise_server_exceptions=False)
    assert failing.post(URL, content=body, headers=JSON).status_code == 500
    monkeypatch.undo()
    # Mailgun's retry with the same token goes in
    assert client.post(URL, content=body, headers=JSON).status_code == 200
    assert len(events_of(store)) == 1


def test_malformed_bodies_are_400(client):
    for body in (b"nope", b"[]", b'{"signature": {}}'):
        r = client.post(URL, content=body, headers=JSON)
        assert r.status_code in (400, 401), body
    assert client.post(URL, content=b"[]", headers=JSON).status_code == 400


def test_failures_carry_their_class_and_reason(client, keys, store):
    """Mailgun's documented permanent failure (550, "5.1.1 The email account that
    you tried to reach does not exist") is hard; a suppression names its class; a
    policy code is blocked; "old" gave up after retries: soft (docs/webhooks.md)."""
    def failed(event_id, reason, code, message):
        return mailgun_event("failed", event_id=event_id, severity="permanent", reason=reason,
                             **{"delivery-status": {"tls": True, "mx-host": "smtp-in.example",
                                                    "code": code, "description": "",
                                                    "attempt-no": 1, "message": message}})
    cases = [
        failed("hard", "bounce", 550, "5.1.1 The email account that you tried to reach does "
                                      "not exist."),
        failed("policy", "bounce", 550, "5.7.1 Message rejected due to local policy"),
        failed("supp", "suppress-bounce", 605, "Not delivering to previously bounced address"),
        failed("unsub", "suppress-unsubscribe", 607, "Not delivering to unsubscribed address"),
        failed("old", "old", 0, "Too old"),
        failed("generic", "generic", 550, "Requested action not taken"),
        failed("nocode", "generic", None, None),
    ]
    for data in cases:
        assert client.post(URL, content=keys.mailgun_body(data), headers=JSON).status_code == 200
    got = bounces_of(store)
    assert {k: v[1] for k, v in got.items()} == {
        "hard": "hard", "policy": "blocked", "supp": "hard", "unsub": "blocked", "old": "soft",
        "generic": "hard", "nocode": "unknown"}
    assert got["hard"][2] == ("550 5.1.1 The email account that you tried to reach does "
                              "not exist.")
    assert got["nocode"][2] == "generic"
