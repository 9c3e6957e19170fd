"""Keys, signatures and an app for the webhook tests.

Every provider's signing key is generated here with ``cryptography``, so the tests
sign exactly as the provider would and check every signature path: valid, tampered
body, wrong key, stale timestamp, replayed token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.webhooks import WebhookState
from mailreport.ingest import live
from mailreport.ingest.providers import WebhookConfig

PUBLIC_URL = "https://reports.example.com"
CERT_NAME = "SimpleNotificationService-0123456789abcdef.pem"
CERT_URL = f"https://sns.us-east-1.amazonaws.com/{CERT_NAME}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def _rsa_cert(key, common_name: str, days: int = 30) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))


@dataclass
class Keys:
    sendgrid: ec.EllipticCurvePrivateKey
    sendgrid_public: str  # base64 DER, as SendGrid shows it
    sns: rsa.RSAPrivateKey
    cert_dir: Path
    mailgun: str = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
    postmark_user: str = "postmark-hooks"
    postmark_password: str = "s3cret-basic-auth-password"
    twilio: str = "12345678901234567890123456789012"

    @classmethod
    def make(cls, directory: Path) -> Keys:
        sg = ec.generate_private_key(ec.SECP256R1())
        der = sg.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
        sns = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CERT_NAME).write_bytes(
            _rsa_cert(sns, "sns.amazonaws.com").public_bytes(serialization.Encoding.PEM))
        return cls(sg, base64.b64encode(der).decode(), sns, directory)

    def config(self, **overrides) -> WebhookConfig:
        config = WebhookConfig(
            sendgrid_public_key=self.sendgrid_public, mailgun_signing_key=self.mailgun,
            sns_cert_dir=str(self.cert_dir), postmark_user=self.postmark_user,
            postmark_password=self.postmark_password, twilio_auth_token=self.twilio,
            public_url=PUBLIC_URL, sns_topic_arns=(TOPIC,))
        return replace(config, **overrides)

    # -- SendGrid ------------------------------------------------------------------
    def sendgrid_headers(self, body: bytes, timestamp: int | None = None,
                         key: ec.EllipticCurvePrivateKey | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = (key or self.sendgrid).sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": ts,
                "Content-Type": "application/json"}

    # -- Mailgun -------------------------------------------------------------------
    def mailgun_body(self, event_data: dict, timestamp: int | None = None,
                     token: str | None = None, key: str | None = None) -> bytes:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        token = token or hashlib.sha256(json.dumps(event_data).encode()).hexdigest()[:50]
        signature = hmac.new((key or self.mailgun).encode(), (ts + token).encode(),
                             hashlib.sha256).hexdigest()
        return json.dumps({"signature": {"timestamp": ts, "token": token,
                                         "signature": signature},
                           "event-data": event_data}).encode()

    # -- SES through SNS -----------------------------------------------------------
    def sns_body(self, message: dict | str, version: str = "2", type_: str = "Notification",
                 message_id: str = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
                 key: rsa.RSAPrivateKey | None = None, cert_url: str = CERT_URL,
                 timestamp: str | None = None, **extra) -> bytes:
        from mailreport.ingest.providers.ses import string_to_sign

        envelope = {"Type": type_, "MessageId": message_id, "TopicArn": TOPIC,
                    "Message": message if isinstance(message, str) else json.dumps(message),
                    "Timestamp": timestamp or dt.datetime.now(dt.UTC).strftime(
                        "%Y-%m-%dT%H:%M:%S.%fZ"),
                    "SignatureVersion": version, "SigningCertURL": cert_url, **extra}
        if type_ == "Notification":
            envelope["UnsubscribeURL"] = ("https://sns.us-east-1.amazonaws.com/?Action="
                                          "Unsubscribe&SubscriptionArn=" + TOPIC + ":1")
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or self.sns).sign(string_to_sign(envelope), padding.PKCS1v15(),
                                           algorithm)
        envelope["Signature"] = base64.b64encode(signature).decode()
        return json.dumps(envelope).encode()

    # -- Postmark ------------------------------------------------------------------
    def postmark_headers(self, user: str | None = None, password: str | None = None):
        pair = f"{user or self.postmark_user}:{password or self.postmark_password}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "Content-Type": "application/json"}

    # -- Twilio --------------------------------------------------------------------
    def twilio_request(self, params: dict[str, str], query: dict[str, str],
                       token: str | None = None, base: str = PUBLIC_URL):
        """(path with query, form body, headers) as Twilio sends them."""
        from mailreport.ingest.providers.twilio import signature

        path = "/webhooks/twilio?" + urllib.parse.urlencode(query)
        sig = signature(base + path, list(params.items()), token or self.twilio)
        return path, urllib.parse.urlencode(params), {
            "X-Twilio-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def signed_twilio(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's documented algorithm, written out again independently of the code."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
                            ).decode()


CUSTOMERS = {"ann": "ann@example.com", "bob": "bob@example.com", "cat": "cat@example.com"}


def load_mailings(store, directory: Path) -> Dataset:
    """An email mailing m1 (variants A and B), an SMS mailing s1, and three customers."""
    data = Dataset(store, directory)
    for name, email in CUSTOMERS.items():
        data.customer(name, email=email, phone=f"+1555000{len(name)}{name[0]}")
    data.mailing("m1", sent_at=at(0))
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 0.5},
             {"mailing_id": "m1", "variant_id": "B", "share": 0.5})
    data.mailing("s1", channel="sms", sent_at=at(0))
    for name in CUSTOMERS:
        data.add("audience", {"mailing_id": "m1", "customer_id": name, "status": "good",
                              "group": "test", "variant_id": "A"},
                 {"mailing_id": "s1", "customer_id": name, "status": "good", "group": "test"})
    data.load()
    return data


def client_for(store, keys: Keys, auth: bool = True, **config) -> TestClient:
    app = create_app(store, public_url="http://127.0.0.1:8000", auth=auth)
    app.state.webhooks = WebhookState(keys.config(**config))
    return TestClient(app, base_url="http://testserver")


def events_of(store) -> list[tuple]:
    return store.sql("SELECT event_id, mailing_id, variant_id, customer_id, type, ts, "
                     "link_index, url, user_agent, ip, is_machine, machine_rule, provider "
                     "FROM events ORDER BY event_id")


def derived_of(store) -> list[tuple]:
    """The reach times once every acknowledged event is in them (the live writer
    refreshes them off the acknowledgement path)."""
    live.flush(store)
    return store.sql("SELECT * FROM reach_times ORDER BY mailing_id, customer_id")


# Test modules import these as ``keys_fixture`` and ``client_fixture``; pytest knows
# them by their names, ``keys`` and ``client``.
@pytest.fixture(name="keys", scope="session")
def keys_fixture(tmp_path_factory) -> Keys:
    return Keys.make(tmp_path_factory.mktemp("sns-certs"))


@pytest.fixture(name="stop_live_writer", autouse=True)
def stop_live_writer_fixture(request):
    """Stops the store's live writer before the store fixture closes the store
    (DuckDB refuses to close a connection another thread uses). Autouse in the
    modules that import it."""
    if "store" not in request.fixturenames:
        yield
        return
    store = request.getfixturevalue("store")  # set up first, so closed after this ends
    yield
    live.stop(store)


@pytest.fixture(name="client")
def client_fixture(store, keys, tmp_path) -> TestClient:
    load_mailings(store, tmp_path / "data")
    return client_for(store, keys)


def bounces_of(store) -> dict[str, tuple]:
    """event_id → (type, bounce_class, reason) of the stored events."""
    return {r[0]: tuple(r[1:]) for r in store.sql(
        "SELECT event_id, type, bounce_class, reason FROM events ORDER BY event_id")}
