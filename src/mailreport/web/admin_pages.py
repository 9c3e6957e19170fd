"""The admins' pages: the accounts (``/admin/users``) and the audit trail
(``/admin/audit``). Server-rendered shells; their scripts (static/js/users.js,
static/js/audit.js) do everything through the users' and the audit's JSON API,
which decides again who may.

A reader without the admin role gets the error page with a 403, as the API answers
them; the header shows the links to these pages to admins only (base.html)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from mailreport import accounts
from mailreport.api.security import current_principal
from mailreport.web.pages import render_page

ADMIN = "admin"


def admin_of(request: Request):
    """The reader, when they may manage accounts; else the API's refusal (401, 403)."""
    principal = current_principal(request)
    if not principal.can(ADMIN):
        raise HTTPException(403, f"the {principal.role} role does not grant '{ADMIN}'")
    return principal


def install_admin_pages(app: FastAPI) -> None:
    store = app.state.store

    def settings():
        return getattr(store, "settings", None) or store.tables().settings

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request):
        principal = admin_of(request)
        page = render_page(request, settings(), "users.html", "Users", nav="users",
                           me=principal.user_id or "", min_length=accounts.PASSWORD_MIN,
                           max_length=accounts.PASSWORD_MAX)
        page.headers["Cache-Control"] = "no-store"  # a one-time password is shown on it
        return page

    @app.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request):
        admin_of(request)
        return render_page(request, settings(), "audit.html", "Audit trail", nav="audit")
