"""The admins' pages: the accounts (``/admin/users``) and the audit trail
(``/admin/audit``). Server-rendered shells; their scripts (static/js/users.js,
static/js/audit.js) do everything through the users' and the audit's JSON API,
which decides again who may.

The pages ask for the admin permission as the API's endpoints do (``require``), so
that a reader without it gets the same 403, as the error page in a browser
(error_pages.py); the header shows the links to these pages to admins only
(base.html)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from mailreport import accounts
from mailreport.api.security import require
from mailreport.auth import Principal
from mailreport.web.pages import render_page

Admin = Annotated[Principal, Depends(require("admin"))]


def install_admin_pages(app: FastAPI) -> None:
    store = app.state.store

    def settings():
        return getattr(store, "settings", None) or store.tables().settings

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, principal: Admin):
        page = render_page(request, settings(), "users.html", "Users", nav="users",
                           me=principal.user_id or "", min_length=accounts.PASSWORD_MIN,
                           max_length=accounts.PASSWORD_MAX)
        page.headers["Cache-Control"] = "no-store"  # a one-time password is shown on it
        return page

    @app.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, principal: Admin):
        return render_page(request, settings(), "audit.html", "Audit trail", nav="audit")
