"""Hostile bytes before any credential (#20): each of these gave a 500 and two
tracebacks; each is now refused with a 4xx that says why, and nothing is stored."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from examples import mailgun_event, postmark_record, sendgrid_events, ses_message, twilio_params
from webhook_kit import (  # noqa: F401 -- fixtures
    PUBLIC_URL,
    client_fixture,
    events_of,
    keys_fixture,
    load_mailings,
    stop_live_writer_fixture,
)

from mailreport.ingest import live
from mailreport.ingest.providers import (
    Delivery,
    ReplayCache,
    WebhookError,
    generic,
    mailgun,
    postmark,
    sendgrid,
    ses,
    twilio,
)
from mailreport.settings import Settings
from mailreport.store import open_store

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


# -- every field a provider parses, with hostile values ------------------------------
# A value no provider means (a time that is no time, a number past any range, control
# characters, an unpaired surrogate, the wrong JSON type) is refused with a 4xx when it
# belongs to the delivery (signature, envelope, credentials), and quarantined with its
# reason when it belongs to one event (docs/webhooks.md): never a 5xx, never stored as
# if it were valid.

HOSTILE = ["nan", "inf", "-inf", "1e400", float("nan"), float("inf"), 10**30, -1, 1.5, "",
           "\x00\n\r\x1b", "\ud800", "x" * 5000, "2026-02-30T00:00:00", True, None, {},
           [["deep"]]]


def _unix_time(value) -> bool:
    """Whether a provider writing Unix seconds means a time by ``value``."""
    return type(value) in (int, float) and value in (-1, 1.5)


def _with(obj: dict, path: tuple, value) -> dict:
    """A copy of ``obj`` with ``value`` at ``path``."""
    obj = json.loads(json.dumps(obj))
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


def _sendgrid(keys, config, path, value, n):
    event = sendgrid_events()[5]  # a click: every field SendGrid's parser reads
    event["sg_event_id"] = f"sg-hostile-{n}"
    body = json.dumps([_with(event, path, value)]).encode()
    delivery = Delivery(body, {k.lower(): v for k, v in keys.sendgrid_headers(body).items()})
    sendgrid.verify(delivery, config)
    return sendgrid.parse(delivery)


def _mailgun(keys, config, path, value, n):
    body = keys.mailgun_body(_with(mailgun_event(event_id=f"mg-hostile-{n}"), path, value))
    delivery = Delivery(body, {})
    mailgun.verify(delivery, config, ReplayCache(config.max_age_seconds))
    return mailgun.parse(delivery)


def _ses(keys, config, path, value, n):
    message = ses_message("Click")
    message["click"]["link"] += f"?n={n}"  # a distinct event each time
    del message["mail"]["timestamp"]  # what a click's own time falls back to
    delivery = Delivery(keys.sns_body(_with(message, path, value)), {})
    return ses.parse(ses.verify(delivery, config), config)


def _ses_send(keys, config, path, value, n):
    """A Send event: its time is the mail object's."""
    message = ses_message("Send")
    message["mail"]["messageId"] += f"-{n}"
    delivery = Delivery(keys.sns_body(_with(message, path, value)), {})
    return ses.parse(ses.verify(delivery, config), config)


def _postmark(keys, config, path, value, n):
    record = postmark_record("Click", OriginalLink=f"https://example.com/{n}")
    delivery = Delivery(json.dumps(_with(record, path, value)).encode(),
                        {k.lower(): v for k, v in keys.postmark_headers().items()})
    postmark.verify(delivery, config)
    return postmark.parse(delivery)


def _form_value(value) -> str:
    # a form is bytes: a surrogate arrives as the UTF-8 bytes no decoder takes
    text = value if isinstance(value, str) else json.dumps(value)
    return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")


def _twilio(keys, config, path, value, n):
    params = {**twilio_params(sid=f"SMhostile{n}"), "mailing_id": "s1"}
    params[path[0]] = value
    query = "mailing_id=" + _form_value(params.pop("mailing_id"))
    form = "&".join(f"{k}={_form_value(v)}" for k, v in params.items())
    url = f"{PUBLIC_URL}/webhooks/twilio?{query}"
    signature = twilio.signature(url, urllib.parse.parse_qsl(form, keep_blank_values=True),
                                 keys.twilio)
    delivery = Delivery(form.encode(), {"x-twilio-signature": signature},
                        path="/webhooks/twilio", query=query)
    return twilio.parse(delivery, twilio.verify(delivery, config))


def _generic(keys, config, path, value, n):
    event = {"event_id": f"api-hostile-{n}", "mailing_id": "m1", "customer_id": "ann",
             "type": "opened", "ts": "2026-03-02T10:00:00Z"}
    parsed, _ = generic.parse(json.dumps([_with(event, path, value)]).encode())
    return parsed


# (parse one delivery, the fields it reads, the field that is the event's time,
# whether that time is Unix seconds)
EVENT_FIELDS = {
    "sendgrid": (_sendgrid, [("timestamp",), ("event",), ("sg_event_id",), ("mailing_id",),
                             ("customer_id",), ("variant_id",), ("email",), ("url",),
                             ("url_offset",), ("url_offset", "index"), ("useragent",),
                             ("ip",), ("sg_machine_open",)], ("timestamp",), True),
    "mailgun": (_mailgun, [("timestamp",), ("id",), ("event",), ("severity",), ("reason",),
                           ("recipient",), ("url",), ("ip",), ("client-info",),
                           ("client-info", "bot"), ("client-info", "user-agent"),
                           ("user-variables",), ("user-variables", "mailing_id")],
                ("timestamp",), True),
    "ses": (_ses, [("click", "timestamp"), ("eventType",), ("click",), ("click", "link"),
                   ("click", "linkTags"), ("click", "linkTags", "link_index"),
                   ("click", "userAgent"), ("click", "ipAddress"), ("mail", "messageId"),
                   ("mail", "destination"), ("mail", "tags"), ("mail", "tags", "mailing_id")],
            ("click", "timestamp"), False),
    "ses_send": (_ses_send, [("mail", "timestamp")], ("mail", "timestamp"), False),
    "postmark": (_postmark, [("ReceivedAt",), ("RecordType",), ("MessageID",),
                             ("OriginalLink",), ("UserAgent",), ("Recipient",), ("Geo",),
                             ("Geo", "IP"), ("Metadata",), ("Metadata", "customer_id")],
                 ("ReceivedAt",), False),
    "twilio": (_twilio, [("MessageStatus",), ("MessageSid",), ("To",), ("mailing_id",)],
               None, False),
    "api": (_generic, [(c,) for c in ("event_id", "mailing_id", "customer_id", "variant_id",
                                      "type", "ts", "link_index", "url", "user_agent", "ip",
                                      "is_machine", "machine_rule", "provider", "recipient")],
            ("ts",), False),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys):
    store = open_store(tmp_path_factory.mktemp("db") / "hostile.duckdb", Settings())
    load_mailings(store, tmp_path_factory.mktemp("data"))
    yield store
    live.stop(store)
    store.close()


@pytest.mark.parametrize("provider", EVENT_FIELDS)
def test_hostile_values_in_event_fields_are_refused_or_quarantined(world, keys, provider):
    handle, fields, time_field, unix = EVENT_FIELDS[provider]
    config = keys.config()
    events, not_a_time = [], set()
    for path in fields:
        before = len(events)
        for value in HOSTILE:
            where = f"{provider} {'.'.join(path)}={value!r:.40}"
            try:
                parsed = handle(keys, config, path, value, len(events))
            except WebhookError as exc:  # answered 4xx with this detail
                assert exc.status in (400, 401, 403) and exc.detail, where
                continue
            if path == time_field and not (unix and _unix_time(value)):
                not_a_time.update(range(len(events), len(events) + len(parsed.events)))
            events += parsed.events
        assert len(events) > before, f"{provider} {path}: no value made an event to store"
    result = live.ingest_events(world, events)
    assert result.received == len(events)
    assert result.inserted + result.duplicates + result.quarantined == result.received
    held = {q["index"]: q for q in result.quarantine}
    for index in not_a_time:
        assert index in held, f"{provider}: event {events[index]} was stored"
        assert "ts" in held[index]["reason"], held[index]


def _mailgun_signature(keys, field, value):
    body = json.loads(keys.mailgun_body(mailgun_event(event_id="mg-unsigned")))
    body["signature"][field] = value
    return "/webhooks/mailgun", json.dumps(body).encode()


def _sns_envelope(keys, field, value):
    body = json.loads(keys.sns_body(ses_message()))
    body[field] = value
    return "/webhooks/ses", json.dumps(body).encode()


DELIVERY_FIELDS = [(_mailgun_signature, f) for f in ("timestamp", "token", "signature")] + [
    (_sns_envelope, f) for f in ("Type", "MessageId", "Message", "Timestamp", "TopicArn",
                                 "Signature", "SignatureVersion", "SigningCertURL")]


@pytest.mark.parametrize("build,field", DELIVERY_FIELDS,
                         ids=[f"{b.__name__[1:]}-{f}" for b, f in DELIVERY_FIELDS])
def test_hostile_values_in_signed_fields_are_a_4xx(client, keys, store, build, field):
    """Values the signature covers, changed after signing: a surrogate among them made
    a 500 before any signature was checked."""
    for value in HOSTILE:
        path, body = build(keys, field, value)
        r = client.post(path, content=body, headers=JSON)
        assert r.status_code in (400, 401, 403), (field, value, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"]
    assert events_of(store) == []


HOSTILE_HEADERS = [b"\xff\xfe", "é".encode() * 64, b"nan", b"inf", b"1e400", b"-1", b"",
                   b"9" * 5000, b"Basic \xff", b"Basic " + base64.b64encode(b"\xff:\xfe"),
                   b"Basic " + b"=" * 4000, b"Basic " + base64.b64encode(b"\x00:\x00")]


@pytest.mark.parametrize("path,header", [
    ("/webhooks/sendgrid", "X-Twilio-Email-Event-Webhook-Signature"),
    ("/webhooks/sendgrid", "X-Twilio-Email-Event-Webhook-Timestamp"),
    ("/webhooks/postmark", "Authorization"),
    ("/webhooks/twilio", "X-Twilio-Signature"),
])
def test_hostile_credential_headers_are_a_401(client, keys, store, path, header):
    body = json.dumps(sendgrid_events()).encode()
    headers = {**keys.sendgrid_headers(body), **keys.postmark_headers()}
    if path == "/webhooks/twilio":
        path, body, headers = keys.twilio_request(twilio_params(), {"mailing_id": "s1"})
    for value in HOSTILE_HEADERS:
        r = client.post(path, content=body, headers={**headers, header: value})
        assert r.status_code == 401, (header, value, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert events_of(store) == []


@pytest.mark.parametrize("length, status", [(b"9" * 5000, 413), (b"0" * 5000 + b"1", 200)])
def test_a_content_length_of_thousands_of_digits_is_not_a_crash(client, keys, store, length,
                                                                 status):
    """int() refuses more than 4,300 digits (a ValueError, so a 500). Leading zeros
    do not make a number large: that one declares a single byte, and is read."""
    body = keys.mailgun_body(mailgun_event())
    r = client.post("/webhooks/mailgun", content=body,
                    headers={**JSON, "Content-Length": length})
    assert r.status_code == status, r.text
    if status == 413:
        assert "more bytes than any limit" in r.json()["detail"]
        assert events_of(store) == []
    else:
        assert len(events_of(store)) == 1
