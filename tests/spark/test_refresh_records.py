"""A load into a lake with facts records whose orders it changed, and the next
refresh takes them from the record instead of digesting every order; a change no
load recorded is still found, by the digests, and either way the facts equal a
full rebuild's."""

# ruff: noqa: F811 - the refreshed lake's fixtures come from test_refresh.py by import

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import duckdb
import pytest
from test_refresh import copy_lake, exported, fact_rows, refreshed, unequal  # noqa: F401

from mailreport import facts
from mailreport.ingest.lake_load import load_lake
from mailreport.settings import Settings
from mailreport.store.lake import partition_folder
from mailreport.store.lake_facts import read_manifest
from mailreport.store.spark import refresh
from mailreport.store.spark.lake_inputs import (
    BY_CUSTOMER,
    CHANGES_DIR,
    ChangeRecord,
    change_records,
    table_signature,
)
from mailreport.store.spark.refresh import refresh_lake
from mailreport.store.spark.store import fact_frame

pytestmark = pytest.mark.spark


def files(lake: Path, table: str) -> str:
    return f"read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = false)"


def day_of_orders(lake: Path, folder: Path) -> set[tuple]:
    """A load's files for the lake: ten new orders (copies of old ones, an hour
    after their buyers' opens of M05), the first attributed order moved to another
    customer, and a line more on an order of a third. The orders they change, as
    (customer, time): a moved order's as it was and as it is."""
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE buyers AS
        SELECT customer_id, min(ts) + INTERVAL 1 HOUR AS ts,
               row_number() OVER (ORDER BY customer_id) AS k
        FROM read_parquet('{lake / 'events' / partition_folder('M05')}/*.parquet')
        WHERE type = 'opened' AND NOT is_machine
        GROUP BY customer_id ORDER BY customer_id LIMIT 10""")
    con.execute(f"""CREATE TABLE new_orders AS
        SELECT o.* EXCLUDE (k) REPLACE ('D-' || o.order_id AS order_id,
                                        b.customer_id AS customer_id,
                            b.ts AS ts, 'completed' AS status), o.order_id AS old_id
        FROM buyers b JOIN (SELECT *, row_number() OVER (ORDER BY order_id) AS k
                            FROM {files(lake, 'orders')}) o ON o.k = b.k""")
    # an attributed order given to a customer of another order (not a buyer above)
    moved, was, to = con.execute(f"""
        SELECT a.order_id, a.customer_id,
               (SELECT min(customer_id) FROM {files(lake, 'orders')}
                WHERE customer_id <> a.customer_id
                  AND customer_id NOT IN (SELECT customer_id FROM buyers))
        FROM {files(lake, 'orders')} a WHERE a.status = 'completed'
          AND a.order_id IN (SELECT order_id FROM {facts_rows(lake, 'attributed_orders')})
        ORDER BY a.order_id LIMIT 1""").fetchone()
    con.execute(f"""COPY (
        SELECT * EXCLUDE (old_id) FROM new_orders
        UNION ALL
        SELECT * REPLACE ('{to}' AS customer_id) FROM {files(lake, 'orders')}
        WHERE order_id = '{moved}') TO '{folder / 'orders.parquet'}' (FORMAT parquet)""")
    # a line more on the last order of a customer with none of the above
    extended, owner = con.execute(f"""
        SELECT order_id, customer_id FROM {files(lake, 'orders')}
        WHERE customer_id NOT IN (SELECT customer_id FROM buyers UNION ALL
                                  SELECT '{was}' UNION ALL SELECT '{to}')
          AND order_id IN (SELECT order_id FROM {files(lake, 'order_lines')})
        ORDER BY order_id DESC LIMIT 1""").fetchone()
    con.execute(f"""COPY (
        SELECT l.* REPLACE (n.order_id AS order_id) FROM {files(lake, 'order_lines')} l
        JOIN new_orders n ON n.old_id = l.order_id
        UNION ALL
        SELECT * REPLACE (line_no + 1000 AS line_no) FROM {files(lake, 'order_lines')}
        WHERE order_id = '{extended}' AND line_no = (
            SELECT min(line_no) FROM {files(lake, 'order_lines')}
            WHERE order_id = '{extended}'))
        TO '{folder / 'order_lines.parquet'}' (FORMAT parquet)""")
    customers = {r[0] for r in con.execute("SELECT customer_id FROM buyers").fetchall()}
    assert len(customers) == 10
    changed = {tuple(r) for r in con.execute(
        f"SELECT customer_id, ts FROM '{folder / 'orders.parquet'}'").fetchall()}
    changed |= {tuple(r) for r in con.execute(  # the moved order as it was; the line's
        f"SELECT customer_id, ts FROM {files(lake, 'orders')} "
        f"WHERE order_id IN ('{moved}', '{extended}')").fetchall()}
    con.close()
    assert {c for c, _ in changed} == customers | {was, to, owner}
    return changed


def facts_rows(lake: Path, fact: str) -> str:
    paths = [str(lake / "_facts" / p) for p in read_manifest(lake).fact_files(fact)]
    return f"read_parquet({paths!r}, hive_partitioning = false)"


def recorded_orders(record) -> set[tuple]:
    con = duckdb.connect()
    paths = [str(record.folder / name / "*.parquet") for name in record.customers]
    found = {tuple(r) for r in con.execute(
        f"SELECT customer_id, ts FROM read_parquet({paths!r})").fetchall()}
    con.close()
    return found


def rebuilt_facts_differ(spark, lake: Path, tmp: Path) -> dict:
    """The facts of ``lake`` against those a full rebuild of its tables makes."""
    rebuilt = copy_lake(lake, tmp / "rebuilt", with_facts=False)
    assert refresh_lake(rebuilt, Settings(), spark).full == "no facts in the lake yet"
    wrong = {f.name: unequal(fact_rows(lake, f), fact_rows(rebuilt, f)) for f in facts.FACTS}
    return {name: rows for name, rows in wrong.items() if rows}


@pytest.fixture(scope="module")
def loaded(spark, refreshed, tmp_path_factory):
    """The refreshed lake, a day of orders loaded into it: (lake, the customers the
    day changes, the orders' signatures before the load, its summary)."""
    root = tmp_path_factory.mktemp("records")
    lake = copy_lake(refreshed[0], root / "lake")
    changed = day_of_orders(lake, root / "day")
    before = {name: table_signature(lake / name) for name in BY_CUSTOMER}
    summary = load_lake(spark, lake, root / "day", root / "report")
    return lake, changed, before, summary, root


def test_a_load_records_the_customers_whose_orders_it_changed(spark, loaded):
    lake, changed, before, summary, root = loaded
    con = duckdb.connect()
    [[lines]] = con.execute(f"SELECT count(*) FROM '{root / 'day' / 'order_lines.parquet'}'"
                            ).fetchall()
    con.close()
    assert sorted((t.table, t.inserted, t.updated, t.rejected) for t in summary.tables) == [
        ("order_lines", lines, 0, 0), ("orders", 10, 1, 0)]
    [record] = change_records(lake)
    assert record.folder.parent == lake / CHANGES_DIR
    assert record.before == before
    assert record.after == {name: table_signature(lake / name) for name in BY_CUSTOMER}
    assert record.after["orders"] != before["orders"]
    assert record.after["order_lines"] != before["order_lines"]
    assert recorded_orders(record) == changed
    # the same files again change nothing, and record nothing
    load_lake(spark, lake, root / "day", root / "report-again")
    assert change_records(lake) == [record]


def test_the_next_refresh_takes_the_customers_from_the_record(spark, loaded, tmp_path,
                                                              monkeypatch):
    """...and redoes their window orders only in the mailings whose windows hold
    the changed orders' times, and the buyers' rows only of the customers whose
    attributed orders changed."""
    lake, changed, before, _summary, _root = loaded
    digests = read_manifest(lake).inputs["order_digests"]
    wheres = {}

    def computed(session, fact, settings, views, where="true", **kw):
        wheres[fact.name] = where
        return fact_frame(session, fact, settings, views, where, **kw)

    monkeypatch.setattr(refresh, "fact_frame", computed)
    con = duckdb.connect()
    con.execute("CREATE TABLE attributed AS SELECT * FROM "
                + facts_rows(lake, "attributed_orders"))
    result = refresh_lake(lake, Settings(), spark)
    assert result.full is None
    assert result.orders_from == "the loads' records"
    assert result.customers == len({c for c, _ in changed})
    assert "(found by the loads' records)" in " ".join(result.lines())
    inputs = read_manifest(lake).inputs
    # nothing digested: the digests kept are those of the orders before the load
    assert inputs["order_digests"] == digests
    assert inputs["order_digests_at"] == before
    assert change_records(lake) == []  # used, then removed
    sent = con.execute(f"SELECT mailing_id, sent_at FROM {files(lake, 'mailings')} "
                       "WHERE sent_at IS NOT NULL").fetchall()
    # the (mailing, customer) pairs whose attributed orders the refresh changed
    moved = con.execute(f"""
        SELECT DISTINCT mailing_id, customer_id FROM (
            (SELECT * FROM attributed EXCEPT ALL
             SELECT * FROM {facts_rows(lake, 'attributed_orders')})
            UNION ALL
            (SELECT * FROM {facts_rows(lake, 'attributed_orders')} EXCEPT ALL
             SELECT * FROM attributed))""").fetchall()
    con.close()
    window = dt.timedelta(days=Settings().attribution_window_days)
    holding = {m for m, at in sent if any(at <= ts < at + window for _, ts in changed)}
    assert 0 < len(holding) < len(sent)
    named = re.match(r"mailing_id IN \(([^)]*)\) AND ", wheres["window_orders"])
    assert named and set(re.findall(r"'([^']+)'", named[1])) == holding
    # the buyers: of the mailings whose attributed orders changed, those customers'
    named = re.match(r"mailing_id IN \(([^)]*)\) AND .*customer_id IN", wheres["buyers"])
    assert moved and named
    assert set(re.findall(r"'([^']+)'", named[1])) == {m for m, _ in moved}
    assert rebuilt_facts_differ(spark, lake, tmp_path) == {}


def test_a_change_no_load_recorded_is_found_by_the_digests(spark, loaded, tmp_path):
    """After the refresh from the record: an order's total changed by another
    writer. The digests kept are of the orders before the load, so the customers of
    the load's day are found again with this one: more work, the same facts."""
    lake, changed, _before, _summary, _root = loaded
    if read_manifest(lake).inputs.get("order_digests_at") is None:
        refresh_lake(lake, Settings(), spark)  # (the test above did not run first)
    con = duckdb.connect()
    customer, order_id = con.execute(f"""
        SELECT customer_id, order_id FROM {facts_rows(lake, 'attributed_orders')}
        WHERE customer_id NOT IN ({', '.join(repr(c) for c, _ in sorted(changed))})
        ORDER BY order_id LIMIT 1""").fetchone()
    rewritten = tmp_path / "orders.parquet"
    con.execute(f"""COPY (SELECT * REPLACE (CASE WHEN order_id = '{order_id}'
                                 THEN total + 1 ELSE total END::DECIMAL(18,2) AS total)
                          FROM {files(lake, 'orders')}) TO '{rewritten}' (FORMAT parquet)""")
    con.close()
    for old in (lake / "orders").glob("*.parquet"):
        old.unlink()
    rewritten.rename(lake / "orders" / "part-0.parquet")
    result = refresh_lake(lake, Settings(), spark)
    assert result.full is None
    assert result.orders_from == "their digests"
    assert result.customers == len({c for c, _ in changed} | {customer})
    inputs = read_manifest(lake).inputs
    assert "order_digests_at" not in inputs and inputs["order_digests"].endswith(
        f"{result.build}/orders")
    assert rebuilt_facts_differ(spark, lake, tmp_path) == {}


def test_a_refresh_keeps_only_the_records_a_next_one_can_use(spark, refreshed, tmp_path):
    """A record that starts from the orders the refresh read is kept (a load that
    ended after the refresh read them); one that starts elsewhere is removed."""
    lake = copy_lake(refreshed[0], tmp_path / "lake")
    now = {name: table_signature(lake / name) for name in BY_CUSTOMER}
    stale = ChangeRecord(lake / CHANGES_DIR / "1-stale", {"orders": "a", "order_lines": "b"},
                         now, ())
    usable = ChangeRecord(lake / CHANGES_DIR / "2-usable", now,
                          {"orders": "c", "order_lines": now["order_lines"]}, ())
    an_hour_ago = time.time() - 3600
    for record in (stale, usable):
        record.folder.mkdir(parents=True)
        record.write()
        os.utime(record.folder, (an_hour_ago, an_hour_ago))
    result = refresh_lake(lake, Settings(), spark)
    assert result.build is None  # nothing changed: the records alone are tidied
    assert change_records(lake) == [usable]


def test_a_facts_manifest_that_cannot_be_read_does_not_stop_a_load(spark, refreshed, loaded,
                                                                   tmp_path):
    """The load records the customers (the refresh that follows rebuilds everything,
    saying why), and leaves the manifest to it."""
    lake = copy_lake(refreshed[0], tmp_path / "lake")
    manifest = lake / "_facts" / "_current.json"
    manifest.write_text("{not json", encoding="utf-8")
    summary = load_lake(spark, lake, loaded[4] / "day", tmp_path / "report")
    assert [t.error for t in summary.tables] == [None, None]
    assert sum(t.inserted for t in summary.tables) > 10
    [record] = change_records(lake)
    assert recorded_orders(record) == loaded[1]
    assert manifest.read_text(encoding="utf-8") == "{not json"
