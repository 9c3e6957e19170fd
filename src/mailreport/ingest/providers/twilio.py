"""Twilio SMS status callbacks: ``POST /webhooks/twilio``.

A form-encoded POST per status change of a message. ``X-Twilio-Signature`` is the
base64 HMAC-SHA1, under the account's auth token (``MAILREPORT_TWILIO_AUTH_TOKEN``),
of the full URL Twilio called followed by every parameter name and value sorted by
name. That URL is the public base URL (``MAILREPORT_PUBLIC_URL``, as Twilio sees the
server, not as the server sees itself behind a proxy) plus path and query. The ids
are query parameters of the ``StatusCallback`` URL given when sending.

Status callbacks carry no time of their own: an event's ts is when it arrived.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

from mailreport.ingest.providers import (
    BadSignature,
    Delivery,
    Malformed,
    Parsed,
    WebhookConfig,
    event,
    ids_from,
    iso_from_unix,
    not_configured,
    reason_text,
)

NAME = "twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"

TYPES = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "bounced",
    "failed": "failed",
    "read": "opened",  # WhatsApp and RCS read receipts
}
# Intermediate states: the final status follows in its own callback.
IGNORED = frozenset({"queued", "accepted", "sending", "scheduled", "canceled", "receiving",
                     "received", "partially_delivered"})


# Twilio's ErrorCode on an undelivered or failed message to the contract's
# bounce_class (docs/webhooks.md); a code not listed is unknown. The reason is the
# code with its name in Twilio's error dictionary.
ERROR_CODES = {
    "30003": ("soft", "unreachable destination handset"),
    "30005": ("hard", "unknown destination handset"),
    "30006": ("hard", "landline or unreachable carrier"),
    "21211": ("hard", "invalid 'To' phone number"),
    "21614": ("hard", "'To' number is not a valid mobile number"),
    "30001": ("soft", "queue overflow"),
    "30004": ("blocked", "message blocked"),
    "30007": ("blocked", "message filtered"),
    "21610": ("blocked", "attempt to send to unsubscribed recipient"),
    "30034": ("blocked", "message from an unregistered number"),
    "30008": ("unknown", "unknown error"),
}


def bounce_of(fields: dict[str, str], type_: str) -> tuple[str | None, str | None]:
    if type_ not in ("bounced", "failed"):
        return None, None
    code = (fields.get("ErrorCode") or "").strip()
    klass, name = ERROR_CODES.get(code, ("unknown", None))
    return klass, reason_text(code, name or fields.get("ErrorMessage"))


def form(delivery: Delivery) -> list[tuple[str, str]]:
    try:
        return urllib.parse.parse_qsl(delivery.body.decode("utf-8"), keep_blank_values=True,
                                      strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed(f"the body is not a form (application/x-www-form-urlencoded): "
                        f"{exc}") from None


def signature(url: str, params: list[tuple[str, str]], auth_token: str) -> str:
    """Twilio's request signature of url and params."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values)
                            for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_forms(url: str) -> list[str]:
    """The URL with and without its default port: Twilio signs the one it called."""
    parts = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return [url]
    if default is None or port not in (None, default):
        return [url]
    if port is None:
        other = parts._replace(netloc=f"{parts.netloc}:{default}")
    else:
        other = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    return [url, urllib.parse.urlunsplit(other)]


def verify(delivery: Delivery, config: WebhookConfig) -> list[tuple[str, str]]:
    """Check the signature; returns the form parameters."""
    if not config.twilio_auth_token or not config.public_url:
        raise not_configured("Twilio", "MAILREPORT_TWILIO_AUTH_TOKEN", "MAILREPORT_PUBLIC_URL")
    given = delivery.header(SIGNATURE_HEADER)
    if not given:
        raise BadSignature(f"the {SIGNATURE_HEADER} header is required")
    params = form(delivery)
    url = config.public_url.rstrip("/") + delivery.path
    if delivery.query:
        url += "?" + delivery.query
    for candidate in _url_forms(url):
        # as bytes: compare_digest refuses a str with non-ASCII characters (a TypeError)
        if hmac.compare_digest(signature(candidate, params, config.twilio_auth_token).encode(),
                               given.encode()):
            return params
    raise BadSignature("the signature does not match the URL and parameters (is "
                       "MAILREPORT_PUBLIC_URL the address Twilio calls?)")


def parse(delivery: Delivery, params: list[tuple[str, str]]) -> Parsed:
    fields = dict(params)
    status = fields.get("MessageStatus") or fields.get("SmsStatus")
    sid = fields.get("MessageSid") or fields.get("SmsSid")
    if not status:
        raise Malformed("a status callback has MessageStatus")
    if status in IGNORED:
        return Parsed(ignored=1)
    ids = ids_from(dict(urllib.parse.parse_qsl(delivery.query)))
    type_ = TYPES.get(status, status)
    bounce_class, reason = bounce_of(fields, type_)
    return Parsed(events=[event(
        event_id=f"tw-{sid}-{status}" if sid else None, type_=type_,
        ts=iso_from_unix(delivery.received_at), ids=ids, provider=NAME,
        recipient=fields.get("To"), bounce_class=bounce_class, reason=reason)])
