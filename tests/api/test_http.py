"""The API over real HTTP: a uvicorn server on a free loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from conftest import Dataset, at
from mailreport.api.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1").mailing("s1", channel="sms")
    data.mailing("d1", status="draft")
    data.journeys("m1", {"ann": [("sent", at(0)), ("opened", at(1))],
                         "bob": [("sent", at(0)), ("delivered", at(days=2))]})
    data.order("ann", at(2), total="12.30")
    data.load()
    port = free_port()
    config = uvicorn.Config(create_app(store, auth=False), host="127.0.0.1", port=port,
                            log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


def test_health(server):
    r = httpx.get(f"{server}/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_report_has_every_section_with_the_design_key_names(server):
    r = httpx.get(f"{server}/api/v1/mailings/m1/report")
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["mailing", "period", "volume", "efficiency", "orders", "groups",
                          "variant_comparison", "open_hours", "product_sales", "heatmap",
                          "headline", "deliverability", "devices", "regions"]
    assert body["period"] == {"from": None, "to": None}
    assert set(body["volume"]) == {"good_recipients", "address_issue", "unsubscribed_channel",
                                   "unsubscribed_category", "blocked_by_policy",
                                   "control_group", "actual_recipients"}
    assert body["efficiency"]["stages"] == {"sent": 2, "delivered": 2, "opened": 1,
                                            "clicked": 0, "ordered": 1,
                                            "ordered_after_click": 0}
    assert set(body["efficiency"]["transitions"]) == {"delivered", "opened", "clicked",
                                                      "conversion", "ordered_after_click"}
    assert body["orders"]["revenue"] == "12.30"
    assert body["groups"] is None and body["variant_comparison"] is None
    assert len(body["open_hours"]["counts"]) == 24 and len(body["open_hours"]["grid"]) == 7


def test_period_changes_the_numbers(server):
    r = httpx.get(f"{server}/api/v1/mailings/m1/report",
                  params={"from": "2026-03-04", "to": "2026-03-04"})
    body = r.json()
    assert body["period"] == {"from": "2026-03-04", "to": "2026-03-04"}
    assert body["efficiency"]["stages"]["sent"] == 0
    assert body["efficiency"]["stages"]["delivered"] == 1
    assert [d["date"] for d in body["efficiency"]["daily"]] == ["2026-03-04"]


def test_a_period_longer_than_the_setting_is_refused_before_it_costs(server):
    """One viewer request for a daily series of 3.6 million days took the server to
    8.4 GB (#20): the period is now bounded by max_period_days (1096 by default)."""
    everything = {"from": "0001-01-01", "to": "9999-12-31"}
    for path in ("mailings/m1/report", "campaigns/c1/report", "mailings/m1/report/orders"):
        r = httpx.get(f"{server}/api/v1/{path}", params=everything, timeout=10)
        assert r.status_code == 422, (path, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "3,652,059 days" in r.json()["detail"], r.json()
        assert "max_period_days" in r.json()["detail"]
    # an end left open reaches the data's last date (4 March 2026): still too long
    r = httpx.get(f"{server}/api/v1/mailings/m1/report", params={"from": "2020-01-01"})
    assert r.status_code == 422 and "2020-01-01 to 2026-03-04" in r.json()["detail"]
    # the longest period allowed answers, every day of it listed
    r = httpx.get(f"{server}/api/v1/mailings/m1/report",
                  params={"from": "2024-03-05", "to": "2027-03-05"})
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["efficiency"]["daily"]) == len(r.json()["orders"]["daily"]) == 1096


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-7-1", "July 1", "2026-13-45"])
def test_a_period_end_is_a_date_as_documented_or_a_422(server, value):
    """to=0 read as 1970-01-01 (#20): an end of the period is YYYY-MM-DD, a real date."""
    for path in ("mailings/m1/report", "mailings/m1/customers?stage=sent"):
        r = httpx.get(f"{server}/api/v1/{path}", params={"to": value})
        assert r.status_code == 422, (path, value, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")


def test_inapplicable_sections_are_null(server):
    sms = httpx.get(f"{server}/api/v1/mailings/s1/report").json()
    assert sms["open_hours"] is None and sms["heatmap"] is None
    draft = httpx.get(f"{server}/api/v1/mailings/d1/report").json()
    assert draft["volume"] is None


def test_one_section(server):
    r = httpx.get(f"{server}/api/v1/mailings/m1/report/efficiency")
    assert r.status_code == 200 and r.json()["stages"]["opened"] == 1
    # a key worked out from another section answers alone too
    r = httpx.get(f"{server}/api/v1/mailings/m1/report/variant_comparison")
    assert r.status_code == 200 and r.json() is None
    r = httpx.get(f"{server}/api/v1/mailings/m1/report/nonsense")
    assert r.status_code == 404 and "unknown section" in r.json()["detail"]


def test_lists(server):
    mailings = httpx.get(f"{server}/api/v1/mailings").json()
    assert {m["mailing_id"] for m in mailings} == {"m1", "s1", "d1"}
    m1 = next(m for m in mailings if m["mailing_id"] == "m1")
    assert (m1["recipients"], m1["open_rate"], m1["revenue"]) == (2, 50.0, "12.30")
    sms = httpx.get(f"{server}/api/v1/mailings", params={"channel": "sms"}).json()
    assert [m["mailing_id"] for m in sms] == ["s1"]
    assert httpx.get(f"{server}/api/v1/campaigns").json() == [
        {"campaign_id": "c1", "name": "Spring", "mailings": 1}]
    c = httpx.get(f"{server}/api/v1/campaigns/c1/report").json()
    assert c["totals"]["revenue"] == "12.30"


def test_errors_are_problem_json(server):
    r = httpx.get(f"{server}/api/v1/mailings/nope/report")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "'nope'" in r.json()["detail"]
    r = httpx.get(f"{server}/api/v1/mailings/m1/report", params={"from": "2026-02-30"})
    assert r.status_code == 422 and "'from'" in r.json()["detail"]
    r = httpx.get(f"{server}/api/v1/mailings/m1/report",
                  params={"from": "2026-03-05", "to": "2026-03-01"})
    assert r.status_code == 422 and "after" in r.json()["detail"]
    assert r.headers["content-type"] == "application/problem+json"
    r = httpx.get(f"{server}/api/v1/campaigns/zzz/report")
    assert r.status_code == 404


def test_openapi_is_served(server):
    spec = httpx.get(f"{server}/openapi.json").json()
    assert "/api/v1/mailings/{mailing_id}/report" in spec["paths"]
    # the interactive docs only with the api_docs setting (tests/security/test_browser.py)
    assert httpx.get(f"{server}/docs").status_code == 404


def test_cli_json_equals_api_json(server, store):
    api = httpx.get(f"{server}/api/v1/mailings/m1/report").json()
    # the CLI in another process needs the file: hand it a copy of the database
    import shutil

    copy = store.path.with_name("copy.duckdb")
    with store._lock:
        store.con.execute("CHECKPOINT")
        shutil.copy(store.path, copy)
    out = subprocess.run([sys.executable, "-m", "mailreport", "report", "m1", "--json",
                          "--db", str(copy)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout) == api
