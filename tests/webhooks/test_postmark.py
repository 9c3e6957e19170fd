"""Postmark: basic auth in the webhook URL, one record per request, Metadata ids."""

from __future__ import annotations

import json

from examples import postmark_record
from webhook_kit import (  # noqa: F401 -- fixtures
    bounces_of,
    client_fixture,
    events_of,
    keys_fixture,
    stop_live_writer_fixture,
)

URL = "/webhooks/postmark"


def post(client, keys, record, **auth):
    return client.post(URL, content=json.dumps(record), headers=keys.postmark_headers(**auth))


def test_the_documented_records(client, keys, store):
    kinds = ("Delivery", "Bounce", "Open", "Click", "SpamComplaint", "SubscriptionChange")
    for kind in kinds:
        r = post(client, keys, postmark_record(kind))
        assert r.status_code == 200 and r.json()["inserted"] == 1, (kind, r.text)
    rows = events_of(store)
    assert sorted(r[4] for r in rows) == ["bounced", "clicked", "delivered", "opened", "spam",
                                          "unsubscribed"]
    assert {r[1:4] for r in rows} == {("m1", "A", "ann")}
    click = next(r for r in rows if r[4] == "clicked")
    assert click[7] == "https://example.com" and click[9] == "188.2.95.4"


def test_redelivery_changes_nothing(client, keys, store):
    for _ in range(2):
        for kind in ("Delivery", "Open", "Click", "Bounce"):
            post(client, keys, postmark_record(kind))
    assert len(events_of(store)) == 4


def test_soft_bounces_are_ignored(client, keys, store):
    soft = postmark_record("Bounce", Type="SoftBounce", Inactive=False)
    assert post(client, keys, soft).json()["ignored"] == 1
    assert events_of(store) == []


def test_wrong_credentials_are_refused(client, keys, store):
    r = post(client, keys, postmark_record(), password="guess")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert post(client, keys, postmark_record(), user="admin").status_code == 401
    r = client.post(URL, json=postmark_record())
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = client.post(URL, json=postmark_record(), headers={"Authorization": "Basic !!!"})
    assert r.status_code == 401
    assert events_of(store) == []


def test_a_tampered_or_replayed_body_needs_the_credentials_anyway(client, keys, store):
    # Postmark signs nothing: the credentials are the whole check, so a replay with
    # them is a redelivery, which the event ids make harmless
    record = postmark_record("Open")
    post(client, keys, record)
    assert post(client, keys, record).json()["duplicates"] == 1


def test_malformed_is_400(client, keys):
    for body in (b"{", b"[1]", b'{"no": "record type"}'):
        r = client.post(URL, content=body, headers=keys.postmark_headers())
        assert r.status_code == 400, body


def test_bounces_carry_their_type_as_class_and_unsubscribes_their_reason(client, keys, store):
    """The documented HardBounce is hard with its Details; a Blocked bounce is
    blocked; an inactive soft bounce soft; the SubscriptionChange's
    SuppressionReason is the unsubscribe reason (docs/webhooks.md)."""
    records = [postmark_record("Bounce"),
               postmark_record("Bounce", ID=44, Type="Blocked", TypeCode=100000,
                               Details="smtp;554 5.7.1 blocked by policy"),
               postmark_record("Bounce", ID=45, Type="SoftBounce", TypeCode=4096,
                               Inactive=True, Details=""),
               postmark_record("SubscriptionChange")]
    for record in records:
        assert post(client, keys, record).json()["inserted"] == 1
    got = sorted(bounces_of(store).values())
    assert got == [
        ("bounced", "blocked", "smtp;554 5.7.1 blocked by policy"),
        ("bounced", "hard", "Test bounce details"),
        ("bounced", "soft", "The server was unable to deliver your message (ex: unknown "
                            "user, mailbox not found)."),
        ("unsubscribed", None, "ManualSuppression")]
