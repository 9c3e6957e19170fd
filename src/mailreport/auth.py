"""Tokens, roles and permissions (DESIGN.md, "Security").

A token is ``mr_<id>_<secret>``; the store keeps the id and a SHA-256 of the
secret (secrets are 256 random bits, so a fast hash is enough and no salt is
needed). Roles grant permissions; product sales is granted separately.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"reports"}),
    "analyst": frozenset({"reports", "customer_data", "exports"}),
    "admin": frozenset({"reports", "customer_data", "exports", "admin"}),
}
PRODUCT_SALES = "product_sales"
ALL_PERMISSIONS = frozenset().union(*ROLES.values(), {PRODUCT_SALES})
NAME_MAX = 200  # a token's name says who or what it is for; a label, not a document


class AuthError(ValueError):
    pass


class NoSuchToken(AuthError):
    pass


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    permissions: frozenset[str]
    # who, for the audit trail: "token:<id>", "user:<name>" or the name itself
    actor: str = ""
    user_id: str | None = None  # signed in as a person (accounts.py)
    must_change_password: bool = False  # may do nothing else until it is changed

    def can(self, permission: str) -> bool:
        return permission in self.permissions


# Used when the server runs with --no-auth (a local demo): everything is allowed.
NOBODY_CHECKS = Principal("local (no auth)", "admin", ALL_PERMISSIONS, actor="local (no auth)")


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    product_sales: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def secret_digest(secret: str) -> str:
    """What is kept of a secret (a token, a share link's, a session cookie): its
    SHA-256, so that a copy of the store or of memory gives nothing to replay."""
    return hashlib.sha256(secret.encode()).hexdigest()


def permissions_of(role: str, product_sales: bool) -> frozenset[str]:
    return ROLES[role] | ({PRODUCT_SALES} if product_sales else frozenset())


def check_new_token(role: str, name: str) -> None:
    """What a new token must be, checked before anything is stored or sent."""
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(name) > NAME_MAX:
        raise AuthError(f"a token's name has at most {NAME_MAX} characters, not {len(name)}")


def token_id_of(token: str) -> str:
    """The id part of ``mr_<id>_<secret>``: what lists show and revoking takes."""
    return token.split("_", 2)[1]


def create_token(store, role: str, name: str = "", product_sales: bool = False) -> str:
    """Store a new token and return it; it is shown once and never again."""
    check_new_token(role, name)
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with store.write() as con:
        con.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [token_id, name, role, product_sales, secret_digest(secret),
                     dt.datetime.now(dt.UTC).replace(tzinfo=None)])
    return f"mr_{token_id}_{secret}"


def _info(row: tuple) -> TokenInfo:
    # stored as plain UTC timestamps; handed out as instants
    token_id, name, role, product_sales, created_at, revoked_at = row
    return TokenInfo(token_id, name, role, bool(product_sales),
                     created_at.replace(tzinfo=dt.UTC),
                     revoked_at.replace(tzinfo=dt.UTC) if revoked_at else None)


_COLUMNS = "token_id, name, role, product_sales, created_at, revoked_at"


def list_tokens(store) -> list[TokenInfo]:
    rows = store.sql(f"SELECT {_COLUMNS} FROM tokens ORDER BY created_at, token_id")
    return [_info(r) for r in rows]


def token_info(store, token_id: str) -> TokenInfo:
    rows = store.sql(f"SELECT {_COLUMNS} FROM tokens WHERE token_id = ?", [token_id])
    if not rows:
        raise NoSuchToken(f"no token with id {token_id!r}")
    return _info(rows[0])


def revoke_token(store, token_id: str) -> TokenInfo:
    """Revoke a token (again is harmless); every request checks the store, so the
    token and the sessions signed in with it stop working at the next request."""
    token_info(store, token_id)
    with store.write() as con:
        con.execute("UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                    [dt.datetime.now(dt.UTC).replace(tzinfo=None), token_id])
    return token_info(store, token_id)


def verify_token(store, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None otherwise."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "mr":
        return None
    rows = store.sql("SELECT name, role, product_sales, secret_sha256 FROM tokens "
                     "WHERE token_id = ? AND revoked_at IS NULL", [parts[1]])
    if not rows:
        return None
    name, role, product_sales, digest = rows[0]
    if not hmac.compare_digest(digest, secret_digest(parts[2])):
        return None
    return Principal(name or parts[1], role, permissions_of(role, bool(product_sales)),
                     actor=f"token:{parts[1]}")
