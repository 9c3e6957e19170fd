"""The facts' SQL (facts/sql.py: DuckDB's dialect) for the other engines, and with
its tables renamed. sqlglot translates the dialect; the rewrites below cover what it
cannot."""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def _spark_rewrite(node: exp.Expression) -> exp.Expression:
    # DuckDB's timezone(zone, ts::TIMESTAMPTZ) is Spark's from_utc_timestamp(ts, zone);
    # ISO weekday is weekday() + 1 (sqlglot's generic isodow is off by one for
    # Spark's Sunday-first dayofweek)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" \
            and len(node.expressions) == 2:
        zone, ts = node.expressions
        if isinstance(ts, exp.Cast):
            ts = ts.this
        return exp.Anonymous(this="from_utc_timestamp", expressions=[ts, zone])
    if isinstance(node, exp.DayOfWeekIso):
        weekday = exp.Anonymous(this="weekday", expressions=[node.this])
        return exp.Paren(this=exp.Add(this=weekday, expression=exp.Literal.number(1)))
    return node


def _renamer(names: dict[str, str]):
    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in names:
            return exp.Table(this=exp.to_identifier(names[node.name]), alias=node.args.get(
                "alias") or exp.TableAlias(this=exp.to_identifier(node.name)))
        return node
    return rename


def translate(sql: str, dialect: str, names: dict[str, str] | None = None,
              keep_order: bool = True) -> str:
    """sql (DuckDB's dialect) in ``dialect`` (duckdb, spark or postgres), its tables
    renamed by ``names``; without ``keep_order`` the ORDER BYs of unlimited SELECTs
    go (a cached Spark table has no order: sorting it would only cost a shuffle)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if names:
        tree = tree.transform(_renamer(names))
    if dialect == "spark":
        tree = tree.transform(_spark_rewrite)
    if not keep_order:
        for select in tree.find_all(exp.Select):
            if not select.args.get("limit"):
                select.set("order", None)
    return tree.sql(dialect=dialect)
