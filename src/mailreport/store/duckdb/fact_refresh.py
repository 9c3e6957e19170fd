"""Keeping the facts (facts/) in a DuckDB store: built whole, refreshed for what a
load changed, in the caller's transaction.

A load collects what it changed (mailings, customers, products) in temp tables;
the refresh recomputes reach times and their rollups for the changed mailings,
attribution for the customers whose orders or touches may move, the sales
rollups of every mailing whose attributed orders moved, and the campaign counts
of the changed mailings' campaigns (whole) and of the changed customers (theirs).
A change of a definition or of a setting they depend on changes the facts'
fingerprint and rebuilds them all.
"""

from __future__ import annotations

import functools

from mailreport.facts import (
    ATTRIBUTED_LINES,
    ATTRIBUTED_ORDERS,
    BOUNCES,
    BUYERS,
    CAMPAIGN_COUNTS,
    CAMPAIGN_MAILINGS,
    CATEGORY_SALES,
    CLICK_COUNTS,
    COMPLAINTS,
    DOMAIN_SENT,
    FACTS,
    OPEN_COUNTS,
    ORDER_DAYS,
    REACH_COUNTS,
    REACH_DETAIL_COUNTS,
    REACH_DETAILS,
    REACH_TIMES,
    SEND_HOURS,
    WINDOW_ORDERS,
    Fact,
    fingerprint,
    user_agents,
)
from mailreport.facts.sql import sql_list, sql_str
from mailreport.settings import Settings
from mailreport.store import dialects

# the rollups of a mailing's reach rows and events, and of its attributed orders
# (reach_details before its counts: a batch builds them in this order)
REACH_ROLLUPS = (REACH_COUNTS, OPEN_COUNTS, CLICK_COUNTS, COMPLAINTS, BOUNCES, DOMAIN_SENT,
                 SEND_HOURS, REACH_DETAILS, REACH_DETAIL_COUNTS)
SALES_ROLLUPS = (CATEGORY_SALES, ORDER_DAYS)

# How much one statement of a refresh takes on: enough that statement overheads do
# not matter, small enough that a 5M-customer store refreshes within its memory limit
# without spilling tens of gigabytes (a single statement over 135M events did).
REFRESH_EVENTS = 8_000_000
ATTRIBUTION_CUSTOMERS = 1_000_000

CHANGE_TABLES_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS _changed_mailings (mailing_id VARCHAR)",
    "CREATE TEMP TABLE IF NOT EXISTS _changed_customers (customer_id VARCHAR)",
    # a product moved to another category moves its sales in category_sales
    "CREATE TEMP TABLE IF NOT EXISTS _changed_products (product_id VARCHAR)",
)

CHANGED = "mailing_id IN (SELECT mailing_id FROM _changed_mailings)"


@functools.lru_cache(maxsize=256)
def _select(fact: Fact, settings: Settings, where: str,
            names: tuple[tuple[str, str], ...] = ()) -> str:
    """The fact's SELECT for ``where``, reading the tables ``names`` maps to in place
    of its sources. Kept: a live refresh asks for the same few every time, and
    renaming through sqlglot costs tens of milliseconds a refresh."""
    select = fact.select(settings, where)
    return dialects.translate(select, "duckdb", dict(names)) if names else select


def insert(con, fact: Fact, settings: Settings, where: str,
           names: dict[str, str] | None = None) -> None:
    """Add the fact's rows for what ``where`` matches; ``names`` reads other tables
    in place of its sources (e.g. the reach rows a statement returned)."""
    select = _select(fact, settings, where, tuple(sorted((names or {}).items())))
    con.execute(f"INSERT INTO {fact.name} {select}")


def delete(con, fact: Fact, where: str) -> None:
    con.execute(f"DELETE FROM {fact.name} WHERE {where}")


def redo(con, fact: Fact, settings: Settings, where: str) -> None:
    """Replace the fact's rows for what ``where`` matches with its definition's."""
    delete(con, fact, where)
    insert(con, fact, settings, where)


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def scalar(con, sql: str):
    return _rows(con, sql)[0][0]


def begin_changes(con) -> None:
    """Start collecting what a write changes (mailings, customers) in temp tables."""
    for sql in CHANGE_TABLES_SQL:
        con.execute(sql)
    con.execute("DELETE FROM _changed_mailings")
    con.execute("DELETE FROM _changed_customers")
    con.execute("DELETE FROM _changed_products")


def mailing_batches(con, mailing_filter: str) -> list[str]:
    """Conditions on mailing_id, each matching a batch of the mailings that
    mailing_filter matches, in order, of at most REFRESH_EVENTS events (a bigger
    mailing is a batch alone)."""
    ids = _rows(con, f"""
        SELECT mailing_id, sum(n) FROM (
            SELECT mailing_id, count(*) AS n FROM events WHERE {mailing_filter} GROUP BY 1
            UNION ALL SELECT mailing_id, 0 FROM audience WHERE {mailing_filter} GROUP BY 1
            UNION ALL SELECT mailing_id, 0 FROM mailings WHERE {mailing_filter})
        WHERE mailing_id IS NOT NULL GROUP BY 1 ORDER BY 1""")
    batches: list[list[str]] = []
    size = 0
    for mailing_id, n in ids:
        if not batches or size + n > REFRESH_EVENTS:
            batches.append([])
            size = 0
        batches[-1].append(mailing_id)
        size += n
    return [f"mailing_id IN ({sql_list(batch)})" for batch in batches]


def fill_user_agents(con, where: str = "true") -> int:
    """Parse the user agents of the events ``where`` matches not parsed yet
    (facts/user_agents.py), before the facts that join them are built."""
    import pyarrow as pa

    def insert(rows) -> None:
        names = [n for n, _ in user_agents.COLUMNS]
        columns = [list(col) for col in zip(*rows, strict=True)]
        con.register("_new_agents", pa.table(dict(zip(names, columns, strict=True))))
        try:
            con.execute("INSERT INTO user_agents SELECT * FROM _new_agents")
        finally:
            con.unregister("_new_agents")

    return user_agents.fill(lambda sql: _rows(con, sql), insert, where)


def rebuild(con, settings: Settings) -> None:
    """Every fact made afresh from its definition (a changed definition may change
    a table's shape), then the fingerprint recorded. The user agents are parsed
    afresh too: the parser's version is part of the fingerprint."""
    con.execute(user_agents.DDL)
    con.execute("DELETE FROM user_agents")
    fill_user_agents(con)
    for fact in FACTS:
        con.execute(f"DROP TABLE IF EXISTS {fact.name}")
        con.execute(fact.ddl())
    batches = mailing_batches(con, "true")
    for batch in batches:
        insert(con, REACH_TIMES, settings, batch)
    _attribute(con, settings, None)
    for batch in batches:
        for fact in (*REACH_ROLLUPS, WINDOW_ORDERS):
            insert(con, fact, settings, batch)
    for fact in (*SALES_ROLLUPS, BUYERS, CAMPAIGN_MAILINGS):
        insert(con, fact, settings, "true")
    for campaign in campaign_batches(con, "SELECT campaign_id FROM campaign_mailings"):
        insert(con, CAMPAIGN_COUNTS, settings, campaign)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('facts', ?)", [fingerprint(settings)])


def campaign_batches(con, campaigns_sql: str) -> list[str]:
    """Conditions for campaign_counts, one per campaign that campaigns_sql selects
    (a campaign's counts read all its reach rows, as much as a statement should),
    each narrowed to the campaign's mailings so that only theirs are read."""
    by_campaign: dict[str, list[str]] = {}
    for campaign, mailing in _campaign_mailings(con, campaigns_sql):
        by_campaign.setdefault(campaign, []).append(mailing)
    return [f"campaign_id = {sql_str(c)} AND mailing_id IN ({sql_list(ms)})"
            for c, ms in by_campaign.items()]


def campaigns_where(con, campaigns_sql: str) -> str:
    """One condition for campaign_counts matching the campaigns campaigns_sql
    selects, narrowed to their mailings; "false" for none."""
    rows = _campaign_mailings(con, campaigns_sql)
    if not rows:
        return "false"
    return (f"campaign_id IN ({sql_list(sorted({c for c, _ in rows}))}) "
            f"AND mailing_id IN ({sql_list(m for _, m in rows)})")


def _campaign_mailings(con, campaigns_sql: str) -> list[tuple[str, str]]:
    return _rows(con, "SELECT campaign_id, mailing_id FROM mailings WHERE campaign_id IN "
                      f"(SELECT campaign_id FROM ({campaigns_sql}) c) ORDER BY 1, 2")


# the campaigns whose counts a refresh redoes whole, and the changed customers' pairs
# in the others, whose counts it takes out before and puts back after
CHANGED_CAMPAIGNS = "campaign_id IN (SELECT campaign_id FROM _changed_campaigns)"
CHANGED_BUYERS = ("customer_id IN (SELECT customer_id FROM _changed_customers) "
                  f"AND NOT {CHANGED_CAMPAIGNS}")


def refresh(con, settings: Settings) -> None:
    """Recompute the facts that the collected changes touch."""
    # a changed mailing's campaign, and the one it was counted in before
    con.execute("CREATE OR REPLACE TEMP TABLE _changed_campaigns AS "
                f"SELECT campaign_id FROM campaign_mailings WHERE {CHANGED} UNION "
                f"SELECT campaign_id FROM mailings WHERE {CHANGED} AND campaign_id IS NOT NULL")
    # the changed customers' pairs in the other campaigns, narrowed to their mailings
    buyers = (f"({campaigns_where(con, 'SELECT campaign_id FROM campaign_mailings')}) "
              f"AND {CHANGED_BUYERS}")
    retract(con, CAMPAIGN_COUNTS, settings, buyers)
    redo(con, CAMPAIGN_MAILINGS, settings, CHANGED)
    # Customers whose touches may move: everyone with a row in a changed mailing,
    # before and after the change, plus those whose orders changed.
    con.execute("CREATE OR REPLACE TEMP TABLE _affected_customers AS "
                "SELECT customer_id FROM _changed_customers UNION "
                "SELECT customer_id FROM reach_times WHERE " + CHANGED)
    fill_user_agents(con, CHANGED)
    for fact in (REACH_TIMES, *REACH_ROLLUPS):
        delete(con, fact, CHANGED)
    for batch in mailing_batches(con, CHANGED):
        insert(con, REACH_TIMES, settings, batch)
        con.execute("INSERT INTO _affected_customers "
                    "SELECT customer_id FROM reach_times WHERE " + batch)
        for fact in REACH_ROLLUPS:
            insert(con, fact, settings, batch)
    # the mailings whose sales move: changed ones, those of moved products, and
    # (added by _attribute) those whose attributed orders change
    con.execute("CREATE OR REPLACE TEMP TABLE _sales_mailings AS "
                "SELECT mailing_id FROM _changed_mailings UNION "
                "SELECT DISTINCT mailing_id FROM attributed_lines "
                "WHERE product_id IN (SELECT product_id FROM _changed_products)")
    _attribute(con, settings, "customer_id IN (SELECT customer_id FROM _affected_customers)")
    sales = "mailing_id IN (SELECT mailing_id FROM _sales_mailings)"
    for fact in (*SALES_ROLLUPS, BUYERS):
        redo(con, fact, settings, sales)
    # window orders: of the changed mailings, and of the customers whose orders changed
    # in batches of mailings, as a rebuild makes them: a first load changes every
    # mailing, and one statement over all of them ran out of memory at 5M customers
    window = f"({CHANGED} OR customer_id IN (SELECT customer_id FROM _changed_customers))"
    delete(con, WINDOW_ORDERS, window)
    for batch in mailing_batches(con, "true"):
        insert(con, WINDOW_ORDERS, settings, f"({batch}) AND {window}")
    insert(con, CAMPAIGN_COUNTS, settings, buyers)
    delete(con, CAMPAIGN_COUNTS, CHANGED_CAMPAIGNS)
    for campaign in campaign_batches(con, "SELECT campaign_id FROM _changed_campaigns"):
        insert(con, CAMPAIGN_COUNTS, settings, campaign)
    fold(con, CAMPAIGN_COUNTS, "true")


def _attribute(con, settings: Settings, affected: str | None) -> None:
    """Attribute again the orders of the customers matched by ``affected`` (a
    condition on customer_id; None: everyone), a slice of customers at a time, the
    new rows sorted by mailing as the table is."""
    where = affected or "true"
    customers = scalar(con, "SELECT count(DISTINCT customer_id) FROM "
                        + ("customers" if affected is None else "_affected_customers"))
    slices = max(1, -(-customers // ATTRIBUTION_CUSTOMERS))
    if affected is not None:
        con.execute("INSERT INTO _sales_mailings SELECT DISTINCT mailing_id "
                    "FROM attributed_orders WHERE " + where)
    delete(con, ATTRIBUTED_ORDERS, where)
    delete(con, ATTRIBUTED_LINES, where)
    con.execute("CREATE OR REPLACE TEMP TABLE _attributed AS "
                "SELECT * FROM attributed_orders LIMIT 0")
    for k in range(slices):
        part = where if slices == 1 else f"{where} AND hash(customer_id) % {slices} = {k}"
        con.execute("INSERT INTO _attributed "
                    + ATTRIBUTED_ORDERS.select(settings, part))
    con.execute("INSERT INTO attributed_orders SELECT * FROM _attributed "
                "ORDER BY mailing_id, ts")
    if affected is not None:
        con.execute("INSERT INTO _sales_mailings SELECT DISTINCT mailing_id FROM _attributed")
    con.execute("DROP TABLE _attributed")
    insert(con, ATTRIBUTED_LINES, settings, where)


# -- live: additive deltas ----------------------------------------------------------


def retract(con, fact: Fact, settings: Settings, where: str,
            names: dict[str, str] | None = None) -> None:
    """Subtract what the fact's rows for ``where`` count (a counting fact's)."""
    select = _select(fact, settings, where, tuple(sorted((names or {}).items())))
    negated = ", ".join([*(f'"{k}"' for k in fact.keys), *(f"-{m}" for m in fact.measures)])
    con.execute(f"INSERT INTO {fact.name} SELECT {negated} FROM ({select}) AS d")


# a live refresh folds a counting fact's rows of its mailings once they number this
# many: until then reports sum a few more rows, and refreshes skip the fold's cost
FOLD_ROWS = 50_000


def fold(con, fact: Fact, mailing_filter: str) -> None:
    """Sum the matched mailings' rows of a counting fact to one row per key, dropping
    keys whose counts came to nothing; only once they have FOLD_ROWS rows or more."""
    if scalar(con, f"SELECT count(*) FROM {fact.name} WHERE {mailing_filter}") < FOLD_ROWS:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _folded AS " + fact.summed(mailing_filter))
    delete(con, fact, mailing_filter)
    con.execute(f"INSERT INTO {fact.name} SELECT * FROM _folded")
    con.execute("DROP TABLE _folded")
