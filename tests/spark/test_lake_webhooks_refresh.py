"""Events staged by a server over a lake, merged by ``refresh --lake``: the lake's
reports then equal those of a DuckDB store that took the same deliveries live; the
staged files are gone; a refresh with nothing staged starts no Spark; a refresh
that dies between the merge's swap and the removal of the files leaves them, and
the next one merges them again to no effect; files staged during a refresh wait
for the next one."""

from __future__ import annotations

import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from test_refresh import copy_lake

from lake_hooks import (
    EVENT_COLUMNS,
    client_for,
    demo_batches,
    post_events,
    post_sendgrid,
    staged_rows,
)
from mailreport.ingest import lake_staging, live
from mailreport.ingest.lake_staging import merge_staged, stage_events, staged_files
from mailreport.reports import ReportQuery, mailing_report
from mailreport.settings import Settings
from mailreport.store import open_store
from mailreport.store.engines import open_reader
from mailreport.store.lake_store import LakeStore
from mailreport.store.spark.lake_inputs import scan_files
from mailreport.store.spark.refresh import refresh_lake
from same_json import differences

pytestmark = pytest.mark.spark

TOUCHED = ("M01", "M05")


class Both:
    """A copy of the demo lake behind a server over it, and a copy of the demo's
    DuckDB store behind a server of its own: each delivery goes to both."""

    def __init__(self, demo_lake: Path, demo_db: Path, tmp: Path):
        self.lake = copy_lake(demo_lake, tmp / "lake")
        shutil.copy(demo_db, tmp / "live.duckdb")
        self.live = open_store(tmp / "live.duckdb", Settings())
        self.live_client = client_for(self.live).__enter__()
        self.tmp = tmp

    def deliver(self, sendgrid: list[dict], events: list[dict]) -> None:
        store = LakeStore(self.lake, Settings(), state=self.tmp / "server.duckdb")
        try:
            with client_for(store) as client:
                for post, batch in ((post_sendgrid, sendgrid), (post_events, events)):
                    if batch:
                        lake, live_ = post(client, batch), post(self.live_client, batch)
                        assert lake.status_code == 200, lake.text
                        assert lake.json() == live_.json()
        finally:
            store.close()

    def stage_only(self, events: list[dict]) -> None:
        """Stage events in the lake alone (the DuckDB store does not get them)."""
        store = LakeStore(self.lake, Settings(), state=self.tmp / "server.duckdb")
        try:
            assert stage_events(store, events).inserted == len(events)
        finally:
            store.close()

    def reports_differ(self) -> dict[str, list[str]]:
        live.flush(self.live)
        lake = open_reader("duckdb", Settings(), lake=self.lake)
        with closing(lake):
            wrong = {}
            for mailing in TOUCHED:
                got, want = (mailing_report(s.tables(), mailing, ReportQuery())
                             .model_dump(mode="json", by_alias=True)
                             for s in (lake, self.live))
                wrong[mailing] = differences(got, want)
        return {m: d for m, d in wrong.items() if d}

    def close(self) -> None:
        self.live_client.__exit__(None, None, None)
        live.stop(self.live)
        self.live.close()


def lake_events(lake: Path, like: str = "hook-%") -> list[tuple]:
    with closing(duckdb.connect()) as con:
        return con.execute(
            f"SELECT {EVENT_COLUMNS} FROM read_parquet('{lake}/events/*/*.parquet', "
            f"hive_partitioning = true) WHERE event_id LIKE '{like}' ORDER BY event_id"
        ).fetchall()


@pytest.fixture(scope="module")
def both(demo_lake, demo_db, tmp_path_factory):
    both = Both(demo_lake, demo_db, tmp_path_factory.mktemp("lake-webhooks"))
    yield both
    both.close()


@pytest.fixture(scope="module")
def merged(spark, both, demo_db):
    """The demo's deliveries staged, then a refresh: its result, and the rows staged."""
    both.deliver(*demo_batches(demo_db))
    staged = staged_rows(both.lake)
    assert len(staged) == 11 and len(staged_files(both.lake)) == 2
    return refresh_lake(both.lake, Settings(), spark, merge_staged), staged


def test_a_refresh_merges_the_staged_events_and_reports_equal_live_ingestion(both, merged):
    result, staged = merged
    assert result.staged == (f"merged 11 staged event(s) from 2 file(s) into "
                             f"{both.lake / 'events'}: 11 new, 0 already there")
    assert result.lines()[0] == result.staged and result.build
    assert lake_events(both.lake) == staged
    assert staged_files(both.lake) == []
    assert sorted(p.name for p in (both.lake / "_staging").iterdir()) == ["events"]
    assert both.reports_differ() == {}


def test_a_second_refresh_with_nothing_staged_starts_no_spark(both, merged):
    def no_spark():
        raise AssertionError("a refresh with nothing to do started Spark")

    result = refresh_lake(both.lake, Settings(), no_spark, merge_staged)
    assert result.build is None and result.staged is None
    assert "nothing changed since the last refresh" in result.lines()[0]


def test_a_refresh_that_dies_before_removing_the_files_merges_them_again(spark, both, merged,
                                                                        monkeypatch):
    more = [{"event_id": f"hook-late-{n}", "mailing_id": "M05", "customer_id": c,
             "type": "clicked", "ts": "2026-06-20T10:00:00Z", "url": "https://shop.example/"}
            for n, c in enumerate(sorted({r[3] for r in merged[1] if r[1] == "M05"}))]
    both.deliver([], more)
    files = staged_files(both.lake)
    assert len(files) == 1

    def killed(paths):
        raise KeyboardInterrupt  # as a Ctrl-C or a kill would stop it there

    monkeypatch.setattr(lake_staging, "remove_merged", killed)
    with pytest.raises(KeyboardInterrupt):
        refresh_lake(both.lake, Settings(), spark, merge_staged)
    monkeypatch.undo()
    assert staged_files(both.lake) == files  # left, and in the lake already
    assert [r[0] for r in lake_events(both.lake, "hook-late-%")] == [e["event_id"] for e in more]
    events_before = scan_files(both.lake)["partitions"]["events"]

    # a delivery staged while the refresh merges waits for the next refresh
    late = {**more[0], "event_id": "hook-during-the-merge"}
    combine = lake_staging._combine

    def a_delivery_comes(paths, target):
        both.stage_only([late])
        combine(paths, target)

    monkeypatch.setattr(lake_staging, "_combine", a_delivery_comes)
    result = refresh_lake(both.lake, Settings(), spark, merge_staged)
    assert result.staged == (f"merged {len(more)} staged event(s) from 1 file(s) into "
                             f"{both.lake / 'events'}: 0 new, {len(more)} already there")
    assert scan_files(both.lake)["partitions"]["events"] == events_before  # no file rewritten
    waiting = staged_files(both.lake)
    assert len(waiting) == 1 and waiting[0] not in files
    assert [r[0] for r in staged_rows(both.lake)] == [late["event_id"]]
    assert lake_events(both.lake, late["event_id"]) == []
    assert result.mailings == ["M05"]  # the facts the killed refresh did not get to
    assert both.reports_differ() == {}
