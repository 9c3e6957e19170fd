"""The PostgreSQL store (store/postgres/) on a real server: from a copy of the small
demo's contract tables it builds the same facts as DuckDB from the same
definitions, and every report read from them equals DuckDB's.

The server is the benchmark's throwaway one (bench/postgres.py), in the system's
temporary folder (it runs as 'postgres', which cannot enter pytest's private
folders). Without PostgreSQL 15 the tests skip, except under CI (the CI variable
set), where they fail: there they must run."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pydantic_core
import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))


from mailreport import facts  # noqa: E402
from mailreport.contract import TABLES  # noqa: E402
from mailreport.ingest.loader import load_directory  # noqa: E402
from mailreport.reports import ReportQuery, mailing_report  # noqa: E402
from mailreport.reports.campaign import campaign_report  # noqa: E402
from mailreport.reports.customers import customer_list  # noqa: E402
from mailreport.reports.mailings import list_campaigns, list_mailings  # noqa: E402
from mailreport.reports.segments import Segment  # noqa: E402
from mailreport.settings import Settings  # noqa: E402
from mailreport.store import open_store  # noqa: E402
from mailreport.store.postgres import PostgresStore, PostgresStoreError  # noqa: E402
from mailreport.store.postgres.store import INDEXES  # noqa: E402

# settings every definition depends on, away from their defaults: a company zone
# whose days are not UTC's, a shorter window, another basis stage
OTHER_SETTINGS = Settings(company_timezone="America/New_York", attribution_window_days=3,
                          basis_stage_email="clicked")

QUERIES = [
    ReportQuery(),
    # a period that cuts the demo's mailings (sent June to September 2026) mid-window
    ReportQuery(**{"from": "2026-07-03", "to": "2026-07-20", "include_machine": True,
                   "open_hours_zone": "company", "sort": "revenue"}),
]


def as_json(value) -> str:
    return pydantic_core.to_json(value).decode()


@pytest.fixture(scope="module")
def server(postgres):
    """The test session's PostgreSQL server (tests/engines.py)."""
    return postgres


def _built(server, duck, database: str) -> PostgresStore:
    """A PostgreSQL store in its own database of the server: duck's contract tables
    copied, the facts built."""
    with server.connect() as con:
        con.execute(f'CREATE DATABASE "{database}"')
    store = PostgresStore(server.conninfo, duck.settings, dbname=database)
    counts = store.copy_store(duck.con)
    assert counts == {t.name: duck.counts()[t.name] for t in TABLES}
    store.build_facts()
    assert store.counts() == duck.counts()
    return store


@pytest.fixture(scope="module")
def pg(server, demo_store):
    store = _built(server, demo_store, "demo")
    yield store
    store.close()


@pytest.fixture(scope="module")
def other(server, demo_dir, tmp_path_factory):
    """DuckDB and PostgreSQL stores of the demo under OTHER_SETTINGS."""
    duck = open_store(tmp_path_factory.mktemp("other") / "other.duckdb", OTHER_SETTINGS)
    assert load_directory(duck, demo_dir).exit_code == 0
    store = _built(server, duck, "other")
    yield duck, store
    store.close()
    duck.close()


def _value(v):
    """Numbers as Decimal (PostgreSQL sums integers to NUMERIC, DuckDB to HUGEINT)."""
    if isinstance(v, int | Decimal) and not isinstance(v, bool):
        return Decimal(v).normalize()
    return v


def rows_of(store, fact: facts.Fact) -> list[tuple]:
    """The fact's rows, sorted; a counting fact's summed per key with zero sums
    dropped (DuckDB's live refresh may leave a key in several rows)."""
    sql = fact.summed()
    return sorted((tuple(_value(v) for v in row) for row in store.sql(sql)), key=repr)


@pytest.mark.parametrize("fact", facts.FACTS, ids=lambda f: f.name)
def test_every_fact_equals_duckdbs(demo_store, pg, fact):
    ours = rows_of(demo_store, fact)
    assert ours, fact.name
    assert rows_of(pg, fact) == ours


@pytest.mark.parametrize("fact", facts.FACTS, ids=lambda f: f.name)
def test_every_fact_equals_duckdbs_under_other_settings(other, fact):
    duck, pg = other
    assert rows_of(pg, fact) == rows_of(duck, fact)


def test_every_fact_is_indexed_by_mailing(pg):
    indexed = dict(pg.sql("SELECT tablename, string_agg(indexdef, '; ') FROM pg_indexes "
                          "WHERE schemaname = 'public' GROUP BY tablename"))
    for name in facts.FACT_TABLES:
        assert "(mailing_id" in indexed[name], name
    assert sum(indexdef.count(";") + 1 for indexdef in indexed.values()) == \
        sum(len(v) for v in INDEXES.values()) + 1  # and meta's key


@pytest.mark.parametrize("query", QUERIES, ids=["whole", "period"])
def test_every_mailing_report_and_the_list_equal_duckdbs(demo_store, pg, query):
    ours, theirs = demo_store.tables(), pg.tables()
    mailings = list_mailings(ours)
    assert as_json(list_mailings(theirs)) == as_json(mailings)
    for m in mailings:
        expected = mailing_report(ours, m.mailing_id, query)
        assert as_json(mailing_report(theirs, m.mailing_id, query)) == as_json(expected), \
            m.mailing_id


@pytest.mark.parametrize("query", QUERIES, ids=["whole", "period"])
def test_every_campaign_report_equals_duckdbs(demo_store, pg, query):
    ours, theirs = demo_store.tables(), pg.tables()
    campaigns = list_campaigns(ours)
    assert campaigns and as_json(list_campaigns(theirs)) == as_json(campaigns)
    for c in campaigns:
        expected = campaign_report(ours, c.campaign_id, query)
        assert as_json(campaign_report(theirs, c.campaign_id, query)) == as_json(expected), \
            c.campaign_id


@pytest.mark.parametrize(("mailing_id", "segment", "query", "page"), [
    # M08: an email mailing with three variants and a control group, sent 1 July 2026
    ("M08", Segment(stage="delivered"), ReportQuery(),
     {"page": 2, "page_size": 20, "sort": "revenue", "order": "desc"}),
    ("M08", Segment(stage="ordered"), QUERIES[1], {"sort": "orders", "order": "desc"}),
    ("M08", Segment(stage="clicked"), ReportQuery(variant_id="B"), {"sort": "reached_at"}),
    ("M08", Segment(stage="unsubscribed"), ReportQuery(), {"sort": "contact"}),
    ("M15", Segment(stage="spam"), ReportQuery(), {}),
    ("M08", Segment(status="control_group"), ReportQuery(), {"page": 3, "page_size": 10}),
    ("M08", Segment(status="actual_recipients"), ReportQuery(group="test"),
     {"sort": "revenue", "order": "desc"}),
], ids=["delivered", "ordered", "clicked-B", "unsubscribed", "spam", "control", "recipients"])
def test_customer_lists_equal_duckdbs(demo_store, pg, mailing_id, segment, query, page):
    ours = customer_list(demo_store.tables(), mailing_id, segment=segment, query=query, **page)
    assert ours.rows
    assert as_json(customer_list(pg.tables(), mailing_id, segment=segment, query=query,
                                 **page)) == as_json(ours)


@pytest.mark.parametrize("stage", ["opened", "ordered"])
def test_campaign_lists_equal_duckdbs(demo_store, pg, stage):
    from mailreport.reports.campaign_customers import campaign_customer_list

    page = {"page": 2, "page_size": 20, "sort": "revenue", "order": "desc"}
    ours = campaign_customer_list(demo_store.tables(), "CMP1", stage, ReportQuery(), **page)
    assert ours.rows
    assert as_json(campaign_customer_list(pg.tables(), "CMP1", stage, ReportQuery(),
                                          **page)) == as_json(ours)


def test_facts_of_other_settings_are_refused(server, pg):
    store = PostgresStore(server.conninfo, OTHER_SETTINGS, dbname="demo")
    try:
        assert pg.facts_current() and not store.facts_current()
        with pytest.raises(PostgresStoreError, match="build_facts"):
            store.tables()
    finally:
        store.close()


def test_a_failed_build_leaves_the_facts_as_they_were(pg, monkeypatch):
    before = pg.counts()
    broken = facts.Fact(name="broken", columns=(("mailing_id", "VARCHAR"),), serves=(),
                        select=lambda settings, where: "SELECT no_such_column FROM events")
    monkeypatch.setattr(facts, "FACTS", (*facts.FACTS, broken))
    with pytest.raises(PostgresStoreError, match="cannot build broken"):
        pg.build_facts()
    monkeypatch.undo()
    assert pg.counts() == before and pg.facts_current()
