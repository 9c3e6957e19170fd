"""Mailgun webhooks: ``POST /webhooks/mailgun``.

One JSON object per event: ``{"signature": {"timestamp", "token", "signature"},
"event-data": {...}}``. The signature is the hex HMAC-SHA256 of timestamp + token
under the webhook signing key (``MAILREPORT_MAILGUN_SIGNING_KEY``); a timestamp
further than the age limit from now, or a token already used, is refused. The ids
come from the message's variables (``X-Mailgun-Variables`` when sending), which
Mailgun returns as ``event-data.user-variables``.
"""

from __future__ import annotations

import hashlib
import hmac

from mailreport.ingest.providers import (
    BadSignature,
    Delivery,
    Malformed,
    Parsed,
    ReplayCache,
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
    utf8,
)

NAME = "mailgun"

TYPES = {
    "accepted": "sent",
    "delivered": "delivered",
    "rejected": "failed",
    "opened": "opened",
    "clicked": "clicked",
    "complained": "spam",
    "unsubscribed": "unsubscribed",
}
# "failed" with severity temporary is retried by Mailgun; "stored" is inbound mail.
IGNORED = frozenset({"stored", "list_member_uploaded", "list_member_upload_error",
                     "list_uploaded"})
# Permanent failures that never reached the recipient's server: not a bounce.
NOT_SENT_REASONS = frozenset({"suppress-bounce", "suppress-unsubscribe", "suppress-complaint",
                              "old"})


def signed(delivery: Delivery) -> tuple[dict, dict]:
    data = load_json(delivery.body, "a Mailgun webhook object")
    if not isinstance(data, dict):
        raise Malformed("a Mailgun delivery is a JSON object with signature and event-data")
    signature, event_data = data.get("signature"), data.get("event-data")
    if not isinstance(signature, dict):
        raise BadSignature("the signature object is missing")
    if not isinstance(event_data, dict):
        raise Malformed("the event-data object is missing")
    return signature, event_data


def verify(delivery: Delivery, config: WebhookConfig, replays: ReplayCache) -> str:
    """Check the signature; returns the token, to remember once the events are stored."""
    if not config.mailgun_signing_key:
        raise not_configured("Mailgun", "MAILREPORT_MAILGUN_SIGNING_KEY")
    signature, _ = signed(delivery)
    timestamp, token, given = (signature.get(k) for k in ("timestamp", "token", "signature"))
    if not all(isinstance(v, str | int) and not isinstance(v, bool) and str(v)
               for v in (timestamp, token, given)):
        raise BadSignature("signature needs timestamp, token and signature")
    timestamp, token, given = str(timestamp), str(token), str(given)
    expected = hmac.new(config.mailgun_signing_key.encode(), utf8(timestamp + token),
                        hashlib.sha256).hexdigest()
    # as bytes: compare_digest refuses a str with non-ASCII characters (a TypeError)
    if not hmac.compare_digest(expected.encode(), utf8(given.lower())):
        raise BadSignature("the signature does not match the timestamp and token")
    check_age(timestamp, delivery.received_at, config.max_age_seconds, "signature.timestamp")
    if replays.seen(token, delivery.received_at):
        raise BadSignature("this signature token was already used: a replayed delivery")
    return token


def _type(data: dict) -> str | None:
    kind = data.get("event")
    if not isinstance(kind, str):
        return text(kind)  # kept, and quarantined for its unknown type
    if kind == "failed":
        if data.get("severity") != "permanent":
            return None
        reason = data.get("reason")
        return "failed" if isinstance(reason, str) and reason in NOT_SENT_REASONS \
            else "bounced"
    if kind in IGNORED:
        return None
    return TYPES.get(kind, kind)


# a permanent failure's reason (Mailgun's) to the contract's bounce_class, where
# the reason alone tells it: a suppression list names why the address is on it;
# "old" gave up after the retries of temporary failures (docs/webhooks.md)
REASON_CLASSES = {
    "suppress-bounce": "hard",
    "suppress-unsubscribe": "blocked",
    "suppress-complaint": "blocked",
    "espblock": "blocked",
    "blocked": "blocked",
    "old": "soft",
}


def bounce_of(data: dict, kind: str) -> tuple[str | None, str | None]:
    """(bounce_class, reason) of a failure: by Mailgun's reason, else by the
    delivery-status codes (enhanced code first), else a permanent failure with a
    5xx code is hard; its reason is the SMTP code and message."""
    if kind not in ("bounced", "failed"):
        return None, None
    status = data.get("delivery-status")
    status = status if isinstance(status, dict) else {}
    code, message = status.get("code"), status.get("message") or status.get("description")
    reason = reason_text(code, message) or reason_text(data.get("reason"))
    by_reason = data.get("reason")
    if isinstance(by_reason, str) and by_reason in REASON_CLASSES:
        return REASON_CLASSES[by_reason], reason
    found = (status_class(status.get("enhanced-code")) or status_class(message)
             or status_class(code))
    if found is None and str(code or "").startswith("5"):
        found = "hard"
    if found is None and data.get("severity") == "temporary":
        found = "soft"
    return found or "unknown", reason


def parse(delivery: Delivery) -> Parsed:
    _, data = signed(delivery)
    kind = _type(data)
    if kind is None:
        return Parsed(ignored=1)
    bounce_class, reason = bounce_of(data, kind)
    client = data.get("client-info") if isinstance(data.get("client-info"), dict) else {}
    bot = client.get("bot")
    machine = f"provider:mailgun_bot={bot}" if isinstance(bot, str) and bot else None
    return Parsed(events=[event(
        event_id=data.get("id"), type_=kind,
        ts=iso_from_unix(data.get("timestamp")) or data.get("timestamp"),
        ids=ids_from(data.get("user-variables")), provider=NAME,
        recipient=data.get("recipient"), url=data.get("url"),
        user_agent=client.get("user-agent"), ip=data.get("ip"), machine_rule=machine,
        bounce_class=bounce_class, reason=reason)])
