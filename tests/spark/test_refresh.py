"""``mailreport refresh --lake``: the facts built into the lake on Spark equal the
DuckDB store's, a refresh redoes only what changed and reuses the rest's files, a
refresh killed mid-way leaves the facts as they were, and the Spark store reads the
kept facts instead of computing them."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from test_lake import ODD_IDS, odd_mailings
from test_spark_demo import cli_json, differences
from typer.testing import CliRunner

import mailreport
from conftest import at
from mailreport import facts
from mailreport.cli import app
from mailreport.cli.store import parse_every
from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.settings import Settings
from mailreport.store.lake import export_lake, partition_folder
from mailreport.store.lake_facts import facts_dir, read_manifest
from mailreport.store.spark import refresh as refresh_module
from mailreport.store.spark import session as session_module
from mailreport.store.spark import store as store_module
from mailreport.store.spark.refresh import (
    RefreshBusy,
    RefreshError,
    keep_refreshing,
    refresh_lake,
    refresh_lock,
)
from mailreport.store.spark.store import SparkStore, kept_facts

pytestmark = pytest.mark.spark

NEW = "M99"  # the mailing the lake grows by


# -- reading the facts of a lake (as a DuckDB reader would) ---------------------------


def fact_rows(lake: Path, fact: facts.Fact, by_mailing: bool = False):
    """The fact's rows in the files the lake's manifest lists, a counting fact's
    summed per key as the DuckDB store's are compared: a Counter (by mailing)."""
    manifest = read_manifest(lake)
    paths = [str(facts_dir(lake) / p) for p in manifest.fact_files(fact.name)]
    con = duckdb.connect()
    cols = ", ".join(f'NULL::{t} AS "{n}"' for n, t in fact.columns)
    source = (f"read_parquet({paths!r}, hive_partitioning = false)" if paths
              else f"(SELECT {cols} LIMIT 0)")
    con.execute(f'CREATE VIEW "{fact.name}" AS SELECT * FROM {source}')
    rows = con.execute(fact.summed()).fetchall()
    names = [d[0] for d in con.execute(fact.summed()).description]
    con.close()
    if not by_mailing:
        return Counter(rows)
    at = names.index("mailing_id")
    out: dict[str, Counter] = {}
    for row in rows:
        out.setdefault(row[at], Counter())[row] += 1
    return out


def store_rows(store, fact: facts.Fact) -> Counter:
    return Counter(store.sql(fact.summed()))


def unequal(a: Counter, b: Counter) -> list:
    return sorted(((a - b) + (b - a)).elements(), key=repr)[:5]


# -- growing a lake: a new mailing and a day of orders ---------------------------------


def grow(lake: Path) -> None:
    """Add mailing NEW (M01's audience and events, a week after the last event) and a
    day of orders (copies of existing ones): for 20 of its openers, attributed to it,
    and for 10 openers of M05 an hour after their open, attributed to M05."""
    con = duckdb.connect()

    def files(table: str) -> str:
        return f"read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = false)"

    def copy_to(query: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")

    last = con.execute(f"SELECT max(ts) FROM {files('events')}").fetchone()[0]
    sent = con.execute(f"SELECT sent_at FROM {files('mailings')} "
                       f"WHERE mailing_id = 'M01'").fetchone()[0]
    shift = f"INTERVAL '{(last - sent).days + 7} days'"
    copy_to(f"SELECT * REPLACE ('{NEW}' AS mailing_id, sent_at + {shift} AS sent_at, "
            f"name || ' again' AS name) FROM {files('mailings')} WHERE mailing_id = 'M01'",
            lake / "mailings" / "part-new.parquet")
    m01 = lake / "events" / partition_folder("M01")
    copy_to(f"SELECT * REPLACE ('{NEW}-' || event_id AS event_id, ts + {shift} AS ts) "
            f"FROM read_parquet('{m01}/*.parquet')",
            lake / "events" / partition_folder(NEW) / "part-0.parquet")
    copy_to(f"SELECT * FROM read_parquet('{lake / 'audience' / partition_folder('M01')}/*')",
            lake / "audience" / partition_folder(NEW) / "part-0.parquet")
    m05 = lake / "events" / partition_folder("M05")

    def openers(events: Path, shift: str, limit: int) -> str:
        return (f"(SELECT customer_id, min(ts) + {shift} + INTERVAL '1 hour' AS ts "
                f"FROM read_parquet('{events}/*.parquet') "
                f"WHERE type = 'opened' AND NOT is_machine GROUP BY 1 ORDER BY 1 LIMIT {limit})")

    # orders after their touch in the new mailing, and after an old touch (M05's)
    con.execute(f"CREATE TABLE buyers AS {openers(m01, shift, 20)} "
                f"UNION ALL {openers(m05, 'INTERVAL 0 days', 10)}")
    con.execute(f"""CREATE TABLE new_orders AS
        SELECT o.order_id AS old_id, 'N-' || o.order_id AS order_id, b.customer_id,
               b.ts AS ts
        FROM buyers b JOIN (SELECT *, row_number() OVER (ORDER BY order_id) AS k
                            FROM {files('orders')}) o
          ON o.k = (SELECT count(*) FROM buyers c WHERE c.customer_id < b.customer_id) + 1""")
    copy_to(f"SELECT o.* REPLACE (n.order_id AS order_id, n.customer_id AS customer_id, "
            f"n.ts AS ts, 'completed' AS status) "
            f"FROM {files('orders')} o JOIN new_orders n ON n.old_id = o.order_id",
            lake / "orders" / "part-new.parquet")
    copy_to(f"SELECT l.* REPLACE (n.order_id AS order_id) FROM {files('order_lines')} l "
            f"JOIN new_orders n ON n.old_id = l.order_id",
            lake / "order_lines" / "part-new.parquet")
    assert con.execute("SELECT count(*) FROM new_orders").fetchone()[0] == 30
    con.close()


def copy_lake(source: Path, target: Path, with_facts: bool = True) -> Path:
    """A copy whose files keep their sizes and mtimes, as the signatures see them."""
    shutil.copytree(source, target, ignore=None if with_facts
                    else shutil.ignore_patterns("_facts"))
    return target


# -- fixtures: one refreshed lake per module, grown once --------------------------------


@pytest.fixture(scope="module")
def exported(demo_store, tmp_path_factory) -> Path:
    lake = tmp_path_factory.mktemp("refresh") / "exported"
    export_lake(demo_store, lake)
    return lake


@pytest.fixture(scope="module")
def refreshed(spark, exported, tmp_path_factory):
    """The small demo's lake after its first refresh: (lake, result)."""
    lake = copy_lake(exported, tmp_path_factory.mktemp("refresh") / "refreshed")
    return lake, refresh_lake(lake, Settings(), spark)


class Killed:
    """What a refresh killed mid-way left: the manifest's bytes before and after the
    kill, each fact's rows after it, and the build it was writing."""

    def __init__(self, lake: Path):
        self.manifest = facts_dir(lake) / "_current.json"
        self.before = self.manifest.read_bytes()
        self.after = b""
        self.rows: dict = {}
        self.dead = ""
        self.dead_folder_existed = False


def kill_a_refresh(lake: Path) -> Killed:
    """Run `mailreport refresh --lake` in a child process and SIGKILL it (and its
    JVM) once it has written a fact file of its build, before the manifest swap."""
    killed = Killed(lake)
    old_builds = {Path(p).parts[1] for p in read_manifest(lake).fact_files("buyers")}
    src = Path(mailreport.__file__).resolve().parents[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "mailreport", "refresh", "--lake", str(lake),
         "--spark-master", "local[1]"],
        env={**os.environ, "PYTHONPATH": str(src)}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = []
    try:
        deadline = time.monotonic() + 600
        while not written and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            written = [p for p in facts_dir(lake).glob("*/*/mailing_id=*/*.parquet")
                       if p.parts[-3] not in old_builds]
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert written, "the refresh wrote no file before it ended"
    killed.after = killed.manifest.read_bytes()
    killed.rows = {f.name: fact_rows(lake, f) for f in facts.FACTS}
    killed.dead = written[0].parts[-3]
    killed.dead_folder_existed = (facts_dir(lake) / written[0].parts[-4] / killed.dead).is_dir()
    return killed


@pytest.fixture(scope="module")
def grown(spark, refreshed, tmp_path_factory):
    """The refreshed lake grown by a mailing and a day of orders, a refresh of it
    killed mid-way, then one that completes: (lake, result, what the kill left)."""
    lake = copy_lake(refreshed[0], tmp_path_factory.mktemp("refresh") / "grown")
    grow(lake)
    killed = kill_a_refresh(lake)
    return lake, refresh_lake(lake, Settings(), spark), killed


@pytest.fixture(scope="module")
def grown_rebuilt(spark, grown, tmp_path_factory) -> Path:
    """The grown lake's tables with its facts built from nothing."""
    lake = copy_lake(grown[0], tmp_path_factory.mktemp("refresh") / "rebuilt", False)
    assert refresh_lake(lake, Settings(), spark).full == "no facts in the lake yet"
    return lake


# -- a full refresh -----------------------------------------------------------------------


def test_a_full_refresh_builds_the_duckdb_stores_facts(refreshed, demo_store):
    lake, result = refreshed
    # `lake export` wrote the DuckDB store's facts with no record of their inputs:
    # the first refresh rebuilds them all (a lake with no facts: grown_rebuilt)
    assert result.full == "the facts were not built by `mailreport refresh`"
    assert result.build
    manifest = read_manifest(lake)
    assert manifest.fingerprint == facts.fingerprint(Settings())
    assert manifest.built_by.endswith(" refresh")
    wrong = {f.name: unequal(fact_rows(lake, f), store_rows(demo_store, f))
             for f in facts.FACTS}
    assert {name: rows for name, rows in wrong.items() if rows} == {}
    assert all(fact_rows(lake, f) for f in facts.FACTS)  # no fact is empty


def test_each_file_holds_every_column_and_one_mailings_rows(refreshed):
    lake, _ = refreshed
    manifest = read_manifest(lake)
    con = duckdb.connect()
    for fact in (facts.REACH_TIMES, facts.ATTRIBUTED_ORDERS, facts.CATEGORY_SALES):
        for mailing, paths in manifest.files[fact.name].items():
            for path in paths:
                assert path.startswith(f"{fact.name}/{manifest_build(manifest)}/")
                assert not any(part.startswith(("_", ".")) for part in Path(path).parts)
                full = facts_dir(lake) / path
                described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{full}', "
                                        f"hive_partitioning = false)").fetchall()
                assert [d[0] for d in described] == list(fact.column_names)
                ids = con.execute(f"SELECT DISTINCT mailing_id FROM read_parquet('{full}', "
                                  f"hive_partitioning = false)").fetchall()
                assert ids == [(mailing,)]
    # timestamps as DuckDB's own TIMESTAMP, so a DuckDB reader gets the declared types
    path = facts_dir(lake) / manifest.fact_files("reach_times")[0]
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * "
                             f"FROM read_parquet('{path}'))").fetchall())
    assert types["sent_at"] == "TIMESTAMP" and types["sent_day"] == "DATE"


def manifest_build(manifest) -> str:
    builds = {Path(p).parts[1] for f in manifest.files for p in manifest.fact_files(f)}
    assert len(builds) == 1
    return builds.pop()


# -- incremental ---------------------------------------------------------------------------


def test_a_grown_lake_refreshes_to_what_a_full_rebuild_gives(grown, grown_rebuilt):
    lake, result, _ = grown
    assert result.full is None and result.build
    wrong = {f.name: unequal(fact_rows(lake, f), fact_rows(grown_rebuilt, f))
             for f in facts.FACTS}
    assert {name: rows for name, rows in wrong.items() if rows} == {}


def test_only_the_mailings_whose_rows_changed_get_new_files(refreshed, grown):
    before, after = read_manifest(refreshed[0]), read_manifest(grown[0])
    result = grown[1]
    moved = {}
    for fact in facts.FACTS:
        old_rows = fact_rows(refreshed[0], fact, by_mailing=True)
        new_rows = fact_rows(grown[0], fact, by_mailing=True)
        changed = {m for m in old_rows.keys() | new_rows.keys()
                   if old_rows.get(m) != new_rows.get(m)}
        new_files = {m for m, paths in after.files[fact.name].items()
                     if paths != before.files[fact.name].get(m)}
        assert new_files == changed, fact.name
        assert sorted(changed) == result.rebuilt.get(fact.name, []), fact.name
        for m in new_files:
            assert all(f"/{result.build}/" in p for p in after.files[fact.name][m])
        moved[fact.name] = changed
    assert moved["reach_times"] == {NEW}
    # the new orders are attributed to the new mailing and to M05, in their windows
    assert {NEW, "M05"} <= moved["attributed_orders"] and "M05" in moved["buyers"]
    assert "M05" in moved["window_orders"]
    # attributed again: the customers of the day's orders, and of the new mailing's
    # audience only those with a completed order in a touch's 7-day window: not its
    # whole audience
    lake = grown[0]
    touches = [str(facts_dir(lake) / p) for p in after.files["reach_times"][NEW]]
    con = duckdb.connect()
    expected, in_windows = con.execute(f"""
        WITH moved AS (
            SELECT r.customer_id FROM read_parquet({touches!r}) r
            JOIN read_parquet('{lake}/orders/*.parquet') o USING (customer_id)
            WHERE coalesce(o.status, 'completed') = 'completed'
              AND r.touch_at <= o.ts AND o.ts < r.touch_at + INTERVAL 7 DAY)
        SELECT count(*), (SELECT count(DISTINCT customer_id) FROM moved) FROM (
            SELECT customer_id FROM read_parquet('{lake}/orders/part-new.parquet')
            UNION SELECT customer_id FROM moved)""").fetchone()
    audience = con.execute(f"SELECT count(*) FROM read_parquet('{lake}/audience/"
                           f"{partition_folder(NEW)}/*.parquet')").fetchone()[0]
    assert in_windows >= 20  # the 20 new orders' buyers, and older orders in the windows
    assert result.customers == expected and expected * 10 < audience
    assert result.kept > 0
    assert set(result.mailings) == set().union(*moved.values())


def test_a_mailing_moved_to_another_campaign_redoes_only_the_two_campaigns(
        spark, refreshed, tmp_path):
    lake = copy_lake(refreshed[0], tmp_path / "moved")
    [old] = (lake / "mailings").glob("*.parquet")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CASE mailing_id WHEN 'M05' THEN 'CMP3' "
                f"ELSE campaign_id END AS campaign_id) FROM '{old}') "
                f"TO '{lake / 'mailings' / 'part-moved.parquet'}' (FORMAT parquet)")
    old.unlink()
    before = read_manifest(lake).files["campaign_counts"]
    result = refresh_lake(lake, Settings(), spark)
    assert result.full is None
    after = read_manifest(lake).files["campaign_counts"]
    # M05 was CMP2's first mailing (its counts sat under it), now CMP3's: CMP2's
    # counts move to M06, CMP3's from M13 to M05; CMP1's files are kept as they were
    assert sorted(before) == ["M01", "M05", "M13"]
    assert sorted(after) == ["M01", "M05", "M06"] and after["M01"] == before["M01"]
    assert result.rebuilt["campaign_counts"] == ["M05", "M06", "M13"]
    rebuilt = copy_lake(lake, tmp_path / "moved-rebuilt", False)
    assert refresh_lake(rebuilt, Settings(), spark).full
    fact = facts.CAMPAIGN_COUNTS
    assert unequal(fact_rows(lake, fact), fact_rows(rebuilt, fact)) == []
    cmp3 = {row for row in fact_rows(lake, fact) if row[1] == "CMP3"}
    assert {row[0] for row in cmp3} == {"M05"}


def test_a_refresh_with_nothing_changed_rebuilds_nothing(spark, grown):
    lake = grown[0]
    manifest = facts_dir(lake) / "_current.json"
    before = manifest.read_bytes()
    result = refresh_lake(lake, Settings(), session=None)  # no Spark needed
    assert result.build is None and result.rebuilt == {}
    assert "nothing changed" in result.lines()[0]
    assert manifest.read_bytes() == before
    # a table file rewritten with the same rows: still nothing, its signature noted
    mailings = next((lake / "mailings").glob("part-new*"))
    os.utime(mailings, ns=(time.time_ns(), time.time_ns()))
    result = refresh_lake(lake, Settings(), spark)
    assert result.build is None
    after = read_manifest(lake)
    assert after.files == json.loads(before)["files"]
    assert after.inputs["tables"]["mailings"] != json.loads(before)["inputs"]["tables"][
        "mailings"]
    assert refresh_lake(lake, Settings(), session=None).build is None  # noted: not again


def test_odd_mailing_ids_keep_their_files_and_rows(spark, data, store, tmp_path):
    """Ids that Spark escapes in folder names and that SQL must quote: a partition of
    one is read, rebuilt and listed under its own id."""
    odd = "o'k"
    data.mailing(odd).journeys(odd, {"ann": [("sent", at(0)), ("opened", at(3))],
                                     "cid": [("sent", at(0))]})
    odd_mailings(data)
    lake = tmp_path / "lake"
    export_lake(store, lake)
    refresh_lake(lake, Settings(), spark)
    assert set(read_manifest(lake).files["reach_times"]) == {*ODD_IDS, odd}
    wrong = {f.name: unequal(fact_rows(lake, f), store_rows(store, f)) for f in facts.FACTS}
    assert {name: rows for name, rows in wrong.items() if rows} == {}
    shutil.rmtree(lake / "events" / partition_folder(odd))  # its audience stays
    before = read_manifest(lake).files
    result = refresh_lake(lake, Settings(), spark)
    assert result.rebuilt["reach_times"] == [odd]
    after = read_manifest(lake).files["reach_times"]
    assert after[odd] != before["reach_times"][odd]
    assert {m: after[m] for m in after if m != odd} == {
        m: paths for m, paths in before["reach_times"].items() if m != odd}
    store.con.execute("DELETE FROM events WHERE mailing_id = ?", [odd])
    store.rebuild_facts()
    wrong = {f.name: unequal(fact_rows(lake, f), store_rows(store, f)) for f in facts.FACTS}
    assert {name: rows for name, rows in wrong.items() if rows} == {}
    assert fact_rows(lake, facts.REACH_TIMES, by_mailing=True)[odd]  # audience rows


# -- a refresh killed mid-way ------------------------------------------------------------


def test_a_refresh_killed_mid_way_leaves_the_facts_as_they_were(refreshed, grown):
    lake, result, killed = grown
    assert killed.after == killed.before  # the manifest: the old one
    wrong = {name: unequal(rows, fact_rows(refreshed[0], facts.BY_NAME[name]))
             for name, rows in killed.rows.items()}
    assert {name: rows for name, rows in wrong.items() if rows} == {}
    # the next refresh completed (the others check its facts) and removed the dead files
    assert killed.dead_folder_existed and result.build and result.build != killed.dead
    assert not list(facts_dir(lake).glob(f"*/{killed.dead}"))
    assert read_manifest(lake).built_at != json.loads(killed.before)["built_at"]


# -- one refresh at a time, and where a refresh can run ------------------------------------


def test_a_second_refresh_says_the_first_holds_the_lake(refreshed):
    lake = refreshed[0]
    with refresh_lock(lake), pytest.raises(RefreshBusy, match=rf"another refresh of "
                                           rf".* is running \(process {os.getpid()} holds"):
        refresh_lake(lake, Settings(), session=None)


def test_refresh_needs_a_local_lake(tmp_path):
    with pytest.raises(RefreshError, match="local or mounted path, not s3a://b/lake"):
        refresh_lake("s3a://b/lake", Settings(), session=None)
    result = CliRunner().invoke(app, ["refresh", "--lake", "s3a://b/lake"])
    assert result.exit_code == 2 and "local or mounted path" in result.output
    result = CliRunner().invoke(app, ["refresh", "--lake", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no lake at" in result.output


def test_inputs_recorded_in_another_form_rebuild_everything_saying_so():
    from mailreport.store.spark import lake_inputs

    now = {"tables": {}, "partitions": {}}
    current = {"version": lake_inputs.INPUTS_VERSION, **now}
    assert lake_inputs.full_rebuild_reason(current, now, frozenset()) is None
    old = {**current, "version": lake_inputs.INPUTS_VERSION - 1}
    assert lake_inputs.full_rebuild_reason(old, now, frozenset()) == (
        f"the last refresh recorded what it read in another form (version "
        f"{lake_inputs.INPUTS_VERSION - 1}, now {lake_inputs.INPUTS_VERSION})")


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("5m", 300), ("1h", 3600),
                                           ("1.5m", 90)])
def test_every_takes_a_duration(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("args, message", [
    (["--every", "5"], "add --lake"),
    (["--lake", "x", "--every", "5"], "not a duration"),
    (["--lake", "x", "--every", "0s"], "not a duration"),
    (["--lake", "x", "--db", "y.duckdb"], "give one"),
])
def test_refresh_options_say_what_is_wrong(args, message):
    result = CliRunner().invoke(app, ["refresh", *args])
    assert result.exit_code == 2 and message in result.output


def test_refresh_without_pyspark_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed
    result = CliRunner().invoke(app, ["refresh", "--lake", str(tmp_path)])
    assert result.exit_code == 2
    assert "needs PySpark (pyspark is missing): pip install 'mailreport[spark]'" \
        in result.output


class _Kept:
    """The test session, which the command must not stop."""

    def __init__(self, session):
        self.session = session
        self.stopped = False

    def __getattr__(self, name):
        return getattr(self.session, name)

    def stop(self):
        self.stopped = True


def test_the_command_prints_what_it_did_and_every_rounds_stop_on_ctrl_c(
        spark, grown, monkeypatch):
    lake = str(grown[0])
    starts = []
    monkeypatch.setattr(session_module, "spark_session",
                        lambda master=None, conf=None, settings=None:
                        starts.append(master) or _Kept(spark))
    result = CliRunner().invoke(app, ["refresh", "--lake", lake])
    assert result.exit_code == 0, result.output
    assert "nothing changed since the last refresh" in result.output
    assert starts == []  # Spark was not started for nothing

    rounds = []

    def two_rounds(lake_, settings, session, every, report, **kwargs):
        keep_refreshing(lake_, settings, session, every, report, rounds=2, **kwargs)
        rounds.append(every)
        raise KeyboardInterrupt

    monkeypatch.setattr(refresh_module, "keep_refreshing", two_rounds)
    result = CliRunner().invoke(app, ["refresh", "--lake", lake, "--every", "0.01s"])
    assert result.exit_code == 0, result.output
    assert rounds == [0.01] and result.output.count("nothing changed") == 2
    assert "stopped: the lake keeps the facts of the last complete refresh" in result.output
    with refresh_lock(grown[0]):
        result = CliRunner().invoke(app, ["refresh", "--lake", lake])
    assert result.exit_code == 1 and "another refresh of" in result.output


def test_a_refresh_that_fails_says_so_in_one_line_and_keeps_the_facts(
        spark, refreshed, tmp_path, monkeypatch):
    lake = copy_lake(refreshed[0], tmp_path / "lake")
    manifest = facts_dir(lake) / "_current.json"
    before = manifest.read_bytes()
    kept = _Kept(spark)
    monkeypatch.setattr(session_module, "spark_session",
                        lambda master=None, conf=None, settings=None: kept)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # a table no fact reads rewritten: only its signature is noted, and the disk is full
    categories = next((lake / "categories").glob("*.parquet"))
    os.utime(categories, ns=(time.time_ns(), time.time_ns()))
    with monkeypatch.context() as m:
        m.setattr(refresh_module, "write_manifest", disk_full)
        result = CliRunner().invoke(app, ["refresh", "--lake", str(lake)])
    assert result.exit_code == 1
    assert "failed: [Errno 28] No space left on device (the lake keeps the facts" \
        in result.output
    assert "Traceback" not in result.output and manifest.read_bytes() == before
    # a file that is not Parquet in a mailing's partition: Spark's error, in one line
    (lake / "events" / partition_folder("M03") / "part-bad.parquet").write_bytes(b"oops")
    result = CliRunner().invoke(app, ["refresh", "--lake", str(lake)])
    assert result.exit_code == 1 and "failed:" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert manifest.read_bytes() == before
    assert kept.stopped  # the session the command started, stopped


def test_ctrl_c_during_a_refresh_stops_the_command_and_keeps_the_facts(
        spark, refreshed, tmp_path, monkeypatch):
    lake = copy_lake(refreshed[0], tmp_path / "lake")
    grow(lake)  # work for Spark
    manifest = facts_dir(lake) / "_current.json"
    before = manifest.read_bytes()
    old_builds = {p.name for p in facts_dir(lake).glob("*/*") if p.is_dir()}
    monkeypatch.setattr(session_module, "spark_session",
                        lambda master=None, conf=None, settings=None: _Kept(spark))
    done = threading.Event()

    def ctrl_c_once_it_writes():
        # the new build's first folder: made as Spark starts writing the first fact
        # (its files reach their mailing_id= folders only when that fact is done)
        deadline = time.monotonic() + 600
        while not done.is_set() and time.monotonic() < deadline and not [
                p for p in facts_dir(lake).glob("*/*")
                if p.is_dir() and p.name not in old_builds]:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)
        if not done.wait(300):  # a refresh that went on: stop the loop's sleep too
            os.kill(os.getpid(), signal.SIGINT)

    handler = signal.getsignal(signal.SIGINT)
    threading.Thread(target=ctrl_c_once_it_writes, daemon=True).start()
    try:
        result = CliRunner().invoke(app, ["refresh", "--lake", str(lake), "--every", "1h"])
    finally:
        done.set()
        signal.signal(signal.SIGINT, handler)
        logging.disable(logging.NOTSET)
        spark.sparkContext.cancelAllJobs()  # the job the interrupt left running
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[1:] == [
        "stopped: the lake keeps the facts of the last complete refresh"]
    assert manifest.read_bytes() == before


# -- the Spark store reads the kept facts ----------------------------------------------------


def test_the_spark_store_reports_from_the_kept_facts_without_computing_them(
        spark, refreshed, demo_store, monkeypatch):
    lake = refreshed[0]

    def no_computing(*args, **kwargs):
        raise AssertionError("the facts were computed")

    monkeypatch.setattr(store_module, "fact_frame", no_computing)
    manifest = read_manifest(lake)
    store = SparkStore(lake, Settings(), session=spark)
    try:
        assert store.facts_manifest.built_at == manifest.built_at
        for fact in facts.FACTS:  # each fact is the files the manifest lists
            read = spark.table(store._views[fact.name]).inputFiles()
            listed = [str((facts_dir(lake) / p).resolve()) for p in manifest.fact_files(fact.name)]
            assert sorted(map(_local_path, read)) == sorted(listed), fact.name
        tables, duck = store.tables(), demo_store.tables()
        for mailing in ("M01", "M05"):
            ours, theirs = (json.loads(cli_json(mailing_report(t, mailing, ReportQuery())))
                            for t in (tables, duck))
            assert not differences(ours, theirs), mailing
        ours, theirs = (json.loads(cli_json(campaign_report(t, "CMP2", ReportQuery())))
                        for t in (tables, duck))
        assert not differences(ours, theirs)
    finally:
        store.close()


def _local_path(uri: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(uri).path)


def test_other_settings_do_not_read_the_kept_facts(refreshed):
    assert kept_facts(str(refreshed[0]), Settings()) is not None
    assert kept_facts(str(refreshed[0]), Settings(attribution_window_days=3)) is None
    assert kept_facts("s3a://bucket/lake", Settings()) is None


# -- how Spark plans a fact that spreads its rows ---------------------------------------


def _shuffle_keys(df) -> list[str]:
    """The columns each shuffle of df's plan splits rows by (broadcasts aside)."""
    plan = df._jdf.queryExecution().executedPlan().toString()
    return [re.sub(r"#\d+", "", keys) for keys in re.findall(r"hashpartitioning\(([^)]*), \d+\)",
                                                            plan)]


def test_reach_times_meets_each_customer_where_the_split_by_customer_put_them(
        spark, refreshed):
    """The events and the audience are split by customer (Fact.spread_by): their join
    and the customers' time zones need no other split, which with Spark's defaults
    the (mailing, customer) join would make. The rows are the same either way
    (the full refresh's test above)."""
    settings = Settings()
    build = refresh_module._Build(spark, refreshed[0], settings)
    build._read_tables()
    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "4")  # 1 partition would need no split
    try:
        df = store_module.fact_frame(spark, facts.REACH_TIMES, settings, build.views)
        with store_module.planned_for(spark, facts.REACH_TIMES):
            spread = _shuffle_keys(df)
        default = _shuffle_keys(store_module.fact_frame(
            spark, facts.REACH_TIMES, settings, build.views))
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", partitions)
        build.release()
    assert spread and set(spread) == {"customer_id"}, spread
    assert spark.conf.get(store_module.CO_PARTITION, None) in (None, "true")
    assert "mailing_id, customer_id" in default, default  # what planned_for spares


def _semi_joins(df) -> list[str]:
    """The join each filter by a subquery of df's plan is made by."""
    plan = df._jdf.queryExecution().executedPlan().toString()
    return re.findall(r"(\w+Join) \[[^\]]*\], \[[^\]]*\], (?:LeftSemi|ExistenceJoin)", plan)


def test_a_refresh_filters_by_few_customers_as_the_rows_are_read(
        spark, refreshed, monkeypatch):
    """The customers whose rows a refresh redoes are sent whole to every task, so the
    large tables are filtered as they are read, with no shuffle of their rows by
    customer; more customers than a task should hold are joined by a shuffle. Spark
    would otherwise broadcast the demo's small tables by their size: that is off."""
    settings = Settings()
    build = refresh_module._Build(spark, refreshed[0], settings)
    build._read_tables()
    threshold = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    joins, default = {}, refresh_module.BROADCAST_CUSTOMERS
    try:
        customers = spark.table(build.views["orders"]).select("customer_id").distinct() \
            .orderBy("customer_id").limit(5)
        for limit in (default, 4):
            monkeypatch.setattr(refresh_module, "BROADCAST_CUSTOMERS", limit)
            view, count = build._customers_view(facts.REACH_TIMES, customers)
            df = store_module.fact_frame(spark, facts.REACH_TIMES, settings, build.views,
                                         f"customer_id IN (SELECT customer_id FROM {view})")
            joins[limit] = _semi_joins(df)
            assert count == 5
    finally:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", threshold)
        build.release()
    few, many = joins[default], joins[4]
    assert len(few) >= 2 and set(few) == {"BroadcastHashJoin"}, few  # events, audience
    assert len(many) == len(few) and set(many) == {"SortMergeJoin"}, many


def _inner_joins(df) -> list[str]:
    plan = df._jdf.queryExecution().executedPlan().toString()
    return re.findall(r"(\w+Join) \[[^\]]*\], \[[^\]]*\], Inner", plan)


def test_the_lines_of_few_customers_orders_are_found_as_the_lines_are_read(
        spark, refreshed, monkeypatch):
    """Redone for few customers (a day's buyers), their attributed orders are few:
    sent whole to every task (Fact.few_for_few_customers), every order line is
    matched to them as it is read, not split by order with all the others. For
    many customers they are joined by a shuffle."""
    settings = Settings()
    build = refresh_module._Build(spark, refreshed[0], settings)
    build._read_tables()
    threshold = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    fact, default = facts.ATTRIBUTED_LINES, refresh_module.BROADCAST_CUSTOMERS
    scopes, joins = {}, {}
    kept = read_manifest(refreshed[0]).files[facts.ATTRIBUTED_ORDERS.name]
    store_module.read_fact_files(spark, build.root, facts.ATTRIBUTED_ORDERS,
                                 refresh_module._paths(kept)).createOrReplaceTempView(
        build.views[facts.ATTRIBUTED_ORDERS.name])
    build._temp_views.append(build.views[facts.ATTRIBUTED_ORDERS.name])
    try:
        customers = spark.table(build.views["orders"]).select("customer_id").distinct() \
            .orderBy("customer_id").limit(5)
        for label, limit, changed in (
                ("few", default, {"order_lines": refresh_module._Changed(set(), customers)}),
                ("many", 4, {"order_lines": refresh_module._Changed(set(), customers)})):
            monkeypatch.setattr(refresh_module, "BROADCAST_CUSTOMERS", limit)
            scope = build._scope(fact, changed)
            scopes[label] = scope.few_customers
            joins[label] = _inner_joins(store_module.fact_frame(
                spark, fact, settings, build.views, scope.where,
                few_customers=scope.few_customers))
    finally:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", threshold)
        build.release()
    assert scopes == {"few": True, "many": False}
    assert joins["few"] == ["BroadcastHashJoin"], joins
    assert joins["many"] == ["SortMergeJoin"], joins


def test_a_customers_digest_sums_their_orders_and_lines(spark, refreshed):
    """Each order's lines are summed before they meet their order (a smaller shuffle),
    and the hashes' high and low halves apart (no decimal sum): the digest still
    gives the exact sum of the hashes of the customer's orders and of each line,
    joined to its order's customer."""
    from mailreport.contract import table
    from mailreport.store.spark import lake_inputs

    build = refresh_module._Build(spark, refreshed[0], Settings())
    build._read_tables()
    orders, lines = build.views["orders"], build.views["order_lines"]
    order_hash = lake_inputs._row_hash(list(table("orders").column_names))
    line_hash = lake_inputs._row_hash(list(table("order_lines").column_names), "l.")
    try:
        got = {r[0]: r[1] for r in lake_inputs.customer_digests(spark, orders, lines).collect()}
        hashes = spark.sql(f"""
            SELECT customer_id, {order_hash} AS h FROM {orders}
            UNION ALL
            SELECT o.customer_id, {line_hash}
            FROM {lines} l JOIN {orders} o ON o.order_id = l.order_id""")
        expected = {}  # each hash's exact sum, in Python's integers
        for customer, h in hashes.toLocalIterator():
            if customer is not None:
                expected[customer] = expected.get(customer, 0) + h
        with_lines = spark.sql(f"SELECT count(DISTINCT o.customer_id) FROM {orders} o "
                               f"JOIN {lines} l ON l.order_id = o.order_id").first()[0]
    finally:
        build.release()
    assert with_lines > 100 and len(got) >= with_lines
    # the two sums give the whole sum back
    assert {c: (int(d.split(":")[0]) << 32) + int(d.split(":")[1])
            for c, d in got.items()} == expected
