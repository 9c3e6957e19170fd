"""Share links: a read-only view of one report (a mailing's or a campaign's, over
one period) for people without an account. The link carries a random 256-bit
secret; the store keeps its SHA-256 only (as for tokens, auth.py), when it
expires, and whether it was revoked. A shared view holds no customer data: no
customer lists, no exports, no product sales (a grant of its own)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from mailreport.accounts import utcnow
from mailreport.auth import secret_digest

KINDS = ("mailing", "campaign")
MAX_DAYS = 90
PREFIX = "mrs_"


class ShareError(ValueError):
    pass


@dataclass(frozen=True)
class Share:
    share_id: str
    kind: str
    target_id: str
    date_from: dt.date | None
    date_to: dt.date | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


_COLUMNS = ("share_id, kind, target_id, date_from, date_to, created_by, created_at, "
            "expires_at, revoked_at")


def _share(row: tuple) -> Share:
    return Share(*row)


def create_share(store, kind: str, target_id: str, date_from: dt.date | None,
                 date_to: dt.date | None, days: int, created_by: str,
                 now: dt.datetime | None = None) -> tuple[Share, str]:
    """A new share and its secret (``mrs_<id>_<secret>``), shown once."""
    if kind not in KINDS:
        raise ShareError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not 1 <= days <= MAX_DAYS:
        raise ShareError(f"a share link lives 1 to {MAX_DAYS} days, not {days}")
    if date_from and date_to and date_from > date_to:
        raise ShareError(f"from ({date_from}) is after to ({date_to})")
    share_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    created = now or utcnow()
    expires = created + dt.timedelta(days=days)
    with store.write() as con:
        con.execute(f"INSERT INTO shares ({_COLUMNS}, secret_sha256) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    [share_id, kind, target_id, date_from, date_to, created_by, created,
                     expires, secret_digest(secret)])
    return (Share(share_id, kind, target_id, date_from, date_to, created_by, created, expires,
                  None), f"{PREFIX}{share_id}_{secret}")


def list_shares(store) -> list[Share]:
    return [_share(r) for r in store.sql(f"SELECT {_COLUMNS} FROM shares "
                                         "ORDER BY created_at, share_id")]


def revoke_share(store, share_id: str, now: dt.datetime | None = None) -> Share:
    rows = store.sql(f"SELECT {_COLUMNS} FROM shares WHERE share_id = ?", [share_id])
    if not rows:
        raise ShareError(f"no share {share_id!r}")
    with store.write() as con:
        con.execute("UPDATE shares SET revoked_at = coalesce(revoked_at, ?) WHERE share_id = ?",
                    [now or utcnow(), share_id])
    return _share(store.sql(f"SELECT {_COLUMNS} FROM shares WHERE share_id = ?",
                            [share_id])[0])


def open_share(store, token: str, now: dt.datetime | None = None) -> Share | None:
    """The live share a link's token names; None for a wrong, expired or revoked one
    (all alike to the visitor)."""
    if not token.startswith(PREFIX) or token.count("_") < 2:
        return None
    share_id, _, secret = token[len(PREFIX):].partition("_")
    rows = store.sql(f"SELECT {_COLUMNS}, secret_sha256 FROM shares WHERE share_id = ?",
                     [share_id])
    if not rows or not hmac.compare_digest(rows[0][-1], secret_digest(secret)):
        return None
    share = _share(rows[0][:-1])
    return share if share.live(now or utcnow()) else None
