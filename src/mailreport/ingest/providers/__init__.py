"""The sending providers' webhooks, one module per provider.

Each module turns one HTTP delivery (raw body, headers, query) into contract
events: ``verify`` checks the provider's own signature scheme and ``parse``
normalises its documented format. Neither touches the store; the API hands the
events to ``ingest.live.ingest_events``.

Where the mailing, customer and variant come from, per provider, is in
docs/webhooks.md. A problem with the whole delivery raises a
:class:`WebhookError` (401 bad signature, 400 malformed); a problem with one
event of it (no mailing_id, an unknown event type, a bad timestamp) is not an
error here: the event goes on and ends in quarantine with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class WebhookError(Exception):
    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class BadSignature(WebhookError):
    """The delivery does not prove it comes from the provider: 401."""

    status = 401


class Malformed(WebhookError):
    """The body is not in the provider's format at all: 400."""

    status = 400


class Forbidden(WebhookError):
    status = 403


@dataclass(frozen=True)
class Delivery:
    """One HTTP request to a webhook endpoint, as received."""

    body: bytes
    headers: Mapping[str, str]  # lower-case names
    path: str = "/"
    query: str = ""  # the raw query string, without "?"
    received_at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Parsed:
    """What a delivery holds: contract events (plus an optional ``recipient``
    address, used when the provider's metadata has no customer_id), the number of
    provider events that have no contract meaning (deferrals, opens of the
    subscription page...), and work to do once the events are durably stored."""

    events: list[dict] = field(default_factory=list)
    ignored: int = 0
    after_commit: Callable[[], None] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


@dataclass(frozen=True)
class WebhookConfig:
    """The webhooks' secrets and limits, read from the environment.

    Secrets never appear in the repr (so never in a log line or a traceback)."""

    sendgrid_public_key: str | None = field(default=None, repr=False)
    mailgun_signing_key: str | None = field(default=None, repr=False)
    sns_cert_dir: str | None = None
    sns_topic_arns: tuple[str, ...] = ()
    sns_auto_confirm: bool = False
    postmark_user: str | None = field(default=None, repr=False)
    postmark_password: str | None = field(default=None, repr=False)
    twilio_auth_token: str | None = field(default=None, repr=False)
    public_url: str | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    max_age_seconds: int = 900

    @classmethod
    def from_env(cls, public_url: str | None = None) -> WebhookConfig:
        topics = tuple(t.strip() for t in (_env("MAILREPORT_SNS_TOPIC_ARNS") or "").split(",")
                       if t.strip())
        return cls(
            sendgrid_public_key=_env("MAILREPORT_SENDGRID_PUBLIC_KEY"),
            mailgun_signing_key=_env("MAILREPORT_MAILGUN_SIGNING_KEY"),
            sns_cert_dir=_env("MAILREPORT_SNS_CERT_DIR"),
            sns_topic_arns=topics,
            sns_auto_confirm=(_env("MAILREPORT_SNS_AUTO_CONFIRM") or "").lower()
            in ("1", "true", "yes"),
            postmark_user=_env("MAILREPORT_POSTMARK_USER"),
            postmark_password=_env("MAILREPORT_POSTMARK_PASSWORD"),
            twilio_auth_token=_env("MAILREPORT_TWILIO_AUTH_TOKEN"),
            public_url=_env("MAILREPORT_PUBLIC_URL") or public_url,
            max_body_bytes=_int_env("MAILREPORT_WEBHOOK_MAX_BYTES", cls.max_body_bytes),
            max_age_seconds=_int_env("MAILREPORT_WEBHOOK_MAX_AGE_SECONDS", cls.max_age_seconds),
        )


def _int_env(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {number}")
    return number


class ReplayCache:
    """Tokens seen within the age limit, so a captured delivery cannot be replayed.

    In memory: after a restart the age limit alone bounds a replay, and a replay
    can do no harm anyway since events are idempotent on event_id. Bounded in size;
    the oldest tokens go first."""

    def __init__(self, max_age_seconds: int, max_entries: int = 1_000_000):
        self.max_age = max_age_seconds
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, token: str, now: float) -> bool:
        with self._lock:
            self._expire(now)
            return token in self._seen

    def remember(self, token: str, now: float) -> None:
        with self._lock:
            self._expire(now)
            self._seen[token] = now
            self._seen.move_to_end(token)
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)

    def _expire(self, now: float) -> None:
        while self._seen:
            token, at = next(iter(self._seen.items()))
            if now - at <= self.max_age:
                break
            self._seen.popitem(last=False)


# -- helpers shared by the provider modules ------------------------------------------

ID_FIELDS = ("mailing_id", "customer_id", "variant_id")


def load_json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed(f"the body is not JSON ({what} expected): {exc}") from None
    except RecursionError:  # nested deeper than the parser goes: no provider sends that
        raise Malformed(f"the body is JSON nested too deep ({what} expected)") from None


def utf8(value: str) -> bytes:
    """Text as UTF-8 for a signature or a digest. JSON may carry unpaired surrogates
    ("\\ud800"), which strict UTF-8 refuses with an error: passed through, they give
    bytes that match no provider's signature, and a digest that is still stable."""
    return value.encode("utf-8", "surrogatepass")


def as_id(value: Any) -> str | None:
    """An identifier from metadata: strings as they are, whole numbers as digits."""
    if type(value) is str:  # nearly always: one test instead of five
        return value or None
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):  # SES tags and some SDKs give a list of one
        return as_id(value[0])
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)  # kept visible, then quarantined


def ids_from(*sources: Any) -> dict[str, str | None]:
    """mailing_id, customer_id and variant_id from the first metadata object that
    has each of them."""
    found: dict[str, str | None] = dict.fromkeys(ID_FIELDS)
    for source in sources:
        # a dict first: the check against the Mapping ABC is the slow one
        if type(source) is not dict and not isinstance(source, Mapping):
            continue
        for name in ID_FIELDS:
            if found[name] is None:
                found[name] = as_id(source.get(name))
    return found


def iso_from_unix(value: Any) -> str | None:
    """A Unix time in seconds as an ISO-8601 UTC timestamp; None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
        return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


# the longest reason kept: an SMTP reply is a line, a diagnostic a few; no report
# needs a whole bounce message
REASON_CHARS = 500


def reason_text(*parts: Any) -> str | None:
    """A bounce or unsubscribe reason from the provider's parts (a code, a text),
    those that are there, joined by a space and cut to REASON_CHARS."""
    kept = []
    for part in parts:
        value = text(part)
        if value and value.strip() and value.strip() not in kept:
            kept.append(value.strip())
    joined = " ".join(kept)
    return joined[:REASON_CHARS] if joined else None


def status_class(status: Any) -> str | None:
    """A bounce's class from an SMTP status: an enhanced code (RFC 3463, e.g. 5.1.1)
    or a reply code (550), or a text that begins with or holds one. 4.x.x and 4xx:
    soft (a passing refusal); 5.1.x: hard (no such address or domain); 5.2.x: soft
    (the mailbox is full or disabled for now); 5.7.x: blocked (policy, reputation,
    authentication); any other 5.x.x or 5xx: None (the caller's default)."""
    value = text(status)
    if not value:
        return None
    enhanced = re.search(r"\b([245])\.(\d{1,3})\.\d{1,3}\b", value)
    if enhanced:
        klass, subject = enhanced.group(1), enhanced.group(2)
        if klass == "4":
            return "soft"
        if klass == "5":
            return {"1": "hard", "2": "soft", "7": "blocked"}.get(subject)
        return None
    reply = re.match(r"\s*([45])\d\d\b", value)
    if reply and reply.group(1) == "4":
        return "soft"
    return None


def event(*, event_id: Any, type_: Any, ts: Any, ids: Mapping[str, str | None], provider: str,
          recipient: Any = None, link_index: Any = None, url: Any = None,
          user_agent: Any = None, ip: Any = None, machine_rule: str | None = None,
          bounce_class: str | None = None, reason: str | None = None) -> dict:
    """One contract event. Values are kept as the provider sent them (as text);
    the store validates them with the contract's rules. ``bounce_class`` and
    ``reason``: why a bounced or failed message did not arrive (docs/webhooks.md),
    or why a customer unsubscribed."""
    index = link_index
    if isinstance(index, bool) or not isinstance(index, int | str | None):
        index = text(index)
    return {
        "event_id": as_id(event_id),
        "mailing_id": ids.get("mailing_id"),
        "variant_id": ids.get("variant_id"),
        "customer_id": ids.get("customer_id"),
        "type": text(type_),
        "ts": text(ts),
        "link_index": index,
        "url": text(url),
        "user_agent": text(user_agent),
        "ip": text(ip),
        "is_machine": machine_rule is not None,
        "machine_rule": machine_rule,
        "provider": provider,
        "bounce_class": bounce_class,
        "reason": reason,
        "recipient": text(recipient),
    }


def check_age(timestamp: Any, now: float, max_age: int, what: str) -> float:
    """The delivery's signing time, refused when it is further than max_age from now."""
    try:
        at = float(timestamp)
    except (TypeError, ValueError):
        raise BadSignature(f"{what} is not a Unix time") from None
    if not math.isfinite(at):  # inf would overflow below, and nan would never expire
        raise BadSignature(f"{what} is not a Unix time")
    if abs(now - at) > max_age:
        raise BadSignature(f"{what} is {int(now - at)} s from now; deliveries older than "
                           f"{max_age} s are refused (MAILREPORT_WEBHOOK_MAX_AGE_SECONDS)")
    return at


def not_configured(provider: str, *names: str) -> BadSignature:
    return BadSignature(f"{provider} webhooks are not configured on this server: set "
                        + " and ".join(names))
