"""``mailreport load DIR --lake LAKE``: the store's loader on Spark, into a lake.

Every case is compared with the DuckDB loader on the same files: the lake's tables
with the store exported as a lake (``export_lake``), the rejects file byte for
byte, the printed summary and the exit code. A load killed with SIGKILL leaves the
lake as before or (once a reader has finished its swaps) as after."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from engines import TEST_CONF
from mailreport.cli import app
from mailreport.contract import TABLES
from mailreport.ingest.lake_load import LakeLoadError, lake_folder, load_lake
from mailreport.ingest.loader import EXIT_NOTHING, EXIT_OK, EXIT_REJECTS, load_directory
from mailreport.settings import Settings
from mailreport.store import lake_swap, open_store
from mailreport.store.lake import export_lake, partition_folder

pytestmark = pytest.mark.spark

ODD = "m 3/é=x%"  # a mailing id that Spark escapes in its partition folder's name


def write_csv(directory: Path, table: str, header: str, *rows: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{table}.csv").write_text("\n".join([header, *rows]) + "\n",
                                            encoding="utf-8")


def write_parquet(directory: Path, table: str, rows: list[dict]) -> None:
    """Every value as text, as a pipeline might write it."""
    directory.mkdir(parents=True, exist_ok=True)
    names = list(rows[0])
    pq.write_table(pa.table({n: pa.array([r.get(n) for r in rows], pa.string())
                             for n in names}), directory / f"{table}.parquet")


def base_files(d: Path) -> Path:
    write_csv(d, "categories", "category_id,name,parent_id", "food,Food,", "dairy,Dairy,food")
    write_csv(d, "products", "product_id,name,category_id", "p1,Milk,dairy", "p2,Bread,food")
    write_csv(d, "campaigns", "campaign_id,name", "spring,Spring")
    write_csv(d, "customers", "customer_id,email,timezone,created_at",
              "c1,a@x.ru,Europe/Moscow,2026-01-02T03:04:05+05:00", "c2,,,",
              "c3,\"c,3@x.ru\",Asia/Omsk,2026-01-03 10:00:00", "c4,d@x.ru,,2026-01-04")
    write_csv(d, "mailings", "mailing_id,name,channel,status,campaign_id,sent_at,control_share",
              "m1,Spring,email,sent,spring,2026-03-01T09:00:00Z,0.1",
              "m2,Sms,sms,sent,,2026-03-02T09:00:00+03:00,",
              f"{ODD},Odd,push,sent,spring,2026-03-03 09:00:00,0")
    write_csv(d, "variants", "mailing_id,variant_id,name,share,subject",
              "m1,A,First,0.5,Hello", "m1,B,Second,0.5,\"Hi, there\"")
    write_parquet(d, "audience", [
        {"mailing_id": "m1", "customer_id": "c1", "status": "good", "group": "test",
         "variant_id": "A"},
        {"mailing_id": "m1", "customer_id": "c2", "status": "good", "group": "test",
         "variant_id": "B"},
        {"mailing_id": "m1", "customer_id": "c3", "status": "good", "group": "control"},
        {"mailing_id": "m2", "customer_id": "c1", "status": "address_issue"},
        {"mailing_id": ODD, "customer_id": "c4", "status": "good", "group": "test",
         "variant_id": "A"}])
    write_csv(d, "events", "event_id,mailing_id,variant_id,customer_id,type,ts,link_index,"
                           "url,user_agent,is_machine",
              "e1,m1,A,c1,sent,2026-03-01T09:00:00Z,,,,",
              "e2,m1,A,c1,opened,2026-03-01T10:00:00+03:00,,,\"Mozilla\nline two\",false",
              "e3,m1,B,c2,clicked,2026-03-01 11:00:00.123456,0,https://x.ru/?a=1,,true",
              "e4,m2,,c1,sent,2026-03-02T09:00:00,,,,",
              f"e5,{ODD},A,c4,sent,2026-03-03T09:00:00,,,,")
    write_csv(d, "orders", "order_id,kind,customer_id,ts,total,status",
              "o1,receipt,c1,2026-03-02T12:00:00,10.50,", "o2,order,c2,2026-03-03,7,cancelled")
    write_parquet(d, "order_lines", [
        {"order_id": "o1", "line_no": "0", "product_id": "p1", "quantity": "1.5",
         "amount": "6.50"},
        {"order_id": "o1", "line_no": "1", "product_id": "p2", "quantity": "1",
         "amount": "4.00"}])
    return d


def second_files(d: Path) -> Path:
    """After ``bad_files``: new events and some already loaded: e1 again as it is, e2
    again with other content (events are immutable: rejected), two new ones in m1;
    a new customer."""
    write_csv(d, "customers", "customer_id,email", "c5,e@x.ru")
    write_csv(d, "events", "event_id,mailing_id,variant_id,customer_id,type,ts",
              "e1,m1,A,c1,sent,2026-03-01T09:00:00Z",
              "e2,m1,A,c1,clicked,2026-03-01T10:00:00+03:00",
              "e6,m1,A,c1,clicked,2026-03-01T12:00:00",
              "e7,m1,B,c5,sent,2026-03-01T09:00:00")
    return d


def bad_files(d: Path) -> Path:
    """The base files with bad rows in most tables, CSV and Parquet."""
    base_files(d)
    write_csv(d, "categories", "category_id,name,parent_id", "food,Food,", "dairy,Dairy,food",
              "toys,Toys,ghost")
    write_csv(d, "customers", "customer_id,email,timezone,created_at",
              "c1,a@x.ru,Europe/Moscow,2026-01-02T03:04:05+05:00", "c2,,,",
              ",nobody@x.ru,,",                          # required
              "c8,,,yesterday",                          # bad_type
              "c9,,Mars/Olympus,",                       # bad_timezone
              "c1,other@x.ru,,",                         # duplicate_key, other content
              "c2,,,",                                   # identical: a duplicate
              "c3,x@x.ru,Asia/Omsk,2026-01-03", "c4,d@x.ru,,2026-01-04")
    write_csv(d, "mailings", "mailing_id,name,channel,status,campaign_id,sent_at,control_share",
              "m1,Spring,email,sent,spring,2026-03-01T09:00:00Z,0.1",
              "m2,Sms,sms,sent,,2026-03-02T09:00:00+03:00,",
              "m9,Fax,fax,sent,,,",                      # unknown_value
              "m8,Big,email,sent,,,1.5",                 # above_maximum
              "m7,Lost,email,sent,nope,,",               # unknown_reference
              f"{ODD},Odd,push,sent,spring,2026-03-03 09:00:00,0")
    write_parquet(d, "audience", [
        {"mailing_id": "m1", "customer_id": "c1", "status": "good", "group": "test",
         "variant_id": "A"},
        {"mailing_id": "m1", "customer_id": "c2", "status": "address_issue", "group": "test",
         "variant_id": None},                            # group_needs_good_status
        {"mailing_id": "m1", "customer_id": "c3", "status": "good", "group": "control",
         "variant_id": "A"},                             # variant_needs_test_group
        {"mailing_id": "m1", "customer_id": "c4", "status": "good", "group": "test",
         "variant_id": "Z"},                             # unknown_reference (variant)
        {"mailing_id": "m2", "customer_id": "c1", "status": "good", "group": "test",
         "variant_id": "A"}])                            # the implicit A of m2
    write_csv(d, "events", "event_id,mailing_id,variant_id,customer_id,type,ts,link_index,"
                           "url,user_agent,is_machine",
              "e1,m1,A,c1,sent,2026-03-01T09:00:00Z,,,,",
              "e2,m1,A,c1,opened,2026-03-01T10:00:00+03:00,,,\"Mozilla\nline two\",false",
              "e3,m1,B,ghost,opened,2026-03-01T10:00:00,,,,",   # unknown_reference
              "e4,m1,A,c1,opened,not a time,,,,",               # bad_type
              "e5,m1,A,c1,clicked,2026-03-01T11:00:00,-1,u,,",  # below_minimum
              "e6,m1,A,c1,opened,2026-03-01T11:00:00,,,,maybe",  # bad_type
              "e7,m1,A,c1,opened,2026-03-01T12:00:00,,,,,extra",  # malformed: 11 fields
              "e8,m1,A,c1",                                     # malformed: 4 fields
              "e1,m1,A,c1,sent,2026-03-01T09:00:00Z,,,,",       # a duplicate
              "e2,m1,A,c1,clicked,2026-03-01T10:00:00+03:00,,,,",  # duplicate_key
              "e9,m1,A,c1,unheard,,,,,")                        # unknown_value, required
    write_csv(d, "orders", "order_id,kind,customer_id,ts,total,status",
              "o1,receipt,c1,2026-03-02T12:00:00,10.50,", "o2,gift,c2,2026-03-03,7,",
              "o3,order,c2,2026-03-03,-1,")
    write_parquet(d, "order_lines", [
        {"order_id": "o1", "line_no": "0", "product_id": "p1", "quantity": "1.5",
         "amount": "6.50"},
        {"order_id": "o1", "line_no": "1", "product_id": "zzz", "quantity": "1",
         "amount": "4.00"},                              # unknown_reference
        {"order_id": "o1", "line_no": "2", "product_id": "p1", "quantity": "-2",
         "amount": "1.005"}])                            # below_minimum, too_precise
    return d


# -- comparing lakes --------------------------------------------------------------------

def lake_rows(lake: Path) -> dict[str, list[tuple]]:
    """Every table of a lake as a sorted list of rows (a multiset), read by DuckDB."""
    con = duckdb.connect()
    out = {}
    for table in TABLES:
        folder = lake / table.name
        files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
        if not files:
            out[table.name] = []
            continue
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        rows = con.execute(f"SELECT {cols} FROM read_parquet(?, hive_partitioning = true, "
                           "hive_types_autocast = false)", [[str(f) for f in files]]).fetchall()
        out[table.name] = sorted(rows, key=repr)
    con.close()
    return out


def listing(lake: Path) -> dict[str, str]:
    """Each file of the lake's tables (not its hidden folders) and a hash of it."""
    return {p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*")) if p.is_file()
            and not p.relative_to(lake).parts[0].startswith(("_", "."))}


def facts_listing(lake: Path) -> dict[str, str]:
    """Each file under the lake's _facts and a hash of it."""
    return {p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((lake / "_facts").rglob("*")) if p.is_file()}


def counts(summary) -> list[tuple]:
    """What a summary says of each file, but times."""
    return [(t.table, t.file, t.read, t.inserted, t.updated, t.duplicates, t.rejected, t.error,
             t.ignored_columns) for t in summary.tables]


class Duck:
    """The DuckDB loader on the same files: a store, loads, the store as a lake."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True)
        self.store = open_store(folder / "store.duckdb", Settings())
        self.loads = 0

    def load(self, directory: Path):
        self.loads += 1
        return load_directory(self.store, directory, self.folder / f"report{self.loads}")

    def rows(self) -> dict[str, list[tuple]]:
        """The store's tables, exported as a lake (``lake_after(n)``: after n loads)."""
        export_lake(self.store, self.lake_after(self.loads))
        return lake_rows(self.lake_after(self.loads))

    def lake_after(self, loads: int) -> Path:
        return self.folder / f"lake{loads}"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lake-load-files")
    return {"bad": bad_files(root / "bad"), "second": second_files(root / "second")}


@pytest.fixture(scope="module")
def duck(files, tmp_path_factory):
    """The DuckDB loader's results: the bad files, then the second directory twice."""
    d = Duck(tmp_path_factory.mktemp("lake-load-duck") / "duck")
    results = {"bad": d.load(files["bad"])}
    results["bad rows"] = d.rows()
    results["bad lake"] = d.lake_after(1)
    results["second"] = d.load(files["second"])
    results["second rows"] = d.rows()
    results["second again"] = d.load(files["second"])
    d.store.close()
    return results


@pytest.fixture(scope="module")
def cli(spark, files, tmp_path_factory):
    """``mailreport load`` of the bad files, into a store and into a lake. Tests copy
    the lake, never change it."""
    from mailreport.cli import common

    root = tmp_path_factory.mktemp("lake-load-cli")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(common.console, "width", 300)  # no path cut across lines
        # the summaries compared in English (the CLI's language is the locale setting's)
        duck = runner.invoke(app, ["--lang", "en", "load", str(files["bad"]), "--db",
                                   str(root / "s.duckdb"), "--report-dir", str(root / "r-duck")])
        # the command's session is the tests' one (it would set its defaults on it)
        patch.setattr("mailreport.store.spark.session.spark_session",
                      lambda master, settings=None: spark)
        lake = runner.invoke(app, ["--lang", "en", "load", str(files["bad"]), "--lake",
                                   str(root / "lake"), "--report-dir", str(root / "r-lake")])
    return {"root": root, "duck": duck, "lake": lake}


def copy(lake: Path, to: Path) -> Path:
    shutil.copytree(lake, to)
    return to


# -- the cases ----------------------------------------------------------------------------

def test_the_small_demo_loads_into_the_lake_as_into_the_store(spark, demo_dir,
                                                              tmp_path_factory):
    root = tmp_path_factory.mktemp("lake-load-demo")
    duck = Duck(root / "duck")
    duck_summary = duck.load(demo_dir)
    expected = duck.rows()
    duck.store.close()
    summary = load_lake(spark, root / "lake", demo_dir, root / "report")
    assert (summary.exit_code, duck_summary.exit_code) == (EXIT_OK, EXIT_OK)
    assert counts(summary) == counts(duck_summary)
    assert sum(t.inserted for t in summary.tables) > 100_000
    assert lake_rows(root / "lake") == expected
    events = sorted(p.name for p in (root / "lake" / "events").iterdir())
    assert events == sorted(p.name for p in (duck.lake_after(1) / "events").iterdir())
    assert not [p for p in (root / "lake").rglob("*") if p.name.endswith(".crc")]


def test_bad_rows_are_rejected_as_the_store_rejects_them(cli):
    """Through the command line, both ways: the same exit code, printed summary and
    rejects file; the valid rows in the lake as in the store."""
    root, duck, lake = cli["root"], cli["duck"], cli["lake"]
    assert (lake.exit_code, duck.exit_code) == (EXIT_REJECTS, EXIT_REJECTS), lake.output
    assert "Rejected rows: REPORT/rejects.csv" in duck.stdout.replace(str(root / "r-duck"),
                                                                      "REPORT")
    assert lake.stdout.replace(str(root / "r-lake"), "REPORT") == \
        duck.stdout.replace(str(root / "r-duck"), "REPORT")
    rejects = (root / "r-lake" / "rejects.csv").read_text(encoding="utf-8")
    assert rejects == (root / "r-duck" / "rejects.csv").read_text(encoding="utf-8")
    rules = {r["rule"] for r in csv.DictReader(rejects.splitlines())}
    assert rules == {"required", "bad_type", "bad_timezone", "duplicate_key",
                     "unknown_value", "above_maximum", "unknown_reference", "below_minimum",
                     "too_precise", "group_needs_good_status", "variant_needs_test_group",
                     "malformed_row"}
    store = open_store(root / "s.duckdb", Settings())
    export_lake(store, root / "exported")
    store.close()
    loaded = lake_rows(root / "lake")
    assert loaded == lake_rows(root / "exported")
    assert [r[0] for r in loaded["events"]] == ["e1", "e2"]


def test_new_events_go_in_and_loading_them_again_changes_nothing(spark, files, duck,
                                                                  tmp_path):
    """Into the lake `lake export` made of the bad files' store, the second
    directory read through its file:// URI: e1 is a duplicate, e2 (changed)
    rejected, e6 and e7 added to m1's partition alone; _lake.json counts them.
    Loaded again, it changes no file."""
    lake = copy(duck["bad lake"], tmp_path / "lake")
    before = listing(lake)
    facts_before = facts_listing(lake)
    assert facts_before  # `lake export` wrote the facts too
    summary = load_lake(spark, lake, files["second"].as_uri(), tmp_path / "report")
    assert summary.directory == files["second"].as_uri()
    assert [c[:1] + c[2:] for c in counts(summary)] == \
        [c[:1] + c[2:] for c in counts(duck["second"])]
    assert summary.exit_code == duck["second"].exit_code == EXIT_REJECTS
    assert (tmp_path / "report" / "rejects.csv").read_text() == \
        Path(duck["second"].rejects_file).read_text()
    assert lake_rows(lake) == duck["second rows"]
    after = listing(lake)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert {Path(p).parent.as_posix() for p in changed} == {
        "customers", f"events/{partition_folder('m1')}"}
    manifest = (lake / "_lake.json").read_text()
    assert json.loads(manifest)["rows"] == {t: len(r) for t, r in duck["second rows"].items()}
    assert json.loads(manifest)["written_by"].endswith(" load")

    again = load_lake(spark, lake, files["second"], tmp_path / "again")
    assert counts(again) == counts(duck["second again"])
    assert sum(t.inserted + t.updated for t in again.tables) == 0
    assert sum(t.duplicates for t in again.tables) == 4  # c5; e1, e6 and e7
    assert again.exit_code == EXIT_REJECTS  # e2 is still another event than the lake's
    assert listing(lake) == after
    assert (lake / "_lake.json").read_text() == manifest
    assert sorted(p.name for p in lake.iterdir()) == sorted(
        ["_facts", "_lake.json", "_lake.lock", *{Path(p).parts[0] for p in after}])
    assert facts_listing(lake) == facts_before  # the facts wait for a refresh


def test_a_lake_elsewhere_than_a_folder_is_refused(tmp_path):
    with pytest.raises(LakeLoadError, match="local or mounted folder"):
        lake_folder("s3a://bucket/lake")
    assert lake_folder((tmp_path / "x").as_uri()) == tmp_path / "x"


def test_a_jsonl_file_is_named_as_what_the_lake_load_does_not_read(spark, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "campaigns.jsonl").write_text('{"campaign_id": "c", "name": "C"}\n')
    summary = load_lake(spark, tmp_path / "lake", d, tmp_path / "report")
    [result] = summary.tables
    assert "reads CSV and Parquet files, not JSONL" in result.error
    assert summary.exit_code == EXIT_NOTHING
    assert not (tmp_path / "lake" / "campaigns").exists()


KILLED_LOAD = """
import sys, time
from pathlib import Path
from mailreport.ingest import lake_load
from mailreport.store import lake_swap
from mailreport.store.spark.store import spark_session

lake, directory, stalled, window, conf = sys.argv[1:6]

def stall():
    Path(stalled).write_text("stalled")
    time.sleep(600)

if window == "staged":  # every new folder written, no journal yet
    commit = lake_swap.swap
    lake_swap.swap = lambda *a: (stall(), commit(*a))
else:  # the journal written, the first old folder moved out of the way
    move = lake_swap._move
    lake_swap._move = lambda *a: (move(*a), stall())
spark = spark_session("local[1]", dict(kv.split("=", 1) for kv in conf.split(";")))
lake_load.load_lake(spark, lake, directory, lake + ".report")
"""


def killed_load(lake: Path, directory: Path, window: str) -> None:
    """Run a load in a child process, SIGKILL it where ``window`` says, and wait for
    its Spark JVM to end too. Up to there the load has done all its Spark work,
    rejects file included, with no Python worker to run on."""
    stalled = lake.parent / f"{window}.stalled"
    conf = ";".join(f"{k}={v}" for k, v in {**TEST_CONF, "spark.driver.memory": "512m",
                                             "spark.ui.enabled": "false"}.items())
    # Executors may run no Python: a Python worker would fail, and the load with it
    env = {**os.environ, "PYSPARK_PYTHON": "/bin/false"}
    child = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, str(lake), str(directory),
                              str(stalled), window, conf],
                             stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 300
        while not stalled.exists():
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, f"the load never reached {window}"
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        child.stderr.close()
    deadline = time.monotonic() + 60
    while True:  # the JVM ends once its parent's pipe closes
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(child.pid, signal.SIGKILL)  # the child's own JVM, started here
        time.sleep(0.2)


def test_a_load_killed_before_its_swaps_leaves_the_lake_as_before(spark, files, duck, cli,
                                                                  tmp_path):
    lake = copy(cli["root"] / "lake", tmp_path / "lake")
    before = listing(lake)
    killed_load(lake, files["second"], "staged")
    assert list((lake / lake_swap.STAGING).rglob("*.parquet"))  # it had written them
    assert not (lake / lake_swap.JOURNAL).exists()
    assert listing(lake) == before
    assert lake_rows(lake) == duck["bad rows"]
    # the next load clears what the dead one left, and loads
    summary = load_lake(spark, lake, files["second"], tmp_path / "report")
    assert summary.exit_code == EXIT_REJECTS
    assert lake_rows(lake) == duck["second rows"]
    assert not (lake / lake_swap.STAGING).exists()


def test_a_load_killed_among_its_swaps_is_finished_by_the_next_reader(spark, files, duck, cli,
                                                                      tmp_path):
    from mailreport.store.spark.store import SparkStore

    lake = copy(cli["root"] / "lake", tmp_path / "lake")
    killed_load(lake, files["second"], "journal")
    assert (lake / lake_swap.JOURNAL).exists()
    # the customers table is in the trash, its new folder not in place yet
    assert not (lake / "customers").exists()
    reader = SparkStore(lake, Settings(), session=spark)
    try:
        opened = reader.counts()
    finally:
        reader.close()
    assert not (lake / lake_swap.JOURNAL).exists()
    after = duck["second rows"]
    assert {t.name: opened[t.name] for t in TABLES} == {t: len(r) for t, r in after.items()}
    assert lake_rows(lake) == after


SPELLINGS = {  # column kind: (spellings both engines read alike, DuckDB only, Spark only)
    "ts": (["2026-03-01", "2026-03-01T09:00:00", "2026-03-01 09:00:00", "2026-03-01T09:00Z",
            "2026-03-01T09:00:00+03:00", "2026-03-01T09:00:00+0300", "2026-03-01T09:00:00+03",
            "2026-03-01 09:00:00-05:00", "2026-03-01T09:00:00.123456", "2026-03-01 09:00:00+00",
            "2026-03-01T09:00:00.000Z", "2026-02-30", "yesterday", "20260301"],
           ["2026/03/01", "2026-03-01T24:00:00"],
           ["2026-03-01T09:00:00Europe/Moscow", " 2026-03-01 "]),
    "n": (["10", "-0", "+3", " 5 ", "x", "99999999999999999999"],
          ["1.5", "0x10", "1e3"], []),
    "b": (["true", "false", "t", "f", "1", "0", "yes", "no", "TRUE", "on"], [], [" true"]),
    "m": (["10", "10.005", "1e3", ".5", "-0", "NaN", "1,5"], [], []),
}


def test_the_engines_read_the_contract_spellings_alike_and_differ_as_documented(spark):
    """docs/spark.md, "Loading into the lake": where each engine's casts agree, and
    the spellings that only one of them reads."""
    from mailreport.contract import Column, Kind, Table
    from mailreport.ingest import staging
    from mailreport.store.dialects import translate

    table = Table("t", "", (Column("ts", Kind.TIMESTAMP, ""), Column("n", Kind.INTEGER, ""),
                            Column("b", Kind.BOOLEAN, ""), Column("m", Kind.MONEY, "")),
                  key=("ts",))
    rows = []
    for column, (alike, duck_only, spark_only) in SPELLINGS.items():
        for how, values in (("alike", alike), ("duckdb", duck_only), ("spark", spark_only)):
            rows += [(len(rows) + 2, how, column, *(v if c == column else None
                                                    for c in SPELLINGS)) for v in values]
    typed = (f"SELECT _line, CAST(ts AS VARCHAR) AS ts, n, b, CAST(m AS VARCHAR) AS m "
             f"FROM ({staging.typed_select(table, '_stage')})")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE _stage (_line BIGINT, ts VARCHAR, n VARCHAR, b VARCHAR, "
                "m VARCHAR)")
    con.executemany("INSERT INTO _stage VALUES (?, ?, ?, ?, ?)", [r[:1] + r[3:] for r in rows])
    on_duck = {r[0]: r[1:] for r in con.execute(typed).fetchall()}
    spark.createDataFrame([r[:1] + r[3:] for r in rows], "_line long, ts string, n string, "
                          "b string, m string").createOrReplaceTempView("lake_load_spellings")
    on_spark = {r[0]: tuple(r[1:]) for r in spark.sql(
        translate(typed, "spark", {"_stage": "lake_load_spellings"})).collect()}
    seen = {how: [] for how in ("alike", "duckdb", "spark")}
    for line, how, column, *_ in rows:
        index = list(SPELLINGS).index(column)
        duck_value, spark_value = on_duck[line][index], on_spark[line][index]
        if isinstance(duck_value, str) and isinstance(spark_value, str):  # '... 09:00:00'
            duck_value, spark_value = duck_value.replace("T", " "), spark_value.replace("T", " ")
        seen[how].append((column, duck_value is not None, spark_value is not None,
                          duck_value == spark_value))
    assert all(same for *_, same in seen["alike"]), [
        (r, on_duck[r[0]], on_spark[r[0]]) for r, s in zip(
            [r for r in rows if r[1] == "alike"], seen["alike"], strict=True) if not s[-1]]
    assert all(duck and not spark_ for _, duck, spark_, _ in seen["duckdb"])
    assert all(spark_ and not duck for _, duck, spark_, _ in seen["spark"])
