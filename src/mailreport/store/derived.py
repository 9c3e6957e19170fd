"""Refreshing the derived tables: reach times per (mailing, customer) and the
attribution of orders to mailings (DESIGN.md, "Derived tables").

Both are recomputed only for what a load changed: reach times for the mailings
whose events, audience or definition changed; attribution for the customers
whose orders or touches changed. A change of the attribution settings rebuilds
everything.
"""

from __future__ import annotations

from mailreport.contract import STAGE_OF_EVENT
from mailreport.settings import Settings
from mailreport.store import rollups
from mailreport.store.schema import REACH_COLUMNS, sql_str

STAGE_CASE = ("CASE e.type "
              + " ".join(f"WHEN '{t}' THEN {n}" for t, n in STAGE_OF_EVENT.items()) + " END")


def _touch_expr(settings: Settings) -> str:
    cases = " ".join(
        f"WHEN '{channel}' THEN r.{settings.basis_stage(channel)}_at"
        for channel in ("email", "sms", "push")
    )
    return f"CASE WHEN r.\"group\" = 'control' THEN NULL ELSE CASE m.channel {cases} END END"


def reach_times_sql(settings: Settings, mailing_filter: str) -> str:
    """SELECT producing reach_times rows for the mailings matched by mailing_filter
    (a SQL condition on a column named mailing_id).

    Besides the reach times it keeps each one's date in the company's time zone
    and the hour and weekday of the first open in the recipient's and the
    company's zone: converting time zones per row at report time would cost more
    than the rest of the report together."""
    company = sql_str(settings.company_timezone)

    def local(col: str, zone: str) -> str:
        return f"timezone({zone}, CAST({col} AS TIMESTAMPTZ))"

    def day(col: str) -> str:
        return f"CAST({local(col, company)} AS DATE)"

    return f"""
WITH ev AS (
    SELECT e.mailing_id, e.customer_id, e.variant_id, e.ts, {STAGE_CASE} AS stage,
           coalesce(e.is_machine, false) AS is_machine
    FROM events e
    WHERE e.type IN ('sent', 'delivered', 'opened', 'clicked') AND {mailing_filter}
), agg AS (
    SELECT mailing_id, customer_id, min(variant_id) AS event_variant,
        min(ts) AS sent_at_all,
        min(ts) FILTER (WHERE stage >= 2) AS delivered_at_all,
        min(ts) FILTER (WHERE stage >= 3) AS opened_at_all,
        min(ts) FILTER (WHERE stage >= 4) AS clicked_at_all,
        -- a machine event is evidence of delivery only (DESIGN.md)
        min(ts) FILTER (WHERE stage >= 3 AND NOT is_machine) AS opened_at,
        min(ts) FILTER (WHERE stage >= 4 AND NOT is_machine) AS clicked_at
    FROM ev GROUP BY mailing_id, customer_id
), aud AS (
    SELECT mailing_id, customer_id, status, "group", variant_id
    FROM audience WHERE {mailing_filter}
), r AS (
    SELECT coalesce(a.mailing_id, g.mailing_id) AS mailing_id,
           coalesce(a.customer_id, g.customer_id) AS customer_id,
           a.status,
           -- a good recipient of a mailing without a control group is in the test group
           CASE WHEN a.status = 'good' THEN coalesce(a."group", 'test') END AS "group",
           CASE WHEN a."group" = 'control' THEN NULL
                ELSE coalesce(a.variant_id, g.event_variant, 'A') END AS variant_id,
           g.sent_at_all AS sent_at, g.delivered_at_all AS delivered_at,
           g.opened_at, g.clicked_at,
           g.sent_at_all, g.delivered_at_all, g.opened_at_all, g.clicked_at_all
    FROM aud a FULL OUTER JOIN agg g
      ON a.mailing_id = g.mailing_id AND a.customer_id = g.customer_id
), z AS (
    SELECT r.*, {_touch_expr(settings)} AS touch_at,
           coalesce(c.timezone, {company}) AS zone
    FROM r JOIN mailings m ON m.mailing_id = r.mailing_id
    LEFT JOIN customers c ON c.customer_id = r.customer_id
), l AS (
    SELECT z.*, {local("opened_at", "zone")} AS o_local,
           {local("opened_at_all", "zone")} AS oa_local,
           {local("opened_at", company)} AS o_co, {local("opened_at_all", company)} AS oa_co
    FROM z
)
SELECT {", ".join(REACH_COLUMNS[:15])},
    {day("sent_at")} AS sent_day, {day("delivered_at")} AS delivered_day,
    CAST(o_co AS DATE) AS opened_day, {day("clicked_at")} AS clicked_day,
    CAST(oa_co AS DATE) AS opened_all_day, {day("clicked_at_all")} AS clicked_all_day,
    hour(o_local) AS open_hour, isodow(o_local) - 1 AS open_dow,
    hour(oa_local) AS open_hour_all, isodow(oa_local) - 1 AS open_dow_all,
    hour(o_co) AS open_hour_co, isodow(o_co) - 1 AS open_dow_co,
    hour(oa_co) AS open_hour_co_all, isodow(oa_co) - 1 AS open_dow_co_all
FROM l
ORDER BY mailing_id, customer_id
"""


def attributed_orders_sql(settings: Settings, customer_filter: str,
                          touch_filter: str = "true") -> str:
    """SELECT producing attributed_orders rows for the customers matched by
    customer_filter (a SQL condition on o.customer_id); touch_filter, on
    t.customer_id, may repeat it so the join's other side is cut as well."""
    company = sql_str(settings.company_timezone)
    return f"""
SELECT o.order_id, t.mailing_id, o.customer_id, o.kind, o.ts, o.total, t.touch_at,
       CAST(timezone({company}, CAST(o.ts AS TIMESTAMPTZ)) AS DATE) AS day
FROM orders o
JOIN reach_times t
  ON t.customer_id = o.customer_id
 AND t.touch_at <= o.ts
 AND o.ts < t.touch_at + INTERVAL {int(settings.attribution_window_days)} DAY
WHERE coalesce(o.status, 'completed') = 'completed' AND t.touch_at IS NOT NULL
  AND {customer_filter} AND {touch_filter}
QUALIFY row_number() OVER (
    PARTITION BY o.order_id ORDER BY t.touch_at DESC, t.mailing_id DESC) = 1
ORDER BY t.mailing_id, o.ts
"""


# The lines of attributed orders, by mailing: product sales reads these instead of
# joining every order line to the attributed orders on each request.
ATTRIBUTED_LINES_SQL = """
SELECT a.mailing_id, a.customer_id, a.order_id, a.day, l.product_id, l.quantity, l.amount
FROM attributed_orders a JOIN order_lines l ON l.order_id = a.order_id
WHERE {flt}
ORDER BY a.mailing_id, a.day
"""


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


def full_selects(settings: Settings) -> list[tuple[str, str]]:
    """(table, SELECT) building each derived table from scratch, in dependency order:
    the definitions as single statements, for engines that plan them whole (Spark)."""
    return [("reach_times", reach_times_sql(settings, "true")),
            ("attributed_orders", attributed_orders_sql(settings, "true")),
            ("attributed_lines", ATTRIBUTED_LINES_SQL.format(flt="true"))]


def begin_changes(con) -> None:
    """Start collecting what a write changes (mailings, customers) in temp tables."""
    for sql in CHANGE_TABLES_SQL:
        con.execute(sql)
    con.execute("DELETE FROM _changed_mailings")
    con.execute("DELETE FROM _changed_customers")
    con.execute("DELETE FROM _changed_products")


def _rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def mailing_batches(con, mailing_filter: str) -> list[list[str]]:
    """The mailings matched by mailing_filter (on mailing_id), in order, cut into
    batches of at most REFRESH_EVENTS events (a bigger mailing is a batch alone)."""
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
    return batches


def refresh(con, settings: Settings, full: bool = False) -> None:
    """Recompute the derived rows that the collected changes touch, or all of them.

    Runs on the caller's connection, inside the caller's transaction; the rollups
    (store/rollups.py) follow the rows they sum."""
    if full:
        con.execute("DELETE FROM reach_times")
        batches = mailing_batches(con, "true")
        for batch in batches:
            con.execute("INSERT INTO reach_times " + reach_times_sql(
                settings, f"mailing_id IN ({rollups.sql_list(batch)})"))
        _attribute(con, settings, None)
        rollups.rebuild(con, settings, batches)
        return
    changed = "mailing_id IN (SELECT mailing_id FROM _changed_mailings)"
    # Customers whose touches may move: everyone with a row in a changed mailing,
    # before and after the change, plus those whose orders changed.
    con.execute("CREATE OR REPLACE TEMP TABLE _affected_customers AS "
                "SELECT customer_id FROM _changed_customers UNION "
                "SELECT customer_id FROM reach_times WHERE " + changed)
    con.execute("DELETE FROM reach_times WHERE " + changed)
    rollups.delete_reach(con, changed)
    for batch in mailing_batches(con, changed):
        flt = f"mailing_id IN ({rollups.sql_list(batch)})"
        con.execute("INSERT INTO reach_times " + reach_times_sql(settings, flt))
        con.execute("INSERT INTO _affected_customers "
                    "SELECT customer_id FROM reach_times WHERE " + flt)
        rollups.fill_reach(con, settings, flt)
    # the mailings whose category sales move: changed ones, those of moved products,
    # and (added by _attribute) those whose attributed orders change
    con.execute("CREATE OR REPLACE TEMP TABLE _sales_mailings AS "
                "SELECT mailing_id FROM _changed_mailings UNION "
                "SELECT DISTINCT mailing_id FROM attributed_lines "
                "WHERE product_id IN (SELECT product_id FROM _changed_products)")
    _attribute(con, settings, "customer_id IN (SELECT customer_id FROM _affected_customers)")
    rollups.refresh_sales(con, "mailing_id IN (SELECT mailing_id FROM _sales_mailings)")
    _refresh_window_orders(con, settings, changed)


def _refresh_window_orders(con, settings: Settings, changed: str) -> None:
    """Window orders of the changed mailings, and of the customers whose orders changed."""
    buyers = "customer_id IN (SELECT customer_id FROM _changed_customers)"
    con.execute(f"DELETE FROM window_orders WHERE {changed} OR {buyers}")
    rollups.fill_window_orders(con, settings, changed)
    if _rows(con, "SELECT count(*) FROM _changed_customers")[0][0]:
        rollups.fill_window_orders(con, settings, f"NOT ({changed})", buyers)


def _attribute(con, settings: Settings, affected: str | None) -> None:
    """Attribute again the orders of the customers matched by ``affected`` (a
    condition on customer_id; None: everyone), a slice of customers at a time."""
    where = affected or "true"
    customers = _rows(con, "SELECT count(DISTINCT customer_id) FROM "
                      + ("customers" if affected is None else "_affected_customers"))[0][0]
    slices = max(1, -(-customers // ATTRIBUTION_CUSTOMERS))
    if affected is not None:
        con.execute("INSERT INTO _sales_mailings SELECT DISTINCT mailing_id "
                    "FROM attributed_orders WHERE " + where)
    con.execute("DELETE FROM attributed_orders WHERE " + where)
    con.execute("DELETE FROM attributed_lines WHERE " + where)
    con.execute("CREATE OR REPLACE TEMP TABLE _attributed AS "
                "SELECT * FROM attributed_orders LIMIT 0")
    for k in range(slices):
        orders = [f"o.{affected}"] if affected else []
        touches = []
        if slices > 1:
            orders.append(f"hash(o.customer_id) % {slices} = {k}")
            touches.append(f"hash(t.customer_id) % {slices} = {k}")
        con.execute("INSERT INTO _attributed " + attributed_orders_sql(
            settings, " AND ".join(orders) or "true", " AND ".join(touches) or "true"))
    con.execute("INSERT INTO attributed_orders SELECT * FROM _attributed "
                "ORDER BY mailing_id, ts")
    if affected is not None:
        con.execute("INSERT INTO _sales_mailings SELECT DISTINCT mailing_id FROM _attributed")
    con.execute("INSERT INTO attributed_lines "
                + ATTRIBUTED_LINES_SQL.replace("attributed_orders a", "_attributed a")
                .format(flt="true"))
    con.execute("DROP TABLE _attributed")
