"""Volume, efficiency and orders sections on small cases computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import at, query
from mailreport.reports import NotFound, ReportQuery, mailing_report
from mailreport.reports.efficiency import efficiency
from mailreport.reports.orders import orders
from mailreport.reports.scope import scope_of
from mailreport.reports.volume import volume

# every case runs on every engine (tests/engines.py)
pytestmark = pytest.mark.engines

D = dt.date


def eff(data, mailing_id, **kw):
    t = data.tables()
    return efficiency(t, scope_of(t, mailing_id), query(**kw))


def test_funnel_counts_customers_by_reach_time(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(1)), ("clicked", at(2))],
        "bob": [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(3))],
        "cy": [("sent", at(0)), ("bounced", at(0.1))],
        "dan": [("clicked", at(5))],            # a click without an open
        "eve": [("delivered", at(1))],          # a missing sent event
    }).load()
    e = eff(data, "m1")
    assert e.stages.model_dump() == {"sent": 5, "delivered": 4, "opened": 3, "clicked": 2,
                                     "ordered": 0, "ordered_after_click": 0}
    assert e.transitions.delivered == 80.0
    assert e.transitions.opened == 75.0
    assert e.transitions.clicked == pytest.approx(66.6667)
    assert e.transitions.conversion == 0.0
    assert [(d.date, d.sent, d.opened) for d in e.daily] == [(D(2026, 3, 2), 5, 3)]


def test_machine_opens_and_scanner_clicks_count_only_when_asked(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("sent", at(0)), ("opened", at(0.01), {"is_machine": True}),
                ("clicked", at(0.02), {"is_machine": True})],
        "bob": [("sent", at(0)), ("opened", at(2))],
    }).load()
    human = eff(data, "m1")
    assert (human.stages.delivered, human.stages.opened, human.stages.clicked) == (2, 1, 0)
    everything = eff(data, "m1", include_machine=True)
    assert (everything.stages.opened, everything.stages.clicked) == (2, 1)


def test_duplicated_events_count_once(data):
    data.mailing("m1").journeys("m1", {"ann": [
        ("opened", at(1)), ("opened", at(1)), ("opened", at(4)), ("clicked", at(5)),
        ("clicked", at(6))]}).load()
    e = eff(data, "m1")
    assert (e.stages.opened, e.stages.clicked) == (1, 1)


def test_the_period_counts_reach_times_inside_it_only(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("sent", at(0)), ("opened", at(days=2))],
        "bob": [("sent", at(days=2)), ("opened", at(days=2.1))],
    }).load()
    e = eff(data, "m1", **{"from": D(2026, 3, 3), "to": D(2026, 3, 5)})
    # ann was sent before the period; her open (and so her delivery) fall inside it
    assert (e.stages.sent, e.stages.delivered, e.stages.opened) == (1, 2, 2)
    assert [d.date for d in e.daily] == [D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5)]
    assert [d.sent for d in e.daily] == [0, 1, 0]
    assert sum(d.opened for d in e.daily) == e.stages.opened


@pytest.mark.engines("duckdb", reason="reopens the DuckDB store in another zone; "
                     "tests/spark/test_spark_cases.py checks Spark in Europe/Moscow")
def test_the_period_is_in_the_company_time_zone(data, store, tmp_path):
    from mailreport.settings import Settings
    from mailreport.store import open_store

    data.mailing("m1").journeys("m1", {"ann": [("opened", "2026-03-02T22:30:00")]}).load()
    utc = eff(data, "m1", **{"from": D(2026, 3, 2), "to": D(2026, 3, 2)})
    assert utc.stages.opened == 1
    store.close()
    moscow = open_store(store.path, Settings(company_timezone="Europe/Moscow"))
    t = moscow.tables()
    q = ReportQuery(**{"from": D(2026, 3, 2), "to": D(2026, 3, 2)})
    assert efficiency(t, scope_of(t, "m1"), q).stages.opened == 0  # 01:30 on the 3rd
    q = ReportQuery(**{"from": D(2026, 3, 3), "to": D(2026, 3, 3)})
    assert efficiency(t, scope_of(t, "m1"), q).daily[0].opened == 1
    moscow.close()


def test_sms_has_no_opened_stage_and_clicks_over_delivered(data):
    data.mailing("s1", channel="sms").journeys("s1", {
        "ann": [("sent", at(0)), ("delivered", at(0.1)), ("clicked", at(1))],
        "bob": [("sent", at(0)), ("delivered", at(0.1))],
    }).load()
    e = eff(data, "s1")
    assert e.stages.opened is None and e.transitions.opened is None
    assert e.transitions.clicked == 50.0
    assert all(d.opened is None for d in e.daily)


def test_zero_denominators_are_null(data):
    data.mailing("m1").journeys("m1", {"ann": [("sent", at(0))]}).load()
    e = eff(data, "m1")
    assert e.transitions.delivered == 0.0
    assert (e.transitions.opened, e.transitions.clicked, e.transitions.conversion) == (
        None, None, None)
    assert (e.spam_rate, e.unsubscribe_rate) == (None, None)


def test_spam_and_unsubscribes_are_customers_in_the_period(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("delivered", at(0)), ("spam", at(1)), ("spam", at(2))],
        "bob": [("delivered", at(0)), ("unsubscribed", at(1))],
        "cy": [("delivered", at(0)), ("unsubscribed", at(days=3))],
        "dan": [("delivered", at(0))],
    }).load()
    e = eff(data, "m1", **{"to": D(2026, 3, 3)})
    assert (e.spam, e.unsubscribed, e.spam_rate, e.unsubscribe_rate) == (1, 1, 25.0, 25.0)


def test_a_mailing_with_no_events_has_an_empty_funnel(data):
    data.mailing("m1").load()
    e = eff(data, "m1")
    assert e.stages.sent == 0 and e.daily == []
    e = eff(data, "m1", **{"from": D(2026, 3, 1), "to": D(2026, 3, 2)})
    assert [d.sent for d in e.daily] == [0, 0]


def test_ordered_counts_customers_by_their_first_attributed_order(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("opened", at(1))], "bob": [("opened", at(1))], "cy": [("delivered", at(1))]})
    data.order("ann", at(2)).order("ann", at(days=1)).order("bob", at(days=1))
    data.order("cy", at(3))  # cy never opened: no touch
    data.load()
    e = eff(data, "m1")
    assert e.stages.ordered == 2
    assert [(d.date, d.ordered) for d in e.daily] == [(D(2026, 3, 2), 1), (D(2026, 3, 3), 1)]
    assert e.transitions.conversion == pytest.approx(66.6667)


def test_ordered_after_a_click_needs_an_order_at_or_after_the_click(data):
    """ann clicks, then orders; bob orders, then clicks; cat orders, clicks and orders
    again the same day; dan orders two days after his click; eve's only click is a
    security scanner's."""
    data.mailing("m1").journeys("m1", {
        "ann": [("delivered", at(0)), ("clicked", at(1))],
        "bob": [("opened", at(1)), ("clicked", at(3))],
        "cat": [("opened", at(1)), ("clicked", at(3))],
        "dan": [("clicked", at(1))],
        "eve": [("opened", at(1)), ("clicked", at(2), {"is_machine": True})],
    })
    data.order("ann", at(2)).order("bob", at(2)).order("cat", at(2)).order("cat", at(5))
    data.order("dan", at(days=2)).order("eve", at(3))
    data.load()
    e = eff(data, "m1")
    assert (e.stages.clicked, e.stages.ordered, e.stages.ordered_after_click) == (4, 5, 3)
    assert e.transitions.ordered_after_click == 75.0  # of clicked
    with_machine = eff(data, "m1", include_machine=True)
    assert with_machine.stages.ordered_after_click == 4  # eve too
    assert with_machine.transitions.ordered_after_click == 80.0
    # the period applies to the order: dan's counts though he clicked before it
    later = eff(data, "m1", **{"from": D(2026, 3, 4)})
    assert (later.stages.clicked, later.stages.ordered_after_click) == (0, 1)
    assert later.transitions.ordered_after_click is None


def test_orders_by_day_with_receipts_orders_and_revenue(data):
    data.mailing("m1").journeys("m1", {"ann": [("opened", at(1))], "bob": [("opened", at(1))]})
    data.order("ann", at(2), total="10.50", kind="receipt")
    data.order("bob", at(3), total="20.25", kind="order")
    data.order("bob", at(days=2), total="5.00", kind="order")
    data.order("bob", at(4), total="99.00", status="cancelled")
    data.load()
    t = data.tables()
    o = orders(t, scope_of(t, "m1"), query())
    assert (o.receipts, o.orders, o.revenue) == (1, 2, Decimal("35.75"))
    assert [(d.date, d.receipts, d.orders, str(d.revenue)) for d in o.daily] == [
        (D(2026, 3, 2), 1, 1, "30.75"), (D(2026, 3, 3), 0, 0, "0.00"),
        (D(2026, 3, 4), 0, 1, "5.00")]


def test_orders_across_overlapping_mailings_go_to_the_last_touch(data):
    data.mailing("m1").mailing("m2", sent_at=at(days=1))
    data.journeys("m1", {"ann": [("opened", at(1))]})
    data.journeys("m2", {"ann": [("opened", at(days=1))]})
    data.order("ann", at(2), total="1.00").order("ann", at(days=1, hours=1), total="2.00")
    data.load()
    t = data.tables()
    assert orders(t, scope_of(t, "m1"), query()).revenue == Decimal("1.00")
    assert orders(t, scope_of(t, "m2"), query()).revenue == Decimal("2.00")
    assert orders(t, scope_of(t, "m1", "m2"), query()).revenue == Decimal("3.00")


def test_push_touches_on_open(data):
    data.mailing("p1", channel="push").journeys("p1", {
        "ann": [("delivered", at(0)), ("opened", at(1))], "bob": [("delivered", at(0))]})
    data.order("ann", at(2)).order("bob", at(2))
    data.load()
    assert orders(data.tables(), scope_of(data.tables(), "p1"), query()).receipts == 1


def test_volume_counts_every_status_and_the_control_group(data):
    data.mailing("m1", control_share="0.5")
    for i, status in enumerate(["address_issue", "unsubscribed_channel", "unsubscribed_category",
                                "blocked_by_policy", "blocked_by_policy"]):
        data.customer(f"x{i}").add("audience", {"mailing_id": "m1", "customer_id": f"x{i}",
                                                "status": status})
    data.journeys("m1", {"ann": [("delivered", at(0))], "bob": [("sent", at(0))]})
    data.journeys("m1", {"ctl": []}, group="control")
    data.load()
    t = data.tables()
    v = volume(t, scope_of(t, "m1"), query())
    assert v.model_dump() == {"good_recipients": 3, "address_issue": 1,
                              "unsubscribed_channel": 1, "unsubscribed_category": 1,
                              "blocked_by_policy": 2, "control_group": 1,
                              "actual_recipients": 1}


def test_a_draft_mailing_has_no_volume_and_null_sections(data):
    data.mailing("d1", channel="sms", status="draft").load()
    r = mailing_report(data.tables(), "d1", query())
    assert r.volume is None and r.open_hours is None and r.heatmap is None
    assert r.groups is None


def test_an_unknown_mailing_is_not_found(data):
    data.mailing("m1").load()
    with pytest.raises(NotFound, match="'nope'"):
        mailing_report(data.tables(), "nope", query())
