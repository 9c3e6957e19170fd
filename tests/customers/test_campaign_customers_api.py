"""A campaign's customer lists and exports over HTTP, with real tokens: a viewer
gets neither; an analyst gets the list the funnel counts and its files, and both
are in the audit trail against the campaign."""

from __future__ import annotations

import csv
import io

import campaign_shop
import openpyxl
import pytest
from fastapi.testclient import TestClient

from mailreport import audit
from mailreport.api.app import create_app
from mailreport.auth import create_token


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from campaign_shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def client(shop_store):
    return TestClient(create_app(shop_store))


def bearer(store, role, **kw):
    return {"Authorization": f"Bearer {create_token(store, role, **kw)}"}


def problem(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()["detail"]


def test_a_viewer_gets_neither_list_nor_export(client, shop_store):
    viewer = bearer(shop_store, "viewer")
    r = client.get("/api/v1/campaigns/c1/customers", headers=viewer, params={"stage": "sent"})
    assert "customer_data" in problem(r, 403)
    assert "ann@shop.example" not in r.text
    r = client.get("/api/v1/campaigns/c1/export", headers=viewer, params={"stage": "sent"})
    assert "'exports'" in problem(r, 403)


def test_an_analyst_gets_the_list_the_funnel_counts(client, shop_store):
    analyst = bearer(shop_store, "analyst")
    funnel = client.get("/api/v1/campaigns/c1/report", headers=analyst).json()["funnel"]
    for stage in ("sent", "delivered", "opened", "clicked", "ordered"):
        body = client.get("/api/v1/campaigns/c1/customers", headers=analyst,
                          params={"stage": stage}).json()
        assert body["total"] == funnel[stage] == len(body["rows"]) > 0, stage
    body = client.get("/api/v1/campaigns/c1/customers", headers=analyst,
                      params={"stage": "ordered", "sort": "revenue", "order": "desc"}).json()
    assert [(r["customer_id"], r["contact"], r["orders"], r["revenue"]) for r in body["rows"]] == [
        ("ann", "ann@shop.example", 2, "30.00"), ("bob", campaign_shop.HOSTILE_EMAIL, 1, "5.00")]
    assert (body["campaign_name"], body["metrics"]["audience"]) == ("Spring", 4)
    row = audit.query(shop_store, action="customer_list")[0]
    assert row.entity == "campaign:c1" and row.role == "analyst"
    assert (row.details["stage"], row.details["rows"], row.details["total"]) == ("ordered", 2, 2)


@pytest.mark.parametrize("params, status, words", [
    ({}, 422, "stage"), ({"stage": "spam"}, 422, "stage"),
    ({"stage": "sent", "from": "2026-03-05", "to": "2026-03-01"}, 422, "from"),
])
def test_bad_requests_are_problems_that_say_why(client, shop_store, params, status, words):
    r = client.get("/api/v1/campaigns/c1/customers", headers=bearer(shop_store, "analyst"),
                   params=params)
    assert words in problem(r, status)


def test_unknown_campaigns_and_sms_opens(client, shop_store):
    analyst = bearer(shop_store, "analyst")
    r = client.get("/api/v1/campaigns/zz/customers", headers=analyst, params={"stage": "sent"})
    assert "zz" in problem(r, 404)
    r = client.get("/api/v1/campaigns/c2/export", headers=analyst, params={"stage": "opened"})
    assert "SMS" in problem(r, 422)


def test_an_analyst_exports_csv_and_xlsx_recorded(client, shop_store):
    analyst = bearer(shop_store, "analyst")
    r = client.get("/api/v1/campaigns/c1/export", headers=analyst,
                   params={"stage": "sent", "entity": "receipts", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "campaign-c1-sent-receipts-all-time.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["order_id"], x["customer_id"]) for x in rows] == [("r-ann", "ann"),
                                                                 ("r-bob", "bob")]
    record = audit.query(shop_store, action="export")[0]
    assert record.entity == "campaign:c1" and record.details["contents"] == "receipts"
    assert (record.details["rows"], record.details["complete"]) == (2, True)
    r = client.get("/api/v1/campaigns/c1/export", headers=analyst,
                   params={"stage": "sent", "format": "xlsx",
                           "fields": "customer_id,email"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["customer_id", "email"]
    assert [c[0] for c in cells[1:]] == ["ann", "bob", "cat"]
    assert cells[2][1] == "'" + campaign_shop.HOSTILE_EMAIL  # inert, not a formula


def test_lines_need_the_product_sales_permission(client, shop_store):
    r = client.get("/api/v1/campaigns/c1/export", headers=bearer(shop_store, "analyst"),
                   params={"stage": "sent", "entity": "receipt_lines"})
    assert "product_sales" in problem(r, 403)
    r = client.get("/api/v1/campaigns/c1/export",
                   headers=bearer(shop_store, "analyst", product_sales=True),
                   params={"stage": "sent", "entity": "receipt_lines"})
    assert r.status_code == 200 and "r-ann" in r.text
