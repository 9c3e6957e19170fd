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


class AuthError(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions


# Used when the server runs with --no-auth (a local demo): everything is allowed.
NOBODY_CHECKS = Principal("local (no auth)", "admin", ALL_PERMISSIONS)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    product_sales: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def permissions_of(role: str, product_sales: bool) -> frozenset[str]:
    return ROLES[role] | ({PRODUCT_SALES} if product_sales else frozenset())


def create_token(store, role: str, name: str = "", product_sales: bool = False) -> str:
    """Store a new token and return it; it is shown once and never again."""
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with store.write() as con:
        con.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [token_id, name, role, product_sales, _digest(secret),
                     dt.datetime.now(dt.UTC).replace(tzinfo=None)])
    return f"mr_{token_id}_{secret}"


def list_tokens(store) -> list[TokenInfo]:
    rows = store.sql("SELECT token_id, name, role, product_sales, created_at, revoked_at "
                     "FROM tokens ORDER BY created_at")
    return [TokenInfo(*r) for r in rows]


def revoke_token(store, token_id: str) -> None:
    if not store.sql("SELECT 1 FROM tokens WHERE token_id = ?", [token_id]):
        raise AuthError(f"no token with id {token_id!r}")
    with store.write() as con:
        con.execute("UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                    [dt.datetime.now(dt.UTC).replace(tzinfo=None), token_id])


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
    if not hmac.compare_digest(digest, _digest(parts[2])):
        return None
    return Principal(name or parts[1], role, permissions_of(role, bool(product_sales)))
