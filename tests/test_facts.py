"""Facts (facts/): every refresh (incremental loads, live events, folded or not)
leaves them equal to a rebuild from their definitions; a store from an older version
gets them when opened; and a customer list's quick paths (sizes from reach_counts,
pages from buyers) answer exactly as its general path over the members does."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from conftest import Dataset, at
from mailreport import facts
from mailreport.ingest import live
from mailreport.ingest.loader import load_directory
from mailreport.reports import ReportQuery
from mailreport.settings import Settings
from mailreport.store import open_store
from mailreport.store.duckdb import fact_refresh

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


# each campaign's customers sent anything, whatever the day
CAMPAIGN_SENT = ("SELECT campaign_id, sum(customers) FROM campaign_counts "
                 "WHERE mark = 'sent' AND prev_day IS NULL GROUP BY 1")


def contents(store) -> dict[str, list]:
    """Each fact's rows; a counting fact's summed per key (a live refresh may leave a
    key in several rows until it folds them)."""
    return {f.name: sorted(store.sql(f.summed()), key=str) for f in facts.FACTS}


def test_the_demo_fills_every_fact(demo):
    counts = {t: demo.sql(f"SELECT count(*) FROM {t}")[0][0] for t in facts.FACT_TABLES}
    assert all(counts.values()), counts
    # a rollup is smaller than what it sums
    assert counts["reach_counts"] < counts["reach_times"] / 10


def test_every_fact_names_the_rules_it_serves_and_is_one_select():
    design = Path(__file__).resolve().parents[2] / "shared" / "DESIGN.md"
    headings = set(re.findall(r"^\*\*(.+?)\.?\*\*", design.read_text(), re.M)) \
        if design.exists() else None
    for fact in facts.FACTS:
        assert fact.serves, fact.name
        assert fact.select(Settings(), "true").lstrip().startswith(("SELECT", "WITH"))
        if headings is not None:  # beside a checkout, as in CI
            assert set(fact.serves) <= headings, (fact.name, set(fact.serves) - headings)


def test_a_facts_rule_for_changed_orders_finds_the_rows_they_make(demo):
    """window_orders' ``moved_by`` rule for orders (a refresh redoes only the pairs
    it names): given every completed order as changed, the pairs it names of good
    recipients are exactly the fact's, so no order's window is missed or invented;
    and an order an instant before a mailing's start or at its window's end is in
    none of that mailing's."""
    rule = dict(facts.WINDOW_ORDERS.moved_by)["orders"](Settings())

    def named(changed: str) -> set:
        sql = f"WITH changed AS ({changed}) SELECT * FROM ({rule}) x"
        return {tuple(r) for r in demo.sql(sql)}

    every = named("SELECT customer_id, ts FROM orders "
                  "WHERE coalesce(status, 'completed') = 'completed'")
    good = {tuple(r) for r in demo.sql(
        "SELECT mailing_id, customer_id FROM reach_times WHERE status = 'good'")}
    made = {tuple(r) for r in demo.sql("SELECT DISTINCT mailing_id, customer_id "
                                       "FROM window_orders")}
    assert made and every & good == made
    [[mailing, sent]] = demo.sql("SELECT mailing_id, sent_at FROM mailings "
                                 "WHERE sent_at IS NOT NULL ORDER BY sent_at LIMIT 1")
    days = Settings().attribution_window_days
    at_times = {
        "before": sent - dt.timedelta(microseconds=1), "start": sent,
        "last": sent + dt.timedelta(days=days) - dt.timedelta(microseconds=1),
        "end": sent + dt.timedelta(days=days)}
    changed = " UNION ALL ".join(f"SELECT '{name}' AS customer_id, TIMESTAMP '{ts}' AS ts"
                                 for name, ts in at_times.items())
    assert {c for m, c in named(changed) if m == mailing} == {"start", "last"}


def test_incremental_loads_leave_the_facts_equal_to_a_rebuild(demo_dir, tmp_path):
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
    # a mailing moves to another campaign: both campaigns' customers are counted again
    [(mailing, campaign)] = store.sql(
        "SELECT mailing_id, campaign_id FROM mailings WHERE campaign_id IS NOT NULL "
        "AND status = 'sent' ORDER BY 1 LIMIT 1")
    other = store.sql("SELECT min(campaign_id) FROM campaigns WHERE campaign_id <> ?",
                      [campaign])[0][0]
    before = sorted(store.sql(CAMPAIGN_SENT), key=str)
    (tmp_path / "campaign").mkdir()
    duckdb.execute(f"COPY (SELECT * REPLACE ('{other}' AS campaign_id) "
                   f"FROM '{demo_dir / 'mailings.parquet'}' WHERE mailing_id = '{mailing}') "
                   f"TO '{tmp_path / 'campaign' / 'mailings.parquet'}'")
    assert load_directory(store, tmp_path / "campaign").exit_code == 0
    assert sorted(store.sql(CAMPAIGN_SENT), key=str) != before
    incremental = contents(store)
    assert all(incremental.values())
    store.rebuild_facts()
    assert contents(store) == incremental
    store.close()


LIVE_AGENT = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/126.0.0.0 Safari/537.36")


@pytest.mark.parametrize("fold_rows", [fact_refresh.FOLD_ROWS, 1], ids=["unfolded", "folded"])
def test_live_events_leave_the_facts_equal_to_a_rebuild(demo_dir, tmp_path, monkeypatch,
                                                          fold_rows):
    monkeypatch.setattr(fact_refresh, "FOLD_ROWS", fold_rows)
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
                # a user agent no load brought: parsed by the live refresh
                {"event_id": f"live-{m}-{c}-o", "mailing_id": m, "customer_id": c,
                 "type": "opened", "ts": ts, "user_agent": LIVE_AGENT if n % 2 else None},
                {"event_id": f"live-{m}-{c}-c", "mailing_id": m, "customer_id": c,
                 "type": "clicked", "ts": ts, "link_index": n % 3,
                 "url": "https://shop.example/x", "is_machine": n % 4 == 0},
            ]
        batch.append({"event_id": f"live-{m}-u", "mailing_id": m, "customer_id": people[0],
                      "type": "clicked", "ts": sent_at.isoformat() + "Z",
                      "url": "https://shop.example/only-url"})
        # deliverability: a bounce with its class and reason, an unsubscribe with its
        # reason, and a sent a day early (its domain's sent day moves)
        early = (sent_at - dt.timedelta(days=1)).isoformat() + "Z"
        batch += [
            {"event_id": f"live-{m}-b", "mailing_id": m, "customer_id": people[1],
             "type": "bounced", "ts": early, "bounce_class": "hard",
             "reason": "550 5.1.1 user unknown"},
            {"event_id": f"live-{m}-x", "mailing_id": m, "customer_id": people[2],
             "type": "unsubscribed", "ts": early, "reason": "too many emails"},
            {"event_id": f"live-{m}-s", "mailing_id": m, "customer_id": people[3],
             "type": "sent", "ts": early},
        ]
    assert live.ingest_events(store, batch).inserted == len(batch)
    live.flush(store)
    after = contents(store)
    # the touches moved attribution, so category sales moved with reach and clicks
    for table in ("reach_counts", "open_counts", "click_counts", "category_sales",
                  "bounces", "complaints", "domain_sent", "reach_details", "campaign_counts"):
        assert after[table] != before[table], table
    assert store.sql("SELECT device, client, os FROM user_agents WHERE user_agent = ?",
                     [LIVE_AGENT]) == [("tablet", "Chrome", "Android")]
    for fact in facts.FACTS:  # folded: one row per key; else the deltas stay apart
        if not fact.keys:
            continue
        keys = ", ".join(f'"{k}"' for k in fact.keys)
        [(rows, distinct)] = store.sql(
            f"SELECT count(*), count(DISTINCT ({keys})) FROM {fact.name}")
        if fold_rows == 1:
            assert rows == distinct, fact.name
        elif fact.name in ("reach_counts", "open_counts"):
            assert rows > distinct, fact.name
    store.rebuild_facts()
    assert contents(store) == after
    store.close()


def test_a_store_from_an_older_version_gets_its_facts_when_opened(demo_dir, tmp_path):
    path = tmp_path / "old.duckdb"
    store = open_store(path, Settings())
    load_directory(store, demo_dir)
    built = contents(store)
    with store.write() as con:  # as schema version 4 left it: no rollups, no fingerprint
        for table in ("reach_counts", "open_counts", "click_counts", "window_orders",
                      "category_sales", "order_days", "buyers", "complaints"):
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM meta WHERE key = 'facts'")
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


def general_path(tables, mailing_id, segment, query, page, page_size, sort, order):
    """The list as its general path gives it: every member with their orders, sorted
    and cut, and the metrics summed over the members."""
    from mailreport.reports import customers
    from mailreport.reports.query import get_mailing
    from mailreport.reports.segments import members, segment_metrics

    mailing = get_mailing(tables, mailing_id)
    rows = customers.customer_rows(tables, mailing, segment, query)
    page_rows = tables.run(rows.order_by(customers.order_keys(rows, sort, order))
                           .limit(page_size, offset=(page - 1) * page_size)
                           .select("customer_id", "contact", "reached_at", "orders", "revenue"))
    metrics = segment_metrics(tables, mailing, query, members(tables, mailing, segment, query))
    hard = customers.hard_bounced(tables, [r["customer_id"] for r in page_rows], mailing.channel)
    return metrics, [customers.CustomerRow(**{**r, "revenue": customers.money(r["revenue"]),
                                              "hard_bounce": r["customer_id"] in hard})
                     for r in page_rows]


@pytest.mark.parametrize("params", [QUERIES[0], QUERIES[1], QUERIES[2],
                                    {"group": "test", "variant_id": "B"}],
                         ids=["default", "period", "machine", "variant"])
def test_customer_lists_equal_their_general_path(demo, params):
    from mailreport.reports.customers import customer_list
    from mailreport.reports.query import ReportError
    from mailreport.reports.segments import Segment

    tables = demo.tables()
    query = ReportQuery(**params)
    # the largest (SMS) and the largest email mailing, whose windows the period cuts
    read_from_buyers = 0
    pages = (("revenue", "desc", 3, 7), ("orders", "desc", 2, 10), ("customer_id", "asc", 2, 20),
             ("reached_at", "desc", 2, 10), ("revenue", "asc", 1, 5))
    for n, mailing_id in enumerate(("M07", "M08")):
        for k, seg in enumerate(LIST_SEGMENTS):
            segment = Segment(**seg)
            # three of the five pages a mailing, in turn, so that each of a segment's five
            # pages is compared in one of the two mailings or both (all ten took 107 s)
            for sort, order, page, size in (pages[(3 * n + k + i) % 5] for i in range(3)):
                args = (mailing_id, segment, query, page, size, sort, order)
                try:
                    fast = customer_list(tables, *args)
                except ReportError:  # an SMS mailing has no opened stage
                    with pytest.raises(ReportError):
                        general_path(tables, *args)
                    continue
                metrics, rows = general_path(tables, *args)
                assert (fast.metrics, fast.rows) == (metrics, rows), (args, seg)
                read_from_buyers += sort != "customer_id" and order == "desc" and bool(
                    fast.rows) and all(r.revenue > 0 for r in fast.rows)
    assert read_from_buyers > 3  # pages the buyers alone could answer were compared


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
        assert (page.metrics, page.rows) == general_path(
            tables, "m1", delivered, query, page.page, page.page_size, page.sort, page.order)


def test_a_recipient_known_only_by_events_opens_in_their_own_time_zone(store, tmp_path):
    """reach_times' zone comes from either side of the audience-events join: bob has
    no audience row, only events. Opened at T0 + 1 h = 10:00 UTC on Monday: 20:00 in
    Vladivostok (UTC+10) for both, 13:00 in Moscow (UTC+3) for cat, who has none."""
    data = Dataset(store, tmp_path / "data")
    data.customer("ann", timezone="Asia/Vladivostok").customer("bob", timezone="Asia/Vladivostok")
    data.customer("cat", timezone="Europe/Moscow").mailing("m1")
    data.journeys("m1", {"ann": [("sent", at(0)), ("opened", at(1))]})
    data.journeys("m1", {name: [("sent", at(0)), ("opened", at(1))] for name in ("bob", "cat")},
                  audience=False)
    data.load()
    rows = store.sql("SELECT customer_id, status, zone, open_hour, open_dow FROM reach_times "
                     "ORDER BY customer_id")
    assert rows == [("ann", "good", "Asia/Vladivostok", 20, 0),
                    ("bob", None, "Asia/Vladivostok", 20, 0),
                    ("cat", None, "Europe/Moscow", 13, 0)]
