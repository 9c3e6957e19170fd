"""People's accounts (accounts.py, api/users.py, the sign-in by name): Argon2
hashes, the lockout and its expiry, one answer for every failure, sign out
everywhere, the first password to change, the admin API and the CLI."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import Dataset, at
from mailreport import accounts
from mailreport.api.app import create_app
from mailreport.api.security import SESSION_COOKIE
from mailreport.auth import create_token
from mailreport.cli import app as cli

GOOD = "correct horse 42"
ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def app(store, tmp_path):
    Dataset(store, tmp_path / "d").mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}) \
        .load()
    return create_app(store, public_url="http://127.0.0.1:8000")


def person(store, name="maria", role="analyst", password=GOOD, **kw):
    info, _ = accounts.create_user(store, name, role, password=password, **kw)
    return info


def sign_in(client, name, password, next_="/"):
    return client.post("/signin", data={"name": name, "password": password, "next": next_},
                       headers={"accept": "text/html"}, follow_redirects=False)


def csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text)[1]


def test_the_store_keeps_an_argon2_hash_never_the_password(store):
    person(store)
    (stored,) = store.sql("SELECT password_hash FROM users")[0]
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert accounts.HASHER.verify(stored, GOOD)
    dump = repr(store.sql("SELECT * FROM users"))
    assert GOOD not in dump


@pytest.mark.parametrize("password, rule", [
    ("short1!", "short"), ("maria-is-the-best-1", "name"), ("MARIA0123456789", "name"),
    ("onlylettershere", "one kind"), ("123456789012345", "one kind"), (GOOD, None)])
def test_the_password_rules(password, rule):
    assert accounts.password_rule("Maria", password) == rule


def test_a_weak_password_is_refused_and_names_ignore_case(store):
    with pytest.raises(accounts.WeakPassword):
        person(store, password="aaaaaaaaaaaaaaaa")
    person(store, "Maria")
    with pytest.raises(accounts.AuthError, match="exists already"):
        person(store, "MARIA")


def test_signing_in_with_a_password_gives_the_users_role(app, store):
    person(store, role="viewer")
    client = TestClient(app)
    r = sign_in(client, "Maria", GOOD, "/campaigns")  # the name in any case
    assert r.status_code == 303 and r.headers["location"] == "/campaigns"
    assert client.get("/api/v1/mailings").status_code == 200
    assert client.get("/api/v1/mailings/m1/customers", params={"stage": "opened"}
                      ).status_code == 403  # a viewer: no customer data
    accounts.grant(store, "maria", role="analyst")  # from the next request on
    assert client.get("/api/v1/mailings/m1/customers", params={"stage": "opened"}
                      ).status_code == 200


def test_one_answer_for_an_unknown_name_and_a_wrong_password(app, store):
    person(store)
    accounts.set_disabled(store, person(store, "olga").name, True)
    client = TestClient(app)
    answers = {name: sign_in(client, name, password)
               for name, password in [("nobody", GOOD), ("maria", "wrong password 1"),
                                      ("olga", GOOD)]}
    texts = {n: re.sub(r'content="[^"]*"', "", r.text) for n, r in answers.items()}
    assert {r.status_code for r in answers.values()} == {401}
    assert len(set(texts.values())) == 1, "the answers differ"
    assert all("set-cookie" not in r.headers for r in answers.values())


def test_lockout_after_five_failures_and_its_expiry(app, store):
    person(store)
    now = [dt.datetime(2026, 1, 1, 9, 0)]
    app.state.clock = lambda: now[0]
    client = TestClient(app)
    for _ in range(accounts.LOCKOUT_FAILURES):
        assert sign_in(client, "maria", "wrong password 1").status_code == 401
    assert accounts.user_info(store, "maria").locked_until is not None
    assert sign_in(client, "maria", GOOD).status_code == 401  # locked: the right one too
    now[0] += dt.timedelta(minutes=accounts.LOCKOUT_MINUTES - 1)
    assert sign_in(client, "maria", GOOD).status_code == 401
    now[0] += dt.timedelta(minutes=2)
    assert sign_in(client, "maria", GOOD).status_code == 303  # the lockout is over


def test_sign_out_everywhere_ends_every_session(app, store):
    person(store)
    here, there = TestClient(app), TestClient(app)
    for client in (here, there):
        assert sign_in(client, "maria", GOOD).status_code == 303
        assert client.get("/api/v1/mailings").status_code == 200
    old = here.cookies[SESSION_COOKIE]
    r = here.post("/account/signout-everywhere", data={"csrf_token": csrf(here)},
                  headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    assert there.get("/api/v1/mailings").status_code == 401
    here.cookies.set(SESSION_COOKIE, old)
    assert here.get("/api/v1/mailings").status_code == 401
    assert sign_in(there, "maria", GOOD).status_code == 303  # a new session is fine
    assert there.get("/api/v1/mailings").status_code == 200


def test_a_first_password_must_be_changed_before_anything_else(app, store):
    info, first = accounts.create_user(store, "root", "admin")
    assert info.must_change_password and first
    client = TestClient(app)
    r = sign_in(client, "root", first, "/campaigns")
    assert r.status_code == 303 and r.headers["location"] == "/account?next=%2Fcampaigns"
    assert client.get("/api/v1/mailings").status_code == 403
    r = client.get("/campaigns", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.headers["location"].startswith("/account")
    token = csrf(client)
    weak = client.post("/account/password", data={
        "csrf_token": token, "current": first, "new": "short", "repeat": "short"},
        headers={**ORIGIN, "accept": "text/html"}, cookies={"mailreport_lang": "en"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    r = client.post("/account/password", data={
        "csrf_token": token, "current": first, "new": GOOD, "repeat": GOOD,
        "next": "/campaigns"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/campaigns"
    assert client.get("/api/v1/mailings").status_code == 200
    assert not accounts.user_info(store, "root").must_change_password
    assert sign_in(TestClient(app), "root", first).status_code == 401  # the old one is gone


def test_the_users_api_is_for_admins(app, store):
    client = TestClient(app)
    analyst = {"Authorization": f"Bearer {create_token(store, 'analyst')}"}
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    assert client.get("/api/v1/users", headers=analyst).status_code == 403
    r = client.post("/api/v1/users", json={"name": "Ivan", "role": "viewer"}, headers=admin)
    assert r.status_code == 201 and r.json()["must_change_password"]
    first = r.json()["password"]
    assert "password_hash" not in r.json()
    assert client.post("/api/v1/users", json={"name": "IVAN", "role": "viewer"},
                       headers=admin).status_code == 409
    r = client.post("/api/v1/users/ivan/grant", json={"product_sales": True}, headers=admin)
    assert r.json()["product_sales"] is True and r.json()["role"] == "viewer"
    assert client.post("/api/v1/users/ivan/disable", headers=admin).json()["disabled"]
    assert sign_in(TestClient(app), "ivan", first).status_code == 401
    client.post("/api/v1/users/ivan/enable", headers=admin)
    again = client.post("/api/v1/users/ivan/reset-password", headers=admin).json()["password"]
    assert again != first
    assert sign_in(TestClient(app), "ivan", again).status_code == 303
    assert client.post("/api/v1/users/nobody/disable", headers=admin).status_code == 404
    assert "/api/v1/users" in app.openapi()["paths"]


def test_the_cli_manages_users(store, tmp_path, monkeypatch):
    db = str(store.path)
    store.close()
    run = CliRunner().invoke
    r = run(cli, ["user", "create", "Admin", "--role", "admin", "--db", db])
    assert r.exit_code == 0, r.output
    password = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert run(cli, ["user", "create", "admin", "--db", db]).exit_code != 0
    assert run(cli, ["user", "grant", "admin", "--product-sales", "--db", db]).exit_code == 0
    assert run(cli, ["user", "disable", "admin", "--db", db]).exit_code == 0
    r = run(cli, ["user", "list", "--json", "--db", db])
    (row,) = __import__("json").loads(r.stdout)
    assert row["name"] == "Admin" and row["disabled"] and row["product_sales"]
    assert row["must_change_password"]
    r = run(cli, ["audit", "--json", "--action", "user_create", "--db", db])
    assert '"entity": "user:Admin"' in r.stdout
