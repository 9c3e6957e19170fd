"""The facts' SQL carried to PostgreSQL (store/dialects.py): what sqlglot alone does
not write as PostgreSQL runs it. The facts built from it are checked against DuckDB's
on a real server in test_postgres.py."""

from __future__ import annotations

import pytest

from mailreport import facts
from mailreport.settings import Settings
from mailreport.store.dialects import translate


def test_hour_and_isodow_are_integer_extracts():
    sql = translate("SELECT hour(t) AS h, isodow(t) - 1 AS d FROM x", "postgres")
    assert sql == ("SELECT CAST(EXTRACT(HOUR FROM t) AS BIGINT) AS h, "
                   "CAST(EXTRACT(ISODOW FROM t) AS BIGINT) - 1 AS d FROM x")


def test_qualify_becomes_a_filtered_subquery_ordered_outside():
    sql = translate("SELECT o.id, t.m AS mailing FROM o JOIN t ON t.k = o.k "
                    "QUALIFY row_number() OVER (PARTITION BY o.id ORDER BY t.m DESC) = 1 "
                    "ORDER BY t.m, o.id", "postgres")
    assert sql.endswith(") AS _t WHERE _w = 1 ORDER BY mailing, id")
    assert "DESC NULLS LAST" in sql  # DuckDB puts nulls last in descending order too


def test_qualify_keeps_an_order_by_it_cannot_carry_out():
    sql = translate("SELECT a.x AS y FROM a QUALIFY row_number() OVER (ORDER BY a.x) = 1 "
                    "ORDER BY a.w", "postgres")
    assert "ORDER BY a.w) AS _t WHERE _w = 1" in sql


def test_no_fact_keeps_a_construct_postgres_lacks():
    for fact in facts.FACTS:
        sql = translate(fact.select(Settings(), "true"), "postgres").upper()
        for construct in ("QUALIFY", "HOUR(", "DAYOFWEEK", "ISODOW("):
            assert construct not in sql, (fact.name, construct)


def test_spark_computes_a_materialized_cte_without_the_hint_it_lacks():
    sql = translate("WITH t AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM t", "spark")
    assert sql == "WITH t AS (SELECT 1 AS a) SELECT a FROM t"


def test_spark_distributes_the_ctes_a_fact_spreads_and_no_other_engine_does():
    sql = "WITH a AS (SELECT k, v FROM t), b AS (SELECT k FROM a) SELECT * FROM b"
    spark = translate(sql, "spark", spread_by=(("a", "k"),))
    assert spark == ("WITH a AS (SELECT k, v FROM t DISTRIBUTE BY k), "
                     "b AS (SELECT k FROM a) SELECT * FROM b")
    for dialect in ("duckdb", "postgres"):
        assert "DISTRIBUTE" not in translate(sql, dialect, spread_by=(("a", "k"),))


def test_a_spread_by_a_cte_the_sql_lacks_is_an_error_not_a_slower_plan():
    with pytest.raises(ValueError, match="no CTE 'c' to distribute by 'k'"):
        translate("WITH a AS (SELECT k FROM t) SELECT * FROM a", "spark", spread_by=(("c", "k"),))


def test_every_fact_spreads_only_ctes_it_has():
    for fact in facts.FACTS:  # raises on a CTE renamed without its spread_by
        translate(fact.select(Settings(), "true"), "spark", spread_by=fact.spread_by)


def test_spark_broadcasts_the_subqueries_named_in_the_select_that_joins_them():
    sql = ("SELECT a.k, l.v FROM (SELECT k FROM t WHERE k > 1) a "
           "JOIN l ON l.k = a.k JOIN (SELECT k FROM u) b ON b.k = a.k")
    assert translate(sql, "spark", broadcast=("a", "b")) == (
        "SELECT /*+ BROADCAST(a, b) */ a.k, l.v FROM (SELECT k FROM t WHERE k > 1) AS a "
        "JOIN l ON l.k = a.k JOIN (SELECT k FROM u) AS b ON b.k = a.k")
    assert "BROADCAST" not in translate(sql, "spark")
    with pytest.raises(ValueError, match="no subquery 'c' to send whole"):
        translate(sql, "spark", broadcast=("a", "c"))


def test_every_fact_broadcasts_only_subqueries_it_has():
    hinted = [f for f in facts.FACTS if f.few_for_few_customers]
    assert facts.ATTRIBUTED_LINES in hinted
    for fact in hinted:  # raises on a subquery renamed without its hint
        sql = translate(fact.select(Settings(), "customer_id IN ('C1')"), "spark",
                        broadcast=fact.few_for_few_customers)
        assert sql.count("/*+ BROADCAST(") == 1
