"""The facts of live events, refreshed for the (mailing, customer) pairs that live
commits noted in ``live_pending``.

Narrower than ``fact_refresh.refresh``, which recomputes whole mailings: live events
touch a few thousand recipients of mailings that may have millions. The counting
facts take the difference: the old rows' counts out, the new rows' in, both from
the facts' own definitions over the rows that the DELETE and the INSERT return.
Runs in the caller's transaction and empties ``live_pending`` in it, so the pairs
are either refreshed and forgotten together or, after a crash, still pending.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mailreport.facts import (
    ATTRIBUTED_LINES,
    ATTRIBUTED_ORDERS,
    BOUNCES,
    BUYERS,
    CAMPAIGN_COUNTS,
    CLICK_COUNTS,
    COMPLAINTS,
    DOMAIN_SENT,
    OPEN_COUNTS,
    REACH_COUNTS,
    REACH_DETAIL_COUNTS,
    REACH_DETAILS,
    REACH_TIMES,
    SEND_HOURS,
    WINDOW_ORDERS,
)
from mailreport.store.duckdb.fact_refresh import (
    SALES_ROLLUPS,
    campaigns_where,
    delete,
    fill_user_agents,
    fold,
    insert,
    redo,
    retract,
    scalar,
)

# created by migration 4 (store/schema.py); a pair may repeat: recomputing it again
# does no harm, and the refresh takes them DISTINCT
PENDING_TABLE = "live_pending"

# the reach rows a statement returned, read in place of reach_times
RETURNED = {"reach_times": "_live_reach"}


def note_pairs_sql(pairs_sql: str) -> str:
    """The INSERT that notes the (mailing_id, customer_id) pairs ``pairs_sql`` selects
    (its result is the number of rows noted)."""
    return (f"INSERT INTO {PENDING_TABLE} SELECT DISTINCT mailing_id, customer_id "
            f"FROM ({pairs_sql})")


@contextmanager
def _returned(con, sql: str) -> Iterator[None]:
    """Run sql and let the statements inside read the rows it returns as _live_reach."""
    con.register(RETURNED["reach_times"], con.sql(sql).to_arrow_table())
    try:
        yield
    finally:
        con.unregister(RETURNED["reach_times"])


def refresh_pending(con, settings) -> int:
    """Recompute the facts of the pending pairs, and the attribution of the
    customers whose touch moved; returns how many pairs there were."""
    con.execute("CREATE OR REPLACE TEMP TABLE _live_pairs AS "
                f"SELECT DISTINCT mailing_id, customer_id FROM {PENDING_TABLE}")
    con.execute(f"DELETE FROM {PENDING_TABLE}")
    pairs = scalar(con, "SELECT count(*) FROM _live_pairs")
    if not pairs:
        return 0
    # a superset of the pairs (their mailings x their customers), still small
    flt = ("mailing_id IN (SELECT mailing_id FROM _live_pairs) "
           "AND customer_id IN (SELECT customer_id FROM _live_pairs)")
    # only a customer with orders has orders that a touch or a variant can move; the
    # orders are looked through once, not by every statement that asks
    con.execute("CREATE OR REPLACE TEMP TABLE _live_buyers AS "
                "SELECT DISTINCT customer_id FROM _live_pairs "
                "WHERE customer_id IN (SELECT customer_id FROM orders)")
    buyers = f"{flt} AND customer_id IN (SELECT customer_id FROM _live_buyers)"
    con.execute("CREATE OR REPLACE TEMP TABLE _live_touch AS "
                f"SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {buyers}")
    # the pairs' customers in their mailings' campaigns, counted out now and in once
    # their facts are new; a whole campaign where a mailing without a sent_at may
    # move everyone's window orders (below)
    live = ("SELECT campaign_id FROM mailings "
            "WHERE mailing_id IN (SELECT mailing_id FROM _live_pairs)")
    in_campaigns = campaigns_where(con, live)
    campaigns = (f"({in_campaigns} AND customer_id IN (SELECT customer_id FROM _live_pairs)) "
                 f"OR ({campaigns_where(con, live + ' AND sent_at IS NULL')})")
    retract(con, CAMPAIGN_COUNTS, settings, campaigns)
    with _returned(con, f"DELETE FROM reach_times WHERE {flt} RETURNING *"):
        for fact in (REACH_COUNTS, OPEN_COUNTS, DOMAIN_SENT, SEND_HOURS):
            retract(con, fact, settings, "true", RETURNED)
    # the pairs' old details counted out before they go
    retract(con, REACH_DETAIL_COUNTS, settings, flt)
    for fact in (CLICK_COUNTS, COMPLAINTS, BOUNCES, REACH_DETAILS):
        delete(con, fact, flt)
    fill_user_agents(con, flt)
    with _returned(con, f"INSERT INTO reach_times {REACH_TIMES.select(settings, flt)} "
                        "RETURNING *"):
        for fact in (REACH_COUNTS, OPEN_COUNTS, CLICK_COUNTS, DOMAIN_SENT, SEND_HOURS):
            insert(con, fact, settings, flt, RETURNED)
    insert(con, COMPLAINTS, settings, flt)
    insert(con, BOUNCES, settings, flt)
    # one row per pair and kind, replaced whole (its user agent comes from the events)
    insert(con, REACH_DETAILS, settings, flt)
    insert(con, REACH_DETAIL_COUNTS, settings, flt)
    con.execute("CREATE OR REPLACE TEMP TABLE _live_mailings AS "
                "SELECT DISTINCT mailing_id FROM _live_pairs")
    mailings = "mailing_id IN (SELECT mailing_id FROM _live_mailings)"
    fold(con, REACH_COUNTS, mailings)
    fold(con, OPEN_COUNTS, mailings)
    fold(con, DOMAIN_SENT, mailings)
    fold(con, SEND_HOURS, mailings)
    fold(con, REACH_DETAIL_COUNTS, mailings)
    # window orders follow a buyer's variant and, without a sent_at, a mailing's
    # first send, which live events may move
    window = (f"({buyers}) OR ({mailings} AND mailing_id IN "
              "(SELECT mailing_id FROM mailings WHERE sent_at IS NULL))")
    redo(con, WINDOW_ORDERS, settings, window)
    insert(con, CAMPAIGN_COUNTS, settings, campaigns)
    fold(con, CAMPAIGN_COUNTS, f"campaign_id IN (SELECT campaign_id FROM ({live}) c)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_customers AS
        SELECT DISTINCT coalesce(n.customer_id, o.customer_id) AS customer_id
        FROM (SELECT mailing_id, customer_id, touch_at FROM reach_times WHERE {buyers}) n
        FULL OUTER JOIN _live_touch o
          ON o.mailing_id = n.mailing_id AND o.customer_id = n.customer_id
        WHERE n.touch_at IS DISTINCT FROM o.touch_at""")
    # buyers carry their reach row's stage days and their attributed orders: redo the
    # pairs' whose customer has orders and, below, the moved customers'
    if scalar(con, "SELECT count(*) FROM _live_touch"):
        redo(con, BUYERS, settings,
             f"{flt} AND customer_id IN (SELECT customer_id FROM _live_touch)")
    if not scalar(con, "SELECT count(*) FROM _live_customers"):
        return pairs
    # an order is attributed by its customer's touches only
    moved = "customer_id IN (SELECT customer_id FROM _live_customers)"
    con.execute("CREATE OR REPLACE TEMP TABLE _live_sales AS "
                f"SELECT DISTINCT mailing_id FROM attributed_orders WHERE {moved}")
    for fact in SALES_ROLLUPS:
        retract(con, fact, settings, moved)
    redo(con, ATTRIBUTED_ORDERS, settings, moved)
    redo(con, ATTRIBUTED_LINES, settings, moved)
    for fact in SALES_ROLLUPS:
        insert(con, fact, settings, moved)
    redo(con, BUYERS, settings, moved)
    con.execute(f"INSERT INTO _live_sales SELECT DISTINCT mailing_id FROM attributed_orders "
                f"WHERE {moved}")
    for fact in SALES_ROLLUPS:
        fold(con, fact, "mailing_id IN (SELECT mailing_id FROM _live_sales)")
    return pairs
