"""Spark beyond the hand-made report cases (which tests/reports runs on every
engine): a non-UTC company zone, a lake without optional tables, and mailing ids
that need escaping in the lake's partition folders."""

from __future__ import annotations

import json
import re

import pytest

from conftest import T0, at
from engines import SparkDataset
from mailreport.reports import ReportQuery, mailing_report
from mailreport.settings import Settings
from mailreport.store import open_store
from mailreport.store.lake import export_lake
from mailreport.store.spark.store import SparkStore

pytestmark = pytest.mark.spark


def test_the_period_and_dates_are_in_a_non_utc_company_zone(tmp_path, spark):
    """Derived dates, open hours and the period in Europe/Moscow, on both engines."""
    settings = Settings(company_timezone="Europe/Moscow")
    store = open_store(tmp_path / "msk.duckdb", settings)
    d = SparkDataset(store, tmp_path / "data", spark)
    d.customer("nyc", timezone="America/New_York")
    d.mailing("m1").journeys("m1", {
        "ann": [("sent", at(0)), ("opened", "2026-03-02T22:30:00")],  # 01:30 on the 3rd
        "nyc": [("sent", at(0)), ("opened", "2026-03-03T04:59:00"), ("clicked", at(days=1))],
    })
    d.order("ann", "2026-03-02T23:00:00").order("nyc", at(days=2), total="12.34")
    d.load()
    try:
        for q in (ReportQuery(), ReportQuery(**{"from": T0.date(), "to": T0.date()}),
                  ReportQuery(**{"from": "2026-03-03", "to": "2026-03-04"},
                              open_hours_zone="company")):
            duck = mailing_report(store.tables(), "m1", q)
            on_spark = mailing_report(d.tables(), "m1", q)
            assert json.loads(on_spark.model_dump_json()) == json.loads(duck.model_dump_json())
        assert [x.date.isoformat() for x in duck.efficiency.daily] == ["2026-03-03",
                                                                       "2026-03-04"]
        # Tables.local_time, for report code that converts zones itself
        for t in (store.tables(), d.tables()):
            r = t.reach_times
            r = r.left_join(t.customers.select("customer_id", "timezone"), "customer_id")
            local = t.local_time(r.opened_at, r.timezone.fill_null("Asia/Tokyo"))
            rows = t.run(r.select(r.customer_id, moscow=t.local_time(r.opened_at, "Europe/Moscow"),
                                  local=local).order_by("customer_id"))
            assert [(x["moscow"].hour, x["local"].hour) for x in rows] == [(1, 7), (7, 23)]
    finally:
        d.close()
        store.close()


def test_a_lake_without_optional_tables_reads_them_as_empty(tmp_path, spark):
    lake = tmp_path / "lake"
    store = open_store(tmp_path / "s.duckdb", Settings())
    export_lake(store, lake)  # an empty store: no table folder at all
    store.close()
    s = SparkStore(lake, Settings(), session=spark)
    try:
        counts = s.counts()
        assert set(counts) >= {"events", "mailings", "reach_times", "attributed_orders"}
        assert set(counts.values()) == {0}
    finally:
        s.close()


def test_odd_mailing_ids_survive_the_lake_and_a_mailing_reads_only_its_folder(spark_data,
                                                                             store):
    from test_lake import ODD_IDS, odd_mailings

    data = spark_data
    odd_mailings(data)
    t = data.tables()
    for mailing_id in ODD_IDS:
        duck = mailing_report(store.tables(), mailing_id, ReportQuery())
        on_spark = mailing_report(t, mailing_id, ReportQuery())
        assert on_spark.model_dump_json() == duck.model_dump_json()
        assert on_spark.efficiency.stages.sent == 2  # a delivery implies sending
    s = data.engine_store
    events = s.session.table(s._views["events"]).filter("mailing_id = '007'")
    plan = events._jdf.queryExecution().executedPlan().toString()
    assert re.search(r"PartitionFilters: \[[^\]]*mailing_id", plan), plan
