"""Postmark webhooks: ``POST /webhooks/postmark``.

One JSON object per event, told apart by ``RecordType``. Postmark has no signature:
the webhook URL carries HTTP basic auth credentials
(``https://USER:PASSWORD@host/webhooks/postmark``), checked against
``MAILREPORT_POSTMARK_USER`` and ``MAILREPORT_POSTMARK_PASSWORD``. The ids come from
the message's ``Metadata``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from mailreport.ingest.providers import (
    BadSignature,
    Delivery,
    Malformed,
    Parsed,
    WebhookConfig,
    event,
    ids_from,
    load_json,
    not_configured,
    reason_text,
    utf8,
)

NAME = "postmark"

# Bounce types that mean the address does not take mail; the others (soft bounces,
# auto-replies, challenge messages) are not a failed delivery of the mailing.
HARD_BOUNCES = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Blocked",
                          "SpamNotification", "DMARCPolicy"})


# Postmark's bounce Type to the contract's bounce_class (docs/webhooks.md); a type
# not listed is unknown
BOUNCE_CLASSES = {
    "HardBounce": "hard", "BadEmailAddress": "hard",
    "SoftBounce": "soft", "Transient": "soft", "DnsError": "soft",
    "Blocked": "blocked", "SpamNotification": "blocked", "DMARCPolicy": "blocked",
    "ManuallyDeactivated": "blocked", "VirusNotification": "blocked",
}


def bounce_of(record: dict) -> tuple[str, str | None]:
    """(bounce_class, reason) of a bounce record: its Type, and its Details (the
    receiving server's words) or, without them, its Description."""
    kind = record.get("Type")
    klass = BOUNCE_CLASSES.get(kind, "unknown") if isinstance(kind, str) else "unknown"
    return klass, reason_text(record.get("Details")) or reason_text(record.get("Description"))


def verify(delivery: Delivery, config: WebhookConfig) -> None:
    if not (config.postmark_user and config.postmark_password):
        raise not_configured("Postmark", "MAILREPORT_POSTMARK_USER",
                             "MAILREPORT_POSTMARK_PASSWORD")
    header = delivery.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        raise BadSignature("HTTP basic auth is required: put the credentials in the "
                           "webhook URL")
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadSignature("the basic auth credentials are not base64 user:password") from None
    ok_user = hmac.compare_digest(user.encode(), config.postmark_user.encode())
    ok_password = hmac.compare_digest(password.encode(), config.postmark_password.encode())
    if not (sep and ok_user and ok_password):
        raise BadSignature("wrong basic auth credentials")


def _digest(*parts) -> str:
    return hashlib.sha256(utf8("\x1f".join(str(p) for p in parts))).hexdigest()[:24]


def _id(key, *rest: str) -> str | None:
    """An event id from Postmark's message or bounce id; none without it (the event
    then waits in quarantine rather than colliding with another)."""
    if key is None or key == "" or isinstance(key, dict | list | bool):
        return None
    return "-".join(("pm", str(key), *rest))


def record_event(record: dict) -> dict | None:
    kind = record.get("RecordType")
    message_id = record.get("MessageID")
    ids = ids_from(record.get("Metadata"))
    common = {"ids": ids, "provider": NAME}
    geo = record.get("Geo") if isinstance(record.get("Geo"), dict) else {}
    if kind == "Delivery":
        return event(event_id=_id(message_id, "delivery"), type_="delivered",
                     ts=record.get("DeliveredAt"), recipient=record.get("Recipient"), **common)
    if kind == "Bounce":
        bounce = record.get("Type")
        if not (isinstance(bounce, str) and bounce in HARD_BOUNCES) \
                and record.get("Inactive") is not True:
            return None
        bounce_class, reason = bounce_of(record)
        return event(event_id=_id(record.get("ID"), "bounce"), type_="bounced",
                     ts=record.get("BouncedAt"), recipient=record.get("Email"),
                     bounce_class=bounce_class, reason=reason, **common)
    if kind == "SpamComplaint":
        return event(event_id=_id(record.get("ID"), "spam"), type_="spam",
                     ts=record.get("BouncedAt"), recipient=record.get("Email"), **common)
    if kind == "Open":
        at = record.get("ReceivedAt")
        return event(event_id=_id(message_id, "open", _digest(at, record.get("UserAgent"))),
                     type_="opened", ts=at, recipient=record.get("Recipient"),
                     user_agent=record.get("UserAgent"), ip=geo.get("IP"), **common)
    if kind == "Click":
        at, link = record.get("ReceivedAt"), record.get("OriginalLink")
        return event(event_id=_id(message_id, "click", _digest(at, link)), type_="clicked",
                     ts=at, recipient=record.get("Recipient"), url=link,
                     user_agent=record.get("UserAgent"), ip=geo.get("IP"), **common)
    if kind == "SubscriptionChange":
        if record.get("SuppressSending") is not True:
            return None  # a resubscribe
        at = record.get("ChangedAt")
        # the suppression's reason: ManualSuppression (the recipient unsubscribed),
        # HardBounce or SpamComplaint (Postmark stopped sending for them)
        return event(event_id=_id(message_id, "unsubscribe", _digest(at)),
                     type_="unsubscribed", ts=at, recipient=record.get("Recipient"),
                     reason=reason_text(record.get("SuppressionReason")), **common)
    # an unknown record type is kept (in quarantine, for its unknown type), not dropped
    return event(event_id=_id(message_id, _digest(kind, record.get("ReceivedAt"))),
                 type_=kind, ts=record.get("ReceivedAt"),
                 recipient=record.get("Recipient"), **common)


def parse(delivery: Delivery) -> Parsed:
    data = load_json(delivery.body, "a Postmark webhook object")
    records = data if isinstance(data, list) else [data]
    parsed = Parsed()
    for n, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("RecordType"), str):
            raise Malformed(f"record {n} is not a Postmark webhook object with a RecordType")
        row = record_event(record)
        if row is None:
            parsed.ignored += 1
        else:
            parsed.events.append(row)
    return parsed
