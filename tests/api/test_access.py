"""Tokens and roles over the API: who may read what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.auth import create_token, list_tokens, revoke_token


@pytest.fixture
def client(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}).load()
    return TestClient(create_app(store))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_requests_without_a_token_are_401_but_health_is_open(client):
    assert client.get("/health").status_code == 200
    r = client.get("/api/v1/mailings")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/mailings", headers=bearer("mr_x_y")).status_code == 401


def test_a_viewer_reads_reports_without_product_sales(client, store):
    token = create_token(store, "viewer")
    body = client.get("/api/v1/mailings/m1/report", headers=bearer(token)).json()
    assert body["efficiency"]["stages"]["opened"] == 1 and body["product_sales"] is None
    r = client.get("/api/v1/mailings/m1/report/product_sales", headers=bearer(token))
    assert r.status_code == 403


def test_product_sales_is_its_own_permission(client, store):
    token = create_token(store, "viewer", product_sales=True)
    body = client.get("/api/v1/mailings/m1/report", headers=bearer(token)).json()
    assert body["product_sales"] == {"sort": "units", "search": None, "group": None,
                                     "variant_id": None, "units_of_measure": [],
                                     "unit": None, "rows": []}


def test_tokens_are_stored_hashed_and_can_be_revoked(client, store):
    token = create_token(store, "analyst", name="crm")
    secret = token.split("_", 2)[2]
    stored = store.sql("SELECT * FROM tokens")
    assert secret not in repr(stored) and token not in repr(stored)
    assert client.get("/api/v1/mailings", headers=bearer(token)).status_code == 200
    [info] = list_tokens(store)
    revoke_token(store, info.token_id)
    assert client.get("/api/v1/mailings", headers=bearer(token)).status_code == 401


def test_a_tampered_secret_is_refused(client, store):
    token = create_token(store, "admin")
    assert client.get("/api/v1/mailings", headers=bearer(token[:-1] + "x")).status_code == 401


def test_a_401_carries_the_bearer_challenge(client):
    r = client.get("/api/v1/mailings")
    assert r.headers["www-authenticate"] == "Bearer"
