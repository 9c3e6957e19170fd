"""Rollups: the derived tables summed to what the report sections ask for, kept
by the same refreshes (DESIGN.md, "Derived tables").

A section over a mailing of millions of recipients would otherwise read millions
of reach rows on every request. Each rollup keeps what lets a section answer for
any period exactly, and no more:

* ``reach_counts``: reach rows counted by mailing, audience status, group,
  variant, stage and the stage's company date. Stage ``audience`` counts every
  row (its day is null); ``opened_all`` and ``clicked_all`` count with machine
  events. Serves volume, the funnel, groups' counts, heatmap readers and the
  mailings list.
* ``open_counts``: first opens by mailing, company date, weekday and hour, in
  the recipient's and the company's zone, with and without machine opens.
* ``click_counts``: clicks by mailing, customer, variant, link and day. Unique
  clickers in a period are distinct customers, so the customer stays.
* ``window_orders``: each good recipient's completed orders in the mailing's
  window (the groups report), by day. Per customer: groups need each customer's
  revenue squared.
* ``category_sales``: attributed order lines by mailing, day and category. An
  order has one day and one mailing, so receipts add up across days and mailings.
* ``order_days``: buyers by the day of an attributed order and the day of their
  previous one for the same mailing: a buyer's first order in a period [from, to]
  falls on a day whose previous day is before ``from``, or none.
* ``buyers``: each buyer's attributed orders by mailing and day, with what their
  reach row says (status, group, variant, stage days and times), so a customer list sorted
  by revenue, and a segment's orders and revenue, read buyers only.
* ``complaints``: spam and unsubscribe events by mailing, customer and day (the
  first one's time and the least variant, as the customer lists take them).

Counts are additive: a live refresh subtracts the old rows' counts (``retract``)
and inserts the new ones, then, once they pile up, folds each touched mailing's
rows together (``fold``).
"""

from __future__ import annotations

import datetime as dt

from mailreport.settings import Settings
from mailreport.store.schema import ROLLUP_TABLES, ROLLUPS_SQL, sql_str

# bumped when a rollup's definition changes: opening a store built under another
# version rebuilds the rollups from the derived tables (DuckDBStore)
ROLLUPS_VERSION = "4"

# the rollups of a mailing's reach rows and events, and of its attributed orders
EVENT_ROLLUPS = ("reach_counts", "open_counts", "click_counts", "complaints")
SALES_ROLLUPS = ("category_sales", "order_days")

# reach_counts' stages: the stage's name and its day column in reach_times
STAGE_DAYS = (("sent", "sent_day"), ("delivered", "delivered_day"),
              ("opened", "opened_day"), ("clicked", "clicked_day"),
              ("opened_all", "opened_all_day"), ("clicked_all", "clicked_all_day"))

# the reach times a customer list shows as when a member was reached
REACHED_AT = ("sent_at", "delivered_at", "opened_at", "clicked_at", "opened_at_all",
              "clicked_at_all")

# open_counts: (machine, zone, day, weekday, hour) columns of reach_times
OPEN_COLUMNS = ((False, "recipient", "opened_day", "open_dow", "open_hour"),
                (False, "company", "opened_day", "open_dow_co", "open_hour_co"),
                (True, "recipient", "opened_all_day", "open_dow_all", "open_hour_all"),
                (True, "company", "opened_all_day", "open_dow_co_all", "open_hour_co_all"))

# the key columns and the additive measures of the count rollups
KEYS = {"reach_counts": ("mailing_id", "status", '"group"', "variant_id", "stage", "day"),
        "open_counts": ("mailing_id", "machine", "zone", "day", "dow", "hour"),
        "category_sales": ("mailing_id", "day", "category_id"),
        "order_days": ("mailing_id", "day", "prev_day")}
MEASURES = {"reach_counts": ("customers",), "open_counts": ("openers",),
            "category_sales": ("units", "revenue", "receipts"), "order_days": ("customers",)}


def _company(settings: Settings) -> str:
    return sql_str(settings.company_timezone)


def reach_counts_sql(flt: str, table: str = "reach_times") -> str:
    """reach_counts rows of the reach rows (in ``table``) matched by flt: each row
    unnested to its audience entry and one entry per stage it reached, in one pass."""
    entries = ", ".join(["{'stage': 'audience', 'day': CAST(NULL AS DATE)}"]
                        + [f"{{'stage': '{stage}', 'day': {day}}}" for stage, day in STAGE_DAYS])
    return f"""
SELECT mailing_id, status, "group", variant_id, e.stage AS stage, e.day AS day,
       count(*) AS customers
FROM (SELECT mailing_id, status, "group", variant_id, unnest([{entries}]) AS e
      FROM {table} WHERE {flt})
WHERE e.stage = 'audience' OR e.day IS NOT NULL
GROUP BY ALL"""


def open_counts_sql(flt: str, table: str = "reach_times") -> str:
    entries = ", ".join(f"{{'machine': {str(machine).lower()}, 'zone': '{zone}', 'day': {day}, "
                        f"'dow': {dow}, 'hour': {hour}}}"
                        for machine, zone, day, dow, hour in OPEN_COLUMNS)
    return f"""
SELECT mailing_id, e.machine AS machine, e.zone AS zone, e.day AS day, e.dow AS dow,
       e.hour AS hour, count(*) AS openers
FROM (SELECT mailing_id, unnest([{entries}]) AS e FROM {table}
      WHERE ({flt}) AND opened_all_day IS NOT NULL)
WHERE e.day IS NOT NULL
GROUP BY ALL"""


def click_counts_sql(settings: Settings, flt: str, rows: str = "reach_times") -> str:
    """Clicks of the (mailing, customer) pairs matched by flt. A click takes its
    recipient's variant, else its own, else A (as the heatmap defines)."""
    return f"""
SELECT e.mailing_id, e.customer_id, coalesce(r.variant_id, e.variant_id, 'A') AS variant_id,
       e.link_index, e.url,
       CAST(timezone({_company(settings)}, CAST(e.ts AS TIMESTAMPTZ)) AS DATE) AS day,
       coalesce(e.is_machine, false) AS is_machine, count(*) AS clicks
FROM (SELECT * FROM events WHERE type = 'clicked' AND ts IS NOT NULL AND {flt}) e
LEFT JOIN (SELECT mailing_id, customer_id, variant_id FROM {rows} WHERE {flt}) r
  ON r.mailing_id = e.mailing_id AND r.customer_id = e.customer_id
GROUP BY ALL
ORDER BY 1, 2"""


def complaints_sql(settings: Settings, flt: str) -> str:
    return f"""
SELECT mailing_id, customer_id, type,
       CAST(timezone({_company(settings)}, CAST(ts AS TIMESTAMPTZ)) AS DATE) AS day,
       min(ts) AS first_ts, min(variant_id) AS variant_id, count(*) AS events
FROM events WHERE type IN ('spam', 'unsubscribed') AND ts IS NOT NULL AND {flt}
GROUP BY ALL
ORDER BY 1, 2"""


def order_days_sql(table: str, flt: str) -> str:
    """order_days rows of the attributed orders (in ``table``) matched by flt."""
    return f"""
SELECT mailing_id, day, prev_day, count(*) AS customers FROM (
    SELECT mailing_id, customer_id, day,
           lag(day) OVER (PARTITION BY mailing_id, customer_id ORDER BY day) AS prev_day
    FROM (SELECT DISTINCT mailing_id, customer_id, day FROM {table} WHERE {flt}))
GROUP BY ALL"""


def buyers_sql(flt: str) -> str:
    """buyers rows of the (mailing, customer) pairs matched by flt. A buyer without a
    reach row (none is expected: a touch comes from one) takes variant A, as the
    customer lists do."""
    days = ", ".join([f"r.{day}" for _, day in STAGE_DAYS]
                     + [f"r.{col}" for col in REACHED_AT])
    return f"""
SELECT a.mailing_id, a.customer_id, a.day, count(*) AS orders, sum(a.total) AS revenue,
       min(a.ts) AS first_ts, r.status, r."group",
       CASE WHEN r.customer_id IS NULL THEN 'A' ELSE r.variant_id END AS variant_id, {days}
FROM (SELECT * FROM attributed_orders WHERE {flt}) a
LEFT JOIN (SELECT * FROM reach_times WHERE {flt}) r
  ON r.mailing_id = a.mailing_id AND r.customer_id = a.customer_id
GROUP BY ALL
ORDER BY 1, 2, 3"""


def window_orders_sql(settings: Settings, mailing_id: str, start, customer_flt: str) -> str:
    """One mailing's window orders (groups report): the completed orders of its good
    recipients in [start, start + window), for the customers matched by customer_flt."""
    return f"""
SELECT r.mailing_id, r.customer_id, r."group", r.variant_id,
       CAST(timezone({_company(settings)}, CAST(o.ts AS TIMESTAMPTZ)) AS DATE) AS day,
       count(*) AS orders, sum(o.total) AS revenue
FROM (SELECT mailing_id, customer_id, "group", variant_id FROM reach_times
      WHERE mailing_id = {sql_str(mailing_id)} AND status = 'good' AND {customer_flt}) r
JOIN (SELECT customer_id, ts, total FROM orders
      WHERE coalesce(status, 'completed') = 'completed' AND ts >= ? AND ts < ?
        AND {customer_flt}) o
  ON o.customer_id = r.customer_id
GROUP BY ALL
ORDER BY 2, 5"""


def category_sales_sql(table: str, flt: str) -> str:
    """category_sales rows of the attributed lines (in ``table``) matched by flt."""
    return f"""
SELECT a.mailing_id, a.day, p.category_id, sum(a.quantity) AS units,
       sum(a.amount) AS revenue, count(DISTINCT a.order_id) AS receipts
FROM (SELECT * FROM {table} WHERE {flt}) a JOIN products p ON p.product_id = a.product_id
GROUP BY ALL"""


# -- keeping them -------------------------------------------------------------------


def starts(con, mailing_filter: str) -> list[tuple[str, object]]:
    """(mailing_id, start of sending) of the matched mailings: sent_at, else the
    first send among its reach rows (as the groups report defines)."""
    return con.execute(f"""
        SELECT m.mailing_id, coalesce(m.sent_at, f.first)
        FROM (SELECT * FROM mailings WHERE {mailing_filter}) m
        LEFT JOIN (SELECT mailing_id, min(sent_at) AS first FROM reach_times
                   WHERE {mailing_filter} AND mailing_id IN
                       (SELECT mailing_id FROM mailings WHERE sent_at IS NULL)
                   GROUP BY 1) f ON f.mailing_id = m.mailing_id
        ORDER BY 1""").fetchall()


def fill_window_orders(con, settings: Settings, mailing_filter: str,
                       customer_flt: str = "true") -> None:
    window = settings.attribution_window_days
    for mailing_id, start in starts(con, mailing_filter):
        if start is None:
            continue
        con.execute("INSERT INTO window_orders "
                    + window_orders_sql(settings, mailing_id, start, customer_flt),
                    [start, start + dt.timedelta(days=window)])


def fill_reach(con, settings: Settings, flt: str, rows: str = "reach_times") -> None:
    """The rollups of the reach rows and events matched by flt, added; ``rows`` may
    name a table holding just those reach rows, which is quicker to count."""
    con.execute("INSERT INTO reach_counts " + reach_counts_sql(flt, rows))
    con.execute("INSERT INTO open_counts " + open_counts_sql(flt, rows))
    con.execute("INSERT INTO click_counts " + click_counts_sql(settings, flt, rows))
    con.execute("INSERT INTO complaints " + complaints_sql(settings, flt))


def delete_reach(con, flt: str) -> None:
    for table in EVENT_ROLLUPS:
        con.execute(f"DELETE FROM {table} WHERE {flt}")


def fill_sales(con, table: str, flt: str) -> None:
    """The rollups of the attributed orders and lines (in ``table``, ``_lines``)
    matched by flt, added."""
    con.execute("INSERT INTO category_sales " + category_sales_sql(f"{table}_lines", flt)
                + " ORDER BY 1, 2")
    con.execute("INSERT INTO order_days " + order_days_sql(f"{table}_orders", flt)
                + " ORDER BY 1, 2")


def rebuild(con, settings: Settings, mailing_batches: list[list[str]]) -> None:
    """Every rollup from the derived tables (inside the caller's transaction)."""
    # made afresh: a store from under another ROLLUPS_VERSION may have other shapes
    for table in ROLLUP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for sql in ROLLUPS_SQL:
        con.execute(sql)
    for batch in mailing_batches:
        fill_reach(con, settings, f"mailing_id IN ({sql_list(batch)})")
    fill_window_orders(con, settings, "true")
    fill_sales(con, "attributed", "true")
    con.execute("INSERT INTO buyers " + buyers_sql("true"))
    con.execute("INSERT OR REPLACE INTO meta VALUES ('rollups_version', ?)", [ROLLUPS_VERSION])


def refresh_sales(con, mailing_filter: str) -> None:
    """The sales rollups of the matched mailings, again from their attributed orders."""
    for table in SALES_ROLLUPS:
        con.execute(f"DELETE FROM {table} WHERE {mailing_filter}")
    fill_sales(con, "attributed", mailing_filter)
    redo_buyers(con, mailing_filter)


def redo_buyers(con, flt: str) -> None:
    """The buyers rows of the (mailing, customer) pairs matched by flt, again."""
    con.execute(f"DELETE FROM buyers WHERE {flt}")
    con.execute("INSERT INTO buyers " + buyers_sql(flt))


def sql_list(values) -> str:
    return ", ".join(sql_str(v) for v in values)


# -- live: additive deltas ----------------------------------------------------------


# the reach rows' columns that reach_counts and open_counts read
COUNTED_COLUMNS = ("mailing_id", "status", '"group"', "variant_id",
                   *(day for _, day in STAGE_DAYS),
                   *(c for *_, dow, hour in OPEN_COLUMNS for c in (dow, hour)))


def retract_sales(con, flt: str) -> None:
    """Subtract what the attributed orders matched by flt count in the sales rollups."""
    retract(con, "category_sales", category_sales_sql("attributed_lines", flt))
    retract(con, "order_days", order_days_sql("attributed_orders", flt))


def retract(con, table: str, select_sql: str) -> None:
    """Subtract what select_sql's rows (in ``table``'s shape) count."""
    keys, measures = KEYS[table], MEASURES[table]
    negated = ", ".join([*keys, *(f"-{m}" for m in measures)])
    con.execute(f"INSERT INTO {table} SELECT {negated} FROM ({select_sql})")


# a live refresh folds a count rollup's rows of its mailings once they number this
# many: until then reports sum a few more rows, and refreshes skip the fold's cost
FOLD_ROWS = 50_000


def fold(con, table: str, mailing_filter: str) -> None:
    """Sum the matched mailings' rows of a count rollup to one row per key, dropping
    keys whose counts came to nothing; only once they have FOLD_ROWS rows or more."""
    if con.execute(f"SELECT count(*) FROM {table} WHERE {mailing_filter}"
                             ).fetchall()[0][0] < FOLD_ROWS:
        return
    keys, measures = KEYS[table], MEASURES[table]
    sums = ", ".join(f"sum({m}) AS {m}" for m in measures)
    nonzero = " OR ".join(f"sum({m}) <> 0" for m in measures)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _folded AS SELECT {', '.join(keys)}, {sums} "
                f"FROM {table} WHERE {mailing_filter} GROUP BY ALL HAVING {nonzero}")
    con.execute(f"DELETE FROM {table} WHERE {mailing_filter}")
    con.execute(f"INSERT INTO {table} SELECT * FROM _folded")
    con.execute("DROP TABLE _folded")
