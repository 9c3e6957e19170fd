"""Share links (issue "Take the report out of the tool", item 4): an analyst makes a
read-only link to one report view; a visitor without an account reads it in a
browser, with the view's period and no customer data; the link expires and can be
revoked; the store keeps no secret."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from harness import Server, browser, page, ready  # noqa: F401 - fixtures

from mailreport.auth import create_token
from mailreport.i18n.formats import Formats
from mailreport.shares import create_share, open_share

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(demo_store):
    with Server(demo_store, auth=True) as server:
        yield server, demo_store


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def busiest_email(server, token: str) -> dict:
    rows = httpx.get(f"{server.url}/api/v1/mailings", headers=auth(token),
                     params={"channel": "email", "status": "sent", "sort": "delivered"}).json()
    return rows[0]


def test_a_shared_view_reads_without_an_account(served, page):
    server, store = served
    analyst = create_token(store, "analyst", "share maker", product_sales=True)
    busiest = busiest_email(server, analyst)
    mailing, sent_day = busiest["mailing_id"], busiest["sent_at"][:10]
    to = (dt.date.fromisoformat(sent_day) + dt.timedelta(days=2)).isoformat()
    viewer = create_token(store, "viewer")
    refused = httpx.post(f"{server.url}/api/v1/shares", headers=auth(viewer),
                         json={"kind": "mailing", "target_id": mailing})
    assert refused.status_code == 403
    r = httpx.post(f"{server.url}/api/v1/shares", headers=auth(analyst),
                   json={"kind": "mailing", "target_id": mailing, "from": sent_day, "to": to,
                         "days": 7})
    assert r.status_code == 201, r.text
    share = r.json()
    assert share["url"].startswith(f"{server.url}/shared/mrs_") and share["to"] == to
    token = share["url"].rsplit("/", 1)[1]
    # the store keeps the secret's digest, never the secret
    stored = store.sql("SELECT * FROM shares WHERE share_id = ?", [share["share_id"]])[0]
    assert not any(token.split("_", 2)[2] in str(v) for v in stored)

    # the same figures as the signed-in report over that period
    report = httpx.get(f"{server.url}/api/v1/mailings/{mailing}/report", headers=auth(analyst),
                       params={"from": sent_day, "to": to}).json()
    ready(page, share["url"] + "?lang=en")
    assert f"from={sent_day}" in page.url  # the page's address carries the view's period
    revenue = page.locator("[data-key='headline.revenue']").first
    en = Formats("en")
    assert " ".join(revenue.inner_text().split()) == " ".join(
        en.money(report["orders"]["revenue"], whole=True).split())
    assert page.locator("a[href*='/customers']").count() == 0  # no customer lists
    assert page.locator("#workbook-link").count() == 0
    assert page.locator("#period-form").is_hidden()
    assert page.locator("#product_sales").is_hidden()
    assert "Shared report" in page.locator(".crumbs").inner_text()

    # its API: the period cannot be widened, product sales and lists are not there
    wide = httpx.get(f"{server.url}/shared/{token}/api/report", params={"from": "2020-01-01"})
    assert wide.status_code == 200 and wide.json()["period"] == {"from": sent_day, "to": to}
    assert wide.json()["product_sales"] is None
    for path in ("report/product_sales", "customers", "report.xlsx"):
        assert httpx.get(f"{server.url}/shared/{token}/api/{path}").status_code == 404, path

    # revoked: gone, the page says so
    assert httpx.post(f"{server.url}/api/v1/shares/{share['share_id']}/revoke",
                      headers=auth(analyst)).json()["revoked_at"]
    gone = httpx.get(share["url"], headers={"Accept": "text/html", "Accept-Language": "en"})
    assert gone.status_code == 410 and "expired or was revoked" in gone.text
    assert httpx.get(f"{server.url}/shared/{token}/api/report").status_code == 404


def test_a_link_expires(served):
    server, store = served
    mailing = busiest_email(server, create_token(store, "viewer"))["mailing_id"]
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=8)
    share, token = create_share(store, "mailing", mailing, None, None, 7, "test", now=long_ago)
    assert open_share(store, token, now=long_ago + dt.timedelta(days=6, hours=23)) is not None
    assert open_share(store, token) is None  # 8 days on: expired
    r = httpx.get(f"{server.url}/shared/{token}", headers={"Accept-Language": "ru"})
    assert r.status_code == 410 and "Ссылка устарела или отозвана" in r.text
    # a wrong secret for a real id is no better than no link
    wrong = token[:-4] + "abcd"
    assert httpx.get(f"{server.url}/shared/{wrong}/api/report").status_code == 404


def test_a_shared_campaign_view(served, page):
    server, store = served
    analyst = create_token(store, "analyst", "campaign sharer")
    campaign = httpx.get(f"{server.url}/api/v1/campaigns", headers=auth(analyst)).json()[0]
    r = httpx.post(f"{server.url}/api/v1/shares", headers=auth(analyst),
                   json={"kind": "campaign", "target_id": campaign["campaign_id"]})
    assert r.status_code == 201, r.text
    report = httpx.get(f"{server.url}/api/v1/campaigns/{campaign['campaign_id']}/report",
                       headers=auth(analyst)).json()
    ready(page, r.json()["url"] + "?lang=ru")
    assert page.locator("#report-title").inner_text() == campaign["name"]
    assert page.locator("#workbook-link, #pdf-link").count() == 0
    assert page.locator("a[href^='/mailings/']").count() == 0  # its mailings lead nowhere
    assert page.locator("#period-form").is_hidden()
    ru = Formats("ru")
    sent = page.locator("[data-key='campaign.funnel.sent'], [data-key='funnel.sent']").first
    assert " ".join(sent.inner_text().split()) == " ".join(
        ru.integer(report["funnel"]["sent"]).split())
