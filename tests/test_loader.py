"""Bulk loading: every kind of bad row gets its own named reason, the rest goes in,
a reload changes nothing, and each format loads the same rows."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mailreport.ingest.loader import EXIT_NOTHING, EXIT_OK, EXIT_REJECTS, load_directory
from mailreport.settings import Settings
from mailreport.store import open_store

BASE = {
    "categories.csv": "category_id,name,parent_id\nfood,Food,\ndairy,Dairy,food\n",
    "products.csv": "product_id,name,category_id\np1,Milk,dairy\n",
    "customers.csv": "customer_id,email,timezone\nc1,a@x.ru,Europe/Moscow\nc2,,\n",
    "mailings.csv": "mailing_id,name,channel,status,sent_at\nm1,Spring,email,sent,"
                    "2026-03-01T09:00:00+03:00\n",
}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def rejects(summary) -> list[dict]:
    with open(summary.rejects_file, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def result(summary, table):
    return next(t for t in summary.tables if t.table == table)


@pytest.mark.parametrize("table,header,row,column,rule", [
    ("customers", "customer_id,timezone", ",Europe/Moscow", "customer_id", "required"),
    ("customers", "customer_id,created_at", "c9,yesterday", "created_at", "bad_type"),
    # DuckDB reads these as timestamps; none is an ISO-8601 time
    ("customers", "customer_id,created_at", "c9,infinity", "created_at", "bad_type"),
    ("customers", "customer_id,created_at", "c9,-inf", "created_at", "bad_type"),
    ("customers", "customer_id,created_at", "c9,294247-01-10", "created_at", "bad_type"),
    ("customers", "customer_id,timezone", "c9,Mars/Olympus", "timezone", "bad_timezone"),
    ("mailings", "mailing_id,name,channel,status", "m9,X,fax,sent", "channel", "unknown_value"),
    ("mailings", "mailing_id,name,channel,status,control_share", "m9,X,sms,sent,1.5",
     "control_share", "above_maximum"),
    ("mailings", "mailing_id,name,channel,status,campaign_id", "m9,X,sms,sent,nope",
     "campaign_id", "unknown_reference"),
    ("order_lines", "order_id,line_no,product_id,quantity,amount", "o1,0,p1,-2,10.00",
     "quantity", "below_minimum"),
    ("order_lines", "order_id,line_no,product_id,quantity,amount", "o1,1,p1,1,10.005",
     "amount", "too_precise"),
    ("order_lines", "order_id,line_no,product_id,quantity,amount", "o1,2,zzz,1,10.00",
     "product_id", "unknown_reference"),
    ("audience", "mailing_id,customer_id,status,group", "m1,c1,address_issue,test",
     "group", "group_needs_good_status"),
    ("audience", "mailing_id,customer_id,status,group,variant_id", "m1,c2,good,control,A",
     "variant_id", "variant_needs_test_group"),
    ("events", "event_id,mailing_id,customer_id,type,ts", "e9,m1,ghost,opened,2026-03-01",
     "customer_id", "unknown_reference"),
    ("events", "event_id,mailing_id,customer_id,type,ts,variant_id",
     "e9,m1,c1,opened,2026-03-01,Z", "variant_id", "unknown_reference"),
    ("events", "event_id,mailing_id,customer_id,type,ts,is_machine",
     "e9,m1,c1,opened,2026-03-01,maybe", "is_machine", "bad_type"),
    ("events", "event_id,mailing_id,customer_id,type,ts,bounce_class,reason",
     "e9,m1,c1,bounced,2026-03-01,permanent,550 5.1.1", "bounce_class", "unknown_value"),
])
def test_each_bad_row_is_rejected_with_its_own_reason(store, tmp_path, table, header, row,
                                                      column, rule):
    files = dict(BASE)
    files["orders.csv"] = "order_id,kind,customer_id,ts,total\no1,receipt,c1,2026-03-02,10\n"
    assert load_directory(store, write(tmp_path / "base", files)).exit_code == EXIT_OK
    good = {"customers": "c8", "mailings": "m8,Y,sms,sent", "order_lines": "o1,5,p1,1,1.00",
            "audience": "m1,c1,good,test", "events": "e8,m1,c1,opened,2026-03-01"}[table]
    good_row = good + "," * (header.count(",") - good.count(","))
    d = write(tmp_path / "bad", {f"{table}.csv": f"{header}\n{good_row}\n{row}\n"})
    summary = load_directory(store, d)
    got = [(r["table"], r["column"], r["line"], r["rule"]) for r in rejects(summary)]
    assert got == [(table, column, "3", rule)]
    assert rejects(summary)[0]["reason"]
    assert (result(summary, table).rejected, result(summary, table).inserted) == (1, 1)
    assert summary.exit_code == EXIT_REJECTS


def test_bounce_class_and_reason_load_and_a_file_without_them_still_does(store, tmp_path):
    files = dict(BASE)
    files["events.csv"] = ("event_id,mailing_id,customer_id,type,ts,bounce_class,reason\n"
                           "e1,m1,c1,bounced,2026-03-01,hard,550 5.1.1 user unknown\n"
                           "e2,m1,c2,unsubscribed,2026-03-01,,too many emails\n")
    assert load_directory(store, write(tmp_path / "new", files)).exit_code == EXIT_OK
    old = {"events.csv": "event_id,mailing_id,customer_id,type,ts\ne3,m1,c1,failed,2026-03-02\n"}
    assert load_directory(store, write(tmp_path / "old", old)).exit_code == EXIT_OK
    rows = store.sql("SELECT event_id, bounce_class, reason FROM events "
                     "ORDER BY event_id")
    assert rows == [("e1", "hard", "550 5.1.1 user unknown"), ("e2", None, "too many emails"),
                    ("e3", None, None)]


def test_a_repeated_key_with_other_content_is_rejected_and_an_identical_one_is_a_duplicate(
        store, tmp_path):
    files = dict(BASE)
    files["customers.csv"] = ("customer_id,email\nc1,a@x.ru\nc1,a@x.ru\nc1,b@x.ru\nc2,\n")
    summary = load_directory(store, write(tmp_path / "d", files))
    r = result(summary, "customers")
    assert (r.read, r.inserted, r.duplicates, r.rejected) == (4, 2, 1, 1)
    bad = rejects(summary)[0]
    assert (bad["line"], bad["rule"]) == ("4", "duplicate_key")
    assert "first at line 2" in bad["reason"]
    assert store.sql("SELECT email FROM customers WHERE customer_id = 'c1'") == [("a@x.ru",)]


def test_a_malformed_csv_row_is_rejected_by_line_and_the_rest_loads(store, tmp_path):
    files = dict(BASE)
    files["customers.csv"] = 'customer_id,email\nc1,"two\nlines"\nc2,x,extra\nc3,y\n'
    summary = load_directory(store, write(tmp_path / "d", files))
    bad = rejects(summary)
    assert [(b["rule"], b["line"]) for b in bad] == [("malformed_row", "3")]
    assert sorted(r[0] for r in store.sql("SELECT customer_id FROM customers")) == ["c1", "c3"]


def test_a_header_without_a_required_column_loads_nothing_of_that_table(store, tmp_path):
    files = dict(BASE)
    files["mailings.csv"] = "mailing_id,name,status\nm1,Spring,sent\n"
    summary = load_directory(store, write(tmp_path / "d", files))
    r = result(summary, "mailings")
    assert "missing required column(s): channel" in r.error
    assert store.sql("SELECT count(*) FROM mailings")[0][0] == 0
    assert store.sql("SELECT count(*) FROM customers")[0][0] == 2
    assert summary.exit_code == EXIT_REJECTS


def test_reloading_the_same_directory_changes_nothing(store, tmp_path):
    d = write(tmp_path / "d", BASE)
    first = load_directory(store, d)
    assert first.exit_code == EXIT_OK
    before = store.counts()
    again = load_directory(store, d)
    assert [(t.inserted, t.updated) for t in again.tables] == [(0, 0)] * len(BASE)
    assert sum(t.duplicates for t in again.tables) == sum(t.read for t in again.tables)
    assert store.counts() == before


def test_a_changed_row_updates_in_place(store, tmp_path):
    load_directory(store, write(tmp_path / "a", BASE))
    files = {"customers.csv": "customer_id,email,timezone\nc1,new@x.ru,Europe/Moscow\n"}
    summary = load_directory(store, write(tmp_path / "b", files))
    r = result(summary, "customers")
    assert (r.inserted, r.updated, r.duplicates) == (0, 1, 0)
    assert store.sql("SELECT email FROM customers WHERE customer_id = 'c1'") == [("new@x.ru",)]
    assert store.sql("SELECT count(*) FROM customers")[0][0] == 2


def test_csv_jsonl_and_parquet_load_the_same_rows(tmp_path, settings):
    from mailreport.store import open_store

    rows = [{"customer_id": f"c{i}", "email": f"u{i}@x.ru", "timezone": "Asia/Omsk",
             "created_at": "2026-01-02T03:04:05+05:00"} for i in range(50)]
    loaded = {}
    for fmt in ("csv", "jsonl", "parquet"):
        d = tmp_path / fmt
        d.mkdir()
        path = d / f"customers.{fmt}"
        if fmt == "csv":
            with path.open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        elif fmt == "jsonl":
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            pq.write_table(pa.Table.from_pylist(rows), path)
        s = open_store(tmp_path / f"{fmt}.duckdb", settings)
        assert load_directory(s, d).exit_code == EXIT_OK
        loaded[fmt] = sorted(s.sql("SELECT * FROM customers"))
        s.close()
    assert loaded["csv"] == loaded["jsonl"] == loaded["parquet"]
    assert len(loaded["csv"]) == 50
    assert str(loaded["csv"][0][-1]) == "2026-01-01 22:04:05"  # stored as UTC


def test_jsonl_lines_that_are_not_objects_are_rejected(store, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "customers.jsonl").write_text(
        '{"customer_id": "c1"}\n[1, 2]\n{oops\n\n{"customer_id": "c2"}\n')
    summary = load_directory(store, d)
    assert [(b["line"], b["rule"]) for b in rejects(summary)] == [("2", "malformed_row"),
                                                                   ("3", "malformed_row")]
    assert store.sql("SELECT count(*) FROM customers")[0][0] == 2


def test_nothing_to_load_is_exit_2(store, tmp_path):
    (tmp_path / "empty").mkdir()
    assert load_directory(store, tmp_path / "empty").exit_code == EXIT_NOTHING
    assert load_directory(store, tmp_path / "missing").exit_code == EXIT_NOTHING


def test_a_table_in_two_formats_is_refused(store, tmp_path):
    d = write(tmp_path / "d", {"campaigns.csv": "campaign_id,name\nc,C\n",
                               "campaigns.jsonl": '{"campaign_id": "c", "name": "C"}\n'})
    summary = load_directory(store, d)
    assert "more than one file" in summary.problems[0]
    assert summary.exit_code == EXIT_NOTHING


def test_a_failed_load_commits_nothing(store, tmp_path, monkeypatch):
    from mailreport.ingest import load_session

    d = write(tmp_path / "d", BASE)

    def boom(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_session.LoadSession, "finish", boom)
    with pytest.raises(RuntimeError):
        load_directory(store, d)
    assert store.sql("SELECT count(*) FROM customers")[0][0] == 0


def test_keys_repeated_across_chunks_are_judged_as_within_one(store, tmp_path, monkeypatch):
    from mailreport.ingest import files, loader

    monkeypatch.setattr(files, "BATCH_ROWS", 2)
    monkeypatch.setattr(loader, "CHUNK_ROWS", 2)
    d = tmp_path / "d"
    d.mkdir()
    customers = [{"customer_id": "c1", "email": "a"}, {"customer_id": "c2"},
                 {"customer_id": "c3"}, {"customer_id": "c1", "email": "a"},   # same: dup
                 {"customer_id": "c2", "email": "other"}, {"customer_id": "c4"}]  # conflict
    (d / "customers.jsonl").write_text("".join(json.dumps(c) + "\n" for c in customers))
    (d / "mailings.jsonl").write_text(json.dumps(
        {"mailing_id": "m1", "name": "M", "channel": "sms", "status": "sent"}) + "\n")
    events = [{"event_id": f"e{i}", "mailing_id": "m1", "customer_id": "c1", "type": "sent",
               "ts": "2026-03-01"} for i in range(5)]
    events.append(dict(events[0]))                       # identical repeat in a later chunk
    events.append(dict(events[1], type="delivered"))     # same id, other content
    (d / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    summary = load_directory(store, d)
    c, e = result(summary, "customers"), result(summary, "events")
    assert (c.read, c.inserted, c.duplicates, c.rejected) == (6, 4, 1, 1)
    assert (e.read, e.inserted, e.duplicates, e.rejected) == (7, 5, 1, 1)
    bad = {(r["table"], r["line"]): r for r in rejects(summary)}
    assert "first at line 2" in bad[("customers", "5")]["reason"]
    assert bad[("events", "7")]["rule"] == "duplicate_key"
    assert store.sql("SELECT email FROM customers WHERE customer_id = 'c2'") == [(None,)]


def test_a_chunk_holds_one_row_per_2_kib_of_the_memory_limit(tmp_path):
    """Hand-computed: 190.7 MiB (DuckDB's 200MB) / 2 KiB = 190.7 x 512 = 97,638.4;
    3.7 GiB (4GB) x 524,288 = 1,939,865.6; bounded by 50,000 and the given most."""
    from mailreport.ingest.load_session import LoadSession, memory_bytes
    from mailreport.settings import Settings
    from mailreport.store.duckdb.store import DuckDBStore

    assert memory_bytes("190.7 MiB") == 190.7 * 2**20
    assert memory_bytes("3.7 GiB") == 3.7 * 2**30
    assert memory_bytes("512 bytes") == 512
    for limit, expected in (("200MB", 97_638), ("4GB", 1_939_865), ("64GB", 2_000_000),
                            ("50MB", 50_000)):
        store = DuckDBStore(tmp_path / f"{limit}.duckdb", Settings(), memory_limit=limit)
        with LoadSession.open(store) as session:
            assert session.chunk_rows(2_000_000) == expected, limit
        store.close()


def test_a_path_the_file_system_cannot_name_is_a_problem_not_a_crash(store, tmp_path):
    """A 5,000-character path raised OSError (name too long) out of a load (#20)."""
    summary = load_directory(store, tmp_path / ("x" * 5000))
    assert summary.exit_code == EXIT_NOTHING
    [problem] = summary.problems
    assert problem.endswith(": cannot be read: File name too long")
    assert len(problem) < 300  # the path is cut, not echoed whole


def test_a_missing_directory_is_a_422_naming_it_over_http(store, tmp_path):
    """It answered 200 with exit_code 2, as if a load had run (#20)."""
    from fastapi.testclient import TestClient

    from mailreport.api.app import create_app
    from mailreport.auth import create_token

    client = TestClient(create_app(store, auth=True))
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    missing = tmp_path / "no-such-dir"
    r = client.post("/api/v1/loads", json={"directory": str(missing)}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == f"{missing}: not a directory"
    (tmp_path / "empty").mkdir()
    r = client.post("/api/v1/loads", json={"directory": str(tmp_path / "empty")}, headers=admin)
    assert r.status_code == 422 and "no contract files" in r.json()["detail"]
    # a directory whose files were read is a load, rejected rows or not
    d = write(tmp_path / "d", {"customers.csv": "customer_id,created_at\nc1,yesterday\n"})
    r = client.post("/api/v1/loads", json={"directory": str(d)}, headers=admin)
    assert r.status_code == 200 and r.json()["exit_code"] == EXIT_NOTHING


def test_the_cli_says_a_missing_directory_is_no_directory_and_exits_2(store, tmp_path):
    from typer.testing import CliRunner

    from mailreport.cli import app

    db = str(store.path)
    store.close()  # the command opens the file itself
    result = CliRunner().invoke(app, ["load", str(tmp_path / "nowhere"), "--db", db])
    assert result.exit_code == EXIT_NOTHING
    said = " ".join(result.output.split())  # the console wraps long lines
    assert said.startswith("error: ") and said.endswith("nowhere: not a directory"), said


def _report_files(report_dir: Path) -> list[str]:
    return sorted(p.name for p in report_dir.iterdir()) if report_dir.exists() else []


def test_a_load_that_fails_after_writing_its_rejects_leaves_no_rejects_file(
        store, tmp_path, monkeypatch):
    """The rejects were written before the commit: a load that then failed left a
    rejects.csv for rows it never kept (#20)."""
    from mailreport.ingest import load_session

    d = write(tmp_path / "d", {**BASE, "customers.csv": "customer_id,created_at\nc1,x\nc2,\n"})

    def boom(self):
        raise RuntimeError("the facts could not be refreshed")

    monkeypatch.setattr(load_session.LoadSession, "refresh_facts", boom)
    with pytest.raises(RuntimeError):
        load_directory(store, d, tmp_path / "report")
    assert _report_files(tmp_path / "report") == []
    assert store.sql("SELECT count(*) FROM customers")[0][0] == 0


KILLED_LOAD = """
import os, sys, time
from pathlib import Path
from mailreport.ingest import load_session
from mailreport.ingest.loader import load_directory
from mailreport.settings import Settings
from mailreport.store import open_store

def stall(self):  # the rejects are written; the commit has not happened
    Path(sys.argv[3]).write_text(str(os.getpid()))
    time.sleep(600)

load_session.LoadSession.refresh_facts = stall
load_directory(open_store(sys.argv[1], Settings()), sys.argv[2], sys.argv[4])
"""


def test_a_load_killed_before_its_commit_leaves_no_rejects_file(tmp_path):
    d = write(tmp_path / "d", {**BASE, "customers.csv": "customer_id,created_at\nc1,x\nc2,\n"})
    db, stalled, report = tmp_path / "k.duckdb", tmp_path / "stalled", tmp_path / "report"
    child = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, str(db), str(d), str(stalled),
                              str(report)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not stalled.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the load never reached its commit"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        child.stderr.close()
    assert "rejects.csv" not in _report_files(report)
    # at most the hidden partial file, named as what it is
    assert all(n.startswith(".rejects.csv.") and n.endswith(".partial")
               for n in _report_files(report))
    store = open_store(db, Settings())
    try:
        assert store.sql("SELECT count(*) FROM customers")[0][0] == 0
    finally:
        store.close()
