"""The customer-list page: the customers of one stage (or volume status) of a
mailing, their metrics, and the "Export to file" dialog. A server-rendered shell;
its script (static/js/customers.js) takes every figure from the JSON API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from mailreport import __version__
from mailreport.web.pages import TEMPLATES


def install_customer_pages(app: FastAPI) -> None:
    store = app.state.store

    @app.get("/mailings/{mailing_id}/customers", response_class=HTMLResponse,
             include_in_schema=False)
    def customers_page(request: Request, mailing_id: str):
        settings = store.tables().settings  # display settings only
        return TEMPLATES.TemplateResponse(request, "customers.html", {
            "title": "Customers", "version": __version__, "currency": settings.currency,
            "company_timezone": settings.company_timezone, "nav": "mailings",
            "mailing_id": mailing_id})
