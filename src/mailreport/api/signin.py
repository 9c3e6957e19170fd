"""Signing in on the web pages: a name and password (accounts.py), or an API
token, typed once, then a session cookie.

The session cookie names a server-side session that holds the account's id or the
token; every request still reads the account or checks the token
(``api/security.py``), so disabling the account, signing out everywhere or
revoking the token signs the session out at once. The cookie is HttpOnly (no
script reads it), SameSite=Lax (no other site's form or script sends it with a
POST) and Secure when the public URL is https. Sessions live in the server's
memory: a restart signs everyone out, which a single-process server can afford.

Attempts are limited per client address (behind the trusted proxies), and per
account (a lockout, accounts.py); every attempt is in the audit trail. The pages (not the API, whose
endpoints answer 401 themselves) send a visitor without a session to this page.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
import time
import urllib.parse
from collections import OrderedDict, deque
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mailreport import accounts
from mailreport.api.audit import recorded
from mailreport.api.problems import problem
from mailreport.api.security import (
    SESSION_COOKIE,
    USER_SESSION,
    client_address,
    session_principal,
    signed_in,
)
from mailreport.auth import Principal, secret_digest, verify_token
from mailreport.i18n.catalogs import gettext


def N_(message: str) -> str:
    """Marks a string for the ``pages`` catalog; it is translated when shown."""
    return message


# What the sign-in page says when it refuses, translated for the reader (page()).
TOO_MANY_ATTEMPTS = N_("Too many attempts: try again in {wait} seconds.")
NOT_VALID = N_("That token is not valid (or was revoked).")
# one answer for an unknown name, a wrong password, a locked or a disabled account
NOT_SIGNED_IN = N_("The name or password is not right, or the account is locked or "
                   "disabled. After {failures} failed attempts in a row an account is "
                   "locked for {minutes} minutes.")

SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
ATTEMPTS_PER_WINDOW = 10
ATTEMPT_WINDOW_SECONDS = 60

# Paths that need no sign-in: the pages' own assets, the API docs, and what
# authenticates otherwise (health, webhooks, the API with its tokens).
# The account page checks its session itself (web/account_page.py).
OPEN_PREFIXES = ("/signin", "/signout", "/account", "/static/", "/i18n/", "/shared/",
                 "/health", "/webhooks/", "/api/", "/docs", "/redoc", "/openapi.json",
                 "/metrics")  # checks its own credentials (api/metrics.py)


@dataclass(frozen=True)
class SessionEntry:
    credential: str  # a token, or "user:<user_id>" (api/security.py)
    expires: float
    started: dt.datetime  # UTC, without an offset, as the store keeps times


class Sessions:
    """Session cookie -> credential (a token or an account), in memory. Only a
    digest of each cookie is kept, so a dump of this object gives no cookie to
    replay."""

    def __init__(self, ttl_seconds: int = SESSION_SECONDS, max_sessions: int = MAX_SESSIONS):
        self.ttl = ttl_seconds
        self.max_sessions = max_sessions
        self._by_digest: OrderedDict[str, SessionEntry] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, credential: str) -> str:
        """A new session for a token or an account; returns the cookie value."""
        cookie = secrets.token_urlsafe(32)
        now = time.time()
        entry = SessionEntry(credential, now + self.ttl, accounts.utcnow())
        with self._lock:
            self._by_digest[secret_digest(cookie)] = entry
            while len(self._by_digest) > self.max_sessions:
                self._by_digest.popitem(last=False)  # the oldest session goes first
        return cookie

    def entry(self, cookie: str) -> SessionEntry | None:
        """A live session; None for an unknown or expired cookie."""
        digest = secret_digest(cookie)
        with self._lock:
            entry = self._by_digest.get(digest)
            if entry is None:
                return None
            if entry.expires < time.time():
                del self._by_digest[digest]
                return None
            return entry

    def token_for(self, cookie: str) -> str | None:
        """The credential of a live session; None for an unknown or expired cookie."""
        entry = self.entry(cookie)
        return entry.credential if entry else None

    def end(self, cookie: str) -> None:
        with self._lock:
            self._by_digest.pop(secret_digest(cookie), None)

    def end_all(self, credential: str) -> int:
        """End every session of a credential (an account's, on sign out everywhere);
        returns how many. The account's sessions_after refuses them anyway: this
        frees their memory."""
        with self._lock:
            ended = [d for d, e in self._by_digest.items() if e.credential == credential]
            for digest in ended:
                del self._by_digest[digest]
        return len(ended)


class AttemptLimiter:
    """At most ``limit`` sign-in attempts per address in a sliding window."""

    def __init__(self, limit: int = ATTEMPTS_PER_WINDOW, window: int = ATTEMPT_WINDOW_SECONDS):
        self.limit = limit
        self.window = window
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, address: str, now: float | None = None) -> int:
        """0 when this attempt may go ahead (and counts it); otherwise how long to wait."""
        now = time.time() if now is None else now
        with self._lock:
            if len(self._attempts) > 100_000:  # forget quiet addresses
                self._attempts = {a: q for a, q in self._attempts.items()
                                  if q and q[-1] > now - self.window}
            times = self._attempts.setdefault(address, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, int(times[0] + self.window - now) + 1)
            times.append(now)
            return 0


def public_url(request: Request) -> str:
    return os.environ.get("MAILREPORT_PUBLIC_URL") or request.app.state.public_url or ""


def _safe_next(value: str | None) -> str:
    """A local path to go back to; anything else (another site) becomes /."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def set_session_cookie(request: Request, response: Response, credential: str) -> None:
    """Start a session for credential and hand its cookie to the browser."""
    sessions = request.app.state.sessions
    response.set_cookie(SESSION_COOKIE, sessions.start(credential), max_age=sessions.ttl,
                        path="/", httponly=True, samesite="lax",
                        secure=public_url(request).startswith("https:"))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=public_url(request).startswith("https:"))


def signin_page(request: Request, status: int = 200, error: str | None = None,
                next_: str = "/", **values) -> HTMLResponse:
    """The sign-in page, saying ``error`` (an English msgid, N_) in the reader's
    language, formatted with ``values``; with the single sign-on button when it is
    configured (api/oidc_signin.py)."""
    from mailreport.web.pages import reader_language, render_page

    settings = request.app.state.store.tables().settings
    said = gettext(reader_language(request, settings.locale), "pages", error,
                   **values) if error else None
    sso = getattr(request.app.state, "sso", None)
    response = render_page(request, settings, "signin.html", "Sign in", status=status,
                           nav=None, error=said, next=next_,
                           failures=accounts.LOCKOUT_FAILURES,
                           minutes=accounts.LOCKOUT_MINUTES,
                           sso_name=sso.display_name if sso else None,
                           sso_href="/signin/oidc?" + urllib.parse.urlencode({"next": next_}))
    response.headers["Cache-Control"] = "no-store"
    return response


def install_signin(app: FastAPI) -> None:
    """The sign-in page, the session store (``app.state.sessions``) and the gate
    that sends signed-out visitors of the pages to it."""
    if getattr(app.state, "signin_installed", False):
        return
    app.state.signin_installed = True
    app.state.sessions = Sessions()
    app.state.signin_attempts = AttemptLimiter()
    app.state.clock = accounts.utcnow  # the lockout's clock; tests set their own
    page = signin_page

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def show_signin(request: Request, next: str | None = None):  # noqa: A002
        return page(request, next_=_safe_next(next))

    def with_password(request: Request, name: str, password: str):
        """(principal, None) for a good name and password, else (None, why)."""
        result = accounts.authenticate(app.state.store, name, password, now=app.state.clock())
        if result.user is None:
            recorded(request, None, "signin_failed", actor=f"user:{name.strip()[:200]}",
                     method="password", why=result.why, locked=result.locked_now)
            return None
        user = result.user
        recorded(request, Principal(user.name, user.role, frozenset(), actor=f"user:{user.name}"),
                 "signin", method="password")
        return user

    def with_token(request: Request, token: str) -> Principal | None:
        principal = verify_token(app.state.store, token)
        if principal is None:
            recorded(request, None, "signin_failed", actor="token:" + (
                token.split("_", 2)[1][:64] if token.count("_") >= 2 else "?"), method="token")
        else:
            recorded(request, principal, "signin", method="token")
        return principal

    @app.post("/signin", include_in_schema=False)
    async def signin(request: Request):
        # another site's page posting here is refused before this (api/csrf.py)
        wait = app.state.signin_attempts.wait_seconds(client_address(request))
        if wait:
            if "text/html" in request.headers.get("accept", ""):
                refused = page(request, 429, TOO_MANY_ATTEMPTS, wait=wait)
            else:
                refused = problem(429, "Too Many Requests", "too many sign-in attempts from "
                                  f"this address; try again in {wait} s", request)
            refused.headers["Retry-After"] = str(wait)
            return refused
        body = (await request.body())[:8192].decode("utf-8", "replace")
        form = dict(urllib.parse.parse_qsl(body))
        token, next_ = form.get("token", "").strip(), _safe_next(form.get("next"))
        name, password = form.get("name", ""), form.get("password", "")
        if not app.state.auth_enabled:
            return RedirectResponse(next_, status_code=303)
        if name or password or not token:
            # the Argon2 check takes tens of milliseconds: off the loop
            user = await run_in_threadpool(with_password, request, name, password)
            if user is None:
                return page(request, 401, NOT_SIGNED_IN, next_,
                            failures=accounts.LOCKOUT_FAILURES,
                            minutes=accounts.LOCKOUT_MINUTES)
            target = ("/account?" + urllib.parse.urlencode({"next": next_})
                      if user.must_change_password else next_)
            response = RedirectResponse(target, status_code=303)
            set_session_cookie(request, response, USER_SESSION + user.user_id)
            return response
        if await run_in_threadpool(with_token, request, token) is None:
            return page(request, 401, NOT_VALID, next_)
        response = RedirectResponse(next_, status_code=303)
        set_session_cookie(request, response, token)
        return response

    @app.post("/signout", include_in_schema=False)
    def signout(request: Request):
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = session_principal(request, cookie)
            if principal is not None:
                recorded(request, principal, "signout")
            app.state.sessions.end(cookie)
        response = RedirectResponse("/signin", status_code=303)
        clear_session_cookie(request, response)
        return response

    app.add_middleware(PagesGate, app_state=app.state)


class PagesGate:
    """ASGI middleware: a page request without a valid session or token goes to the
    sign-in page (a browser) or gets a 401 (anything else); one whose account must
    change its password goes to the account page first. The API's endpoints check
    permissions themselves, so /api/ passes through untouched."""

    def __init__(self, app, app_state):
        self.app = app
        self.state = app_state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.state.auth_enabled \
                or scope["path"].startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        # the check reads the store, which a long report may hold: off the loop
        principal = await run_in_threadpool(signed_in, request)
        if principal is not None and not principal.must_change_password:
            await self.app(scope, receive, send)
            return
        html = "text/html" in request.headers.get("accept", "")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if principal is not None and html:
            response: Response = RedirectResponse(
                "/account?" + urllib.parse.urlencode({"next": target}), status_code=303)
        elif principal is not None:
            response = problem(403, None, "this account must change its password first, "
                                          "at /account", request)
        elif html:
            response = RedirectResponse(
                "/signin?" + urllib.parse.urlencode({"next": target}), status_code=303)
        else:
            response = problem(401, None, "a valid token is required: send 'Authorization: "
                                          "Bearer <token>' or sign in at /signin", request)
            response.headers["WWW-Authenticate"] = "Bearer"
        await response(scope, receive, send)


__all__ = ["AttemptLimiter", "PagesGate", "Sessions", "install_signin"]
