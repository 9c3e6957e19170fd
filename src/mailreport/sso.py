"""Single sign-on: what a provider's verified claims make of a person in mailreport
(docs/accounts.md).

The provider (OpenID Connect, oidc.py) says who someone is and, through a claim, which
groups or roles they have; the settings map those values to mailreport's role and
the product-sales grant. The account is found by the provider's issuer and subject,
never by name or email, which can change hands: the first sign-in creates it (no
password: it signs in only through the provider), later ones find it again and set
its role and grant from the claims, so the provider stays their one source. A
disabled account stays refused, whatever the provider says.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from typing import Any

from mailreport.accounts import UserInfo, check_new_user, user_by_id, utcnow
from mailreport.auth import ROLES, AuthError
from mailreport.settings import Settings, role_map

SECRET_VARIABLE = "MAILREPORT_OIDC_CLIENT_SECRET"


@dataclass(frozen=True)
class SsoConfig:
    """The settings of single sign-on, read once, with the client secret from the
    environment."""
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    display_name: str
    username_claim: str
    roles_claim: str
    role_map: dict[str, str]
    product_sales_claim: str
    product_sales_value: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SsoConfig | None:
        """None when single sign-on is off (no issuer)."""
        if not settings.oidc_issuer:
            return None
        return cls(issuer=settings.oidc_issuer.rstrip("/"),
                   client_id=settings.oidc_client_id,
                   client_secret=os.environ.get(SECRET_VARIABLE, ""),
                   scopes=settings.oidc_scopes,
                   display_name=settings.oidc_display_name or "SSO",
                   username_claim=settings.oidc_username_claim,
                   roles_claim=settings.oidc_roles_claim,
                   role_map=role_map(settings.oidc_role_map),
                   product_sales_claim=(settings.oidc_product_sales_claim
                                        or settings.oidc_roles_claim),
                   product_sales_value=settings.oidc_product_sales_value)


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (Keycloak puts realm
    roles in ``realm_access.roles``); a claim whose own name has dots is read first."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def claim_values(value: Any) -> list[str]:
    """A claim as a list of strings: a list as is, a single string as one value
    (not split: a group's name may hold spaces)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def role_of(config: SsoConfig, claims: dict[str, Any]) -> str | None:
    """The widest mailreport role the roles claim's values map to; None for none."""
    mapped = {config.role_map[v] for v in claim_values(claim(claims, config.roles_claim))
              if v in config.role_map}
    order = list(ROLES)  # viewer, analyst, admin: each grants more than the one before
    return max(mapped, key=order.index) if mapped else None


def product_sales_of(config: SsoConfig, claims: dict[str, Any]) -> bool:
    return bool(config.product_sales_value) and config.product_sales_value in claim_values(
        claim(claims, config.product_sales_claim))


def account_name(config: SsoConfig, claims: dict[str, Any]) -> str:
    """The name of a new account: the username claim, else the email, else the
    subject."""
    for key in (config.username_claim, "email", "sub"):
        value = claim(claims, key) if key else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


@dataclass(frozen=True)
class SsoSignIn:
    """What a single sign-on came to. ``user`` is None when refused; ``why`` names
    the reason, for the audit trail and the page."""
    user: UserInfo | None
    why: str
    name: str = ""


def sign_in(store, issuer: str, subject: str, name: str, role: str, product_sales: bool,
            now: dt.datetime | None = None) -> SsoSignIn:
    """Find the account of (issuer, subject), or create it, and give it the role and
    grant the claims say. Refused: a disabled account ("disabled"); a new one whose
    name another account has ("name taken") or that is not a name ("bad name")."""
    now = now or utcnow()
    rows = store.sql("SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?",
                     [issuer, subject])
    user = user_by_id(store, rows[0][0]) if rows else None
    if user is not None:
        if user.disabled:
            return SsoSignIn(None, "disabled", user.name)
        with store.write() as con:
            con.execute("UPDATE users SET role = ?, product_sales = ? WHERE user_id = ?",
                        [role, product_sales, user.user_id])
            con.execute("UPDATE sso_identities SET last_signin_at = ? "
                        "WHERE issuer = ? AND subject = ?", [now, issuer, subject])
        return SsoSignIn(user_by_id(store, user.user_id), "ok", user.name)
    try:
        check_new_user(name, role)
    except AuthError:
        return SsoSignIn(None, "bad name", name[:200])
    if store.sql("SELECT 1 FROM users WHERE name_key = ?", [name.casefold()]):
        return SsoSignIn(None, "name taken", name)
    user_id = secrets.token_hex(6)
    with store.write() as con:
        con.execute("DELETE FROM sso_identities WHERE issuer = ? AND subject = ?",
                    [issuer, subject])  # a link to an account that is gone
        # no password hash: the account signs in only through the provider
        con.execute("INSERT INTO users VALUES (?, ?, ?, NULL, ?, ?, false, false, ?, NULL, "
                    "0, NULL, NULL)",
                    [user_id, name, name.casefold(), role, product_sales, now])
        con.execute("INSERT INTO sso_identities VALUES (?, ?, ?, ?, ?)",
                    [issuer, subject, user_id, now, now])
    return SsoSignIn(user_by_id(store, user_id), "ok", name)

