"""Who is asking, and may they: FastAPI dependencies over ``mailreport.auth``.

A request carries a bearer token (``Authorization: Bearer mr_...``) or the
session cookie set by the sign-in page. Health and the providers' webhooks
authenticate otherwise and do not use these."""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from mailreport import accounts
from mailreport.api.problems import problem
from mailreport.auth import ALL_PERMISSIONS, NOBODY_CHECKS, Principal, verify_token

SESSION_COOKIE = "mailreport_session"
LOCAL_CLI = Principal("local command line", "admin", ALL_PERMISSIONS, actor="local command line")


LOCAL_HEADER = "x-mailreport-local"


# what a proxy adds to say whom it forwards for; uvicorn runs with its own reading of
# them off (cli/serve.py), so request.client is always the connection's peer
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IPAddress | None:
    """An address as a peer or X-Forwarded-For gives it (also 1.2.3.4:80, [::1]:80)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return (address.ipv4_mapped or address) if address.version == 6 else address


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""


def client_address(request: Request) -> str:
    """Whom a request comes from, for limits kept per client: the connection's peer;
    when the peer is a proxy listed in the trusted_proxies setting, the rightmost
    address of X-Forwarded-For that is not a listed proxy. Addresses to the left of
    it were written by the client, which can write anything there."""
    proxies = request.app.state.store.settings.proxy_networks
    peer = _peer(request)
    hop = _address(peer)
    if hop is None or not any(hop in net for net in proxies):
        return peer or "unknown"
    client = str(hop)
    forwarded = [part for value in request.headers.getlist("x-forwarded-for")
                 for part in value.split(",")]
    for entry in reversed(forwarded):
        address = _address(entry)
        if address is None:
            break  # not an address: the last hop the listed proxies vouch for stands
        client = str(address)
        if not any(address in net for net in proxies):
            break
    return client


def is_loopback(request: Request) -> bool:
    """From this machine: connected over loopback, and not through a proxy. A proxy
    on this machine connects over loopback too, for clients anywhere, so a request
    that says it was forwarded is not from here, whether the proxy is listed in
    trusted_proxies or not; the mailreport CLI connects directly. (A proxy that adds
    no forwarding header cannot be told apart: it must add X-Forwarded-For.)"""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    peer = _peer(request)
    address = _address(peer)
    return address.is_loopback if address is not None else peer == "testclient"


def local_cli(request: Request) -> bool:
    """The mailreport CLI of the user running the server: it read the local secret
    from the server file beside the database (mode 0600)."""
    secret = getattr(request.app.state, "local_secret", None)
    given = request.headers.get(LOCAL_HEADER, "")
    return bool(secret and given and is_loopback(request)
                and hmac.compare_digest(given.encode(), secret.encode()))


USER_SESSION = "user:"  # a session's credential for a person: "user:<user_id>"


def session_principal(request: Request, cookie: str) -> Principal | None:
    """Whom a session cookie signs in: a person (accounts.py), whose account is read
    at every request, so disabling it or signing out everywhere ends the session at
    once; or a token, checked at every request too."""
    sessions = getattr(request.app.state, "sessions", None)
    entry = sessions.entry(cookie) if sessions is not None else None
    if entry is None:
        return None
    if entry.credential.startswith(USER_SESSION):
        return accounts.session_principal(request.app.state.store,
                                          entry.credential.removeprefix(USER_SESSION),
                                          entry.started)
    return verify_token(request.app.state.store, entry.credential)


def signed_in(request: Request) -> Principal | None:
    """The principal of a bearer token or of the session cookie, or None; one who
    must change a password first is signed in too (the account page lets them).
    Kept in the request's state, where the request log finds whom to name."""
    principal = _signed_in(request)
    if principal is not None:
        request.state.principal = principal
    return principal


def _signed_in(request: Request) -> Principal | None:
    if not request.app.state.auth_enabled:
        return NOBODY_CHECKS
    if local_cli(request):
        return LOCAL_CLI
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        return verify_token(request.app.state.store, token) if token else None
    cookie = request.cookies.get(SESSION_COOKIE)
    return session_principal(request, cookie) if cookie else None


def current_principal(request: Request) -> Principal:
    principal = signed_in(request)
    if principal is None:
        raise HTTPException(401, "a valid token is required: send 'Authorization: Bearer "
                                 "<token>' or sign in", headers={"WWW-Authenticate": "Bearer"})
    if principal.must_change_password:
        raise HTTPException(403, "this account must change its password first, at "
                                 "/account")
    return principal


def require(permission: str):
    """A dependency that lets through principals with ``permission``."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(permission):
            raise HTTPException(403, f"the {principal.role} role does not grant "
                                     f"'{permission}'")
        return principal

    return check


HOST_HEADER = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[^:\[\]]+)(:\d+)?")


def _loopback_name(host: str) -> bool:
    """A Host header that names this machine: localhost, 127.0.0.1, [::1], with a port
    or not."""
    match = HOST_HEADER.fullmatch(host.strip().lower())
    if match is None:
        return False
    name = match["name"].removeprefix("[").removesuffix("]").rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class LoopbackHostsOnly:
    """ASGI middleware: with sign-in off (``serve --no-auth``), a request must be
    addressed to this machine by name. Otherwise a page on any site could point its
    own name at 127.0.0.1 (DNS rebinding) and, being same-origin with the server in
    the visitor's browser, read every report and export every customer list."""

    def __init__(self, app, app_state):
        self.app = app
        self.state = app_state

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not self.state.auth_enabled:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if not _loopback_name(host):
                response = problem(421, "Misdirected Request",
                                   f"with sign-in off this server answers only requests "
                                   f"addressed to localhost, 127.0.0.1 or [::1], not "
                                   f"{host[:100]!r}", Request(scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_loopback_hosts(app) -> None:
    app.add_middleware(LoopbackHostsOnly, app_state=app.state)
