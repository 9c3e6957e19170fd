"""Reports from a lake without Spark (store/lake_store.py): the small demo loaded
into a DuckDB store and exported with `lake export` answers every report, list and
export from the lake exactly as from the store; a lake without facts, with facts
of other settings or with a file missing says what to run; a new manifest is seen
by the next request, never in the middle of one."""

from __future__ import annotations

import gc
import json
import shutil
from contextlib import closing

import pytest
from typer.testing import CliRunner

from conftest import at
from mailreport.cli import app
from mailreport.exports import ENTITIES, Export, ExportRequest
from mailreport.reports import ReportError, ReportQuery, campaign_report, mailing_report
from mailreport.reports.customers import customer_list
from mailreport.reports.mailings import list_campaigns, list_mailings
from mailreport.reports.query import get_mailing
from mailreport.reports.segments import Segment
from mailreport.reports.usual import previous
from mailreport.settings import Settings
from mailreport.store import QueryTimeout, StoreError
from mailreport.store.budget import time_budget
from mailreport.store.engines import open_reader
from mailreport.store.errors import StoreUnavailable
from mailreport.store.lake import export_lake
from mailreport.store.lake_facts import facts_dir, read_manifest, write_manifest
from mailreport.store.lake_store import CATALOG, LakeStore
from same_json import cli_json, differences


@pytest.fixture(scope="module")
def both(demo_db, demo_lake):
    """(DuckDB store, lake store) over the same data, opened as the CLI opens them."""
    duck = open_reader("duckdb", Settings(), db=demo_db)
    lake = open_reader("duckdb", Settings(), lake=demo_lake)
    assert (duck.engine, lake.engine) == ("duckdb", "lake")
    yield duck, lake
    lake.close()
    duck.close()


def mailing_ids(duck) -> list[str]:
    ids = [m.mailing_id for m in list_mailings(duck.tables())]
    assert len(ids) >= 12
    return ids


def outcome(function, *args, **kw) -> str:
    """The JSON of what the call returns, or the error it raises: both engines must
    refuse the same requests the same way."""
    try:
        return cli_json(function(*args, **kw))
    except ReportError as exc:
        return f"{type(exc).__name__}: {exc}"


def wrong(pairs: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    found = {}
    for name, (duck, lake) in pairs.items():
        if duck != lake:
            found[name] = (differences(json.loads(duck), json.loads(lake))
                           if duck.startswith("{") and lake.startswith("{") else [lake])
    return found


def test_every_mailing_and_campaign_report_is_the_same_from_the_lake(both):
    duck, lake = both
    pairs = {}
    for mid in mailing_ids(duck):
        pairs[f"mailing {mid}"] = tuple(
            outcome(mailing_report, s.tables(), mid, ReportQuery()) for s in both)
    campaigns = [c.campaign_id for c in list_campaigns(duck.tables())]
    assert campaigns
    for cid in campaigns:
        pairs[f"campaign {cid}"] = tuple(
            outcome(campaign_report, s.tables(), cid, ReportQuery()) for s in both)
    assert wrong(pairs) == {}
    assert json.loads(pairs["mailing M01"][1])["efficiency"]["stages"]["sent"] > 1000


def test_every_period_report_with_every_option_is_the_same_from_the_lake(both):
    duck, _ = both
    pairs = {}
    mailings = list_mailings(duck.tables())
    sent = next(m.sent_at for m in mailings if m.sent_at)
    for m in mailings:
        day = (m.sent_at or sent).date()  # a scheduled mailing has none yet
        q = ReportQuery(**{"from": day, "to": day}, include_machine=True, sort="revenue",
                        open_hours_zone="company", search="a")
        pairs[m.mailing_id] = tuple(
            outcome(mailing_report, s.tables(), m.mailing_id, q) for s in both)
    assert wrong(pairs) == {}


def test_the_mailing_and_campaign_lists_are_the_same_from_the_lake(both):
    for listing in (list_mailings, list_campaigns):
        duck, lake = (json.dumps([m.model_dump(mode="json") for m in listing(s.tables())])
                      for s in both)
        assert duck == lake and len(duck) > 100


def test_every_customer_list_and_export_is_the_same_from_the_lake(both, tmp_path):
    duck, _ = both
    stages = ("delivered", "clicked", "ordered", "sent")
    entities = list(ENTITIES)
    pairs, files = {}, {}
    for n, mid in enumerate(mailing_ids(duck)):
        segment = Segment(stage=stages[n % len(stages)])
        pairs[f"list {mid}"] = tuple(
            outcome(customer_list, s.tables(), mid, segment, ReportQuery(), page=1,
                    page_size=20, sort="revenue", order="desc") for s in both)
        request = ExportRequest(mailing_id=mid, segment=segment, query=ReportQuery(),
                                entity=entities[n % len(entities)], format="csv")
        written = []
        for s in both:
            path = tmp_path / f"{s.engine}-{mid}.csv"
            Export(s.tables(), request).write(path)
            written.append(path.read_bytes())
        files[f"{request.entity} of {mid}"] = written
    assert wrong(pairs) == {}
    assert [name for name, (d, lk) in files.items() if d != lk] == []
    assert sum(len(d.splitlines()) > 1 for d, _ in files.values()) >= 10  # rows, not headers


def test_the_row_counts_are_the_databases(both):
    duck, lake = both
    counts = lake.counts()
    assert counts == {name: n for name, n in duck.counts().items()}
    assert counts["reach_times"] > 10_000 and counts["events"] > 10_000


def test_a_query_past_the_time_budget_is_stopped(both):
    _, lake = both
    tables = lake.tables()
    with time_budget(0.0), pytest.raises(QueryTimeout, match="budget"):
        tables.run(tables.reach_times.count())


def test_the_cli_answers_from_the_lake_as_from_the_database(demo_db, demo_lake, tmp_path):
    runner = CliRunner()
    printed = [runner.invoke(app, ["report", "M03", "--json", *where])
               for where in (["--db", str(demo_db)], ["--lake", str(demo_lake)])]
    assert [r.exit_code for r in printed] == [0, 0], [r.output for r in printed]
    assert printed[0].stdout == printed[1].stdout
    files = []
    for where in (["--db", str(demo_db)], ["--lake", str(demo_lake)]):
        out = tmp_path / f"{len(files)}.csv"
        r = runner.invoke(app, ["export", "M03", "--stage", "clicked", "-o", str(out), *where])
        assert r.exit_code == 0, r.output
        files.append(out.read_bytes())
    assert files[0] == files[1] and files[0].count(b"\n") > 5


def test_a_lake_and_a_database_together_are_refused_by_name(demo_db, demo_lake):
    r = CliRunner().invoke(app, ["mailings", "--lake", str(demo_lake), "--db", str(demo_db)])
    assert r.exit_code == 2
    assert f"--lake {demo_lake} and --db {demo_db}" in " ".join(r.output.split())


def test_a_mailing_report_reads_only_that_mailings_files(demo_db, demo_lake, tmp_path, both):
    """With every other mailing's fact files and partitions made unreadable (but the
    first fact file, whose footer gives a view its columns, and the facts of the
    previous mailings its usual compares with), one mailing's report is the same: it
    never read them."""
    duck, _ = both
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    store = LakeStore(lake, Settings())
    first, target = "M01", "M07"
    t = duck.tables()
    m = get_mailing(t, target)
    usual_of = {r["mailing_id"] for r in t.run(previous(
        t, m.channel, m.sent_at, m.mailing_id, t.settings.usual_mailings))}
    assert usual_of and target not in usual_of
    manifest = read_manifest(lake)
    for by_mailing in manifest.files.values():
        for mid, paths in by_mailing.items():
            if mid not in (first, target, *usual_of):
                for path in paths:
                    (facts_dir(lake) / path).write_bytes(b"not parquet")
    for table in ("events", "audience"):
        for folder in (lake / table).iterdir():
            if folder.name != f"mailing_id={target}":
                for file in folder.iterdir():
                    file.write_bytes(b"not parquet")
    with closing(store):
        got = cli_json(mailing_report(store.tables(), target, ReportQuery()))
    assert got == cli_json(mailing_report(duck.tables(), target, ReportQuery()))


def test_facts_in_folders_named_otherwise_are_read_the_same(demo_lake, tmp_path, both):
    """Folder names are the writer's (lake_facts.py): files not in their mailing's
    partition folder are read whole, with the same answers."""
    duck, _ = both
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    manifest = read_manifest(lake)
    for by_mailing in manifest.files.values():
        for mid, paths in by_mailing.items():
            moved = []
            for path in paths:
                new = path.replace(f"/mailing_id={mid}/", f"/m-{mid.lower()}/")
                (facts_dir(lake) / new).parent.mkdir(parents=True, exist_ok=True)
                (facts_dir(lake) / path).rename(facts_dir(lake) / new)
                moved.append(new)
            by_mailing[mid] = moved
    write_manifest(lake, manifest, "test")
    with closing(LakeStore(lake, Settings())) as store:
        for mid in ("M01", "M12"):
            assert cli_json(mailing_report(store.tables(), mid, ReportQuery())) == \
                cli_json(mailing_report(duck.tables(), mid, ReportQuery()))


# -- what is wrong with a lake, said in one line -------------------------------

def test_a_lake_without_facts_says_to_refresh(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake, ignore=shutil.ignore_patterns("_facts"))
    with pytest.raises(StoreUnavailable) as exc:
        LakeStore(lake, Settings())
    assert str(exc.value) == f"{lake} has no facts: run `mailreport refresh --lake {lake}`"
    r = CliRunner().invoke(app, ["report", "M01", "--lake", str(lake)])
    assert r.exit_code == 2 and "has no facts: run `mailreport refresh --lake" in r.output


def test_facts_built_with_other_settings_are_refused(demo_lake):
    other = Settings(attribution_window_days=3)
    with pytest.raises(StoreUnavailable, match="facts were built by other definitions or "
                                               "settings .*mailreport refresh --lake"):
        LakeStore(demo_lake, other)


def test_a_file_the_manifest_lists_but_is_missing_is_named(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    gone = facts_dir(lake) / read_manifest(lake).files["buyers"]["M02"][0]
    gone.unlink()
    with pytest.raises(StoreUnavailable) as exc:
        LakeStore(lake, Settings())
    assert str(exc.value).startswith(f"{gone}, a file of the fact buyers that ")
    assert str(exc.value).endswith(f"is missing: run `mailreport refresh --lake {lake}`")


@pytest.mark.parametrize("where, message", [
    ("missing", "no such folder"), ("s3://bucket/lake", "for a URI add --engine spark")])
def test_a_lake_that_is_not_a_folder_here_is_refused(tmp_path, where, message):
    with pytest.raises(StoreError, match=message):
        open_reader("duckdb", Settings(), lake=str(tmp_path / where) if where == "missing"
                    else where)


# -- a lake rewritten while it is read -----------------------------------------

def lake_schemas(store) -> set[str]:
    return {r[0] for r in store.con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? "
        "AND schema_name LIKE 'g%'", [CATALOG]).fetchall()}


def test_a_new_manifest_is_seen_by_the_next_tables_and_not_by_earlier_ones(
        demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    with closing(LakeStore(lake, Settings())) as store:
        before = store.tables()
        opened = mailing_report(before, "M01", ReportQuery()).efficiency.stages.opened
        assert opened > 0
        manifest = read_manifest(lake)
        del manifest.files["reach_counts"]["M01"]  # M01's funnel counts gone
        write_manifest(lake, manifest, "test")
        after = store.tables()
        assert mailing_report(after, "M01", ReportQuery()).efficiency.stages.opened == 0
        # a request that began before the manifest changed ends on the facts it began with
        assert mailing_report(before, "M01", ReportQuery()).efficiency.stages.opened == opened
        assert len(lake_schemas(store)) == 2
        del before
        gc.collect()
        store.tables()
        assert len(lake_schemas(store)) == 1  # the old views went with the last holder


def test_a_request_whose_files_a_refresh_removed_is_told_to_ask_again(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    with closing(LakeStore(lake, Settings())) as store:
        before = store.tables()
        manifest = read_manifest(lake)
        for by_mailing in manifest.files.values():
            by_mailing.pop("M01", None)
        write_manifest(lake, manifest, "test")
        for path in read_manifest(demo_lake).files["reach_counts"]["M01"]:
            (facts_dir(lake) / path).unlink()  # as a refresh removes what it replaced
        with pytest.raises(StoreUnavailable, match="replaced the lake's facts while this "
                                                   "request read them .*: ask again"):
            mailing_report(before, "M01", ReportQuery())
        assert mailing_report(store.tables(), "M02", ReportQuery()).efficiency.stages.sent


def test_a_broken_new_manifest_fails_the_next_request_with_what_to_run(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    with closing(LakeStore(lake, Settings())) as store:
        store.tables()
        manifest = read_manifest(lake)
        manifest.fingerprint = "0123456789abcdef"
        write_manifest(lake, manifest, "test")
        with pytest.raises(StoreUnavailable, match="fingerprint 0123456789abcdef"):
            store.tables()
        manifest.fingerprint = read_manifest(demo_lake).fingerprint
        write_manifest(lake, manifest, "test")
        assert store.counts()["reach_times"] > 1000


def test_mailing_ids_that_need_escaping_are_read_back_from_their_folders(data, store,
                                                                         tmp_path):
    """Partition folders are named as Spark escapes them ("%2F" for "/"...): the
    lake store must read back the ids, not their folder names, and prune by them."""
    odd = ("M 1/ä=x%", "007", "a:b", "x%41y")
    for n, mid in enumerate(odd):
        data.mailing(mid).journeys(mid, {"ann": [("sent", at(n)), ("opened", at(n + 0.5))],
                                         "bob": [("delivered", at(n))]})
    data.order("ann", at(5), total="10.00", lines=[])
    data.load()
    lake = tmp_path / "lake"
    export_lake(store, lake)
    with closing(LakeStore(lake, store.settings)) as from_lake:
        for mid in odd:
            report = cli_json(mailing_report(from_lake.tables(), mid, ReportQuery()))
            assert report == cli_json(mailing_report(store.tables(), mid, ReportQuery()))
            assert json.loads(report)["efficiency"]["stages"]["opened"] == 1
        assert list_mailings(from_lake.tables()) == list_mailings(store.tables())


def test_events_staged_before_bounce_class_and_reason_still_combine(tmp_path):
    """A lake's staged events from an older version lack the newer optional columns;
    they are read as null, not refused."""
    import duckdb

    from mailreport.ingest.lake_staging import _combine

    old = tmp_path / "old.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'e1' AS event_id, 'm1' AS mailing_id, 'c1' AS customer_id, "
                f"'bounced' AS type, TIMESTAMP '2026-03-02 09:00:00' AS ts) TO '{old}'")
    _combine([old], tmp_path / "combined.parquet")
    assert con.execute(f"SELECT event_id, type, bounce_class, reason FROM "
                       f"'{tmp_path / 'combined.parquet'}'").fetchall() == [
        ("e1", "bounced", None, None)]
    con.close()
