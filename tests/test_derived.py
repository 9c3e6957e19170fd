"""Derived tables on small hand-made cases: reach times and attribution."""

from __future__ import annotations

import datetime as dt

from conftest import T0, at


def reach(store, mailing_id, customer_id):
    rows = store.sql("SELECT sent_at, delivered_at, opened_at, clicked_at, opened_at_all, "
                     "clicked_at_all, touch_at, variant_id, \"group\" FROM reach_times "
                     "WHERE mailing_id = ? AND customer_id = ?", [mailing_id, customer_id])
    assert len(rows) == 1, rows
    keys = ("sent", "delivered", "opened", "clicked", "opened_all", "clicked_all", "touch",
            "variant", "group")
    return dict(zip(keys, rows[0], strict=True))


def h(hours):
    return T0 + dt.timedelta(hours=hours)


def attributed(store):
    return {r[0]: r[1] for r in store.sql("SELECT order_id, mailing_id FROM attributed_orders")}


def test_a_click_without_an_open_implies_open_delivery_and_sending(data, store):
    data.mailing("m1").journeys("m1", {"alice": [("clicked", at(2))]}).load()
    r = reach(store, "m1", "alice")
    assert (r["sent"], r["delivered"], r["opened"], r["clicked"]) == (h(2), h(2), h(2), h(2))


def test_a_missing_sent_event_is_implied_by_delivery(data, store):
    data.mailing("m1").journeys("m1", {"bob": [("delivered", at(1)), ("opened", at(3))]}).load()
    r = reach(store, "m1", "bob")
    assert (r["sent"], r["delivered"], r["opened"], r["clicked"]) == (h(1), h(1), h(3), None)


def test_reach_time_is_the_earliest_event_of_that_stage_or_later(data, store):
    data.mailing("m1").journeys("m1", {"cy": [
        ("sent", at(0)), ("opened", at(5)), ("clicked", at(4)), ("delivered", at(1))]}).load()
    r = reach(store, "m1", "cy")
    assert (r["sent"], r["delivered"], r["opened"], r["clicked"]) == (h(0), h(1), h(4), h(4))


def test_a_machine_open_is_evidence_of_delivery_only(data, store):
    data.mailing("m1").journeys("m1", {"dan": [
        ("sent", at(0)), ("opened", at(0.01), {"is_machine": True}),
        ("clicked", at(0.02), {"is_machine": True}), ("opened", at(6))]}).load()
    r = reach(store, "m1", "dan")
    assert r["delivered"] == h(0.01)
    assert r["opened"] == h(6) and r["clicked"] is None
    assert r["opened_all"] == h(0.01) and r["clicked_all"] == h(0.02)


def test_a_duplicated_event_changes_nothing(data, store):
    data.mailing("m1").journeys("m1", {"eve": [("opened", at(2), {"event_id": "dup"})]}).load()
    data.event("m1", "eve", "opened", at(2), event_id="dup")
    summary = data.load()
    assert [(t.inserted, t.duplicates) for t in summary.tables] == [(0, 1)]
    assert store.sql("SELECT count(*) FROM events")[0][0] == 1


def test_last_touch_wins_between_overlapping_mailings(data, store):
    data.mailing("m1").mailing("m2", sent_at=at(days=1))
    data.journeys("m1", {"ann": [("opened", at(1))]})
    data.journeys("m2", {"ann": [("opened", at(days=2))]}, audience=True)
    data.order("ann", at(days=1), order_id="before-m2")  # only m1 touched by then
    data.order("ann", at(days=3), order_id="after-m2")   # both; m2 is the latest
    data.load()
    assert attributed(store) == {"before-m2": "m1", "after-m2": "m2"}


def test_a_tie_between_touches_goes_to_the_greater_mailing_id(data, store):
    data.mailing("m1").mailing("m2")
    data.journeys("m1", {"ann": [("opened", at(1))]})
    data.journeys("m2", {"ann": [("opened", at(1))]})
    data.order("ann", at(2), order_id="o")
    data.load()
    assert attributed(store) == {"o": "m2"}


def test_window_includes_the_touch_and_excludes_touch_plus_window(data, store):
    data.mailing("m1").journeys("m1", {"ann": [("opened", at(1))]})
    data.order("ann", at(1), order_id="at-touch")
    data.order("ann", at(1, days=7), order_id="at-window-end")
    data.order("ann", at(0.99), order_id="before-touch")
    data.order("ann", at(0.99, days=7), order_id="just-inside")
    data.load()
    assert attributed(store) == {"at-touch": "m1", "just-inside": "m1"}


def test_a_cancelled_order_is_never_attributed(data, store):
    data.mailing("m1").journeys("m1", {"ann": [("opened", at(1))]})
    data.order("ann", at(2), order_id="ok").order("ann", at(3), order_id="x", status="cancelled")
    data.load()
    assert attributed(store) == {"ok": "m1"}


def test_sms_touches_on_delivery_email_on_open(data, store):
    data.mailing("s1", channel="sms").mailing("m1")
    data.journeys("s1", {"ann": [("delivered", at(1))]})
    data.journeys("m1", {"bob": [("delivered", at(1))]})
    data.order("ann", at(2), order_id="sms-order").order("bob", at(2), order_id="email-order")
    data.load()
    assert reach(store, "s1", "ann")["touch"] == h(1)
    assert reach(store, "m1", "bob")["touch"] is None
    assert attributed(store) == {"sms-order": "s1"}


def test_control_group_customers_make_no_touches(data, store):
    data.mailing("m1", control_share="0.5")
    data.journeys("m1", {"ctl": [("opened", at(1))], "held": []}, group="control")
    data.order("ctl", at(2), order_id="o")
    data.load()
    assert reach(store, "m1", "ctl")["touch"] is None
    # "Variant of a customer": their events' variant, else A (#22); one who has no
    # events was sent nothing and has none
    assert reach(store, "m1", "ctl")["variant"] == "A"
    assert reach(store, "m1", "held")["variant"] is None
    assert attributed(store) == {}


def test_variant_comes_from_audience_then_events_then_a(data, store):
    data.mailing("m1").add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 0.5},
                           {"mailing_id": "m1", "variant_id": "B", "share": 0.5})
    data.journeys("m1", {"aud": [("sent", at(0), {"variant_id": "A"})]}, variant_id="B")
    data.journeys("m1", {"ev": [("sent", at(0), {"variant_id": "B"})]})
    data.journeys("m1", {"none": [("sent", at(0))]})
    # events that disagree: the least variant id, whatever the events' order
    data.journeys("m1", {"mixed": [("sent", at(0), {"variant_id": "B"}),
                                   ("opened", at(1), {"variant_id": "A"})]})
    data.load()
    assert [reach(store, "m1", c)["variant"] for c in ("aud", "ev", "none", "mixed")] \
        == ["B", "B", "A", "A"]


def test_incremental_refresh_equals_a_full_rebuild(data, store):
    data.mailing("m1").mailing("m2", sent_at=at(days=1))
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": [("opened", at(2))]})
    data.order("ann", at(days=2), order_id="o1").order("bob", at(days=2), order_id="o2")
    data.load()
    # a later load: m2 touches ann after m1, and a new order arrives for bob
    data.journeys("m2", {"ann": [("opened", at(days=1.5))]})
    data.order("bob", at(days=3), order_id="o3")
    data.load()
    incremental = sorted(store.sql("SELECT * FROM attributed_orders"))
    incremental_reach = sorted(store.sql("SELECT * FROM reach_times"), key=str)
    store.rebuild_facts()
    assert sorted(store.sql("SELECT * FROM attributed_orders")) == incremental
    assert sorted(store.sql("SELECT * FROM reach_times"), key=str) == incremental_reach
    assert attributed(store) == {"o1": "m2", "o2": "m1", "o3": "m1"}


def test_a_read_only_store_refuses_derived_tables_built_for_other_settings(data, store):
    import pytest

    from mailreport.settings import Settings
    from mailreport.store import StoreError, open_store

    data.mailing("m1").load()
    store.close()
    with pytest.raises(StoreError, match="mailreport refresh"):
        open_store(store.path, Settings(attribution_window_days=3), read_only=True)
    open_store(store.path, Settings(), read_only=True).close()


def test_a_refresh_in_small_slices_equals_the_single_statement_definitions(
        demo_dir, tmp_path, monkeypatch):
    """The refresh cuts its work (a few mailings, a slice of customers at a time) to
    bound memory on large stores; cut as finely as possible it must still give
    exactly the rows of each fact's definition run whole, and keep tables sorted."""
    from mailreport import facts
    from mailreport.ingest.loader import load_directory
    from mailreport.settings import Settings
    from mailreport.store import open_store
    from mailreport.store.duckdb import fact_refresh

    monkeypatch.setattr(fact_refresh, "REFRESH_EVENTS", 1)  # one mailing a statement
    monkeypatch.setattr(fact_refresh, "ATTRIBUTION_CUSTOMERS", 150)  # 14 slices
    store = open_store(tmp_path / "sliced.duckdb", Settings())
    load_directory(store, demo_dir)
    # one mailing with events a batch; the two unsent ones (no events) ride along
    assert len(fact_refresh.mailing_batches(store.con, "true")) == 19

    def whole() -> dict[str, list]:
        return {f.name: sorted(store.sql(f.select(store.settings, "true")), key=str)
                for f in facts.FACTS}

    def stored() -> dict[str, list]:
        return {f.name: sorted(store.sql(f"SELECT * FROM {f.name}"), key=str)
                for f in facts.FACTS}

    loaded = stored()
    assert all(loaded.values())
    assert loaded == whole()
    store.rebuild_facts()
    assert stored() == loaded
    for table in ("attributed_orders", "attributed_lines", "reach_times"):
        order = [r[0] for r in store.sql(f"SELECT mailing_id FROM {table}")]
        assert order == sorted(order), table
