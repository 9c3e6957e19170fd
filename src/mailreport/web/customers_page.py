"""The customer-list page: the customers of one stage (or volume status) of a
mailing, or of one stage of a campaign's funnel, their metrics, and the "Export to
file" dialog. A server-rendered shell;
its script (static/js/customers.js) takes every figure from the JSON API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from mailreport.web.pages import render_page


def install_customer_pages(app: FastAPI) -> None:
    store = app.state.store

    @app.get("/mailings/{mailing_id}/customers", response_class=HTMLResponse,
             include_in_schema=False)
    def customers_page(request: Request, mailing_id: str):
        return render_page(request, store.tables().settings, "customers.html", "Customers",
                           nav="mailings", mailing_id=mailing_id)

    @app.get("/campaigns/{campaign_id}/customers", response_class=HTMLResponse,
             include_in_schema=False)
    def campaign_customers_page(request: Request, campaign_id: str):
        return render_page(request, store.tables().settings, "customers.html", "Customers",
                           nav="campaigns", campaign_id=campaign_id)
