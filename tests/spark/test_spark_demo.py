"""The small demo's reports are the same on Spark as on DuckDB: every mailing, every
campaign, the mailing list and a period report, each opened the way the CLI opens
them (``engines.open_reader``) and compared as the JSON ``--json`` prints."""

from __future__ import annotations

import json

import pytest

from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.mailings import list_campaigns, list_mailings
from mailreport.settings import Settings
from mailreport.store.engines import open_reader
from same_json import cli_json, differences

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def engines(spark, demo_db, demo_lake):
    duck = open_reader("duckdb", Settings(), db=demo_db)
    on_spark = open_reader("spark", Settings(), lake=demo_lake)
    assert (duck.engine, on_spark.engine) == ("duckdb", "spark")
    yield duck.tables(), on_spark.tables()
    on_spark.close()
    duck.close()


@pytest.fixture(scope="session")
def demo_reports(engines) -> dict[str, tuple[str, str]]:
    """Every report of the small demo as the CLI prints it: (DuckDB, Spark)."""
    out = {}
    for m in list_mailings(engines[0]):
        out[f"mailing {m.mailing_id}"] = tuple(
            cli_json(mailing_report(t, m.mailing_id, ReportQuery())) for t in engines)
    for c in list_campaigns(engines[0]):
        out[f"campaign {c.campaign_id}"] = tuple(
            cli_json(campaign_report(t, c.campaign_id, ReportQuery())) for t in engines)
    return out


def test_every_mailing_and_campaign_report_is_the_same_on_spark(demo_reports):
    assert sum(name.startswith("mailing") for name in demo_reports) >= 12
    assert any(name.startswith("campaign") for name in demo_reports)
    wrong = {name: differences(json.loads(duck), json.loads(spark_))
             for name, (duck, spark_) in demo_reports.items()}
    assert not {name: d for name, d in wrong.items() if d}


def test_every_report_prints_byte_identical_json_on_spark(demo_reports):
    assert [name for name, (duck, spark_) in demo_reports.items() if duck != spark_] == []


def test_the_mailing_list_is_the_same_on_spark(engines):
    duck, on_spark = (json.dumps([m.model_dump(mode="json") for m in list_mailings(t)])
                      for t in engines)
    assert duck == on_spark


def test_a_period_report_with_every_option_is_the_same_on_spark(engines):
    biggest = max(list_mailings(engines[0]), key=lambda m: m.recipients)
    day = biggest.sent_at.date()
    q = ReportQuery(**{"from": day, "to": day}, include_machine=True, sort="revenue",
                    open_hours_zone="company", search="a")
    duck, on_spark = (json.loads(cli_json(mailing_report(t, biggest.mailing_id, q)))
                      for t in engines)
    assert not differences(duck, on_spark)
    assert duck["efficiency"]["stages"]["sent"] > 0


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
