"""SES through SNS: signatures v1 and v2 from the certificate store, subscription
confirmation, fan-out to every recipient."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from examples import ses_message
from webhook_kit import (  # noqa: F401 -- fixtures
    TOPIC,
    bounces_of,
    client_fixture,
    client_for,
    events_of,
    keys_fixture,
    stop_live_writer_fixture,
)

URL = "/webhooks/ses"
SNS = {"Content-Type": "text/plain; charset=UTF-8",
       "x-amz-sns-message-type": "Notification"}


def test_a_delivery_signed_with_version_2(client, keys, store):
    r = client.post(URL, content=keys.sns_body(ses_message(), version="2"), headers=SNS)
    assert r.status_code == 200, r.text
    [row] = events_of(store)
    assert row[1:5] == ("m1", "A", "ann", "delivered")
    assert row[5] == dt.datetime(2016, 10, 19, 23, 21, 4, 133000) and row[12] == "ses"


def test_version_1_signatures_sha1(client, keys, store):
    r = client.post(URL, content=keys.sns_body(ses_message("Open"), version="1"), headers=SNS)
    assert r.status_code == 200, r.text
    [row] = events_of(store)
    assert row[4] == "opened" and row[9] == "192.0.2.1"


def test_click_link_index_from_link_tags(client, keys, store):
    client.post(URL, content=keys.sns_body(ses_message("Click")), headers=SNS)
    [row] = events_of(store)
    assert row[4] == "clicked" and row[6] == 2 and row[7].startswith("http://docs.aws")


def test_one_event_fans_out_to_every_recipient(client, keys, store):
    # several recipients: each one's customer is found by address (the tag names one)
    message = ses_message("Bounce", recipients=("ann@example.com", "bob@example.com",
                                                "cat@example.com"))
    r = client.post(URL, content=keys.sns_body(message), headers=SNS)
    assert r.json()["inserted"] == 3
    assert sorted((e[3], e[4]) for e in events_of(store)) == [
        ("ann", "bounced"), ("bob", "bounced"), ("cat", "bounced")]


def test_the_same_event_through_two_topics_is_stored_once(client, keys, store):
    message = ses_message()
    client.post(URL, content=keys.sns_body(message, message_id="one"), headers=SNS)
    r = client.post(URL, content=keys.sns_body(message, message_id="two"), headers=SNS)
    assert r.json()["duplicates"] == 1 and len(events_of(store)) == 1


def test_a_tampered_message_is_refused(client, keys, store):
    body = keys.sns_body(ses_message())
    r = client.post(URL, content=body.replace(b"ann", b"bob"), headers=SNS)
    assert r.status_code == 401 and events_of(store) == []


def test_a_signature_by_another_key_is_refused(client, keys):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    r = client.post(URL, content=keys.sns_body(ses_message(), key=other), headers=SNS)
    assert r.status_code == 401


def test_a_certificate_not_in_the_store_is_never_fetched(client, keys):
    url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-unknown.pem"
    r = client.post(URL, content=keys.sns_body(ses_message(), cert_url=url), headers=SNS)
    assert r.status_code == 401 and "certificate store" in r.json()["detail"]


def test_a_certificate_url_off_sns_is_refused(client, keys):
    for url in ("https://evil.example.com/SimpleNotificationService-x.pem",
                "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
                "https://sns.us-east-1.amazonaws.com.evil.com/x.pem"):
        r = client.post(URL, content=keys.sns_body(ses_message(), cert_url=url), headers=SNS)
        assert r.status_code == 401, url


def test_an_expired_certificate_is_refused(store, keys, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from webhook_kit import CERT_NAME, _rsa_cert

    expired = tmp_path / "certs"
    expired.mkdir()
    cert = _rsa_cert(keys.sns, "sns.amazonaws.com", days=-1)
    (expired / CERT_NAME).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    c = client_for(store, keys, sns_cert_dir=str(expired))
    r = c.post(URL, content=keys.sns_body(ses_message()), headers=SNS)
    assert r.status_code == 401 and "not valid now" in r.json()["detail"]


def test_a_topic_outside_the_allowed_list_is_refused(store, keys):
    c = client_for(store, keys, sns_topic_arns=("arn:aws:sns:eu-west-1:1:other",))
    assert c.post(URL, content=keys.sns_body(ses_message()), headers=SNS).status_code == 403
    c = client_for(store, keys, sns_topic_arns=(TOPIC,))
    assert c.post(URL, content=keys.sns_body(ses_message()), headers=SNS).status_code == 200


def test_without_a_topic_allow_list_the_endpoint_is_not_configured(store, keys):
    """Any AWS account can make an SNS topic that SNS signs for it: without the list,
    a forged delivery for a guessable mailing id was stored (#20)."""
    c = client_for(store, keys, sns_topic_arns=())
    r = c.post(URL, content=keys.sns_body(ses_message()), headers=SNS)
    assert r.status_code == 401 and "MAILREPORT_SNS_TOPIC_ARNS" in r.json()["detail"]
    assert store.sql("SELECT count(*) FROM events")[0][0] == 0


def test_subscription_confirmation_is_answered_without_a_fetch(client, keys, caplog):
    body = keys.sns_body(
        "You have chosen to subscribe to the topic. To confirm, visit the SubscribeURL.",
        type_="SubscriptionConfirmation", Token="2336412f37fb687f5d51e6e241d09c805a",
        SubscribeURL="https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
                     "&TopicArn=" + TOPIC + "&Token=2336412f37")
    r = client.post(URL, content=body, headers={**SNS,
                                                "x-amz-sns-message-type":
                                                    "SubscriptionConfirmation"})
    assert r.status_code == 200
    assert r.json()["info"]["sns"] == "SubscriptionConfirmation"
    assert "ConfirmSubscription" in r.json()["info"]["subscribe_url"]
    assert "awaits confirmation" in caplog.text
    assert all("\n" not in record.getMessage() for record in caplog.records)


CONFIRM = {**SNS, "x-amz-sns-message-type": "SubscriptionConfirmation"}
SUBSCRIBE_URL = ("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn="
                 + TOPIC + "&Token=2336412f37")


def _confirmation(keys, url: str) -> bytes:
    return keys.sns_body("To confirm, visit the SubscribeURL.", type_="SubscriptionConfirmation",
                         Token="2336412f37fb687f5d51e6e241d09c805a", SubscribeURL=url)


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """The URLs the server would fetch, fetched nowhere."""
    import httpx

    urls: list[str] = []

    def get(url, **kwargs):
        urls.append(url)
        return httpx.Response(200, request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", get)
    return urls


def _wait_for(fetched: list[str]) -> None:
    deadline = time.monotonic() + 5
    while not fetched and time.monotonic() < deadline:
        time.sleep(0.01)


def test_auto_confirm_visits_the_subscribe_url(store, keys, fetched):
    c = client_for(store, keys, sns_auto_confirm=True)
    r = c.post(URL, content=_confirmation(keys, SUBSCRIBE_URL), headers=CONFIRM)
    assert r.status_code == 200, r.text
    _wait_for(fetched)
    assert fetched == [SUBSCRIBE_URL]


@pytest.mark.parametrize("url", [
    SUBSCRIBE_URL + "\nWARNING mailreport.api forged line",  # urlsplit drops the newline
    SUBSCRIBE_URL + "\r\x1b[2J",
    "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",  # not https
    "https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
    "https://169.254.169.254/latest/meta-data/",
])
def test_a_subscribe_url_off_sns_https_is_refused_unlogged_and_unfetched(
        store, keys, fetched, caplog, url):
    """A SubscribeURL with a newline forged a log line; one on plain http was visited."""
    c = client_for(store, keys, sns_auto_confirm=True)
    r = c.post(URL, content=_confirmation(keys, url), headers=CONFIRM)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "SubscribeURL" in r.json()["detail"] and "SNS host" in r.json()["detail"]
    time.sleep(0.1)  # time enough for a confirming thread, had one started
    assert fetched == []
    assert "awaits confirmation" not in caplog.text
    assert all("\n" not in record.getMessage() and "\r" not in record.getMessage()
               for record in caplog.records)


def test_confirm_subscription_itself_refuses_a_url_off_sns(fetched, caplog):
    from mailreport.ingest.providers.ses import confirm_subscription

    confirm_subscription("http://sns.us-east-1.amazonaws.com/\nforged")
    assert fetched == []
    [record] = caplog.records
    assert "\n" not in record.getMessage() and "\\n" in record.getMessage()


def test_transient_bounces_and_delays_are_ignored(client, keys, store):
    soft = ses_message("Bounce")
    soft["bounce"]["bounceType"] = "Transient"
    r = client.post(URL, content=keys.sns_body(soft), headers=SNS)
    assert r.json()["ignored"] == 1 and events_of(store) == []


def test_malformed_is_400(client, keys):
    assert client.post(URL, content=b"{", headers=SNS).status_code == 400
    body = keys.sns_body("not an SES event")
    assert client.post(URL, content=body, headers=SNS).status_code == 400
    body = keys.sns_body(json.dumps({"eventType": "Open"}))
    assert client.post(URL, content=body, headers=SNS).status_code == 400


def test_stale_timestamps_and_replays(client, keys, store):
    # SNS retries a notification with its original Timestamp and MessageId, over a
    # period its delivery policy sets: the age limit does not apply; a replay is a
    # duplicate of the stored event, which changes nothing.
    body = keys.sns_body(ses_message(), timestamp="2016-10-19T23:21:05.000Z")
    assert client.post(URL, content=body, headers=SNS).status_code == 200
    again = client.post(URL, content=body, headers=SNS)
    assert again.json()["duplicates"] == 1 and len(events_of(store)) == 1


def test_bounces_carry_their_class_and_the_recipients_diagnostic(client, keys, store):
    """bounceType/bounceSubType give the class (docs/webhooks.md), the recipient's
    diagnosticCode the reason; a rejected message is blocked."""
    hard = ses_message("Bounce")
    hard["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = "smtp; 550 5.1.1 user unknown"
    suppressed = ses_message("Bounce", recipients=("bob@example.com",), tags={
        "mailing_id": ["m1"], "customer_id": ["bob"]})
    suppressed["bounce"]["bounceSubType"] = "Suppressed"
    undetermined = ses_message("Bounce", recipients=("cat@example.com",), tags={
        "mailing_id": ["m1"], "customer_id": ["cat"]})
    undetermined["bounce"].update(bounceType="Undetermined", bounceSubType="Undetermined")
    reject = ses_message("Reject", reject={"reason": "Bad content"})
    for message in (hard, suppressed, undetermined, reject):
        r = client.post(URL, content=keys.sns_body(message), headers=SNS)
        assert r.status_code == 200 and r.json()["inserted"] == 1, r.text
    got = sorted(bounces_of(store).values())
    assert got == [("bounced", "hard", "5.1.1 Suppressed"),
                   ("bounced", "hard", "550 5.1.1 user unknown"),
                   ("bounced", "unknown", "5.1.1 Undetermined"),
                   ("failed", "blocked", "Bad content")]
