"""`mailreport load` and `mailreport report` while `mailreport serve` holds the
database file: both go through the running server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from mailreport.ingest.loader import load_directory
from servers import ServeProcess

CUSTOMERS = "customer_id,email\nc1,a@x.ru\nc2,b@x.ru\n"
MAILINGS = "mailing_id,name,channel,status,sent_at\nm1,Spring,email,sent,2026-03-02T09:00:00\n"
EVENTS = ("event_id,mailing_id,customer_id,type,ts\n"
          "e1,m1,c1,sent,2026-03-02T09:00:00\ne2,m1,c1,opened,2026-03-02T10:00:00\n"
          "e3,m1,c2,sent,2026-03-02T09:00:00\n")


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "mailreport", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_load_and_report_go_through_the_running_server(tmp_path, store):
    first = tmp_path / "first"
    first.mkdir()
    (first / "customers.csv").write_text(CUSTOMERS)
    (first / "mailings.csv").write_text(MAILINGS)
    assert load_directory(store, first).exit_code == 0
    db = store.path
    store.close()
    env = {**os.environ, "MAILREPORT_DB": str(db)}
    with ServeProcess(env=env) as server:
        second = tmp_path / "second"
        second.mkdir()
        (second / "events.csv").write_text(EVENTS)
        loaded = cli("load", str(second), "--json", env=env)
        assert loaded.returncode == 0, loaded.stderr
        summary = json.loads(loaded.stdout)
        assert [(t["table"], t["inserted"]) for t in summary["tables"]] == [("events", 3)]
        again = cli("load", str(second), "--json", env=env)
        assert json.loads(again.stdout)["tables"][0]["duplicates"] == 3
        # the server answers a missing directory with a 422; the command exits 2
        missing = cli("load", str(tmp_path / "missing"), env=env)
        assert missing.returncode == 2, missing.stderr
        assert "missing: not a directory" in " ".join(missing.stderr.split())
        report = cli("report", "m1", "--json", env=env)
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["efficiency"]["stages"]["opened"] == 1
        # without the local secret the server's load endpoint is closed
        r = httpx.post(f"{server.url}/api/v1/loads", json={"directory": str(second)})
        assert r.status_code == 401
    assert not (tmp_path / "test.duckdb.server.json").exists()
