"""Customer lists and exports over HTTP, with real tokens: a viewer gets neither
lists nor exports; an analyst sees contacts and exports them."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import shop
from fastapi.testclient import TestClient

from mailreport.api.app import create_app
from mailreport.auth import create_token


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def client(shop_store):
    return TestClient(create_app(shop_store))


@pytest.fixture(scope="module")
def viewer(shop_store):
    return {"Authorization": f"Bearer {create_token(shop_store, 'viewer')}"}


@pytest.fixture(scope="module")
def analyst(shop_store):
    return {"Authorization": f"Bearer {create_token(shop_store, 'analyst')}"}


@pytest.fixture(scope="module")
def analyst_with_sales(shop_store):
    return {"Authorization": f"Bearer {create_token(shop_store, 'analyst', product_sales=True)}"}


def problem(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()["detail"]


def test_a_viewer_gets_no_customer_list(client, viewer):
    """Lists are customer data, for analysts (DESIGN.md, README); viewers got them with
    masked contacts, and could sort by the unmasked value (#20)."""
    for params in ({"stage": "opened"}, {"stage": "opened", "sort": "contact"},
                   {"status": "good"}):
        r = client.get("/api/v1/mailings/m1/customers", headers=viewer, params=params)
        assert "customer_data" in problem(r, 403)
        assert "ann@shop.example" not in r.text


def test_a_viewer_cannot_export(client, viewer):
    r = client.get("/api/v1/mailings/m1/export", headers=viewer, params={"stage": "opened"})
    assert "'exports'" in problem(r, 403)
    assert client.get("/api/v1/exports/entities", headers=viewer).status_code == 403


def test_an_analyst_sees_contacts(client, analyst):
    body = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                      params={"stage": "opened", "sort": "revenue", "order": "desc",
                              "page_size": 2, "page": 1}).json()
    assert not body["contacts_masked"]
    assert [(r["customer_id"], r["contact"], r["revenue"]) for r in body["rows"]] == [
        ("cy", "cy@shop.example", "250.00"), ("ann", "ann@shop.example", "150.50")]
    assert (body["page"], body["pages"], body["total"]) == (1, 3, 6)
    assert body["period"] == {"from": None, "to": None}
    m = body["metrics"]
    assert (m["customers"], m["orders"], m["revenue"]) == (6, 5, "440.50")
    assert set(m["deviation"]) == {"aov", "revenue_per_customer", "orders_per_customer"}


def test_an_analyst_exports_csv_streamed_with_a_telling_name(client, analyst):
    params = {"stage": "opened", "from": "2026-03-03", "to": "2026-03-05"}
    r = client.get("/api/v1/mailings/m1/export", headers=analyst, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert ('filename="m1-opened-customers-2026-03-03_2026-03-05.csv"'
            in r.headers["content-disposition"])
    rows = list(csv.reader(io.StringIO(r.content.decode(), newline="")))
    listed = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                        params=params).json()
    assert [row[0] for row in rows[1:]] == [x["customer_id"] for x in listed["rows"]]
    assert rows[1:][[x["customer_id"] for x in listed["rows"]].index("hos")][1] == (
        "'" + shop.HOSTILE_EMAIL)


@pytest.mark.parametrize("entity", ["receipt_lines", "order_lines"])
def test_lines_need_the_product_sales_permission(client, analyst, entity):
    """Lines by category rebuild the product sales section (#20): an analyst without
    its permission gets 403 on them too."""
    r = client.get("/api/v1/mailings/m1/export", headers=analyst,
                   params={"status": "good", "entity": entity})
    assert problem(r, 403) == f"exporting {entity} needs the product_sales permission"


def test_an_analyst_exports_xlsx(client, analyst_with_sales, tmp_path):
    r = client.get("/api/v1/mailings/m1/export", headers=analyst_with_sales,
                   params={"status": "good", "entity": "receipt_lines", "format": "xlsx",
                           "fields": "order_id,product,amount"})
    assert r.status_code == 200, r.text
    assert "spreadsheetml" in r.headers["content-type"]
    assert "m1-good-receipt_lines-all-time.xlsx" in r.headers["content-disposition"]
    path = tmp_path / "lines.xlsx"
    path.write_bytes(r.content)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("order_id", "product", "amount") and len(rows) == 5


def test_a_page_past_any_list_is_refused_not_overflowed(client, analyst):
    r = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                   params={"stage": "sent", "page": 9223372036854775807})
    assert "less than or equal to 1000000000" in problem(r, 422)
    r = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                   params={"stage": "sent", "page": 1_000_000_000})
    assert r.status_code == 200 and r.json()["rows"] == []  # the last page allowed: empty


def test_unknown_fields_are_named_with_the_allowed_ones(client, analyst):
    r = client.get("/api/v1/mailings/m1/export", headers=analyst,
                   params={"stage": "sent", "entity": "orders", "fields": "order_id,revenue"})
    detail = problem(r, 422)
    assert "'revenue'" in detail and "order_id, customer_id, kind, ts, date, total" in detail


def test_the_entities_and_their_fields_are_listed(client, analyst, analyst_with_sales):
    # lines only for those who may see product sales
    limited = client.get("/api/v1/exports/entities", headers=analyst).json()
    assert [e["name"] for e in limited] == ["customers", "receipts", "orders", "audience"]
    entities = client.get("/api/v1/exports/entities", headers=analyst_with_sales).json()
    assert [e["name"] for e in entities] == ["customers", "receipts", "receipt_lines",
                                             "orders", "order_lines", "audience"]
    assert entities[0]["default_fields"] == ["customer_id", "email", "phone", "reached_at",
                                             "orders", "revenue"]


@pytest.mark.parametrize("params, status, words", [
    ({}, 422, "either stage"),
    ({"stage": "sent", "status": "good"}, 422, "either stage"),
    ({"stage": "bought"}, 422, "'stage'"),
    ({"stage": "sent", "sort": "email"}, 422, "'sort'"),
    ({"stage": "sent", "page_size": 501}, 422, "'page_size'"),
    ({"stage": "sent", "from": "2026-03-05", "to": "2026-03-01"}, 422, "after"),
])
def test_bad_requests_are_problems_that_say_why(client, analyst, params, status, words):
    r = client.get("/api/v1/mailings/m1/customers", headers=analyst, params=params)
    assert words in problem(r, status)


def test_unknown_mailings_sms_opens_and_missing_tokens(client, analyst):
    assert "'nope'" in problem(client.get("/api/v1/mailings/nope/customers", headers=analyst,
                                          params={"stage": "sent"}), 404)
    assert "'nope'" in problem(client.get("/api/v1/mailings/nope/export", headers=analyst,
                                          params={"stage": "sent"}), 404)
    assert "SMS" in problem(client.get("/api/v1/mailings/s1/export", headers=analyst,
                                       params={"stage": "opened"}), 422)
    problem(client.get("/api/v1/mailings/m1/customers", params={"stage": "sent"}), 401)
    problem(client.get("/api/v1/mailings/m1/export", params={"stage": "sent"}), 401)
    # who asks is checked before what is asked
    problem(client.get("/api/v1/mailings/m1/customers", params={"stage": "bogus"}), 401)


def test_the_page_is_served_and_loads_its_script(client, viewer):
    assert client.get("/mailings/m1/customers?stage=opened").status_code == 401
    r = client.get("/mailings/m1/customers?stage=opened", headers=viewer)
    assert r.status_code == 200 and 'data-mailing-id="m1"' in r.text
    assert "/static/js/customers.js" in r.text and 'id="export-dialog"' in r.text


def test_the_hard_bounces_are_customer_data_and_filter_by_period(client, viewer, analyst):
    r = client.get("/api/v1/bounces/hard", headers=viewer)
    assert "customer_data" in problem(r, 403)
    r = client.get("/api/v1/bounces/hard", headers=analyst,
                   params={"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert body["total"] == len(body["rows"])
    r = client.get("/api/v1/bounces/hard", headers=analyst,
                   params={"from": "2026-03-31", "to": "2026-03-01"})
    assert "after" in problem(r, 422)


def test_a_list_narrows_to_a_bounce_class_and_refuses_it_on_another_stage(client, analyst):
    r = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                   params={"stage": "bounced", "bounce_class": "hard"})
    assert r.status_code == 200, r.text
    assert r.json()["bounce_class"] == "hard"
    assert all("hard_bounce" in row for row in r.json()["rows"])
    r = client.get("/api/v1/mailings/m1/customers", headers=analyst,
                   params={"stage": "opened", "bounce_class": "hard"})
    assert "bounce_class narrows" in problem(r, 422)
