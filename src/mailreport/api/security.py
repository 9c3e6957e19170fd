"""Who is asking, and may they: FastAPI dependencies over ``mailreport.auth``.

A request carries a bearer token (``Authorization: Bearer mr_...``) or the
session cookie set by the sign-in page. Health and the providers' webhooks
authenticate otherwise and do not use these."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from mailreport.auth import ALL_PERMISSIONS, NOBODY_CHECKS, Principal, verify_token

SESSION_COOKIE = "mailreport_session"
LOCAL_CLI = Principal("local command line", "admin", ALL_PERMISSIONS)


LOCAL_HEADER = "x-mailreport-local"


def is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("testclient", "localhost")


def _local_cli(request: Request) -> bool:
    """The mailreport CLI of the user running the server: it read the local secret
    from the server file beside the database (mode 0600)."""
    secret = getattr(request.app.state, "local_secret", None)
    given = request.headers.get(LOCAL_HEADER, "")
    return bool(secret and given and is_loopback(request)
                and hmac.compare_digest(given.encode(), secret.encode()))


def current_principal(request: Request) -> Principal:
    app = request.app
    if not app.state.auth_enabled:
        return NOBODY_CHECKS
    if _local_cli(request):
        return LOCAL_CLI
    token = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    if token is None:
        sessions = getattr(app.state, "sessions", None)
        cookie = request.cookies.get(SESSION_COOKIE)
        if sessions is not None and cookie:
            token = sessions.token_for(cookie)
    principal = verify_token(app.state.store, token) if token else None
    if principal is None:
        raise HTTPException(401, "a valid token is required: send 'Authorization: Bearer "
                                 "<token>' or sign in", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(permission: str):
    """A dependency that lets through principals with ``permission``."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(permission):
            raise HTTPException(403, f"the {principal.role} role does not grant "
                                     f"'{permission}'")
        return principal

    return check
