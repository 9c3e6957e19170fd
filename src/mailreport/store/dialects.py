"""The facts' SQL (facts/sql.py: DuckDB's dialect) for the other engines, and with
its tables renamed. sqlglot translates the dialect; the rewrites below cover what it
does not carry right, one engine each, every quirk named where it is fixed.

Checked and carried right by sqlglot alone to PostgreSQL: ``FILTER (WHERE ...)``,
``VALUES ... AS s(k, ...)``, ``INTERVAL 7 DAY`` (as ``INTERVAL '7 DAY'``),
``timezone(zone, ts::TIMESTAMPTZ)`` (the same function there, given a UTC session),
DuckDB's NULLS LAST for DESC, and sums of decimals (NUMERIC)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp, transforms


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
    if isinstance(node, exp.CTE) and node.args.get("materialized"):
        # Spark has no MATERIALIZED hint (DuckDB's, to compute a CTE once): a CTE
        # read more than once is computed once per reader there
        node.set("materialized", None)
        return node
    if isinstance(node, exp.DayOfWeekIso):
        weekday = exp.Anonymous(this="weekday", expressions=[node.this])
        return exp.Paren(this=exp.Add(this=weekday, expression=exp.Literal.number(1)))
    return node


def _distribute(tree: exp.Expression, by: dict[str, str]) -> None:
    ctes = {cte.alias: cte for cte in tree.find_all(exp.CTE)}
    for name, column in by.items():
        if name not in ctes:  # a definition renamed its CTE: say so, not run slower
            raise ValueError(f"no CTE {name!r} to distribute by {column!r}")
        ctes[name].this.set("distribute", exp.Distribute(expressions=[exp.column(column)]))


def _postgres_rewrite(node: exp.Expression) -> exp.Expression:
    # sqlglot writes DuckDB's hour(ts) and isodow(ts) as HOUR() and DAYOFWEEK_ISO(),
    # which PostgreSQL lacks: EXTRACT there, cast back to DuckDB's BIGINT (PostgreSQL's
    # EXTRACT gives NUMERIC, so `isodow(ts) - 1` would not be an integer otherwise)
    if isinstance(node, exp.Hour | exp.DayOfWeekIso):
        field = "HOUR" if isinstance(node, exp.Hour) else "ISODOW"
        extract = exp.Extract(this=exp.var(field), expression=node.this)
        return exp.Cast(this=extract, to=exp.DataType.build("BIGINT"))
    if isinstance(node, exp.Select) and node.args.get("qualify"):
        return _unqualify(node)
    return node


def _unqualify(select: exp.Select) -> exp.Expression:
    """PostgreSQL has no QUALIFY: sqlglot filters a subquery instead, but leaves the
    ORDER BY inside it, where PostgreSQL need not keep it (a fact's rows are written
    in that order, clustered by mailing). The ORDER BY goes to the outer query when
    each key is a column the subquery gives out; else it stays in.

    sqlglot names an unaliased computed column of such a SELECT after its function,
    which the subquery does not give out: the facts alias every computed column."""
    order = select.args.get("order")
    given = {}  # a projection's expression -> the identifier it is given out as
    for p in select.selects:
        ident = p.args.get("alias") if isinstance(p, exp.Alias) else p.args.get("this")
        if isinstance(ident, exp.Identifier):
            given.setdefault(p.unalias(), ident)
    keys = [given.get(o.this) for o in order.expressions] if order else []
    if not order or not all(keys):
        return transforms.eliminate_qualify(select)
    select.set("order", None)
    outer = transforms.eliminate_qualify(select)
    for o, ident in zip(order.expressions, keys, strict=True):
        o.set("this", exp.column(ident.copy()))
    outer.set("order", order)
    return outer


def _renamer(names: dict[str, str]):
    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in names:
            return exp.Table(this=exp.to_identifier(names[node.name]), alias=node.args.get(
                "alias") or exp.TableAlias(this=exp.to_identifier(node.name)))
        return node
    return rename


def _broadcast(tree: exp.Expression, aliases: tuple[str, ...]) -> None:
    """A BROADCAST hint, in the SELECT that joins them, for each of the subqueries or
    tables named by ``aliases``."""
    missing = set(aliases)
    for select in tree.find_all(exp.Select):
        sources = [select.args.get("from"), *(select.args.get("joins") or [])]
        named = [s.this.alias_or_name for s in sources if s is not None]
        hinted = [a for a in aliases if a in named]
        if hinted:
            hint = select.args.get("hint") or exp.Hint(expressions=[])
            hint.append("expressions", exp.Anonymous(
                this="BROADCAST", expressions=[exp.to_identifier(a) for a in hinted]))
            select.set("hint", hint)
            missing -= set(hinted)
    if missing:  # a definition renamed its subquery: say so, not run slower
        raise ValueError(f"no subquery {sorted(missing)[0]!r} to send whole to the workers")


def translate(sql: str, dialect: str, names: dict[str, str] | None = None,
              keep_order: bool = True, spread_by: tuple[tuple[str, str], ...] = (),
              broadcast: tuple[str, ...] = ()) -> str:
    """sql (DuckDB's dialect) in ``dialect`` (duckdb, spark or postgres), its tables
    renamed by ``names``; without ``keep_order`` the ORDER BYs of unlimited SELECTs
    go (a cached Spark table has no order: sorting it would only cost a shuffle).
    ``spread_by`` (Spark only, ``Fact.spread_by``): the CTEs whose rows Spark
    distributes by a column; ``broadcast`` (Spark only): the subqueries it sends
    whole to every worker (``Fact.few_for_few_customers``)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if names:
        tree = tree.transform(_renamer(names))
    if dialect == "spark":
        tree = tree.transform(_spark_rewrite)
        _distribute(tree, dict(spread_by))
        _broadcast(tree, broadcast)
    elif dialect == "postgres":
        tree = tree.transform(_postgres_rewrite)
    if not keep_order:
        for select in tree.find_all(exp.Select):
            if not select.args.get("limit"):
                select.set("order", None)
    return tree.sql(dialect=dialect)
