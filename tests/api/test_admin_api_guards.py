"""What the admin pages need of the accounts and audit APIs: the last enabled admin
stays one, an admin cannot disable themselves, a first password typed by the admin
is still to be changed, and the trail pages through a period of company dates and
any of several actions, with its total."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from mailreport import accounts, audit
from mailreport.api.app import create_app
from mailreport.auth import create_token
from mailreport.settings import Settings

GOOD = "correct horse 42"


@pytest.fixture
def settings() -> Settings:
    """The company's time zone east of UTC, so that its dates are not UTC's."""
    return Settings(company_timezone="Europe/Moscow")  # UTC+3


@pytest.fixture
def app(store):
    return create_app(store)


@pytest.fixture
def admin(store):
    return {"Authorization": f"Bearer {create_token(store, 'admin')}"}


def test_the_last_enabled_admin_is_neither_disabled_nor_demoted(app, store, admin):
    client = TestClient(app)
    accounts.create_user(store, "Olga", "admin", password=GOOD)
    refused = client.post("/api/v1/users/olga/disable", headers=admin)
    assert refused.status_code == 409 and "last enabled admin" in refused.json()["detail"]
    refused = client.post("/api/v1/users/olga/grant", json={"role": "analyst"}, headers=admin)
    assert refused.status_code == 409
    assert accounts.user_info(store, "olga").role == "admin"
    assert not accounts.user_info(store, "olga").disabled
    # a grant that keeps the role passes
    r = client.post("/api/v1/users/olga/grant", json={"product_sales": True}, headers=admin)
    assert r.status_code == 200 and r.json()["product_sales"]
    # with a second admin, the first may go
    accounts.create_user(store, "Pavel", "admin", password=GOOD)
    assert client.post("/api/v1/users/olga/disable", headers=admin).status_code == 200
    assert client.post("/api/v1/users/pavel/grant", json={"role": "viewer"},
                       headers=admin).status_code == 409


def test_an_admin_cannot_disable_their_own_account(app, store):
    accounts.create_user(store, "Olga", "admin", password=GOOD)
    accounts.create_user(store, "Pavel", "admin", password=GOOD)
    client = TestClient(app)
    client.post("/signin", data={"name": "olga", "password": GOOD},
                headers={"origin": "http://testserver"})
    page = client.get("/schedules", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    headers = {"origin": "http://testserver", "x-csrf-token": csrf}
    refused = client.post("/api/v1/users/olga/disable", headers=headers)
    assert refused.status_code == 409 and "your own account" in refused.json()["detail"]
    assert client.post("/api/v1/users/pavel/disable", headers=headers).status_code == 200


def test_a_typed_first_password_must_pass_the_rules_and_be_changed(app, store, admin):
    client = TestClient(app)
    weak = client.post("/api/v1/users", json={"name": "ivan", "role": "viewer",
                                              "password": "short"}, headers=admin)
    assert weak.status_code == 422 and "at least 12" in weak.json()["detail"]
    r = client.post("/api/v1/users", json={"name": "ivan", "role": "viewer", "password": GOOD},
                    headers=admin)
    assert r.status_code == 201 and r.json()["password"] is None
    assert r.json()["must_change_password"]
    signed = client.post("/signin", data={"name": "ivan", "password": GOOD},
                         follow_redirects=False)
    assert signed.headers["location"].startswith("/account")


def test_the_trail_pages_through_a_period_of_company_dates(app, store, admin):
    day = dt.datetime(2026, 3, 10)
    # 20:59 UTC on the 9th is 23:59 in Moscow; 21:00 is midnight of the 10th
    for i, at in enumerate([day - dt.timedelta(hours=3, minutes=1), day - dt.timedelta(hours=3),
                            day + dt.timedelta(hours=5), day + dt.timedelta(hours=20, minutes=59),
                            day + dt.timedelta(hours=21)]):
        audit.record(store, "signin" if i % 2 else "export", actor=f"user:u{i}", at=at)
    client = TestClient(app)
    r = client.get("/api/v1/audit", params={"from": "2026-03-10", "to": "2026-03-10"},
                   headers=admin)
    assert [e["actor"] for e in r.json()] == ["user:u3", "user:u2", "user:u1"]
    assert r.headers["X-Total-Count"] == "3"
    page2 = client.get("/api/v1/audit", params={"from": "2026-03-10", "to": "2026-03-10",
                                                "limit": 2, "offset": 2}, headers=admin)
    assert [e["actor"] for e in page2.json()] == ["user:u1"]
    assert page2.headers["X-Total-Count"] == "3"
    both = client.get("/api/v1/audit", params=[("action", "signin"), ("action", "export"),
                                               ("actor", "user:u4")], headers=admin)
    assert [e["actor"] for e in both.json()] == ["user:u4"]
    only = client.get("/api/v1/audit", params={"action": "export", "to": "2026-03-09"},
                      headers=admin)
    assert [e["actor"] for e in only.json()] == ["user:u0"]
    assert client.get("/api/v1/audit", params={"from": "2026-03-11", "to": "2026-03-10"},
                      headers=admin).status_code == 422
