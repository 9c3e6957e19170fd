"""Administration while `mailreport serve` holds the database file: tokens, row
counts and exports go through the running server; `refresh` and `lake export`
say who holds the store and what to do; no command ends in a traceback.

One real server (a `mailreport serve` process on a loopback port) holds one
store for the whole module, as in production; the commands run as processes too."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import Dataset, at
from mailreport.api.forward import server_file
from mailreport.auth import create_token
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import ServeProcess


@dataclass
class Served:
    url: str
    db: Path
    env: dict[str, str]
    admin: str
    analyst: str
    viewer: str

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mailreport", *args],
                              capture_output=True, text=True, env=self.env, timeout=timeout)

    def as_admin(self, method: str, path: str, **kw) -> httpx.Response:
        return httpx.request(method, self.url + path, headers=bearer(self.admin), **kw)

    def token_ids(self) -> list[str]:
        return [t["token_id"] for t in self.as_admin("GET", "/api/v1/tokens").json()]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_id(token: str) -> str:
    return token.split("_")[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    store = open_store(root / "test.duckdb", Settings())
    data = Dataset(store, root / "data")
    data.customer("ann", email="ann@x.ru").customer("bob", email="bob@x.ru")
    data.mailing("m1").journeys("m1", {"ann": [("sent", at(0)), ("opened", at(1))],
                                       "bob": [("sent", at(0))]})
    data.load()
    tokens = {role: create_token(store, role, name=role) for role in ("admin", "analyst",
                                                                      "viewer")}
    db = store.path
    store.close()
    # COLUMNS: rich tables as wide as their rows, so the assertions read whole lines
    env = {**os.environ, "MAILREPORT_DB": str(db), "COLUMNS": "200"}
    with ServeProcess(env=env) as server:
        yield Served(server.url, db, env, **tokens)


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "StoreLocked" not in result.stderr, \
        result.stderr


def test_a_token_created_on_the_command_line_works_at_once(served):
    made = served.cli("token", "create", "--role", "analyst", "--name", "crm")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert re.fullmatch(r"mr_[0-9a-f]{12}_[\w-]{43}", token)
    r = httpx.get(served.url + "/api/v1/mailings", headers=bearer(token))
    assert r.status_code == 200 and [m["mailing_id"] for m in r.json()] == ["m1"]
    [listed] = [t for t in served.as_admin("GET", "/api/v1/tokens").json()
                if t["token_id"] == token_id(token)]
    assert (listed["name"], listed["role"], listed["product_sales"], listed["revoked_at"]) \
        == ("crm", "analyst", False, None)
    assert "token" not in listed  # the list never shows a secret


def test_revoking_on_the_command_line_ends_the_token_and_its_sessions_at_once(served):
    created = served.as_admin("POST", "/api/v1/tokens", json={"role": "viewer", "name": "tv"})
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    token, tid = created.json()["token"], created.json()["token_id"]
    signin = httpx.post(served.url + "/signin", data={"token": token})
    assert signin.status_code == 303
    session = {"Cookie": f"mailreport_session={signin.cookies['mailreport_session']}"}
    page = {**session, "Accept": "text/html"}
    assert httpx.get(served.url + "/api/v1/mailings", headers=bearer(token)).status_code == 200
    assert httpx.get(served.url + "/api/v1/mailings", headers=session).status_code == 200
    assert httpx.get(served.url + "/mailings/m1", headers=page).status_code == 200

    revoked = served.cli("token", "revoke", tid)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked {tid}"

    for headers in (bearer(token), session):
        r = httpx.get(served.url + "/api/v1/mailings", headers=headers)
        assert r.status_code == 401, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "a valid token is required" in r.json()["detail"]
    r = httpx.get(served.url + "/mailings/m1", headers=page)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?")
    # others keep working
    assert httpx.get(served.url + "/api/v1/mailings",
                     headers=bearer(served.viewer)).status_code == 200

    listed = served.cli("token", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    by_id = {t["token_id"]: t for t in json.loads(listed.stdout)}
    assert by_id[tid]["revoked_at"] is not None and by_id[tid]["name"] == "tv"
    assert by_id[token_id(served.admin)]["revoked_at"] is None
    table = served.cli("token", "list")
    assert table.returncode == 0, table.stderr
    [row] = [line for line in table.stdout.splitlines() if tid in line]
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)) == 2  # created and revoked


def test_info_counts_the_rows_through_the_server(served):
    info = served.cli("info")
    assert info.returncode == 0, info.stderr
    assert re.search(r"│ customers\s+│\s+2 │", info.stdout), info.stdout
    assert re.search(r"│ events\s+│\s+3 │", info.stdout), info.stdout
    assert f"counted by the server at {served.url}" in info.stderr


def test_export_streams_the_servers_file_to_the_output_path(served, tmp_path):
    out = tmp_path / "sent.csv"
    made = served.cli("export", "m1", "--stage", "sent", "--fields", "customer_id,email",
                      "--headers", "machine", "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert out.read_bytes() == b"customer_id,email\r\nann,ann@x.ru\r\nbob,bob@x.ru\r\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # customer data
    assert f"exported by the server at {served.url}" in made.stdout
    # a default name that says what the file holds, and XLSX too
    xlsx = served.cli("export", "m1", "--stage", "opened", "--format", "xlsx",
                      "-o", str(tmp_path / "opened.xlsx"))
    assert xlsx.returncode == 0, xlsx.stderr
    assert (tmp_path / "opened.xlsx").read_bytes()[:2] == b"PK"
    # the command's default, a file for people, goes through the server too
    people = served.cli("--lang", "en", "export", "m1", "--stage", "sent", "--format",
                        "csv-excel-ru", "--fields", "customer_id,email", "-o",
                        str(tmp_path / "people.csv"))
    assert people.returncode == 0, people.stderr
    assert (tmp_path / "people.csv").read_bytes() == (
        "\ufeffCustomer ID;Email\r\nann;ann@x.ru\r\nbob;bob@x.ru\r\n".encode())
    # what the server refuses is a one-line error and no file, not even a part
    missing = served.cli("export", "m9", "--stage", "sent", "-o", str(tmp_path / "m9.csv"))
    assert missing.returncode == 1
    assert "answered 404" in missing.stderr and "'m9'" in missing.stderr
    no_traceback(missing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opened.xlsx", "people.csv",
                                                          "sent.csv"]


@pytest.mark.parametrize("command", [("refresh",), ("lake", "export", "LAKE")])
def test_refresh_and_lake_export_say_who_holds_the_store(served, tmp_path, command):
    lake = tmp_path / "lake"
    result = served.cli(*[str(lake) if c == "LAKE" else c for c in command])
    assert result.returncode == 1
    no_traceback(result)
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {served.db} is held by the server at {served.url} "
                           f"(pid ") and "stop it" in line
    assert not lake.exists()


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_the_token_endpoints_are_for_admins_only(served, role):
    before = served.as_admin("GET", "/api/v1/tokens").json()
    who = bearer(getattr(served, role))
    target = token_id(served.viewer)
    for method, path, body in [("GET", "/api/v1/tokens", None),
                               ("POST", "/api/v1/tokens", {"role": "admin"}),
                               ("POST", f"/api/v1/tokens/{target}/revoke", None),
                               ("GET", "/api/v1/store", None)]:
        r = httpx.request(method, served.url + path, headers=who, json=body)
        assert r.status_code == 403, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == f"the {role} role does not grant 'admin'"
        anonymous = httpx.request(method, served.url + path, json=body)
        assert anonymous.status_code == 401, (path, anonymous.text)
    assert served.as_admin("GET", "/api/v1/tokens").json() == before  # nothing made or revoked


def test_the_token_endpoints_refuse_bad_input_and_store_nothing(served):
    before = served.token_ids()
    for body, where in [({"role": "root"}, "body.role"),
                        ({"role": "viewer", "name": "x" * 201}, "body.name"),
                        ({"role": "viewer", "grant": "everything"}, "body.grant"),
                        ({}, "body.role")]:
        r = served.as_admin("POST", "/api/v1/tokens", json=body)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"].startswith(where), r.json()
    r = served.as_admin("POST", "/api/v1/tokens/nope/revoke")
    assert r.status_code == 404 and r.json()["detail"] == "no token with id 'nope'"
    assert r.headers["content-type"] == "application/problem+json"
    assert served.token_ids() == before
    bad = served.cli("token", "create", "--role", "root")
    assert bad.returncode == 2 and "role must be one of viewer, analyst, admin" in bad.stderr
    unknown = served.cli("token", "revoke", "nope")
    assert unknown.returncode == 1 and "no token with id 'nope'" in unknown.stderr
    no_traceback(unknown)
    assert served.token_ids() == before


def test_without_the_local_secret_the_command_line_is_refused(served):
    path = server_file(served.db)
    recorded = path.read_text()
    before = served.token_ids()
    r = httpx.post(served.url + "/api/v1/tokens", json={"role": "admin"},
                   headers={"X-Mailreport-Local": "guess"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    try:
        path.write_text(json.dumps({**json.loads(recorded), "secret": "stale"}))
        made = served.cli("token", "create", "--role", "admin")
        assert made.returncode == 1 and made.stdout == ""
        no_traceback(made)
        assert f"the server at {served.url}" in made.stderr
        assert "refused the local secret" in made.stderr
        path.unlink()
        listed = served.cli("token", "list")
        assert listed.returncode == 1
        no_traceback(listed)
        assert "no server address is recorded" in listed.stderr
    finally:
        path.write_text(recorded)
        path.chmod(0o600)
    assert served.token_ids() == before


@pytest.mark.parametrize("command", [
    ("report", "m1", "--json"), ("campaign-report", "c9"), ("mailings",), ("quarantine",),
    ("load", "DIR"), ("serve", "--port", "1"), ("demo", "--scale", "small", "--out", "DIR"),
])
def test_no_other_command_ends_in_a_traceback(served, tmp_path, command):
    (tmp_path / "customers.csv").write_text("customer_id,email\nann,ann@x.ru\n")  # no change
    result = served.cli(*[str(tmp_path) if c == "DIR" else c for c in command])
    no_traceback(result)
    if command[0] in ("report", "mailings", "load"):  # through the server
        assert result.returncode == 0, result.stderr
    else:  # what the server refused, or a store it holds
        assert result.returncode in (1, 2), result.stderr
        assert result.stderr.splitlines()[-1].startswith("error: "), result.stderr
