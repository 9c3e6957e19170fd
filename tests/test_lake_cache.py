"""A server's local copy of a lake's facts (store/lake_cache.py): once copied, the
facts are read from it, answering as the DuckDB store does; a new manifest copies
only the parts it replaced; a request keeps the rows of the generation it started
with while the copy changes; a restart reuses the copy, and undoes what a copy
that stopped half-way left."""

from __future__ import annotations

import gc
import shutil
import time
from contextlib import closing

import duckdb
import pytest

from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.customers import customer_list
from mailreport.reports.mailings import list_campaigns, list_mailings
from mailreport.reports.segments import Segment
from mailreport.settings import Settings
from mailreport.store.engines import open_lake_server, open_reader
from mailreport.store.lake_cache import CACHE, COPIED_CONTRACT
from mailreport.store.lake_facts import facts_dir, read_manifest, write_manifest
from mailreport.store.lake_store import CATALOG, LakeStore
from mailreport.store.lake_views import part_select
from same_json import cli_json


@pytest.fixture
def lake(demo_lake, tmp_path):
    copy = tmp_path / "lake"
    shutil.copytree(demo_lake, copy)
    return copy


def copied(store: LakeStore) -> int:
    """The generation of the copy requests read now; fails when they read files."""
    store.tables()  # looks at the manifest, as a request does
    assert store.wait_for_copy(120), store.copy_error
    return store._generation().copied


def parts(store: LakeStore, generation: int) -> set[tuple[str, str]]:
    """(table, part) of the rows a copy of ``generation`` read from files."""
    return set(store.sql(f"SELECT tbl, part FROM {CACHE}.main._parts "
                         f"WHERE _gen_from = {generation}"))


def sources(store: LakeStore, *names: str) -> set[str]:
    """What the current generation's views of these tables read: the copy or files."""
    schema = store._generation().schema
    listed = ", ".join(f"'{n}'" for n in names)
    views = [row[0] for row in store.sql(
        f"SELECT sql FROM duckdb_views() WHERE database_name = '{CATALOG}' "
        f"AND schema_name = '{schema}' AND view_name IN ({listed})")]
    assert len(views) == len(names)
    return {"copy" if f"{CACHE}.main" in sql else "files" if "read_parquet" in sql else sql
            for sql in views}


def fact_sources(store: LakeStore) -> set[str]:
    return sources(store, "reach_counts", "order_days", "campaign_counts")


def test_a_server_answers_from_the_copy_as_the_store_does(demo_db, lake, tmp_path):
    duck = open_reader("duckdb", Settings(), db=demo_db)
    with closing(duck), closing(LakeStore(lake, Settings(),
                                          cache=tmp_path / "copy.duckdb")) as store:
        assert copied(store) == 1
        assert fact_sources(store) == {"copy"}
        assert sources(store, *COPIED_CONTRACT) == {"copy"}
        assert sources(store, "events", "audience", "customers") == {"files"}
        t, s = store.tables(), duck.tables()
        mailings = [m.mailing_id for m in list_mailings(s)]
        campaigns = [c.campaign_id for c in list_campaigns(s)]
        assert len(mailings) >= 12 and campaigns
        for mid in mailings:
            assert cli_json(mailing_report(t, mid, ReportQuery())) == \
                cli_json(mailing_report(s, mid, ReportQuery())), mid
        for cid in campaigns:
            assert cli_json(campaign_report(t, cid, ReportQuery())) == \
                cli_json(campaign_report(s, cid, ReportQuery())), cid
        assert list_mailings(t) == list_mailings(s)
        for n, mid in enumerate(mailings):
            segment = Segment(stage=("delivered", "ordered", "sent")[n % 3])
            lists = [customer_list(x, mid, segment, ReportQuery(), page=1, page_size=20,
                                   sort="revenue", order="desc") for x in (t, s)]
            assert lists[0] == lists[1], mid
        # every row of every fact came over, none twice
        assert store.counts() == duck.counts()


def test_requests_read_the_files_until_the_copy_is_whole(lake, tmp_path):
    with closing(LakeStore(lake, Settings(), cache=tmp_path / "copy.duckdb")) as store:
        store._stop_copier()  # a copy that has not come yet
        assert fact_sources(store) == {"files"}
        assert mailing_report(store.tables(), "M01", ReportQuery()).efficiency.stages.sent


def test_closing_stops_a_copy_mid_part_and_the_next_open_finishes_it(lake, tmp_path,
                                                                      monkeypatch):
    import mailreport.store.lake_store as lake_store

    def slow(con, lake, name, files):  # a part that would take hours to read
        return (f"SELECT * FROM ({part_select(con, lake, name, files)}) WHERE "
                f"(SELECT sum(range) FROM range(10000000000000)) IS NOT NULL")

    path = tmp_path / "copy.duckdb"
    monkeypatch.setattr(lake_store, "part_select", slow)
    store = LakeStore(lake, Settings(), cache=path)
    time.sleep(1)  # the copy is reading its first part
    started = time.monotonic()
    store.close()
    assert time.monotonic() - started < 30  # not the hours the part would take
    assert store.copy_error is None  # a stop, not a failure
    monkeypatch.undo()
    with closing(LakeStore(lake, Settings(), cache=path)) as store:
        assert copied(store) == 1
        assert store.counts() == LakeStore(lake, Settings()).counts()


def test_a_new_manifest_copies_only_the_parts_it_replaced(lake, tmp_path):
    with closing(LakeStore(lake, Settings(), cache=tmp_path / "copy.duckdb")) as store:
        first = copied(store)
        assert len(parts(store, first)) > 100  # every fact's every mailing
        before = mailing_report(store.tables(), "M02", ReportQuery())
        manifest = read_manifest(lake)
        # a refresh that rebuilt M01's funnel counts: its files in a build of its own
        moved = []
        for path in manifest.files["reach_counts"]["M01"]:
            new = f"reach_counts/rebuilt/{path.split('/', 2)[2]}"
            (facts_dir(lake) / new).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(facts_dir(lake) / path, facts_dir(lake) / new)
            moved.append(new)
        manifest.files["reach_counts"]["M01"] = moved
        del manifest.files["reach_times"]["M02"]  # and one part no build lists any more
        write_manifest(lake, manifest, "test")
        second = copied(store)
        assert second == first + 1
        assert parts(store, second) == {("reach_counts", "M01")}
        assert store.sql(f"SELECT count(*) FROM {CACHE}.main.reach_times WHERE _part = 'M02' "
                         f"AND _gen_to = {second}")[0][0] > 0  # M02's old rows, retired
        assert mailing_report(store.tables(), "M02", ReportQuery()) == before
        assert store.counts()["reach_times"] == LakeStore(lake, Settings()).counts()["reach_times"]


def test_a_load_that_swaps_a_copied_contract_table_is_copied_again(lake, tmp_path):
    with closing(LakeStore(lake, Settings(), cache=tmp_path / "copy.duckdb")) as store:
        first = copied(store)
        assert mailing_report(store.tables(), "M01", ReportQuery()).mailing.name != "Renamed"
        # as a load swaps a table's files: the new file written, the old one removed
        [old] = (lake / "mailings").glob("*.parquet")
        new = lake / "mailings" / "part-new.parquet"
        duckdb.execute(f"COPY (SELECT * REPLACE (CASE mailing_id WHEN 'M01' THEN 'Renamed' "
                       f"ELSE name END AS name) FROM '{old}') TO '{new}' (FORMAT parquet)")
        old.unlink()
        second = copied(store)
        assert parts(store, second) == {("mailings", "")}
        assert second == first + 1
        assert mailing_report(store.tables(), "M01", ReportQuery()).mailing.name == "Renamed"


def test_a_request_keeps_its_generation_while_the_copy_changes(lake, tmp_path):
    with closing(LakeStore(lake, Settings(), cache=tmp_path / "copy.duckdb")) as store:
        copied(store)
        before = store.tables()
        opened = mailing_report(before, "M01", ReportQuery()).efficiency.stages.opened
        assert opened > 0
        manifest = read_manifest(lake)
        del manifest.files["reach_counts"]["M01"]  # M01's funnel counts gone
        write_manifest(lake, manifest, "test")
        copied(store)
        assert fact_sources(store) == {"copy"}
        assert mailing_report(store.tables(), "M01", ReportQuery()).efficiency.stages.opened == 0
        # the earlier request still reads generation 1's rows, from the same tables
        assert mailing_report(before, "M01", ReportQuery()).efficiency.stages.opened == opened
        retired = f"SELECT count(*) FROM {CACHE}.main.reach_counts WHERE _gen_to IS NOT NULL"
        assert store.sql(retired)[0][0] > 0
        # once no request holds generation 1, the next copy deletes its rows
        del before
        gc.collect()
        store.tables()
        # a third manifest, whatever its files: M01's reach counts from M02's
        manifest.files["reach_counts"]["M01"] = manifest.files["reach_counts"]["M02"]
        write_manifest(lake, manifest, "test")
        copied(store)
        assert store.sql(f"SELECT count(*) FROM {CACHE}.main.reach_counts "
                         f"WHERE _gen_to IS NOT NULL AND _gen_to <= 2")[0][0] == 0


def test_a_restart_reuses_the_copy_and_undoes_a_copy_that_stopped(lake, tmp_path):
    path = tmp_path / "copy.duckdb"
    with closing(LakeStore(lake, Settings(), cache=path)) as store:
        assert copied(store) == 1
        counts = store.counts()
    # a copy of generation 2 that stopped half-way: rows added, rows retired
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO reach_counts SELECT * REPLACE (2 AS _gen_from) "
                "FROM reach_counts WHERE _part = 'M01'")
    con.execute("UPDATE reach_times SET _gen_to = 2 WHERE _part = 'M01'")
    con.close()
    with closing(LakeStore(lake, Settings(), cache=path)) as store:
        assert copied(store) == 1  # nothing to read again
        assert store.counts() == counts
        assert store.sql(f"SELECT count(*) FROM {CACHE}.main.reach_times "
                         f"WHERE _gen_to IS NOT NULL")[0][0] == 0


def test_a_copy_of_another_lake_starts_again(lake, demo_lake, tmp_path):
    path = tmp_path / "copy.duckdb"
    with closing(LakeStore(lake, Settings(), cache=path)) as store:
        copied(store)
        counts = store.counts()
    other = tmp_path / "other"
    shutil.copytree(demo_lake, other)
    manifest = read_manifest(other)
    del manifest.files["reach_times"]["M01"]
    write_manifest(other, manifest, "test")
    with closing(LakeStore(other, Settings(), cache=path)) as store:
        assert copied(store) == 1
        assert store.counts()["reach_times"] < counts["reach_times"]


def test_a_lake_server_keeps_its_copy_beside_its_state(lake, tmp_path):
    with closing(open_lake_server(lake, Settings(), db=tmp_path / "server.duckdb")) as store:
        copied(store)
        assert fact_sources(store) == {"copy"}
    assert (tmp_path / "server.lake-facts.duckdb").is_file()
    # a command that answers once reads the files, and makes no copy
    with closing(open_reader("duckdb", Settings(), lake=lake)) as store:
        assert fact_sources(store) == {"files"}
