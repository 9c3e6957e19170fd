"""Signing in through an OpenID Connect provider (single sign-on), beside the
password: ``GET /signin/oidc`` sends the browser to the provider, and
``GET /signin/oidc/callback`` takes it back (docs/accounts.md).

What must survive the trip (the state, the nonce, the PKCE verifier, where to go
after) is kept here in memory, for ten minutes and once: the callback takes it
out whether it then succeeds or not. A cookie bound to that browser (a random
value, of which the server keeps a digest) must come back with the state, so a
callback URL someone else started cannot sign this browser in as them (login
CSRF). The account and its session are the password sign-in's (sso.py,
api/signin.py): each request reads the account, so disabling it ends the session.

Every outcome is in the audit trail (``signin`` or ``signin_failed``, method
``oidc``, with the reason); the person sees the sign-in page with a sentence that
says what happened, never a traceback.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mailreport import sso
from mailreport.api.audit import recorded
from mailreport.api.security import USER_SESSION
from mailreport.api.signin import (
    _safe_next,
    public_url,
    set_session_cookie,
    signin_page,
)
from mailreport.auth import Principal, secret_digest
from mailreport.oidc import OidcError, Provider, ProviderUnreachable


def N_(message: str) -> str:
    """Marks a string for the ``pages`` catalog; it is translated when shown."""
    return message


# What the sign-in page says when single sign-on does not finish ({provider}: the
# button's name), translated for the reader (signin_page()).
EXPIRED = N_("The sign-in with {provider} did not finish: it was not started in this "
             "browser or took longer than {minutes} minutes. Please try again.")
DENIED = N_("{provider} did not sign you in ({reason}).")
UNREACHABLE = N_("{provider} cannot be reached just now. Please try again later, or sign "
                 "in with a name and password.")
NOT_CONFIRMED = N_("{provider} did not confirm who you are: the sign-in could not be "
                   "verified. Please try again; if it fails again, tell an administrator.")
NO_ROLE = N_("Your account at {provider} gives you no role in mailreport. Ask an "
             "administrator to give you one of mailreport's roles there.")
DISABLED = N_("Your mailreport account is disabled. Ask an administrator to enable it.")
NAME_TAKEN = N_("A mailreport account named {name} exists already and is not the one "
                "{provider} signs in. Ask an administrator.")
BAD_NAME = N_("{provider} gave no name mailreport can use for an account. Ask an "
              "administrator.")

FLOW_COOKIE = "mailreport_oidc"
FLOW_PATH = "/signin/oidc"
CALLBACK = "/signin/oidc/callback"
FLOW_SECONDS = 600
MAX_FLOWS = 10_000


@dataclass(frozen=True)
class Flow:
    """A sign-in under way at the provider."""
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str
    browser: str  # digest of the browser's flow cookie
    expires: float


class Flows:
    """State -> Flow, in memory, each taken once. Oldest go first past MAX_FLOWS, so
    a flood of started sign-ins cannot fill the memory."""

    def __init__(self, ttl: int = FLOW_SECONDS, max_flows: int = MAX_FLOWS):
        self.ttl = ttl
        self.max_flows = max_flows
        self._by_state: OrderedDict[str, Flow] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, state: str, flow: Flow) -> None:
        with self._lock:
            self._by_state[state] = flow
            while len(self._by_state) > self.max_flows:
                self._by_state.popitem(last=False)

    def take(self, state: str, browser_cookie: str) -> Flow | None:
        """The flow of ``state`` if it is live and was started by this browser; it is
        gone afterwards either way."""
        with self._lock:
            flow = self._by_state.pop(state, None)
        if flow is None or flow.expires < time.time():
            return None
        if not hmac.compare_digest(flow.browser, secret_digest(browser_cookie)):
            return None
        return flow


def redirect_uri(request: Request) -> str:
    """The callback as the provider must send the browser back to it: under the
    public URL setting (a proxy's address), else the address the request came to."""
    base = public_url(request) or str(request.base_url)
    return base.rstrip("/") + CALLBACK


def configure_sso(app: FastAPI, config: sso.SsoConfig | None,
                  provider: Provider | None = None) -> None:
    """Single sign-on as ``config`` says (None: off). Tests configure theirs here."""
    app.state.sso = config
    app.state.oidc_provider = provider or (Provider(config) if config else None)


def install_oidc_signin(app: FastAPI) -> None:
    store = app.state.store
    settings = getattr(store, "settings", None) or store.tables().settings
    configure_sso(app, sso.SsoConfig.from_settings(settings))
    app.state.oidc_flows = Flows()

    def refused(request: Request, status: int, message: str, why: str, next_: str = "/",
                actor: str = "oidc:?", detail: str = "", **values) -> HTMLResponse:
        """The sign-in page saying why, and the refusal in the audit trail."""
        config = app.state.sso
        recorded(request, None, "signin_failed", actor=actor, method="oidc", why=why,
                 **({"detail": detail[:500]} if detail else {}))
        response = signin_page(request, status, message, next_,
                               provider=config.display_name, minutes=FLOW_SECONDS // 60,
                               **values)
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
        return response

    @app.get(FLOW_PATH, include_in_schema=False)
    async def start_oidc(request: Request, next: str | None = None):  # noqa: A002
        config, provider = app.state.sso, app.state.oidc_provider
        if config is None or not app.state.auth_enabled:
            return RedirectResponse("/signin", status_code=303)
        callback = redirect_uri(request)
        try:
            # discovery may ask the provider: off the loop
            asked = await run_in_threadpool(provider.authorization_request, callback)
        except OidcError as exc:
            return refused(request, 502, UNREACHABLE, exc.reason, _safe_next(next),
                           detail=str(exc))
        browser = secrets.token_urlsafe(32)
        app.state.oidc_flows.start(asked.state, Flow(
            asked.nonce, asked.code_verifier, callback, _safe_next(next), secret_digest(browser),
            time.time() + app.state.oidc_flows.ttl))
        response = RedirectResponse(asked.url, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        # SameSite=Lax: the provider's redirect back is a top-level GET, which sends it
        response.set_cookie(FLOW_COOKIE, browser, max_age=app.state.oidc_flows.ttl,
                            path=FLOW_PATH, httponly=True, samesite="lax",
                            secure=callback.startswith("https:"))
        return response

    def finish(request: Request, flow: Flow, code: str) -> Response:
        """Exchange the code, check the ID token, find or make the account and start
        its session; or refuse, saying why. Runs in a thread: it calls the provider
        and writes the store."""
        config, provider = app.state.sso, app.state.oidc_provider
        try:
            token = provider.exchange(code, flow.redirect_uri, flow.code_verifier)
            claims = provider.id_token_claims(token, flow.nonce)
        except ProviderUnreachable as exc:
            return refused(request, 502, UNREACHABLE, exc.reason, flow.next, detail=str(exc))
        except OidcError as exc:
            return refused(request, 401, NOT_CONFIRMED, exc.reason, flow.next,
                           detail=str(exc))
        subject = claims["sub"]
        name = sso.account_name(config, claims)
        actor = f"user:{name}" if name else f"oidc:{subject}"
        role = sso.role_of(config, claims)
        if role is None:
            return refused(request, 403, NO_ROLE, "no role", flow.next, actor=actor,
                           detail=f"{config.roles_claim}: "
                                  f"{sso.claim(claims, config.roles_claim)!r}")
        result = sso.sign_in(store, config.issuer, subject, name, role,
                             sso.product_sales_of(config, claims), now=app.state.clock())
        if result.user is None:
            message = {"disabled": DISABLED, "name taken": NAME_TAKEN}.get(result.why, BAD_NAME)
            return refused(request, 403, message, result.why, flow.next,
                           actor=f"user:{result.name}" if result.name else actor,
                           name=result.name)
        user = result.user
        recorded(request, Principal(user.name, user.role, frozenset(), actor=f"user:{user.name}"),
                 "signin", method="oidc", subject=subject, product_sales=user.product_sales)
        response = RedirectResponse(flow.next, status_code=303)
        set_session_cookie(request, response, USER_SESSION + user.user_id)
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
        return response

    @app.get(CALLBACK, include_in_schema=False)
    async def oidc_callback(request: Request):
        config = app.state.sso
        if config is None or not app.state.auth_enabled:
            return RedirectResponse("/signin", status_code=303)
        query = request.query_params
        flow = app.state.oidc_flows.take(query.get("state", ""),
                                         request.cookies.get(FLOW_COOKIE, ""))
        if flow is None:
            return refused(request, 400, EXPIRED, "unknown or expired state")
        if "error" in query:
            # an error code is [A-Za-z0-9_.-] (RFC 6749 4.1.2.1); nothing else is shown
            error = "".join(c for c in query["error"][:64] if c.isascii()
                            and (c.isalnum() or c in "_.-")) or "?"
            return refused(request, 403, DENIED, f"provider: {error}", flow.next,
                           detail=query.get("error_description", ""), reason=error)
        code = query.get("code", "")
        if not code:
            return refused(request, 400, NOT_CONFIRMED, "no code", flow.next)
        return await run_in_threadpool(finish, request, flow, code)


__all__ = ["Flows", "configure_sso", "install_oidc_signin", "redirect_uri"]
