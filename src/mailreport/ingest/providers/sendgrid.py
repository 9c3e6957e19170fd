"""SendGrid Event Webhook: ``POST /webhooks/sendgrid``.

A JSON array of events. Signed webhooks carry an ECDSA P-256 signature (SHA-256,
DER, base64) of the ``X-Twilio-Email-Event-Webhook-Timestamp`` header followed by
the raw body, in ``X-Twilio-Email-Event-Webhook-Signature``; the public key is the
one SendGrid shows under Mail Settings (base64 DER or PEM) in
``MAILREPORT_SENDGRID_PUBLIC_KEY``. The ids come from each event's custom args,
which SendGrid copies to the event's top level.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mailreport.ingest.providers import (
    BadSignature,
    Delivery,
    Malformed,
    Parsed,
    WebhookConfig,
    check_age,
    event,
    ids_from,
    iso_from_unix,
    load_json,
    not_configured,
    reason_text,
    status_class,
    text,
)

NAME = "sendgrid"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"

TYPES = {
    "processed": "sent",
    "delivered": "delivered",
    "bounce": "bounced",
    "dropped": "failed",
    "open": "opened",
    "click": "clicked",
    "spamreport": "spam",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed",
}
# Not contract events: a deferral is retried by SendGrid, a resubscribe undoes nothing
# that the report counts.
IGNORED = frozenset({"deferred", "group_resubscribe"})


# bounce_classification (SendGrid's "Bounce and Block Classifications") to the
# contract's bounce_class (docs/webhooks.md)
CLASSIFICATIONS = {
    "invalid address": "hard",
    "mailbox unavailable": "soft",
    "technical failure": "soft",
    "technical": "soft",
    "frequency or volume too high": "soft",
    "reputation": "blocked",
    "content": "blocked",
    "unclassified": "unknown",
}
# a drop: SendGrid did not send, for an address it knows to be bad, or by policy
DROPPED_HARD = frozenset({"bounced address", "invalid"})


def bounce_of(item: dict, kind: str | None) -> tuple[str | None, str | None]:
    """(bounce_class, reason) of a bounce or a drop; (None, None) for other events."""
    if kind not in ("bounce", "dropped"):
        return None, None
    reason = reason_text(item.get("reason"))
    if kind == "dropped":
        hard = isinstance(item.get("reason"), str) and item["reason"].lower() in DROPPED_HARD
        return ("hard" if hard else "blocked"), reason
    classification = item.get("bounce_classification")
    if isinstance(classification, str) and classification.lower() in CLASSIFICATIONS:
        return CLASSIFICATIONS[classification.lower()], reason
    if item.get("type") == "blocked":
        return "blocked", reason
    found = status_class(item.get("status")) or status_class(item.get("reason"))
    if found is None and str(item.get("status") or "").startswith("5"):
        found = "hard"  # a permanent bounce SendGrid did not classify further
    return found or "unknown", reason


@lru_cache(maxsize=8)
def public_key(text: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it: base64 DER, or PEM."""
    try:
        if "BEGIN PUBLIC KEY" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text, validate=False))
    except (ValueError, binascii.Error) as exc:
        raise BadSignature(f"MAILREPORT_SENDGRID_PUBLIC_KEY is not a public key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise BadSignature("MAILREPORT_SENDGRID_PUBLIC_KEY is not an elliptic-curve key")
    return key


def verify(delivery: Delivery, config: WebhookConfig) -> None:
    if not config.sendgrid_public_key:
        raise not_configured("SendGrid", "MAILREPORT_SENDGRID_PUBLIC_KEY")
    signature = delivery.header(SIGNATURE_HEADER)
    timestamp = delivery.header(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise BadSignature(f"the {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers are "
                           "required (enable the Signed Event Webhook)")
    check_age(timestamp, delivery.received_at, config.max_age_seconds,
              f"the {TIMESTAMP_HEADER} header")
    try:
        der = base64.b64decode(signature, validate=True)
        public_key(config.sendgrid_public_key).verify(
            der, timestamp.encode() + delivery.body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        raise BadSignature("the signature does not match the body and timestamp") from None


def parse(delivery: Delivery) -> Parsed:
    data = load_json(delivery.body, "a JSON array of SendGrid events")
    if not isinstance(data, list):
        raise Malformed("a SendGrid delivery is a JSON array of events")
    parsed = Parsed()
    for n, item in enumerate(data):
        if not isinstance(item, dict):
            raise Malformed(f"event {n} is not a JSON object")
        kind = item.get("event")
        kind = kind if isinstance(kind, str) else text(kind)
        if kind in IGNORED:
            parsed.ignored += 1
            continue
        offset = item.get("url_offset")
        machine = "provider:sg_machine_open" if item.get("sg_machine_open") is True else None
        bounce_class, reason = bounce_of(item, kind)
        parsed.events.append(event(
            event_id=item.get("sg_event_id"), type_=TYPES.get(kind, kind),
            ts=iso_from_unix(item.get("timestamp")) or item.get("timestamp"),
            ids=ids_from(item, item.get("custom_args"), item.get("unique_args")),
            provider=NAME, recipient=item.get("email"),
            link_index=offset.get("index") if isinstance(offset, dict) else None,
            url=item.get("url"), user_agent=item.get("useragent"), ip=item.get("ip"),
            machine_rule=machine, bounce_class=bounce_class, reason=reason))
    return parsed
