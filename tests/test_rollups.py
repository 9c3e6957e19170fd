"""Rollups (store/rollups.py): the sections read them and must answer exactly as
the definitions over the derived tables do; every refresh (full, incremental, live)
must leave them equal to a rebuild."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mailreport.ingest.loader import load_directory
from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.mailings import list_mailings
from mailreport.settings import Settings
from mailreport.store import live, open_store, rollups

QUERIES = [
    {},
    # periods that cut the demo's mailings (sent from June to September 2026) mid-window
    {"from": dt.date(2026, 7, 3), "to": dt.date(2026, 7, 20)},
    {"include_machine": True, "open_hours_zone": "company"},
    {"from": dt.date(2026, 6, 5), "include_machine": True, "sort": "revenue",
     "search": "e", "limit": 3},
    {"to": dt.date(2026, 6, 28), "sort": "receipts"},
]


@pytest.fixture(scope="module")
def demo(demo_dir, tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("rollups") / "demo.duckdb", Settings())
    load_directory(store, demo_dir)
    yield store
    store.close()


def definitions(tables):
    return dataclasses.replace(tables, rollups=False)


def contents(store) -> dict[str, list]:
    """Each rollup's rows; a count rollup's summed per key (a live refresh may leave a
    key in several rows until it folds them)."""
    out = {}
    for table in rollups.ROLLUP_TABLES:
        if table in rollups.KEYS:
            keys, measures = rollups.KEYS[table], rollups.MEASURES[table]
            sql = (f"SELECT {', '.join(keys)}, "
                   + ", ".join(f"sum({m})" for m in measures)
                   + f" FROM {table} GROUP BY ALL HAVING "
                   + " OR ".join(f"sum({m}) <> 0" for m in measures))
        else:
            sql = f"SELECT * FROM {table}"
        out[table] = sorted(store.sql(sql), key=str)
    return out


def test_the_demo_fills_every_rollup(demo):
    counts = {t: demo.sql(f"SELECT count(*) FROM {t}")[0][0] for t in rollups.ROLLUP_TABLES}
    assert all(counts.values()), counts
    # a rollup is smaller than what it sums
    assert counts["reach_counts"] < demo.sql("SELECT count(*) FROM reach_times")[0][0] / 10


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: ",".join(p) or "default")
def test_every_mailing_report_from_rollups_equals_the_definitions(demo, params):
    tables = demo.tables()
    assert tables.rollups
    query = ReportQuery(**params)
    ids = [r[0] for r in demo.sql("SELECT mailing_id FROM mailings ORDER BY 1")]
    for mailing_id in ids:
        fast = mailing_report(tables, mailing_id, query)
        slow = mailing_report(definitions(tables), mailing_id, query)
        assert fast == slow, mailing_id
    sections = [mailing_report(tables, i, query) for i in ids]
    # the comparison is not vacuous: the demo's mailings fill every section
    assert any(r.groups for r in sections) and any(r.heatmap for r in sections)
    assert any(r.product_sales.rows for r in sections)
    assert any(r.open_hours and r.open_hours.openers for r in sections)


def test_lists_and_campaigns_from_rollups_equal_the_definitions(demo):
    tables = demo.tables()
    assert list_mailings(tables) == list_mailings(definitions(tables))
    campaigns = [r[0] for r in demo.sql("SELECT campaign_id FROM campaigns ORDER BY 1")]
    assert campaigns
    for params in QUERIES[:3]:
        query = ReportQuery(**params)
        for cid in campaigns:
            assert (campaign_report(tables, cid, query)
                    == campaign_report(definitions(tables), cid, query)), (cid, params)


def test_a_group_filter_on_product_sales_reads_the_definitions(demo):
    """Window orders keep no order ids: product sales for one group or variant are
    computed from the orders, on either path, and still agree."""
    tables = demo.tables()
    query = ReportQuery(group="control")
    found = False
    for (mailing_id,) in demo.sql("SELECT mailing_id FROM mailings ORDER BY 1"):
        fast = mailing_report(tables, mailing_id, query).product_sales
        assert fast == mailing_report(definitions(tables), mailing_id, query).product_sales
        found |= bool(fast.rows)
    assert found


def test_incremental_loads_leave_the_rollups_equal_to_a_rebuild(demo_dir, tmp_path):
    """Loading the demo table by table refreshes incrementally at every step (new
    mailings, then their events, then orders arriving after the touches, then a
    product moving to another category)."""
    store = open_store(tmp_path / "steps.duckdb", Settings())
    steps = [("customers", "categories", "products", "campaigns", "mailings", "variants",
              "audience"), ("events",), ("orders", "order_lines")]
    for n, names in enumerate(steps):
        step = tmp_path / f"step{n}"
        step.mkdir()
        for name in names:
            for f in demo_dir.glob(f"{name}.*"):
                (step / f.name).symlink_to(f)
        assert load_directory(store, step).exit_code == 0
    moved = tmp_path / "moved"
    moved.mkdir()
    [(product, name, category)] = store.sql(
        "SELECT product_id, name, category_id FROM products WHERE product_id IN "
        "(SELECT product_id FROM attributed_lines) ORDER BY 1 LIMIT 1")
    other = store.sql("SELECT min(category_id) FROM categories WHERE category_id <> ?",
                      [category])[0][0]
    (moved / "products.csv").write_text(f"product_id,name,category_id\n{product},{name},{other}\n")
    assert load_directory(store, moved).exit_code == 0
    incremental = contents(store)
    assert all(incremental.values())
    store.rebuild_derived()
    assert contents(store) == incremental
    store.close()


@pytest.mark.parametrize("fold_rows", [rollups.FOLD_ROWS, 1], ids=["unfolded", "folded"])
def test_live_events_leave_the_rollups_equal_to_a_rebuild(demo_dir, tmp_path, monkeypatch,
                                                          fold_rows):
    monkeypatch.setattr(rollups, "FOLD_ROWS", fold_rows)
    store = open_store(tmp_path / "live.duckdb", Settings())
    load_directory(store, demo_dir)
    # new opens, clicks (one by url only, one by a machine) and complaints for customers
    # with and without orders, in two email mailings, with touches that move attribution
    people = [r[0] for r in store.sql(
        "SELECT customer_id FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 20")]
    mailings = store.sql(
        "SELECT mailing_id, sent_at FROM mailings WHERE channel = 'email' AND status = 'sent' "
        "ORDER BY 1 LIMIT 2")
    before = contents(store)
    batch = []
    for m, sent_at in mailings:
        for n, c in enumerate(people):
            ts = (sent_at + dt.timedelta(hours=7 * n)).isoformat() + "Z"
            batch += [
                {"event_id": f"live-{m}-{c}-o", "mailing_id": m, "customer_id": c,
                 "type": "opened", "ts": ts},
                {"event_id": f"live-{m}-{c}-c", "mailing_id": m, "customer_id": c,
                 "type": "clicked", "ts": ts, "link_index": n % 3,
                 "url": "https://shop.example/x", "is_machine": n % 4 == 0},
            ]
        batch.append({"event_id": f"live-{m}-u", "mailing_id": m, "customer_id": people[0],
                      "type": "clicked", "ts": sent_at.isoformat() + "Z",
                      "url": "https://shop.example/only-url"})
    assert live.ingest_events(store, batch).inserted == len(batch)
    live.flush(store)
    after = contents(store)
    # the touches moved attribution, so category sales moved with reach and clicks
    for table in ("reach_counts", "open_counts", "click_counts", "category_sales"):
        assert after[table] != before[table], table
    for table in rollups.KEYS:  # folded: one row per key; else the deltas stay apart
        keys = ", ".join(rollups.KEYS[table])
        [(rows, distinct)] = store.sql(
            f"SELECT count(*), count(DISTINCT ({keys})) FROM {table}")
        if fold_rows == 1:
            assert rows == distinct, table
        elif table in ("reach_counts", "open_counts"):
            assert rows > distinct, table
    store.rebuild_derived()
    assert contents(store) == after
    store.close()


def test_a_store_from_before_the_rollups_gets_them_when_opened(demo_dir, tmp_path):
    path = tmp_path / "old.duckdb"
    store = open_store(path, Settings())
    load_directory(store, demo_dir)
    built = contents(store)
    with store.write() as con:  # as schema version 4 left it
        for table in rollups.ROLLUP_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM meta WHERE key = 'rollups_version'")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    store.close()
    from mailreport.store import StoreError

    with pytest.raises(StoreError, match="mailreport refresh"):
        open_store(path, Settings(), read_only=True)
    store = open_store(path, Settings())
    assert contents(store) == built
    store.close()
    open_store(path, Settings(), read_only=True).close()


LIST_SEGMENTS = [{"stage": s} for s in ("sent", "delivered", "opened", "clicked", "ordered",
                                        "spam", "unsubscribed")] + [
    {"status": s} for s in ("good", "address_issue", "control_group", "actual_recipients")]


@pytest.mark.parametrize("params", [QUERIES[0], QUERIES[1], QUERIES[2],
                                    {"group": "test", "variant_id": "B"}],
                         ids=["default", "period", "machine", "variant"])
def test_customer_lists_from_rollups_equal_the_definitions(demo, params):
    from mailreport.reports.customers import customer_list
    from mailreport.reports.query import ReportError
    from mailreport.reports.segments import Segment

    tables = demo.tables()
    query = ReportQuery(**params)
    # the largest (SMS) and the largest email mailing, whose windows the period cuts
    mailings = ["M07", "M08"]
    read_from_buyers = 0
    for mailing_id in mailings:
        for seg in LIST_SEGMENTS:
            segment = Segment(**seg)
            for sort, order, page, size in (("revenue", "desc", 3, 7), ("orders", "desc", 2, 10),
                                            ("customer_id", "asc", 2, 20),
                                            ("reached_at", "desc", 2, 10),
                                            ("revenue", "asc", 1, 5)):
                args = (mailing_id, segment, query, page, size, sort, order)
                try:
                    fast = customer_list(tables, *args)
                except ReportError:  # an SMS mailing has no opened stage
                    with pytest.raises(ReportError):
                        customer_list(definitions(tables), *args)
                    continue
                assert fast == customer_list(definitions(tables), *args), (args, seg)
                read_from_buyers += sort != "customer_id" and order == "desc" and bool(
                    fast.rows) and all(r.revenue > 0 for r in fast.rows)
    assert read_from_buyers > 5  # pages the buyers alone could answer were compared


def test_a_page_by_revenue_falls_back_where_a_zero_ties_with_non_buyers(data, store):
    """Hand-made: cat bought for 100, bob for 0, amy nothing. Sorted by revenue
    (descending) bob and amy tie at 0 and go by id, so the buyers alone cannot give
    the page; sorted by orders, three rows are wanted and only two customers bought."""
    from conftest import at
    from mailreport.reports.customers import customer_list
    from mailreport.reports.segments import Segment

    data.mailing("m1")
    data.journeys("m1", {c: [("delivered", at(1)), ("opened", at(2))]
                         for c in ("amy", "bob", "cat")})
    data.order("cat", at(days=1), total="100.00").order("bob", at(days=1), total="0.00")
    data.load()
    tables = store.tables()
    delivered, query = Segment(stage="delivered"), ReportQuery()
    by_revenue = customer_list(tables, "m1", delivered, query, 1, 2, "revenue", "desc")
    assert [(r.customer_id, r.orders, str(r.revenue)) for r in by_revenue.rows] == [
        ("cat", 1, "100.00"), ("amy", 0, "0.00")]
    by_orders = customer_list(tables, "m1", delivered, query, 1, 3, "orders", "desc")
    assert [(r.customer_id, r.orders) for r in by_orders.rows] == [
        ("bob", 1), ("cat", 1), ("amy", 0)]
    assert by_orders.total == 3 and by_orders.metrics.revenue == 100
    for page in (by_revenue, by_orders):
        assert page == customer_list(definitions(tables), "m1", delivered, query, page.page,
                                     page.page_size, page.sort, page.order)
