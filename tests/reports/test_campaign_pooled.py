"""A campaign's volume and pooled groups by hand (DESIGN.md, "Campaign funnel"):
customers who overlap across its mailings count once per status; a customer in a
control group of one mailing and the test group of another is left out; an order
inside two mailings' windows counts once; a draft mailing is not counted."""

from __future__ import annotations

import pytest

from conftest import at, query
from mailreport.reports.campaign import campaign_report

pytestmark = pytest.mark.engines


def overlapping_campaign(data):
    data.add("campaigns", {"campaign_id": "c1", "name": "Autumn"})
    data.mailing("e1", sent_at=at(0), campaign_id="c1")
    data.mailing("e2", sent_at=at(days=1), campaign_id="c1")
    data.mailing("e3", status="draft", campaign_id="c1")
    data.journeys("e1", {"ann": [("sent", at(0)), ("delivered", at(0.1))],
                         "cat": [("sent", at(0)), ("delivered", at(0.1))]})
    data.journeys("e1", {"bob": []}, group="control")
    data.journeys("e2", {"eve": [("sent", at(days=1)), ("delivered", at(1, days=1))]})
    data.journeys("e2", {"ann": [], "bob": []}, group="control")
    data.journeys("e3", {"gil": []})
    for mailing in ("e1", "e2"):
        data.add("audience", {"mailing_id": mailing, "customer_id": "dan",
                              "status": "address_issue"})
    data.customer("dan").customer("fay")
    data.add("audience", {"mailing_id": "e2", "customer_id": "fay",
                          "status": "unsubscribed_channel"})
    data.order("bob", at(days=2), total="100.00")  # in e1's window and in e2's: once
    data.order("cat", at(days=3), total="50.00")
    data.order("cat", at(days=20), total="30.00")  # after both windows
    data.order("ann", at(days=2), total="70.00")  # left out
    data.load()
    return campaign_report(data.tables(), "c1", query())


def test_volume_adds_rows_and_counts_customers_once(data):
    v = overlapping_campaign(data).volume
    assert v.mailings.model_dump() == {
        "good_recipients": 6, "address_issue": 2, "unsubscribed_channel": 1,
        "unsubscribed_category": 0, "blocked_by_policy": 0, "control_group": 3,
        "actual_recipients": 3}
    assert v.customers.model_dump() == {
        "good_recipients": 4, "address_issue": 1, "unsubscribed_channel": 1,
        "unsubscribed_category": 0, "blocked_by_policy": 0, "control_group": 2,
        "actual_recipients": 3}


def test_pooled_groups(data):
    g = overlapping_campaign(data).groups
    test, control = g.rows
    assert g.left_out == 1  # ann: control in e2, test in e1
    assert (test.group, test.assigned, test.buyers, test.orders, str(test.revenue)) == (
        "test", 2, 1, 1, "50.00")  # cat and eve; cat's second order is too late
    assert (test.conversion, str(test.revenue_per_customer), str(test.aov)) == (
        50.0, "25.00", "50.00")
    assert (control.group, control.assigned, control.buyers, control.orders,
            str(control.revenue)) == ("control", 1, 1, 1, "100.00")
    assert test.sent is None and control.vs_control is None
    assert test.vs_control.conversion_uplift == pytest.approx(-50.0)


def test_no_control_group_no_pooled_groups(data):
    data.add("campaigns", {"campaign_id": "c2", "name": "Plain"})
    data.mailing("p1", campaign_id="c2")
    data.journeys("p1", {"zoe": [("sent", at(0))]})
    data.load()
    r = campaign_report(data.tables(), "c2", query())
    assert r.groups is None and r.volume.customers.good_recipients == 1


def test_actual_recipients_are_the_test_group_delivered_in_some_mailing(data):
    # jon is not delivered in a1 but is in a2: actual once; lea is never delivered
    data.add("campaigns", {"campaign_id": "c3", "name": "Delivered"})
    data.mailing("a1", sent_at=at(0), campaign_id="c3")
    data.mailing("a2", sent_at=at(days=1), campaign_id="c3")
    data.journeys("a1", {"ivy": [("sent", at(0)), ("delivered", at(0.1))],
                         "jon": [("sent", at(0))]})
    data.journeys("a1", {"kim": []}, group="control")
    data.journeys("a2", {"jon": [("sent", at(days=1)), ("delivered", at(1, days=1))],
                         "lea": [("sent", at(days=1))]})
    data.load()
    v = campaign_report(data.tables(), "c3", query()).volume.customers
    assert (v.good_recipients, v.control_group, v.actual_recipients) == (4, 1, 2)
