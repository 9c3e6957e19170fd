"""The small demo's reports are the same on Spark as on DuckDB: every mailing, every
campaign, the mailing list and a period report, each opened the way the CLI opens
them (``engines.open_reader``) and compared as the JSON ``--json`` prints. On a local
session, and on a standalone cluster of two workers on loopback (``cluster.py``)
through ``--spark-master spark://...``; a process runs one SparkContext, so the
cluster's reports come from this file run as a program in a process of its own.

On the cluster the lake is the one a company would run: the demo's files loaded by
``mailreport load --lake`` and its facts built by ``mailreport refresh --lake``, both
commands run with ``--spark-master`` on the two workers; then every report, list
and export read from it without Spark (``--lake``) equals the DuckDB store's."""
# The cluster's fixture comes from cluster.py by import (a second conftest.py would
# shadow the `conftest` module the tests import from), so its name is reused here.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cluster import spark_cluster  # noqa: F401 - the fixture

from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.mailings import list_campaigns, list_mailings
from mailreport.settings import Settings
from mailreport.store.engines import open_reader
from mailreport.store.spark.errors import SparkStoreError, spark_errors
from same_json import cli_json, differences

pytestmark = pytest.mark.spark


def every_report(tables) -> dict[str, str]:
    """Every report of the small demo as the CLI prints it, by name: the mailing list,
    each mailing's and campaign's, and a period report with every option."""
    mailings = list_mailings(tables)
    out = {"mailing list": json.dumps([m.model_dump(mode="json") for m in mailings])}
    for m in mailings:
        out[f"mailing {m.mailing_id}"] = cli_json(mailing_report(tables, m.mailing_id,
                                                                 ReportQuery()))
    for c in list_campaigns(tables):
        out[f"campaign {c.campaign_id}"] = cli_json(campaign_report(tables, c.campaign_id,
                                                                    ReportQuery()))
    biggest = max(mailings, key=lambda m: (m.recipients, m.mailing_id))
    day = biggest.sent_at.date()
    query = ReportQuery(**{"from": day, "to": day}, include_machine=True, sort="revenue",
                        open_hours_zone="company", search="a")
    out["period report"] = cli_json(mailing_report(tables, biggest.mailing_id, query))
    return out


@pytest.fixture(scope="session")
def engines(spark, demo_db, demo_lake):
    duck = open_reader("duckdb", Settings(), db=demo_db)
    on_spark = open_reader("spark", Settings(), lake=demo_lake)
    assert (duck.engine, on_spark.engine) == ("duckdb", "spark")
    yield duck.tables(), on_spark.tables()
    on_spark.close()
    duck.close()


@pytest.fixture(scope="session")
def duckdb_reports(engines) -> dict[str, str]:
    return every_report(engines[0])


# What the cluster's driver is given: executors that fit the test workers' 1 GB, and a
# Python that does not exist for the executors, so that a report which ran Python on
# them (a UDF) would fail: they need the JVM and nothing of mailreport.
CLUSTER_SETTINGS = {"spark_driver_memory": "1g", "spark_executor_memory": "512m"}
NO_PYTHON = "/nonexistent/python3"


def driver_env(spark_cluster, tmp_path_factory) -> dict[str, str]:
    """The environment of a driver process of the cluster's: the cluster's
    spark-defaults, loopback, CLUSTER_SETTINGS as mailreport's settings."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
            "SPARK_CONF_DIR": str(spark_cluster.conf_dir),  # the cluster's spark-defaults
            "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": NO_PYTHON,
            "TMPDIR": str(tmp_path_factory.mktemp("cluster-driver")),
            **{f"MAILREPORT_{k.upper()}": v for k, v in CLUSTER_SETTINGS.items()}}


@pytest.fixture(scope="session")
def cluster_lake(spark_cluster, demo_dir, tmp_path_factory) -> dict:
    """The small demo's files loaded into a new lake and its facts built, each by the
    command a company runs, on the cluster: the lake, and what each command said."""
    lake = tmp_path_factory.mktemp("cluster-lake") / "lake"
    env = driver_env(spark_cluster, tmp_path_factory)
    said = {}
    for name, args in (("load", ["load", str(demo_dir), "--lake", str(lake), "--json",
                                 "--report-dir", str(lake.parent / "load-report")]),
                       ("refresh", ["refresh", "--lake", str(lake)])):
        run = subprocess.run([sys.executable, "-m", "mailreport", *args,
                              "--spark-master", spark_cluster.master_url],
                             capture_output=True, text=True, timeout=1800, env=env)
        assert run.returncode == 0, f"{name}: {run.stdout[-3000:]}\n{run.stderr[-5000:]}" \
                                    f"\n{spark_cluster.logs()}"
        said[name] = run.stdout
    return {"lake": lake, **said}


@pytest.fixture(scope="session")
def cluster_run(spark_cluster, cluster_lake, tmp_path_factory) -> dict:
    """This file run as a program against the cluster, over the lake the cluster
    loaded and refreshed: what its driver saw."""
    run = subprocess.run([sys.executable, __file__, str(cluster_lake["lake"]),
                          spark_cluster.master_url], capture_output=True, text=True,
                         timeout=1800, env=driver_env(spark_cluster, tmp_path_factory))
    assert run.returncode == 0, f"{run.stderr[-5000:]}\n{spark_cluster.logs()}"
    return json.loads(run.stdout.strip().splitlines()[-1])


# On a local session these cases repeat test_golden.py's on Spark (every small-demo
# mailing, campaign and the period report against the goldens DuckDB gives) at 90 s
# of CI's 90 minutes: run with -m slow. The cluster's run in CI.
@pytest.fixture(scope="session", params=[pytest.param("local", marks=pytest.mark.slow),
                                         "cluster"])
def spark_reports(request, engines) -> dict[str, str]:
    """Every report on Spark: on this process's local session, or on the cluster."""
    if request.param == "local":
        return every_report(engines[1])
    return request.getfixturevalue("cluster_run")["reports"]


def test_every_mailing_and_campaign_report_is_the_same_on_spark(duckdb_reports, spark_reports):
    assert list(spark_reports) == list(duckdb_reports)
    assert sum(name.startswith("mailing ") for name in duckdb_reports) >= 12
    assert any(name.startswith("campaign ") for name in duckdb_reports)
    wrong = {name: differences(json.loads(duck), json.loads(spark_reports[name]))
             for name, duck in duckdb_reports.items()}
    assert not {name: d for name, d in wrong.items() if d}


def test_every_report_prints_byte_identical_json_on_spark(duckdb_reports, spark_reports):
    assert [name for name, duck in duckdb_reports.items() if duck != spark_reports[name]] == []


def test_the_mailing_list_is_the_same_on_spark(duckdb_reports, spark_reports):
    assert spark_reports["mailing list"] == duckdb_reports["mailing list"]


def test_a_period_report_with_every_option_is_the_same_on_spark(duckdb_reports, spark_reports):
    duck, on_spark = (json.loads(r["period report"]) for r in (duckdb_reports, spark_reports))
    assert not differences(duck, on_spark)
    assert duck["efficiency"]["stages"]["sent"] > 0


def test_the_cluster_ran_the_reports_on_its_two_workers(spark_cluster, cluster_run):
    """The reports above ran on the cluster's executors (the driver does not run
    tasks on a cluster), which had no Python to run: none was needed."""
    assert cluster_run["master"] == spark_cluster.master_url
    assert cluster_run["executors"] == 2
    assert cluster_run["executor_memory"] == CLUSTER_SETTINGS["spark_executor_memory"]
    apps = spark_cluster.state()["completedapps"] + spark_cluster.state()["activeapps"]
    assert any(app["name"] == "mailreport" for app in apps), apps


def test_an_out_of_memory_on_the_cluster_names_the_executors_memory(cluster_run):
    """A task that cannot fit in an executor's 512m: the executor dies of it, and the
    error names spark_executor_memory, not the driver's."""
    message = cluster_run["out_of_memory"]
    assert message.startswith("Spark ran out of memory in its executors ("), message
    assert "raise spark_executor_memory (now 512m), e.g. MAILREPORT_SPARK_EXECUTOR_MEMORY=1g" \
        in message and "\n" not in message


def test_the_cluster_loaded_every_row_and_built_every_fact(cluster_lake):
    printed = cluster_lake["load"]
    summary = json.loads(printed[printed.index("{"):])  # `load --json`
    assert summary["exit_code"] == 0, summary
    assert [t["table"] for t in summary["tables"] if t["rejected"] or t["error"]] == []
    loaded = {t["table"]: t["inserted"] for t in summary["tables"]}
    assert loaded["events"] > 10_000 and loaded["orders"] > 1_000, loaded
    said = cluster_lake["refresh"]
    assert said.startswith(f"rebuilt every fact of {cluster_lake['lake']} "
                           f"(no facts in the lake yet)"), said
    assert (cluster_lake["lake"] / "_facts" / "_current.json").is_file()


@pytest.fixture(scope="module")
def both(demo_db, cluster_lake):
    """(DuckDB store, the cluster's lake read without Spark), as the CLI opens them:
    for the checks of test_lake_store.py, imported below."""
    duck = open_reader("duckdb", Settings(), db=demo_db)
    lake = open_reader("duckdb", Settings(), lake=cluster_lake["lake"])
    assert (duck.engine, lake.engine) == ("duckdb", "lake")
    yield duck, lake
    lake.close()
    duck.close()


# test_lake_store.py's checks of a lake `lake export` wrote, here run over the lake the
# cluster loaded and refreshed (their ``both`` is the fixture above)
from test_lake_store import (  # noqa: E402
    test_every_customer_list_and_export_is_the_same_from_the_lake,  # noqa: F401
    test_every_mailing_and_campaign_report_is_the_same_from_the_lake,  # noqa: F401
    test_every_period_report_with_every_option_is_the_same_from_the_lake,  # noqa: F401
    test_the_mailing_and_campaign_lists_are_the_same_from_the_lake,  # noqa: F401
    test_the_row_counts_are_the_databases,  # noqa: F401
)


def test_the_cli_prints_the_same_json_on_spark(demo_db, demo_lake, engines):
    import typer.main
    from typer.testing import CliRunner

    from mailreport.cli import app

    report = typer.main.get_command(app).commands["report"]
    if "engine" not in {p.name for p in report.params}:
        pytest.skip("`mailreport report` has no --engine option yet")
    mailing_id = list_mailings(engines[0])[0].mailing_id
    runner = CliRunner()
    printed = [runner.invoke(app, ["report", mailing_id, "--json", *args])
               for args in (["--db", str(demo_db)],
                            ["--engine", "spark", "--lake", str(demo_lake)])]
    assert [r.exit_code for r in printed] == [0, 0], [r.output for r in printed]
    assert not differences(*(json.loads(r.stdout) for r in printed))


def test_reports_through_spark_connect_are_the_same(spark, demo_lake, engines):
    """An sc:// URL: a Spark Connect client, here to the test session's own JVM."""
    on_connect = open_reader("spark", Settings(), lake=demo_lake,
                             spark_master=spark.connect_url)
    try:
        assert type(on_connect.session).__module__.startswith("pyspark.sql.connect")
        connect = on_connect.tables()
        for m in list_mailings(engines[0])[:2]:
            duck, remote = (json.loads(cli_json(mailing_report(t, m.mailing_id, ReportQuery())))
                            for t in (engines[0], connect))
            assert not differences(duck, remote), m.mailing_id
    finally:
        on_connect.close()
    assert spark.sql("SELECT 1 AS one").collect()[0].one == 1  # the local session lives on


def on_the_cluster(lake: str, master: str) -> dict:
    """The driver's side of ``cluster_run``: every report of the lake on the cluster,
    what the driver knows of its executors, and an out-of-memory provoked on them."""
    settings = Settings(**CLUSTER_SETTINGS)
    store = open_reader("spark", settings, lake=lake, spark_master=master)
    try:
        context = store.session.sparkContext
        out = {"reports": every_report(store.tables()), "master": context.master,
               "executor_memory": context.getConf().get("spark.executor.memory"),
               # block managers: the executors' and the driver's
               "executors": context._jsc.sc().getExecutorMemoryStatus().size() - 1}
        try:
            with spark_errors(settings):  # a 1.5 GB string in one task
                store.session.range(1).selectExpr(
                    "length(repeat('x', cast(id + 1500000000 AS INT)))").collect()
        except SparkStoreError as exc:
            out["out_of_memory"] = str(exc)
    finally:
        store.close()
    return out


if __name__ == "__main__":
    print(json.dumps(on_the_cluster(*sys.argv[1:3])))
