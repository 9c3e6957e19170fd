"""A person's own account page: change the password (required after a first or
reset password) and sign out everywhere (docs/accounts.md)."""

from __future__ import annotations

import urllib.parse

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mailreport import accounts
from mailreport.api.audit import recorded
from mailreport.api.security import USER_SESSION, signed_in
from mailreport.api.signin import _safe_next, clear_session_cookie, set_session_cookie
from mailreport.auth import AuthError, Principal
from mailreport.i18n.catalogs import gettext
from mailreport.web.pages import reader_language, render_page


def N_(message: str) -> str:
    """Marks a string for the ``pages`` catalog; it is translated when shown."""
    return message


CHANGED = N_("Your password is changed; your other sessions are signed out.")
WRONG_CURRENT = N_("The current password is not right.")
DIFFERENT_REPEAT = N_("The new password and its repetition differ.")
SAME_AS_BEFORE = N_("The new password must differ from the current one.")
# accounts.password_problem's rules, as the page says them
RULES = {
    "short": N_("A password has at least {n} characters."),
    "long": N_("A password has at most {n} characters."),
    "name": N_("A password may not contain the account's name."),
    "one kind": N_("A password mixes at least two kinds of character: letters, digits, "
                   "symbols."),
}


def install_account_page(app: FastAPI) -> None:
    store = app.state.store

    def page(request: Request, principal: Principal, status: int = 200,
             error: str | None = None, notice: str | None = None, next_: str = "/",
             **values) -> HTMLResponse:
        settings = store.tables().settings
        language = reader_language(request, settings.locale)
        response = render_page(
            request, settings, "account.html", "Your account", status=status, nav=None,
            name=principal.name, must_change=principal.must_change_password, next=next_,
            error=gettext(language, "pages", error, **values) if error else None,
            notice=gettext(language, "pages", notice) if notice else None,
            min_length=accounts.PASSWORD_MIN, page_state="ready")
        response.headers["Cache-Control"] = "no-store"
        return response

    def person(request: Request) -> Principal | None:
        principal = signed_in(request)
        return principal if principal is not None and principal.user_id else None

    def to_signin(request: Request) -> RedirectResponse:
        return RedirectResponse("/signin?" + urllib.parse.urlencode(
            {"next": request.url.path}), status_code=303)

    @app.get("/account", response_class=HTMLResponse, include_in_schema=False)
    def account(request: Request, next: str | None = None):  # noqa: A002
        principal = person(request)
        if principal is None:  # signed out, or signed in with a token: no account
            return to_signin(request) if signed_in(request) is None \
                else RedirectResponse("/", status_code=303)
        return page(request, principal, next_=_safe_next(next))

    @app.post("/account/password", include_in_schema=False)
    async def change_password(request: Request):
        # the CSRF guard has checked the form's csrf_token (api/csrf.py)
        principal = await run_in_threadpool(person, request)
        if principal is None:
            return to_signin(request)
        body = (await request.body())[:8192].decode("utf-8", "replace")
        form = dict(urllib.parse.parse_qsl(body))
        current, new = form.get("current", ""), form.get("new", "")
        next_ = _safe_next(form.get("next"))
        if new != form.get("repeat", ""):
            return page(request, principal, 422, DIFFERENT_REPEAT, next_=next_)
        problem = accounts.password_rule(principal.name, new)
        if problem is not None:
            return page(request, principal, 422, RULES[problem], next_=next_,
                        n=accounts.PASSWORD_MAX if problem == "long" else accounts.PASSWORD_MIN)
        if new == current:
            return page(request, principal, 422, SAME_AS_BEFORE, next_=next_)
        try:
            await run_in_threadpool(accounts.change_password, store, principal.user_id,
                                    current, new)
        except AuthError:
            return page(request, principal, 422, WRONG_CURRENT, next_=next_)
        recorded(request, principal, "password_change")
        # every session of the account ended with the change: this browser gets a new one
        response = RedirectResponse(next_, status_code=303)
        set_session_cookie(request, response, USER_SESSION + principal.user_id)
        return response

    @app.post("/account/signout-everywhere", include_in_schema=False)
    def signout_everywhere(request: Request):
        principal = person(request)
        if principal is not None:
            accounts.sign_out_everywhere(store, principal.user_id)
            ended = app.state.sessions.end_all(USER_SESSION + principal.user_id)
            recorded(request, principal, "signout_everywhere", sessions=ended)
        response: Response = RedirectResponse("/signin", status_code=303)
        clear_session_cookie(request, response)
        return response
