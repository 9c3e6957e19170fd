"""The derived rows of live events: reach times and attribution, refreshed for the
(mailing, customer) pairs that live commits noted in ``live_pending``.

Narrower than ``derived.refresh``, which recomputes whole mailings: live events
touch a few thousand recipients of mailings that may have millions. Runs in the
caller's transaction and empties ``live_pending`` in it, so the pairs are either
refreshed and forgotten together or, after a crash, still pending.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mailreport.store import derived, rollups

# created by migration 4 (store/schema.py); a pair may repeat: recomputing it again
# does no harm, and the refresh takes them DISTINCT
PENDING_TABLE = "live_pending"


def note_pairs_sql(pairs_sql: str) -> str:
    """The INSERT that notes the (mailing_id, customer_id) pairs ``pairs_sql`` selects
    (its result is the number of rows noted)."""
    return (f"INSERT INTO {PENDING_TABLE} SELECT DISTINCT mailing_id, customer_id "
            f"FROM ({pairs_sql})")


@contextmanager
def _returned(con, name: str, sql: str) -> Iterator[None]:
    """Run sql and let the statements inside read the rows it returns as ``name``."""
    con.register(name, con.sql(sql).to_arrow_table())
    try:
        yield
    finally:
        con.unregister(name)


def refresh_pending(con, settings) -> int:
    """Recompute the derived rows of the pending pairs, and the attribution of the
    customers whose touch moved; returns how many pairs there were."""
    con.execute("CREATE OR REPLACE TEMP TABLE _live_pairs AS "
                f"SELECT DISTINCT mailing_id, customer_id FROM {PENDING_TABLE}")
    con.execute(f"DELETE FROM {PENDING_TABLE}")
    pairs = con.execute("SELECT count(*) FROM _live_pairs").fetchall()[0][0]
    if not pairs:
        return 0
    # a superset of the pairs (their mailings x their customers), still small; the
    # filter names columns only, as derived's queries expect
    flt = ("mailing_id IN (SELECT mailing_id FROM _live_pairs) "
           "AND customer_id IN (SELECT customer_id FROM _live_pairs)")
    # only a customer with orders has attribution that a touch can move
    buyers = f"{flt} AND customer_id IN (SELECT customer_id FROM orders)"
    con.execute("CREATE OR REPLACE TEMP TABLE _live_touch AS "
                f"SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {buyers}")
    # the rollups of reach rows: the old rows' counts out, the new rows' in (each
    # taken from what the DELETE and the INSERT return, not read again)
    counted = ", ".join(("customer_id", *rollups.COUNTED_COLUMNS))
    with _returned(con, "_live_reach",
                   f"DELETE FROM reach_times WHERE {flt} RETURNING {counted}"):
        rollups.retract(con, "reach_counts", rollups.reach_counts_sql("true", "_live_reach"))
        rollups.retract(con, "open_counts", rollups.open_counts_sql("true", "_live_reach"))
    con.execute(f"DELETE FROM click_counts WHERE {flt}")
    con.execute(f"DELETE FROM complaints WHERE {flt}")
    with _returned(con, "_live_reach", "INSERT INTO reach_times "
                   + derived.reach_times_sql(settings, flt) + f" RETURNING {counted}"):
        rollups.fill_reach(con, settings, flt, "_live_reach")
    con.execute("CREATE OR REPLACE TEMP TABLE _live_mailings AS "
                "SELECT DISTINCT mailing_id FROM _live_pairs")
    mailings = "mailing_id IN (SELECT mailing_id FROM _live_mailings)"
    rollups.fold(con, "reach_counts", mailings)
    rollups.fold(con, "open_counts", mailings)
    # without a sent_at, a mailing's window starts at its first send, which may move
    unscheduled = f"{mailings} AND mailing_id IN (SELECT mailing_id FROM mailings " \
                  "WHERE sent_at IS NULL)"
    con.execute(f"DELETE FROM window_orders WHERE {unscheduled}")
    rollups.fill_window_orders(con, settings, unscheduled)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_customers AS
        SELECT DISTINCT coalesce(n.customer_id, o.customer_id) AS customer_id
        FROM (SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {buyers}) n
        FULL OUTER JOIN _live_touch o
          ON o.mailing_id = n.mailing_id AND o.customer_id = n.customer_id
        WHERE n.touch_at IS DISTINCT FROM o.touch_at""")
    # buyers carry their reach row's stage days and their attributed orders: redo the
    # pairs' whose customer has orders and, below, the moved customers'
    if con.execute("SELECT count(*) FROM _live_touch").fetchall()[0][0]:
        rollups.redo_buyers(
            con, f"{flt} AND customer_id IN (SELECT customer_id FROM _live_touch)")
    if not con.execute("SELECT count(*) FROM _live_customers").fetchall()[0][0]:
        return pairs
    # an order is attributed by its customer's touches only
    moved = "customer_id IN (SELECT customer_id FROM _live_customers)"
    con.execute("CREATE OR REPLACE TEMP TABLE _live_sales AS "
                f"SELECT DISTINCT mailing_id FROM attributed_orders WHERE {moved}")
    rollups.retract_sales(con, moved)
    con.execute(f"DELETE FROM attributed_orders WHERE {moved}")
    con.execute("INSERT INTO attributed_orders "
                + derived.attributed_orders_sql(settings, "o." + moved))
    con.execute(f"DELETE FROM attributed_lines WHERE {moved}")
    con.execute("INSERT INTO attributed_lines "
                + derived.ATTRIBUTED_LINES_SQL.format(flt="a." + moved))
    rollups.fill_sales(con, "attributed", moved)
    rollups.redo_buyers(con, moved)
    con.execute(f"INSERT INTO _live_sales SELECT DISTINCT mailing_id FROM attributed_orders "
                f"WHERE {moved}")
    for table in rollups.SALES_ROLLUPS:
        rollups.fold(con, table, "mailing_id IN (SELECT mailing_id FROM _live_sales)")
    return pairs
