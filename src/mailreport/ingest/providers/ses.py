"""Amazon SES event publishing through SNS: ``POST /webhooks/ses``.

SNS posts a JSON envelope (``Type`` Notification, SubscriptionConfirmation or
UnsubscribeConfirmation) signed with RSA: SHA1 for SignatureVersion 1, SHA256 for
2, over the envelope's fields in a fixed order. The signing certificate is never
fetched while answering: it is read from the certificate store directory
(``MAILREPORT_SNS_CERT_DIR``) by the file name of ``SigningCertURL``, and that URL
must be an SNS host. ``MAILREPORT_SNS_TOPIC_ARNS`` (comma-separated, required)
names the only topics accepted.

The SES event is the notification's ``Message``; the ids are SES message tags
(``mail.tags``). An event concerns every recipient it lists (a delivery to three
addresses is three delivered events); a message sent to one address takes its
customer_id from the tag, one sent to several takes each recipient's customer by
email address.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import os
import re
import threading
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mailreport.ingest.providers import (
    BadSignature,
    Delivery,
    Forbidden,
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

NAME = "ses"
log = logging.getLogger("mailreport.webhooks")

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                       "TopicArn", "Type")
MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")

TYPES = {
    "Send": "sent",
    "Delivery": "delivered",
    "Bounce": "bounced",
    "Complaint": "spam",
    "Reject": "failed",
    "Rendering Failure": "failed",
    "Open": "opened",
    "Click": "clicked",
    "Subscription": "unsubscribed",
}
# The object of the SES event that holds its details, per event type.
DETAIL = {"Send": "send", "Delivery": "delivery", "Bounce": "bounce", "Complaint": "complaint",
          "Reject": "reject", "Rendering Failure": "failure", "Open": "open", "Click": "click",
          "Subscription": "subscription", "DeliveryDelay": "deliveryDelay"}


def string_to_sign(envelope: dict) -> bytes:
    fields = NOTIFICATION_FIELDS if envelope.get("Type") == "Notification" \
        else CONFIRMATION_FIELDS
    out = []
    for name in fields:
        if name in envelope and envelope[name] is not None:
            out.append(f"{name}\n{envelope[name]}\n")
    return utf8("".join(out))


_certs: dict[tuple[str, float], x509.Certificate] = {}
_certs_lock = threading.Lock()


def certificate_file(cert_url: str, cert_dir: str) -> Path:
    url = urllib.parse.urlsplit(cert_url)
    name = os.path.basename(url.path)
    if url.scheme != "https" or not SNS_HOST.match(url.hostname or "") \
            or not name.endswith(".pem"):
        raise BadSignature(f"SigningCertURL {cert_url!r} is not an SNS certificate URL")
    return Path(cert_dir) / name


def certificate(path: Path, cert_url: str) -> x509.Certificate:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise BadSignature(f"the signing certificate {path.name} is not in the certificate "
                           f"store (MAILREPORT_SNS_CERT_DIR); download {cert_url} there") from None
    key = (str(path), mtime)
    with _certs_lock:
        if key not in _certs:
            try:
                _certs[key] = x509.load_pem_x509_certificate(path.read_bytes())
            except ValueError as exc:
                raise BadSignature(f"{path.name} in the certificate store is not a PEM "
                                   f"certificate: {exc}") from None
        return _certs[key]


def verify(delivery: Delivery, config: WebhookConfig) -> dict:
    """Check the SNS signature; returns the envelope."""
    # without a topic allow-list any AWS account's topic could sign events for us
    if not config.sns_cert_dir or not config.sns_topic_arns:
        raise not_configured("SES (SNS)", "MAILREPORT_SNS_CERT_DIR",
                             "MAILREPORT_SNS_TOPIC_ARNS")
    envelope = load_json(delivery.body, "an SNS message")
    if not isinstance(envelope, dict) or envelope.get("Type") not in MESSAGE_TYPES:
        raise Malformed(f"an SNS message is a JSON object with Type one of "
                        f"{', '.join(MESSAGE_TYPES)}")
    for name in ("Signature", "SigningCertURL", "SignatureVersion"):
        if not isinstance(envelope.get(name), str):
            raise BadSignature(f"the SNS message has no {name}")
    if not all(envelope.get(n) is None or isinstance(envelope[n], str)
               for n in CONFIRMATION_FIELDS + ("Subject",)):
        raise Malformed("the SNS message's fields must be strings")
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(envelope["SignatureVersion"])
    if algorithm is None:
        raise BadSignature(f"SignatureVersion {envelope['SignatureVersion']!r} is not 1 or 2")
    cert = certificate(certificate_file(envelope["SigningCertURL"], config.sns_cert_dir),
                       envelope["SigningCertURL"])
    now = dt.datetime.fromtimestamp(delivery.received_at, dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise BadSignature("the signing certificate is not valid now")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature("the signing certificate's key is not RSA")
    try:
        key.verify(base64.b64decode(envelope["Signature"], validate=True),
                   string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError, binascii.Error):
        raise BadSignature("the signature does not match the SNS message") from None
    if envelope.get("TopicArn") not in config.sns_topic_arns:
        raise Forbidden(f"topic {envelope.get('TopicArn')!r} is not in MAILREPORT_SNS_TOPIC_ARNS")
    return envelope


def is_subscribe_url(url: object) -> bool:
    """An https URL on an SNS host, printable ASCII only: urlsplit silently drops
    tabs and newlines, so the host check alone would pass a URL that carries them."""
    if not isinstance(url, str) or not url.isascii() or not url.isprintable() or " " in url:
        return False
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" and bool(SNS_HOST.match(parts.hostname or ""))


def confirm_subscription(url: str) -> None:
    """Visit SubscribeURL (an SNS host only), after the answer has been sent."""
    import httpx

    if not is_subscribe_url(url):
        log.warning("not confirming the SNS subscription: %r is not an SNS https URL", url)
        return
    try:
        httpx.get(url, timeout=10).raise_for_status()
        log.info("confirmed the SNS subscription")
    except httpx.HTTPError as exc:
        log.warning("confirming the SNS subscription failed: %r", str(exc))


def parse(envelope: dict, config: WebhookConfig) -> Parsed:
    if envelope["Type"] != "Notification":
        url = envelope.get("SubscribeURL")
        info = {"sns": envelope["Type"], "topic": envelope.get("TopicArn")}
        if envelope["Type"] == "SubscriptionConfirmation":
            # refused before it is logged or visited: a newline in it would forge a
            # log line, and another host would be fetched on the server's behalf
            if not is_subscribe_url(url):
                raise Malformed(f"SubscribeURL {url!r:.200} is not an https URL on an SNS host")
            # values from the request are logged with repr: escaped, on one line
            log.warning("SNS subscription to %r awaits confirmation: visit SubscribeURL %r%s",
                        envelope.get("TopicArn"), url,
                        " (confirming now)" if config.sns_auto_confirm else "")
            info["subscribe_url"] = url
            if config.sns_auto_confirm:
                return Parsed(info=info, after_commit=lambda: threading.Thread(
                    target=confirm_subscription, args=(url,), daemon=True).start())
        return Parsed(info=info)
    if not isinstance(envelope.get("Message"), str):
        raise Malformed("the notification has no Message")
    message = load_json(utf8(envelope["Message"]), "an SES event in Message")
    if not isinstance(message, dict) or not isinstance(message.get("mail"), dict):
        raise Malformed("the notification's Message is not an SES event (no mail object)")
    return ses_events(message, envelope.get("MessageId"))


def _recipients(kind: str, detail: dict, mail: dict) -> list:
    if kind == "Bounce":
        return [r.get("emailAddress") for r in detail.get("bouncedRecipients") or []
                if isinstance(r, dict)]
    if kind == "Complaint":
        return [r.get("emailAddress") for r in detail.get("complainedRecipients") or []
                if isinstance(r, dict)]
    if kind == "Delivery" and isinstance(detail.get("recipients"), list):
        return detail["recipients"]
    destination = mail.get("destination")
    return destination if isinstance(destination, list) else []


def _type(kind: str, detail: dict) -> str | None:
    if kind == "Bounce" and detail.get("bounceType") == "Transient":
        return None  # a soft bounce: SES keeps trying
    if kind == "Subscription":
        prefs = detail.get("newTopicPreferences")
        return "unsubscribed" if isinstance(prefs, dict) and prefs.get("unsubscribeAll") \
            else None
    if kind == "DeliveryDelay":
        return None
    return TYPES.get(kind, kind)


# bounceType/bounceSubType to the contract's bounce_class (docs/webhooks.md); a
# subtype not listed takes its type's class
BOUNCE_TYPES = {"Permanent": "hard", "Transient": "soft", "Undetermined": "unknown"}
BOUNCE_SUBTYPES = {
    ("Permanent", "General"): "hard",
    ("Permanent", "NoEmail"): "hard",
    # SES sent nothing: the address is on a suppression list for an earlier hard bounce
    ("Permanent", "Suppressed"): "hard",
    ("Permanent", "OnAccountSuppressionList"): "hard",
    ("Transient", "ContentRejected"): "blocked",
    ("Transient", "AttachmentRejected"): "blocked",
}


def bounce_of(kind: str, detail: dict, recipient) -> tuple[str | None, str | None]:
    """(bounce_class, reason) of a bounce or a rejected message for one recipient: the
    class by bounceType and bounceSubType, the reason the recipient's diagnostic code
    (or status), else the subtype."""
    if kind in ("Reject", "Rendering Failure"):
        return "blocked", reason_text(detail.get("reason") or detail.get("errorMessage")
                                      or kind)
    if kind != "Bounce":
        return None, None
    btype, subtype = detail.get("bounceType"), detail.get("bounceSubType")
    klass = (BOUNCE_SUBTYPES.get((btype, subtype)) if isinstance(btype, str)
             and isinstance(subtype, str) else None) or \
        (BOUNCE_TYPES.get(btype, "unknown") if isinstance(btype, str) else "unknown")
    mine = next((r for r in detail.get("bouncedRecipients") or []
                 if isinstance(r, dict) and r.get("emailAddress") == recipient), {})
    diagnostic = mine.get("diagnosticCode")
    if isinstance(diagnostic, str) and diagnostic.lower().startswith("smtp;"):
        diagnostic = diagnostic[5:]
    reason = reason_text(diagnostic) or reason_text(mine.get("status"), subtype) \
        or reason_text(btype)
    return klass, reason


def ses_events(message: dict, sns_id: str | None) -> Parsed:
    """One SES event (event publishing or the older notifications) as contract events,
    one per recipient concerned."""
    mail = message["mail"]
    kind = message.get("eventType") or message.get("notificationType")
    if not isinstance(kind, str):
        raise Malformed("the SES event has no eventType")
    detail = message.get(DETAIL.get(kind, ""), {})
    detail = detail if isinstance(detail, dict) else {}
    type_ = _type(kind, detail)
    if type_ is None:
        return Parsed(ignored=1)
    recipients = _recipients(kind, detail, mail) or [None]
    ids = ids_from(mail.get("tags"))
    if len(recipients) > 1:
        ids = {**ids, "customer_id": None}  # each recipient's own, found by address
    ts = detail.get("timestamp") or mail.get("timestamp")
    link_tags = detail.get("linkTags") if isinstance(detail.get("linkTags"), dict) else {}
    link_index = link_tags.get("link_index")
    if isinstance(link_index, list):
        link_index = link_index[0] if link_index else None
    parsed = Parsed()
    for recipient in recipients:
        # The same SES event may reach us through several topics, each with its own
        # SNS MessageId: the id is made of what identifies the event itself.
        key = "\x1f".join(str(x) for x in (mail.get("messageId") or sns_id, kind, ts, recipient,
                                             detail.get("link"), detail.get("feedbackId")))
        event_id = "ses-" + hashlib.sha256(utf8(key)).hexdigest()[:32]
        bounce_class, reason = bounce_of(kind, detail, recipient)
        parsed.events.append(event(
            event_id=event_id, type_=type_, ts=ts, ids=ids, provider=NAME,
            recipient=recipient, link_index=link_index, url=detail.get("link"),
            user_agent=detail.get("userAgent"), ip=detail.get("ipAddress"),
            bounce_class=bounce_class, reason=reason))
    return parsed
