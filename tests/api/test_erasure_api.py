"""POST /api/v1/customers/forget over a real HTTP server: admins only, documented in
the OpenAPI document, recorded in the audit trail; and ``mailreport forget``
through a running ``mailreport serve`` that holds the database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from conftest import Dataset, at
from mailreport import audit
from mailreport.api.app import create_app
from mailreport.auth import create_token, token_id_of
from servers import ServeProcess, serving

PATH = "/api/v1/customers/forget"


def shop(store, tmp_path) -> None:
    Dataset(store, tmp_path / "d").customer("ann", email="ann@mail.ru", phone="+79161234567") \
        .customer("bob", email="bob@ya.ru").mailing("m1") \
        .journeys("m1", {"ann": [("opened", at(1), {"user_agent": "Thunderbird/115.0",
                                                    "ip": "198.51.100.7"})],
                         "bob": [("delivered", at(1))]}).load()


def contacts(store) -> list[tuple]:
    return store.sql("SELECT customer_id, email, phone FROM customers ORDER BY 1")


def test_admins_erase_others_are_refused(store, tmp_path):
    shop(store, tmp_path)
    app = create_app(store)
    with serving(app) as served:
        for role in ("viewer", "analyst"):
            token = create_token(store, role)
            r = httpx.post(served.url + PATH, json={"customer_ids": ["ann"]},
                           headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 403, r.text
        assert contacts(store)[0] == ("ann", "ann@mail.ru", "+79161234567")
        admin = create_token(store, "admin")
        bearer = {"Authorization": f"Bearer {admin}"}
        r = httpx.post(served.url + PATH, json={"customer_ids": ["ann", "ghost"]},
                       headers=bearer)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["erased"] == ["ann"] and body["unknown"] == ["ghost"]
        assert body["rows"]["customers"] == 1 and body["rows"]["events"] == 1
        again = httpx.post(served.url + PATH, json={"customer_ids": ["ann"]}, headers=bearer)
        assert again.json()["already_erased"] == ["ann"]
        assert set(again.json()["rows"].values()) == {0}
        empty = httpx.post(served.url + PATH, json={"customer_ids": []}, headers=bearer)
        assert empty.status_code == 422
        assert empty.headers["content-type"].startswith("application/problem+json")
        assert served.tracebacks() == []
    assert contacts(store) == [("ann", "@mail.ru", None), ("bob", "bob@ya.ru", None)]
    assert store.sql("SELECT ip, user_agent FROM events WHERE customer_id = 'ann' AND "
                     "type = 'opened'") == [(None, "erased:0001|unknown|Thunderbird|unknown")]
    first = audit.query(store, action="customer_forget")[-1]
    assert first.actor == f"token:{token_id_of(admin)}" and first.role == "admin"
    assert first.address == "127.0.0.1" and first.details["erased"] == ["ann"]
    assert first.details["unknown"] == 1 and "ghost" not in json.dumps(first.details)


def test_the_endpoint_is_in_the_openapi_document(store):
    doc = create_app(store).openapi()
    post = doc["paths"][PATH]["post"]
    assert "403" in post["responses"] and "422" in post["responses"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema.endswith("/ForgetRequest")
    assert "docs/personal-data.md" in post["description"]


def test_the_command_goes_through_the_running_server(store, tmp_path):
    shop(store, tmp_path)
    db = store.path
    store.close()
    env = {**os.environ, "MAILREPORT_DB": str(db)}
    with ServeProcess(env=env):
        run = subprocess.run([sys.executable, "-m", "mailreport", "forget", "bob", "--json"],
                             capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["erased"] == ["bob"]
        trail = subprocess.run([sys.executable, "-m", "mailreport", "audit", "--json",
                                "--action", "customer_forget"],
                               capture_output=True, text=True, env=env, timeout=120)
        (record,) = [json.loads(line) for line in trail.stdout.splitlines()]
        assert record["actor"] == "local command line" and record["details"]["erased"] == ["bob"]
