"""Secrets come from the environment, and never reach a log line, an answer or a repr."""

from __future__ import annotations

import base64
import logging

from fastapi.testclient import TestClient

from mailreport.api.app import create_app
from mailreport.ingest.providers import WebhookConfig

SECRETS = {
    "MAILREPORT_SENDGRID_PUBLIC_KEY": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC"
                                      "+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1F"
                                      "wCM/QmGUhA==",
    "MAILREPORT_MAILGUN_SIGNING_KEY": "key-mailgun-secret-0123456789",
    "MAILREPORT_POSTMARK_USER": "pm-user-secret",
    "MAILREPORT_POSTMARK_PASSWORD": "pm-password-secret",
    "MAILREPORT_TWILIO_AUTH_TOKEN": "twilio-token-secret-0123456789ab",
}


def test_the_configuration_comes_from_the_environment_and_hides_secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAILREPORT_WEBHOOK_MAX_BYTES", "2048")
    config = WebhookConfig.from_env()
    assert config.mailgun_signing_key == SECRETS["MAILREPORT_MAILGUN_SIGNING_KEY"]
    assert config.max_body_bytes == 2048
    shown = repr(config)
    for value in SECRETS.values():
        assert value not in shown


def test_no_secret_in_logs_or_answers(store, monkeypatch, caplog):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAILREPORT_PUBLIC_URL", "https://reports.example.com")
    client = TestClient(create_app(store), raise_server_exceptions=False)
    caplog.set_level(logging.DEBUG)
    answers = []
    wrong = base64.b64encode(b"pm-user-secret:guess").decode()
    for path, body, headers in [
        ("/webhooks/sendgrid", b"[]", {"X-Twilio-Email-Event-Webhook-Signature": "AAAA",
                                       "X-Twilio-Email-Event-Webhook-Timestamp": "1"}),
        ("/webhooks/mailgun", b'{"signature": {"timestamp": "1", "token": "t", '
                              b'"signature": "00"}, "event-data": {}}', {}),
        ("/webhooks/postmark", b"{}", {"Authorization": f"Basic {wrong}"}),
        ("/webhooks/twilio", b"MessageStatus=sent", {"X-Twilio-Signature": "x"}),
        ("/webhooks/ses", b"{}", {}),
    ]:
        answers.append(client.post(path, content=body, headers=headers).text)
    text = caplog.text + "".join(answers)
    for value in SECRETS.values():
        assert value not in text
