"""Who is asking, and may they: FastAPI dependencies over ``mailreport.auth``.

A request carries a bearer token (``Authorization: Bearer mr_...``) or the
session cookie set by the sign-in page. Health and the providers' webhooks
authenticate otherwise and do not use these."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from mailreport.auth import NOBODY_CHECKS, Principal, verify_token

SESSION_COOKIE = "mailreport_session"


def current_principal(request: Request) -> Principal:
    app = request.app
    if not app.state.auth_enabled:
        return NOBODY_CHECKS
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
