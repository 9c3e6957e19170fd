"""`mailreport serve --lake`: reports and customer lists over HTTP from a lake's
facts, tokens kept in the server's own database file, a rewritten lake seen by the
next request, and what a server over a lake refuses (loads) said in
problem+json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import closing

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.auth import create_token
from mailreport.exports import Export, ExportRequest
from mailreport.reports import ReportQuery, mailing_report
from mailreport.reports.customers import customer_list
from mailreport.reports.segments import Segment
from mailreport.settings import Settings
from mailreport.store import open_store
from mailreport.store.engines import open_reader
from mailreport.store.lake import export_lake
from mailreport.store.lake_facts import read_manifest, write_manifest
from mailreport.store.lake_store import LakeStore
from same_json import differences
from servers import ServeProcess


def expected(demo_db, compute) -> dict:
    store = open_reader("duckdb", Settings(), db=demo_db)
    try:
        return compute(store.tables()).model_dump(mode="json", by_alias=True)
    finally:
        store.close()


def changed_lake(tmp_path, lake) -> None:
    """Export another store, of one mailing N1, over the lake."""
    other = open_store(tmp_path / "other.duckdb", Settings())
    try:
        data = Dataset(other, tmp_path / "other")
        data.mailing("N1").journeys("N1", {"ann": [("sent", at(0)), ("opened", at(1))]})
        data.load()
        export_lake(other, lake)
    finally:
        other.close()


def test_serve_lake_answers_with_a_token_and_sees_a_new_manifest(demo_db, demo_lake,
                                                                 tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    state = tmp_path / "server.duckdb"
    with closing(open_store(state, Settings())) as own:
        token = create_token(own, "admin", "test", product_sales=True)
    report = expected(demo_db, lambda t: mailing_report(t, "M01", ReportQuery()))
    clicked = expected(demo_db, lambda t: customer_list(t, "M01", Segment(stage="clicked"),
                                                        ReportQuery()))
    request = ExportRequest(mailing_id="M01", segment=Segment(stage="ordered"),
                            query=ReportQuery(), entity="receipts", format="csv")
    duck = open_reader("duckdb", Settings(), db=demo_db)
    with closing(duck):
        Export(duck.tables(), request).write(tmp_path / "receipts.csv")
    exported = (tmp_path / "receipts.csv").read_bytes()
    assert exported.count(b"\n") > 5
    auth = {"Authorization": f"Bearer {token}"}
    with ServeProcess("--lake", str(lake), "--db", str(state)) as server:
        assert httpx.get(f"{server.url}/health").json()["engine"] == "lake"
        assert httpx.get(f"{server.url}/api/v1/mailings/M01/report").status_code == 401
        r = httpx.get(f"{server.url}/api/v1/mailings/M01/report", headers=auth, timeout=60)
        assert r.status_code == 200, r.text
        assert differences(r.json(), report) == []
        assert r.json()["efficiency"]["stages"]["sent"] > 1000
        r = httpx.get(f"{server.url}/api/v1/mailings/M01/customers",
                      params={"stage": "clicked"}, headers=auth, timeout=60)
        assert r.status_code == 200, r.text
        assert differences(r.json(), clicked) == [] and r.json()["total"] > 10
        r = httpx.get(f"{server.url}/api/v1/mailings/M01/export",
                      params={"stage": "ordered", "entity": "receipts"}, headers=auth,
                      timeout=60)
        assert r.status_code == 200 and r.content == exported
        assert httpx.get(f"{server.url}/mailings/M01/customers", headers=auth).status_code == 200

        # tokens live in the server's own file: made through the server that holds it
        made = subprocess.run([sys.executable, "-m", "mailreport", "token", "create",
                               "--role", "viewer", "--db", str(state)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "MAILREPORT_CONFIG": ""})
        assert made.returncode == 0, made.stderr
        viewer = {"Authorization": f"Bearer {made.stdout.strip()}"}
        assert httpx.get(f"{server.url}/api/v1/mailings", headers=viewer).status_code == 200

        load = httpx.post(f"{server.url}/api/v1/loads", json={"directory": str(tmp_path)},
                          headers=auth)
        assert load.status_code == 503
        assert f"mailreport load DIR --lake {lake}" in load.json()["detail"]

        changed_lake(tmp_path, lake)
        r = httpx.get(f"{server.url}/api/v1/mailings", headers=auth, timeout=60)
        assert [m["mailing_id"] for m in r.json()] == ["N1"]
        assert httpx.get(f"{server.url}/api/v1/mailings/M01/report",
                         headers=auth).status_code == 404
        r = httpx.get(f"{server.url}/api/v1/mailings/N1/report", headers=auth, timeout=60)
        assert r.status_code == 200, r.text  # the facts of the new manifest
        assert r.json()["efficiency"]["stages"]["opened"] == 1


@pytest.fixture
def lake_client(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    store = LakeStore(lake, Settings(), state=tmp_path / "server.duckdb")
    token = create_token(store, "admin")  # into the server's own file
    with TestClient(create_app(store), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client, lake
    store.close()


def test_events_and_the_quarantine_are_taken_and_loads_refused(lake_client):
    """Events are staged in the lake (tests/api/test_lake_webhooks.py); loads are
    for `mailreport load --lake`."""
    client, lake = lake_client
    r = client.post("/api/v1/events", content=b"[]")
    assert r.status_code == 200 and r.json()["received"] == 0, r.text
    assert client.get("/api/v1/quarantine").json()["total"] == 0
    assert client.post("/api/v1/quarantine/replay").json()["received"] == 0
    r = client.post("/api/v1/loads", json={"directory": str(lake)})
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert f"mailreport load DIR --lake {lake}" in r.json()["detail"]


def test_a_manifest_made_unreadable_while_serving_is_a_503_saying_what_to_run(lake_client):
    client, lake = lake_client
    assert client.get("/api/v1/mailings").status_code == 200
    manifest = read_manifest(lake)
    manifest.fingerprint = "0123456789abcdef"
    write_manifest(lake, manifest, "test")
    r = client.get("/api/v1/mailings/M01/report")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert "facts were built by other definitions or settings" in r.json()["detail"]
    assert f"mailreport refresh --lake {lake}" in r.json()["detail"]
    (lake / "_facts" / "_current.json").write_text(json.dumps({"format": 7}))
    assert "is of format 7" in client.get("/api/v1/mailings").json()["detail"]
