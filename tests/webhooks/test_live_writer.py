"""The store's live writer: group commit, and the derived refresh off the
acknowledgement path, within the stated bound and across a crash."""

from __future__ import annotations

import threading
import time

import pytest
from webhook_kit import load_mailings, stop_live_writer_fixture  # noqa: F401 -- fixtures

from mailreport.ingest import live, live_writer
from mailreport.settings import Settings
from mailreport.store import open_store


def events(prefix: str, customer: str = "ann") -> list[dict]:
    return [{"event_id": f"{prefix}-{n}", "mailing_id": "m1", "customer_id": customer,
             "type": kind, "ts": f"2026-03-02T10:0{n}:00Z"}
            for n, kind in enumerate(("sent", "delivered", "opened"))]


def reach(store, customer: str = "ann") -> tuple:
    rows = store.sql("SELECT sent_at, delivered_at, opened_at FROM reach_times "
                     "WHERE mailing_id = 'm1' AND customer_id = ?", [customer])
    return rows[0] if rows else (None, None, None)


def pending(store) -> int:
    return store.sql("SELECT count(*) FROM live_pending")[0][0]


def test_the_derived_tables_follow_within_the_bound_without_being_asked(store, tmp_path):
    load_mailings(store, tmp_path / "data")
    assert live.ingest_events(store, events("a")).inserted == 3
    acknowledged = time.monotonic()
    while reach(store)[2] is None:
        assert time.monotonic() - acknowledged < live.FRESHNESS_BOUND_SECONDS
        time.sleep(0.01)
    assert pending(store) == 0


def test_pairs_left_pending_by_a_crash_are_refreshed_when_the_writer_starts(
        tmp_path, monkeypatch):
    db = tmp_path / "crash.duckdb"
    store = open_store(db, Settings())
    load_mailings(store, tmp_path / "data")

    def crash(store):  # the process dies between the commit and the refresh
        raise OSError("killed")

    monkeypatch.setattr(live, "_refresh", crash)
    assert live.ingest_events(store, events("c", "bob")).inserted == 3
    live.stop(store)
    store.close()
    monkeypatch.undo()

    store = open_store(db, Settings())
    try:
        assert pending(store) == 1 and reach(store, "bob")[0] is None  # stale, not lost
        live.start(store)  # as the server does when it starts
        started = time.monotonic()
        while reach(store, "bob")[2] is None:
            assert time.monotonic() - started < live.FRESHNESS_BOUND_SECONDS
            time.sleep(0.01)
        assert pending(store) == 0
    finally:
        live.stop(store)
        store.close()


def test_closing_the_store_ends_its_live_writer_first(tmp_path):
    """DuckDB refuses to close a connection another thread uses: the writer, started
    by the first batch, registered its stop with the store."""
    db = tmp_path / "close.duckdb"
    store = open_store(db, Settings())
    load_mailings(store, tmp_path / "data")
    assert live.ingest_events(store, events("d", "bob")).inserted == 3
    writer = live._writer(store)
    assert writer.alive
    store.close()
    assert not writer.alive
    store = open_store(db, Settings())
    try:
        assert pending(store) == 0 and reach(store, "bob")[2] is not None
    finally:
        store.close()


def test_a_failed_commit_leaves_nothing_pending(store, tmp_path, monkeypatch):
    from mailreport.ingest import live_commit

    load_mailings(store, tmp_path / "data")
    real = live_commit.ingest

    def fail_late(con, *a, **k):
        real(con, *a, **k)  # pending pairs noted, then the transaction fails
        raise OSError("disk full")

    monkeypatch.setattr(live_commit, "ingest", fail_late)
    with pytest.raises(OSError):
        live.ingest_events(store, events("f"))
    assert pending(store) == 0 and store.sql("SELECT count(*) FROM events")[0][0] == 0


def test_announced_batches_are_committed_together(store, tmp_path, monkeypatch):
    load_mailings(store, tmp_path / "data")
    groups: list[int] = []
    real = live._commit

    def counting(store, jobs):
        groups.append(len(jobs))
        return real(store, jobs)

    monkeypatch.setattr(live, "_commit", counting)
    live.ingest_events(store, events("warm"))  # the writer is running
    groups.clear()
    arrivals = [live.announce(store) for _ in range(3)]
    results = {}

    def send(n: int) -> None:
        time.sleep(0.005 * n)  # parsed one after the other
        results[n] = live.ingest_events(store, events(f"g{n}"), arrivals[n])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert groups == [3]
    assert [results[n].inserted for n in range(3)] == [3, 3, 3]


def test_a_cancelled_announcement_does_not_hold_the_group(store, tmp_path):
    load_mailings(store, tmp_path / "data")
    live.ingest_events(store, events("warm"))
    arrival = live.announce(store)
    arrival.cancel()  # the request was refused (a bad signature)
    started = time.monotonic()
    live.ingest_events(store, events("next"))
    assert time.monotonic() - started < live_writer.GROUP_WAIT_SECONDS + 1


def test_a_live_open_attributes_the_orders_that_follow_it(store, tmp_path):
    data = load_mailings(store, tmp_path / "data")
    data.order("ann", "2026-03-02T12:00:00", order_id="after-open")
    data.order("bob", "2026-03-02T12:00:00", order_id="no-open")
    data.load()
    live.ingest_events(store, events("o", "ann"))  # ann opens at 10:02
    live.flush(store)
    assert store.sql("SELECT order_id, mailing_id FROM attributed_orders") == [
        ("after-open", "m1")]
