"""The SQL each engine is given, kept as snapshot files, so that a change in what an
engine runs shows in review without starting a JVM or a database server:

* ``snapshots/facts/<engine>/<fact>.sql``: each fact's definition as the engine
  builds it (DuckDB's own dialect; Spark and PostgreSQL through ``store/dialects``);
* ``snapshots/sections/<engine>/<section>.sql``: the queries each report section,
  the campaign report, the mailing list and a customer list compile to, over
  tables that hold no data (Ibis compiles the same expressions for every engine).

Regenerate after an intended change with ``MAILREPORT_UPDATE_SNAPSHOTS=1 pytest
tests/test_sql_snapshots.py`` and review the diff."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import pytest
import sqlglot
from ibis.backends.sql.datatypes import DuckDBType

from mailreport import facts
from mailreport.contract import TABLES, table
from mailreport.reports import SECTIONS, ReportQuery, campaign_report
from mailreport.reports.customers import customer_list
from mailreport.reports.mailings import ListQuery, list_mailings, list_page, trend
from mailreport.reports.segments import Segment
from mailreport.reports.usual import usual
from mailreport.settings import Settings
from mailreport.store.dialects import translate
from mailreport.store.tables import Tables

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("MAILREPORT_UPDATE_SNAPSHOTS") == "1"

# the engines' names for sqlglot (facts) and for Ibis (sections)
ENGINES = {"duckdb": ("duckdb", "duckdb"), "spark": ("spark", "pyspark"),
           "postgres": ("postgres", "postgres")}

QUERY = ReportQuery(**{"from": dt.date(2026, 7, 1), "to": dt.date(2026, 7, 7)},
                    include_machine=True, search="shoe")


def check(path: Path, text: str) -> None:
    if UPDATE or not path.exists():
        if not UPDATE and os.environ.get("CI"):
            pytest.fail(f"{path} is missing: generate it with MAILREPORT_UPDATE_SNAPSHOTS=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"the SQL differs from {path}"


@pytest.mark.parametrize("engine", ENGINES)
def test_each_fact_is_built_from_its_snapshot_sql(engine):
    dialect = ENGINES[engine][0]
    for fact in facts.FACTS:
        sql = translate(fact.select(Settings(), "true"), dialect, spread_by=fact.spread_by)
        # laid out for review: the same statement, one clause a line
        sql = sqlglot.parse_one(sql, read=dialect).sql(dialect=dialect, pretty=True)
        check(SNAPSHOTS / "facts" / engine / f"{fact.name}.sql", sql + "\n")


def _schemas() -> dict[str, ibis.Schema]:
    out = {t.name: ibis.schema({c.name: DuckDBType.from_string(c.store_type)
                                for c in t.columns}) for t in TABLES}
    out.update({f.name: ibis.schema({n: DuckDBType.from_string(t) for n, t in f.columns})
                for f in facts.FACTS})
    return out


MAILING = {"mailing_id": "M1", "name": "Summer sale", "channel": "email", "status": "sent",
           "category": "promo", "campaign_id": "C1", "sent_at": dt.datetime(2026, 7, 1, 9),
           "control_share": 0.1}


class Recorder:
    """Tables with no rows that keep the SQL of every query run through them. The
    mailing, its campaign and its variants' bodies are answered, so that every
    section goes all the way."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.statements: list[str] = []
        names = _schemas()
        self.tables = Tables({n: ibis.table(s, name=n) for n, s in names.items()},
                             run=self.run, local_time=lambda ts, zone: ts,
                             settings=Settings())

    def run(self, expr) -> list[dict]:
        sql = ibis.to_sql(expr.as_table(), dialect=self.dialect)
        # a memtable's name is random: keep the snapshot stable
        self.statements.append(re.sub(r"ibis_\w+?_memtable_\w+", "memtable", str(sql)))
        columns = tuple(expr.as_table().schema().names)
        if columns == tuple(table("mailings").column_names):
            return [dict(MAILING)]
        if columns == ("campaign_id", "name"):
            return [{"campaign_id": "C1", "name": "Summer"}]
        if columns == ("mailing_id",):
            return [{"mailing_id": "M1"}]
        if columns == ("variant_id", "body_html"):
            return [{"variant_id": "A", "body_html": '<a href="https://shop.example/">x</a>'}]
        op = expr.as_table().op()
        if isinstance(op, ops.Aggregate) and not op.groups:  # always one row
            return [dict.fromkeys(columns)]
        return []

    def text(self) -> str:
        return ";\n\n".join(self.statements) + ";\n"


def _sections() -> dict:
    from mailreport.reports.scope import scope_of

    def section(fn):
        return lambda t: fn(t, scope_of(t, "M1"), QUERY)

    jobs = {name: section(fn) for name, fn in SECTIONS.items()}
    jobs["campaign"] = lambda t: campaign_report(t, "C1", QUERY)
    jobs["mailings"] = lambda t: list_mailings(t)
    jobs["mailing_list_page"] = lambda t: list_page(t, ListQuery(
        sort="revenue_per_recipient", order="asc", channel="email", status="sent",
        sent_from=dt.date(2026, 6, 1), sent_to=dt.date(2026, 6, 30), campaign_id="C1",
        category="promo", search="Sale", limit=50))  # an offset: random names on Spark
    jobs["usual"] = lambda t: usual(t, scope_of(t, "M1").mailing)
    jobs["mailing_trend"] = lambda t: trend(t, "conversion", ListQuery(channel="email"))
    jobs["customer_list"] = lambda t: customer_list(
        t, "M1", Segment(stage="clicked"), QUERY, sort="revenue", order="desc")
    return jobs


@pytest.mark.parametrize("engine", ENGINES)
def test_each_section_compiles_to_its_snapshot_sql(engine):
    dialect = ENGINES[engine][1]
    if engine == "spark":  # Ibis's PySpark compiler reads options its backend registers
        backend = pytest.importorskip("ibis.backends.pyspark",
                                      reason="pip install -e '.[spark]'")
        backend.Backend.register_options()
    for name, job in _sections().items():
        recorder = Recorder(dialect)
        job(recorder.tables)
        assert recorder.statements, name
        check(SNAPSHOTS / "sections" / engine / f"{name}.sql", recorder.text())
