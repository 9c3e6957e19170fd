"""The lake's layout (docs/spark.md) and choosing an engine: no Spark needed."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import at
from mailreport import facts
from mailreport.cli import app
from mailreport.contract import TABLES, table
from mailreport.settings import Settings
from mailreport.store import StoreError
from mailreport.store.engines import open_reader
from mailreport.store.lake import export_lake, partition_folder, spark_escape
from mailreport.store.lake_facts import facts_dir, read_manifest

ODD_IDS = ("M 1/ä=x%", "007", "a:b")


def test_partition_folders_are_escaped_as_spark_escapes_them():
    assert spark_escape("M01") == "M01"
    assert spark_escape("M 1/ä=x%") == "M 1%2Fä%3Dx%25"
    assert partition_folder("a:b") == "mailing_id=a%3Ab"


def odd_mailings(data):
    for mid in ODD_IDS:
        data.mailing(mid).journeys(mid, {"ann": [("sent", at(0)), ("opened", at(1))],
                                         "bob": [("delivered", at(0))]})
    data.order("ann", at(2), total="10.00", lines=[])
    return data.load()


def test_export_writes_every_table_with_events_and_audience_by_mailing(data, store, tmp_path):
    odd_mailings(data)
    lake = tmp_path / "lake"
    counts = export_lake(store, lake)
    stored = store.counts()
    assert counts == {t.name: stored[t.name] for t in TABLES}
    for name in ("events", "audience"):
        folders = sorted(p.name for p in (lake / name).iterdir())
        assert folders == sorted(partition_folder(m) for m in ODD_IDS)
    events = ds.dataset(lake / "events" / partition_folder("007"), format="parquet").to_table()
    assert events.num_rows == 3 and "mailing_id" not in events.column_names
    orders = ds.dataset(lake / "orders", format="parquet").to_table()
    assert orders.column_names == table("orders").column_names
    assert not (lake / "campaigns").exists()  # an empty table has no folder
    manifest = json.loads((lake / "_lake.json").read_text())
    assert manifest["rows"]["events"] == 9 and manifest["format"] == 1


def test_export_writes_the_facts_by_mailing_and_their_manifest(data, store, tmp_path):
    odd_mailings(data)
    lake = tmp_path / "lake"
    export_lake(store, lake)
    manifest = read_manifest(lake)
    assert manifest.fingerprint == facts.fingerprint(store.settings)
    assert manifest.built_by.endswith(" lake export")
    for fact in facts.FACTS:
        stored, ids = store.sql(f"SELECT count(*), list(DISTINCT mailing_id ORDER BY "
                                f"mailing_id) FROM {fact.name}")[0]
        files = manifest.files[fact.name]
        assert sorted(files) == (ids or []), fact.name
        rows = 0
        for mailing_id, paths in files.items():
            for path in paths:
                assert Path(path).parent.name == partition_folder(mailing_id)
                part = pq.read_table(facts_dir(lake) / path)
                assert part.column_names == list(fact.column_names)
                assert set(part["mailing_id"].to_pylist()) == {mailing_id}
                rows += part.num_rows
        assert rows == stored, fact.name
    assert sorted(manifest.files["reach_times"]) == sorted(ODD_IDS)
    assert manifest.files["complaints"] == {}
    first_build = Path(manifest.fact_files("reach_times")[0]).parts[1]
    export_lake(store, lake)
    again = read_manifest(lake)
    assert not (facts_dir(lake) / "reach_times" / first_build).exists()
    assert all((facts_dir(lake) / p).is_file() for p in again.fact_files("reach_times"))


def test_a_second_export_replaces_the_tables_and_nothing_else(data, store, tmp_path):
    odd_mailings(data)
    lake = tmp_path / "lake"
    (lake / "events" / "mailing_id=gone").mkdir(parents=True)
    (lake / "notes.txt").write_text("mine")
    export_lake(store, lake)
    assert not (lake / "events" / "mailing_id=gone").exists()
    assert (lake / "notes.txt").read_text() == "mine"


def test_lake_export_command(data, store, tmp_path):
    odd_mailings(data)
    store.close()
    result = CliRunner().invoke(app, ["lake", "export", str(tmp_path / "lake"),
                                      "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    assert "events 9" in result.output
    assert (tmp_path / "lake" / "events" / partition_folder("a:b")).is_dir()


def test_open_reader_opens_an_existing_duckdb_file_read_only(store, tmp_path):
    store.close()
    reader = open_reader("duckdb", Settings(), db=store.path)
    try:
        assert reader.engine == "duckdb" and reader.read_only
    finally:
        reader.close()


@pytest.mark.parametrize("kw, message", [
    ({"engine": "sqlite"}, "unknown engine 'sqlite'"),
    ({"engine": "spark"}, "needs --lake"),
    ({"engine": "duckdb", "spark_master": "spark://x:7077"}, "needs --engine spark"),
    ({"engine": "duckdb", "lake": "x", "db": "y.duckdb"}, "--lake x and --db y.duckdb"),
])
def test_open_reader_says_what_is_wrong(kw, message):
    with pytest.raises(StoreError, match=message):
        open_reader(settings=Settings(), **kw)
