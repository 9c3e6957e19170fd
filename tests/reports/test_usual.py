"""Compared with usual (DESIGN.md) on hand-made mailings: medians and quartiles
worked out by hand, the previous N chosen before nulls drop, fewer than 3 left,
ties of sent_at by mailing_id, other channels ignored, SMS without an open rate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import at, query
from mailreport.reports import mailing_report
from mailreport.reports.query import get_mailing
from mailreport.reports.usual import usual
from mailreport.settings import Settings
from mailreport.stats import quantile

pytestmark = pytest.mark.engines

PEOPLE = ("a", "b", "c", "d")


@pytest.fixture
def settings() -> Settings:
    return Settings(usual_mailings=4)


def sent(data, mailing_id: str, day: float, openers: str, channel: str = "email",
         delivered: str = "abcd") -> None:
    """A mailing sent on a day to a, b, c and d: those in ``delivered`` reach it, those
    in ``openers`` open it (or, for SMS, click) six minutes after sending."""
    data.mailing(mailing_id, channel=channel, sent_at=at(days=day))
    second = "clicked" if channel == "sms" else "opened"
    data.journeys(mailing_id, {p: [("sent", at(days=day))]
                               + ([("delivered", at(0.05, days=day))] if p in delivered else [])
                               + ([(second, at(0.1, days=day))] if p in openers else [])
                               for p in PEOPLE})


def of(data, mailing_id: str):
    t = data.tables()
    return usual(t, get_mailing(t, mailing_id))


def test_median_and_quartiles_of_the_previous_n_of_the_channel(data):
    sent(data, "m0", 0, "abcd")    # open rate 100: the fifth before m5, beyond N = 4
    sent(data, "m1", 1, "a")       # 25
    sent(data, "m2", 2, "ab")      # 50
    sent(data, "m3", 3, "abc")     # 75
    sent(data, "x1", 3.5, "abcd", channel="push")  # another channel: not m5's usual
    sent(data, "m4", 4, "")        # 0
    sent(data, "m5", 4, "ab")      # the mailing: 50, sent with m4 and m6
    sent(data, "m6", 4, "abcd")    # same sent_at, greater mailing_id: after m5
    # a's orders, an hour after her open: attributed to that mailing (last touch)
    data.order("a", at(1.1, days=1), total="40.00")  # m1: 40 / 4 delivered = 10.00
    data.order("a", at(1.1, days=2), total="80.00")  # m2: 20.00
    data.order("a", at(1.1, days=3), total="20.00")  # m3: 5.00
    data.load()
    u = of(data, "m5")
    assert u.mailings == 4
    # previous of m5: m4 (tie, smaller id), m3, m2, m1 -> open rates 0, 75, 50, 25
    # sorted 0, 25, 50, 75: median at 1.5 -> 37.5; q1 at 0.75 -> 18.75; q3 at 2.25 -> 56.25
    assert u.open_rate.model_dump() == {"value": 50.0, "median": 37.5, "q1": 18.75,
                                        "q3": 56.25, "n": 4, "difference": 12.5}
    # clicks: none anywhere
    assert (u.click_rate.median, u.click_rate.q3, u.click_rate.difference) == (0, 0, 0)
    # conversion: a bought after m1, m2, m3 (1 of 4 delivered), none after m4 or m5
    assert (u.conversion.value, u.conversion.median, u.conversion.q1, u.conversion.q3) == (
        0.0, 25.0, 18.75, 25.0)
    assert u.conversion.difference == -25.0
    # revenue per recipient 0, 5, 10, 20: median 7.50, q1 3.75, q3 12.50
    r = u.revenue_per_recipient
    assert (r.value, r.median, r.q1, r.q3, r.n, r.difference) == (
        Decimal("0.00"), Decimal("7.50"), Decimal("3.75"), Decimal("12.50"), 4,
        Decimal("-7.50"))
    # m3 has three before it (m2, m1, m0): enough; m2 has two: no comparison
    assert of(data, "m3").open_rate.median == 50.0
    assert of(data, "m3").open_rate.n == 3
    assert of(data, "m2").open_rate is None
    assert of(data, "m2").revenue_per_recipient is None
    # m6 comes after m5 in the tie, so m5 is among its previous: m5, m4, m3, m2
    assert of(data, "m6").open_rate.median == 50.0


def test_nulls_drop_after_the_n_are_chosen_and_sms_has_no_open_rate(data):
    sent(data, "p0", 0, "abcd", channel="push")
    sent(data, "p1", 1, "ab", channel="push")
    sent(data, "p2", 2, "", channel="push", delivered="")  # nothing delivered: null rates
    sent(data, "p3", 3, "a", channel="push")
    sent(data, "p4", 4, "abc", channel="push")
    sent(data, "p5", 5, "abc", channel="push")
    for i in range(4):  # SMS: clicks, no opens
        sent(data, f"s{i}", i, "abcd"[:i + 1], channel="sms")
    data.add("mailings", {"mailing_id": "s9", "name": "Later", "channel": "sms",
                          "status": "draft"})
    data.load()
    # p5's previous four: p4, p3, p2 (null), p1 -> three left: 75, 25, 50 (not p0's 100)
    u = of(data, "p5")
    assert (u.open_rate.n, u.open_rate.median, u.open_rate.q1, u.open_rate.q3) == (
        3, 50.0, 37.5, 62.5)
    # p4's previous four: p3, p2 (null), p1, p0 -> 25, 50, 100
    assert of(data, "p4").open_rate.median == 50.0
    # p3's: p2 (null), p1, p0 -> two left, no comparison
    assert of(data, "p3").open_rate is None
    sms = of(data, "s3")
    assert sms.open_rate is None
    # click rates of s0, s1, s2: 25, 50, 75; s3 clicked by all four: 100
    assert (sms.click_rate.median, sms.click_rate.difference) == (50.0, 50.0)
    assert of(data, "s9") is None  # not sent: nothing to be before


def test_the_report_headline_carries_both(data):
    sent(data, "m1", 1, "ab")
    data.order("a", at(1.1, days=1), total="30.00")
    data.order("b", at(1.1, days=1), total="0.01")
    data.load()
    headline = mailing_report(data.tables(), "m1", query()).headline
    # (30.00 + 0.01) / 4 delivered = 7.5025 -> 7.50
    assert headline.revenue_per_recipient == Decimal("7.50")
    assert headline.usual.open_rate is None  # nothing before it


def test_quantile_interpolates_between_ranks():
    assert quantile([3.0, 1.0, 2.0, 4.0], 0.25) == 1.75
    assert quantile([1.0, 2.0, 3.0], 0.5) == 2.0
    assert quantile([5.0], 0.75) == 5.0
    assert quantile([], 0.5) is None
    assert quantile([Decimal("0.10"), Decimal("0.20")], 0.25) == Decimal("0.125")
