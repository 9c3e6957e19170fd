"""Twilio: X-Twilio-Signature over the public URL and sorted parameters; ids in the
StatusCallback URL's query."""

from __future__ import annotations

from examples import twilio_params
from webhook_kit import (  # noqa: F401 -- fixtures
    PUBLIC_URL,
    bounces_of,
    client_fixture,
    events_of,
    keys_fixture,
    signed_twilio,
    stop_live_writer_fixture,
)

IDS = {"mailing_id": "s1", "customer_id": "bob"}


def send(client, keys, params, query=IDS, **kw):
    path, body, headers = keys.twilio_request(params, query, **kw)
    return client.post(path, content=body, headers=headers)


def test_the_signature_is_twilios_documented_algorithm():
    from mailreport.ingest.providers.twilio import signature

    url = PUBLIC_URL + "/webhooks/twilio?mailing_id=s1"
    params = twilio_params()
    assert signature(url, list(params.items()), "tok") == signed_twilio(url, params, "tok")


def test_status_callbacks_become_sms_events(client, keys, store):
    for status in ("queued", "sent", "delivered"):
        r = send(client, keys, twilio_params(status))
        assert r.status_code == 200, r.text
    r = send(client, keys, twilio_params("undelivered", sid="SM2"), {**IDS, "customer_id": "ann"})
    assert r.status_code == 200
    rows = events_of(store)
    assert sorted((e[3], e[4]) for e in rows) == [("ann", "bounced"), ("bob", "delivered"),
                                                  ("bob", "sent")]
    assert {e[1] for e in rows} == {"s1"} and {e[12] for e in rows} == {"twilio"}


def test_a_retry_is_a_duplicate(client, keys, store):
    send(client, keys, twilio_params())
    r = send(client, keys, twilio_params())
    assert r.json()["duplicates"] == 1 and len(events_of(store)) == 1


def test_the_customer_comes_from_the_phone_number_when_the_url_has_none(client, keys, store):
    r = send(client, keys, twilio_params(to="+15550003c"), {"mailing_id": "s1"})
    assert r.status_code == 200 and r.json()["inserted"] == 1
    assert events_of(store)[0][3] == "cat"


def test_a_tampered_parameter_is_refused(client, keys, store):
    path, body, headers = keys.twilio_request(twilio_params(), IDS)
    r = client.post(path, content=body.replace("delivered", "failed"), headers=headers)
    assert r.status_code == 401
    r = client.post(path.replace("bob", "ann"), content=body, headers=headers)
    assert r.status_code == 401
    assert events_of(store) == []


def test_a_wrong_token_or_url_is_refused(client, keys):
    assert send(client, keys, twilio_params(), token="0" * 32).status_code == 401
    r = send(client, keys, twilio_params(), base="https://elsewhere.example.com")
    assert r.status_code == 401 and "MAILREPORT_PUBLIC_URL" in r.json()["detail"]


def test_the_default_port_may_be_in_the_signed_url(client, keys, store):
    assert send(client, keys, twilio_params(), base=PUBLIC_URL + ":443").status_code == 200


def test_no_signature_is_refused(client):
    assert client.post("/webhooks/twilio", data=twilio_params()).status_code == 401


def test_stale_timestamps_and_replayed_tokens(client, keys, store):
    # Twilio signs no time and no nonce: a replayed callback is a retry, and the
    # event id (message sid + status) makes it a duplicate
    send(client, keys, twilio_params())
    assert send(client, keys, twilio_params()).json()["inserted"] == 0


def test_malformed_is_400(client, keys):
    params = {k: v for k, v in twilio_params().items() if "Status" not in k}
    assert send(client, keys, params).status_code == 400


def test_error_codes_give_the_class_and_reason(client, keys, store):
    """Twilio's ErrorCode on an undelivered or failed message (docs/webhooks.md)."""
    cases = {"SM1": ("undelivered", "30003"), "SM2": ("undelivered", "30005"),
             "SM3": ("failed", "30007"), "SM4": ("undelivered", "30008"),
             "SM5": ("failed", "")}
    for sid, (status, code) in cases.items():
        params = {**twilio_params(status, sid=sid), "ErrorCode": code}
        assert send(client, keys, params).status_code == 200
    got = bounces_of(store)
    assert got == {
        "tw-SM1-undelivered": ("bounced", "soft", "30003 unreachable destination handset"),
        "tw-SM2-undelivered": ("bounced", "hard", "30005 unknown destination handset"),
        "tw-SM3-failed": ("failed", "blocked", "30007 message filtered"),
        "tw-SM4-undelivered": ("bounced", "unknown", "30008 unknown error"),
        "tw-SM5-failed": ("failed", "unknown", None)}
