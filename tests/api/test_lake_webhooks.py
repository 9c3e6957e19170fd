"""Webhooks and events sent to a server over a lake: judged as live ingestion judges
them, the new valid events staged as one durable Parquet file per delivery, the
others in the server's quarantine; redeliveries and events the lake holds stage
nothing; a write that fails answers 503 and leaves no file."""

from __future__ import annotations

import errno
import json
import os
import shutil
import threading
from contextlib import closing

import duckdb
import pytest

from lake_hooks import (
    client_for,
    demo_batches,
    post_events,
    post_sendgrid,
    staged_rows,
    stored_rows,
)
from mailreport.ingest import lake_staging, live
from mailreport.ingest.lake_staging import (
    merge_staged,
    stage_events,
    staged_files,
    staging_folder,
)
from mailreport.settings import Settings
from mailreport.store import lake_swap, open_store
from mailreport.store.lake_store import LakeStore
from mailreport.store.spark.lake_inputs import RefreshError


@pytest.fixture
def lake_store(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    store = LakeStore(lake, Settings(), state=tmp_path / "server.duckdb")
    yield store
    store.close()


@pytest.fixture
def lake_client(lake_store):
    with client_for(lake_store) as client:
        yield client


@pytest.fixture(scope="module")
def batches(demo_db):
    return demo_batches(demo_db)


@pytest.fixture(scope="module")
def live_answers(demo_db, batches, tmp_path_factory):
    """What live ingestion answers and stores for the same deliveries: a DuckDB
    store of the same data behind a server. (answers, stored rows, quarantine)"""
    path = tmp_path_factory.mktemp("live") / "live.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings())
    try:
        with client_for(store) as client:
            sendgrid, events = batches
            answers = [post_sendgrid(client, sendgrid).json(),
                       post_events(client, events).json()]
            # the batches' own ids: the others are the demo's, stored before
            ids = [i for i in [e["sg_event_id"] for e in sendgrid]
                   + [e["event_id"] for e in events] if i.startswith("hook-")]
            quarantine = client.get("/api/v1/quarantine").json()["events"]
        live.stop(store)
        return answers, stored_rows(store, ids), quarantine
    finally:
        store.close()


def verdicts(quarantine: list[dict]) -> list[tuple]:
    return sorted((q["event_id"], q["mailing_id"], q["customer_id"], q["rule"], q["reason"])
                  for q in quarantine)


def test_deliveries_stage_what_live_ingestion_stores(lake_client, lake_store, batches,
                                                     live_answers, demo_db):
    sendgrid, events = batches
    answers, live_rows, live_quarantine = live_answers
    lake = lake_store.lake

    r = post_sendgrid(lake_client, sendgrid)
    assert r.status_code == 200, r.text
    assert r.json() == answers[0]
    assert r.json()["duplicates"] == 1 and r.json()["quarantined"] == 1
    assert r.json()["quarantine"][0]["rule"] == "unknown_reference"
    first = staged_files(lake)
    assert len(first) == 1 and first[0].parent == lake / "_staging" / "events"
    r = post_events(lake_client, events)
    assert r.status_code == 200, r.text
    assert r.json() == answers[1] and r.json()["inserted"] == 4
    assert len(staged_files(lake)) == 2
    # the new valid events, and nothing else, as the DuckDB store holds them
    staged = staged_rows(lake)
    assert staged == live_rows
    assert len(staged) == answers[0]["inserted"] + answers[1]["inserted"] == 11
    scan = [row for row in staged if row[0].endswith("-scan")]
    assert scan[0][10:12] == (True, "click_soon_after_delivery")  # read the lake's delivery
    assert staged_rows(lake, first) == [row for row in staged if row[1] == "M01"]
    # the contract's columns and types
    con = duckdb.connect()
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                             f"read_parquet('{first[0]}'))").fetchall())
    con.close()
    assert types == {"event_id": "VARCHAR", "mailing_id": "VARCHAR", "variant_id": "VARCHAR",
                     "customer_id": "VARCHAR", "type": "VARCHAR", "ts": "TIMESTAMP",
                     "link_index": "BIGINT", "url": "VARCHAR", "user_agent": "VARCHAR",
                     "ip": "VARCHAR", "is_machine": "BOOLEAN", "machine_rule": "VARCHAR",
                     "provider": "VARCHAR", "bounce_class": "VARCHAR", "reason": "VARCHAR"}

    # the quarantine is the server's, as live ingestion keeps it
    listed = lake_client.get("/api/v1/quarantine").json()
    assert listed["total"] == 2
    assert verdicts(listed["events"]) == verdicts(live_quarantine)
    assert {q["reason"] for q in listed["events"]} == {
        "no mailings row with mailing_id M404", "no customers row with customer_id C99999999"}

    # a redelivery stages nothing and counts what it brings again as duplicates
    again = post_sendgrid(lake_client, sendgrid).json()
    assert (again["inserted"], again["duplicates"], again["quarantined"]) == (0, 8, 1)
    again = post_events(lake_client, list(reversed(events))).json()
    assert (again["inserted"], again["duplicates"], again["quarantined"]) == (0, 4, 1)
    assert len(staged_files(lake)) == 2 and staged_rows(lake) == staged
    assert lake_client.get("/api/v1/quarantine").json()["total"] == 2
    assert not list(staging_folder(lake).glob(".*.tmp"))


def test_events_the_lake_holds_are_duplicates(lake_client, lake_store, demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    rows = con.execute("SELECT event_id, mailing_id, customer_id, type, "
                       "strftime(ts, '%Y-%m-%dT%H:%M:%SZ') FROM events WHERE mailing_id IN "
                       "('M02', 'M04') ORDER BY event_id LIMIT 50").fetchall()
    con.close()
    events = [dict(zip(("event_id", "mailing_id", "customer_id", "type", "ts"), r,
                       strict=True)) for r in rows]
    r = post_events(lake_client, events)
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["duplicates"]) == (0, 50)
    assert staged_files(lake_store.lake) == []
    # the same event_id in another mailing is a conflict, quarantined as live ingestion does
    r = post_events(lake_client, [{**events[0], "mailing_id": "M05"}])
    assert r.json()["quarantine"][0]["rule"] == "duplicate_key"
    assert r.json()["quarantine"][0]["reason"] == ("event_id is already stored with "
                                                   "different content")


class FailingRename:
    """The os module as lake_staging sees it, with a rename that fails as a full
    disk would."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def rename(source, target):
        raise OSError(errno.ENOSPC, "No space left on device", str(source))


def test_a_write_that_fails_answers_503_and_leaves_nothing(lake_client, lake_store, batches,
                                                           monkeypatch):
    sendgrid, _ = batches
    monkeypatch.setattr(lake_staging, "os", FailingRename())
    r = post_sendgrid(lake_client, sendgrid)
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith(f"cannot stage events in {staging_folder(lake_store.lake)}"
                                         ": No space left on device")
    assert sorted(p.name for p in staging_folder(lake_store.lake).iterdir()) == [".lock"]
    # nothing kept of it, the quarantine included: the delivery again stores it all
    assert lake_client.get("/api/v1/quarantine").json()["total"] == 0
    monkeypatch.undo()
    r = post_sendgrid(lake_client, sendgrid)
    assert r.status_code == 200 and r.json()["inserted"] == 7
    assert len(staged_files(lake_store.lake)) == 1


def test_batches_at_once_lose_and_repeat_nothing(lake_store, batches):
    sendgrid, events = batches
    valid = [e for e in events if e["customer_id"] != "C99999999"]
    more = [{**e, "event_id": f"{e['event_id']}-{n}"} for n in range(5) for e in valid]
    # overlapping batches: each event is in two of them
    parts = [more[n::3] + more[(n + 1) % 3::3] for n in range(3)]
    results, barrier = [], threading.Barrier(len(parts))

    def send(part):
        barrier.wait()
        results.append(stage_events(lake_store, part))

    threads = [threading.Thread(target=send, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.inserted for r in results) == len(more) == 20
    assert sum(r.duplicates for r in results) == 20
    staged = staged_rows(lake_store.lake)
    assert sorted(r[0] for r in staged) == sorted(e["event_id"] for e in more)


def test_a_replay_stages_what_passes_now(lake_client, lake_store, batches):
    _, events = batches
    unknown = [e for e in events if e["customer_id"] == "C99999999"]
    assert post_events(lake_client, unknown).json()["quarantined"] == 1
    assert lake_client.post("/api/v1/quarantine/replay").json()["quarantined"] == 1
    # the customer comes into the lake (a load, or a pipeline)
    lake = lake_store.lake
    with closing(duckdb.connect()) as con:
        con.execute(f"COPY (SELECT * REPLACE ('C99999999' AS customer_id) FROM "
                    f"read_parquet('{lake}/customers/*.parquet') LIMIT 1) "
                    f"TO '{lake}/customers/late.parquet' (FORMAT parquet)")
    r = lake_client.post("/api/v1/quarantine/replay")
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["quarantined"]) == (1, 0)
    assert [row[0] for row in staged_rows(lake)] == ["hook-nocustomer"]
    assert lake_client.get("/api/v1/quarantine").json()["total"] == 0


def test_a_reader_of_the_lake_stages_nothing(demo_lake, batches):
    store = LakeStore(demo_lake, Settings())
    try:
        with pytest.raises(lake_staging.StagingError, match="--db FILE"):
            stage_events(store, batches[1])
    finally:
        store.close()
    assert not (demo_lake / "_staging").exists()


def test_the_quarantine_keeps_the_event_as_received(lake_client, batches):
    sendgrid, _ = batches
    post_sendgrid(lake_client, sendgrid)
    listed = lake_client.get("/api/v1/quarantine").json()["events"]
    assert listed[0]["event"]["mailing_id"] == "M404"
    assert json.dumps(listed[0]["event"])  # JSON as stored


def test_staged_files_wait_while_a_load_holds_the_lake(lake_client, lake_store, batches):
    """A refresh's merge goes through the lake's load, which holds the lake's lock:
    while another load holds it, the files stay for the next refresh."""
    lake = lake_store.lake
    post_events(lake_client, batches[1])
    files = staged_files(lake)

    def no_spark():
        return None  # the load stops at the lock, before it asks Spark for anything

    with lake_swap.writing(lake):
        line = merge_staged(lake, no_spark)
    assert line == (f"1 staged file(s) wait for the next refresh: another process is "
                    f"writing the lake {lake} (it holds {lake / '_lake.lock'}); wait for it "
                    f"to end, then run this again")
    assert staged_files(lake) == files
    assert sorted(p.name for p in (lake / "_staging").iterdir()) == ["events"]


def test_a_staged_file_that_cannot_be_read_is_named(lake_client, lake_store, batches):
    lake = lake_store.lake
    staging_folder(lake).mkdir(parents=True)
    (staging_folder(lake) / "20260101T000000000000Z-0000.parquet").write_bytes(b"not parquet")
    r = post_events(lake_client, batches[1])
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith(f"cannot judge events against the lake {lake}: ")
    assert "20260101T000000000000Z-0000.parquet" in r.json()["detail"]
    with pytest.raises(RefreshError, match="move the file it names out of the folder"):
        merge_staged(lake, lambda: None)
