"""Cross-site request forgery: a browser's unsafe request must come from this
site's own pages.

The browser sends the session cookie with every request to this host, also those
another page makes. SameSite=Lax does not stop a page on another port of the same
host (the same *site*), and a ``text/plain`` POST needs no CORS preflight. So an
unsafe request (POST, PUT, PATCH, DELETE) that the session cookie could
authenticate must

1. name this server as its Origin (or, without an Origin, its Referer): the host
   the request was sent to, or the origin of ``MAILREPORT_PUBLIC_URL`` behind a
   proxy that rewrites Host; and
2. carry its session's CSRF token in the ``X-CSRF-Token`` header. The pages'
   scripts read it from ``<meta name="csrf-token">``; the sign-out form sends it as
   the ``csrf_token`` field. The token is an HMAC of the session cookie under a key
   drawn at start-up, so it is worthless without that session and dies with it.

Not checked: requests that carry a bearer token or the local command line's secret
header (a browser adds neither by itself, and another page cannot add them without
a CORS preflight, which this server does not answer), and the providers' webhooks,
which are signed. Signing in has no session yet: a sign-in posted from another
origin is refused (login CSRF), one without Origin or Referer (not a browser) is
not. With ``--no-auth`` there is no session, yet any page could post: a request
that names another origin is refused there too.

Everything here is decided on headers, before the body is read, but for the
sign-out form, whose few bytes are read to find the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import urllib.parse

from fastapi import FastAPI, Request

from mailreport.api.problems import problem
from mailreport.api.security import LOCAL_HEADER, SESSION_COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_HEADER = "x-csrf-token"
TOKEN_FIELD = "csrf_token"
# Forms that cannot send a header: their token comes in the body, read up to this size.
FORM_PATHS = frozenset({"/signout", "/account/password", "/account/signout-everywhere"})
MAX_FORM_BYTES = 4096


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session; "" without a session cookie."""
    key = getattr(request.app.state, "csrf_key", None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not key or not cookie:
        return ""
    return _token(key, cookie)


def _token(key: bytes, cookie: str) -> str:
    digest = hmac.new(key, b"csrf\0" + cookie.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _origin_of(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) in lower case; None for "null" or what is not a URL."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower()


def _own_hosts(request: Request) -> set[str]:
    hosts = {request.headers.get("host", "").lower()}
    public = os.environ.get("MAILREPORT_PUBLIC_URL") or request.app.state.public_url or ""
    origin = _origin_of(public)
    if origin:
        hosts.add(origin[1])
    hosts.discard("")
    return hosts


def foreign_origin(request: Request, required: bool) -> str | None:
    """Why the request's Origin (else Referer) is not this server; None when it is,
    or when neither header is present and ``required`` is false."""
    origin = request.headers.get("origin")
    source, value = ("Origin", origin) if origin is not None \
        else ("Referer", request.headers.get("referer"))
    if value is None:
        return ("a request authenticated by the session cookie must carry an Origin or "
                "Referer header naming this site") if required else None
    named = _origin_of(value)
    if named is None or named[1] not in _own_hosts(request):
        shown = value if len(value) <= 100 else value[:100] + "..."
        return (f"the {source} header {shown!r} is not this site: a write from another "
                "site's page is refused (cross-site request forgery)")
    return None


class CsrfGuard:
    """ASGI middleware: refuses a forged unsafe request with a 403 problem."""

    def __init__(self, app, app_state):
        self.app = app
        self.state = app_state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS \
                or scope["path"].startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer ") or LOCAL_HEADER in request.headers:
            await self.app(scope, receive, send)
            return
        cookie = request.cookies.get(SESSION_COOKIE)
        needs_session_token = self.state.auth_enabled and bool(cookie) \
            and scope["path"] != "/signin"
        refusal = foreign_origin(request, required=needs_session_token)
        if refusal is None and needs_session_token:
            given = request.headers.get(TOKEN_HEADER)
            if given is None and scope["path"] in FORM_PATHS:
                given, receive = await _form_field(request, receive, TOKEN_FIELD)
            expected = _token(self.state.csrf_key, cookie)
            if not given:
                refusal = ("a request authenticated by the session cookie must send its "
                           "CSRF token in the X-CSRF-Token header (the page's <meta "
                           "name=\"csrf-token\">), or use 'Authorization: Bearer <token>'")
            elif not hmac.compare_digest(given.encode(), expected.encode()):
                refusal = ("the X-CSRF-Token does not belong to this session: reload the "
                           "page and try again")
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await problem(403, None, refusal, request)(scope, receive, send)


async def _form_field(request: Request, receive, name: str):
    """A field of a small url-encoded form, and a receive that replays the body."""
    chunks, size, more = [], 0, True
    while more and size <= MAX_FORM_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    body = b"".join(chunks)
    value = None
    if not more and size <= MAX_FORM_BYTES and request.headers.get(
            "content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(body.decode("latin-1")))
        value = form.get(name)
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return value, replay


def install_csrf(app: FastAPI) -> None:
    app.state.csrf_key = secrets.token_bytes(32)
    app.add_middleware(CsrfGuard, app_state=app.state)


__all__ = ["CsrfGuard", "csrf_token", "foreign_origin", "install_csrf"]
