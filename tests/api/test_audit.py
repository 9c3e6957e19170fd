"""The audit trail (audit.py, api/audit.py): a customer list's view and an export
with their rows, sign-ins, user and token changes, the admins' query, pruning."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport import accounts, audit
from mailreport.api.app import create_app
from mailreport.auth import create_token, token_id_of

PASSWORD = "correct horse 42"


@pytest.fixture
def app(store, tmp_path):
    Dataset(store, tmp_path / "d").mailing("m1").journeys("m1", {
        "ann": [("opened", at(1))], "bob": [("opened", at(2))], "cid": [("delivered", at(1))]},
    ).load()
    return create_app(store)


def only(store, action: str) -> audit.AuditRecord:
    (row,) = audit.query(store, action=action)
    return row


def test_a_customer_list_view_is_recorded_with_its_rows(app, store):
    token = create_token(store, "analyst")
    client = TestClient(app, client=("203.0.113.7", 5000))
    r = client.get("/api/v1/mailings/m1/customers", params={"stage": "opened"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and len(r.json()["rows"]) == 2
    row = only(store, "customer_list")
    assert row.actor == f"token:{token_id_of(token)}" and row.role == "analyst"
    assert row.entity == "mailing:m1" and row.address == "203.0.113.7"
    assert row.details["stage"] == "opened" and row.details["rows"] == 2


def test_an_export_is_recorded_with_format_and_rows(app, store):
    accounts.create_user(store, "maria", "analyst", password=PASSWORD)
    client = TestClient(app)
    client.post("/signin", data={"name": "maria", "password": PASSWORD})
    r = client.get("/api/v1/mailings/m1/export", params={"stage": "delivered",
                                                        "format": "csv"})
    assert r.status_code == 200
    lines = r.text.strip().splitlines()
    row = only(store, "export")
    assert row.actor == "user:maria" and row.role == "analyst"
    assert row.details["format"] == "csv" and row.details["contents"] == "customers"
    assert row.details["rows"] == len(lines) - 1 == 3 and row.details["complete"]
    assert only(store, "signin").actor == "user:maria"


def test_sign_ins_user_and_token_changes_are_recorded_and_queryable(app, store):
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    client = TestClient(app)
    client.post("/api/v1/users", json={"name": "Ivan", "role": "viewer"}, headers=admin)
    client.post("/signin", data={"name": "nobody", "password": "x"})
    r = client.post("/api/v1/tokens", json={"role": "viewer"}, headers=admin)
    client.post(f"/api/v1/tokens/{r.json()['token_id']}/revoke", headers=admin)
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin).json()]
    for action in ("user_create", "signin_failed", "token_create", "token_revoke"):
        assert action in actions
    failed = client.get("/api/v1/audit", params={"action": "signin_failed"},
                        headers=admin).json()
    assert [(e["actor"], e["details"]["why"]) for e in failed] == [("user:nobody",
                                                                    "unknown name")]
    viewer = {"Authorization": f"Bearer {create_token(store, 'analyst')}"}
    assert client.get("/api/v1/audit", headers=viewer).status_code == 403


def test_records_past_audit_days_are_pruned(store):
    now = dt.datetime(2026, 6, 1)
    audit.record(store, "signin", actor="user:old", at=now - dt.timedelta(days=366))
    audit.record(store, "signin", actor="user:new", at=now - dt.timedelta(days=364))
    assert audit.prune(store, 365, now=now) == 1
    assert [r.actor for r in audit.query(store)] == ["user:new"]


def test_the_server_prunes_when_it_starts(store):
    audit.record(store, "signin", actor="user:ancient",
                 at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=400))
    with TestClient(create_app(store)):  # runs the lifespan: start-up, shutdown
        pass
    assert audit.query(store, actor="user:ancient") == []
