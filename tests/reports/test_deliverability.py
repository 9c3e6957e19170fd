"""Deliverability by hand (DESIGN.md, "Deliverability"): the latest bounce's class
and reason, recipient domains, unsubscribe reasons, and the period's edges."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import at, query
from mailreport.exports import Export, ExportRequest
from mailreport.reports.customers import customer_list
from mailreport.reports.deliverability import hard_bounces
from mailreport.reports.report import mailing_report, section
from mailreport.reports.segments import Segment

# every case runs on every engine (tests/engines.py)
pytestmark = pytest.mark.engines

DAY1, DAY2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)  # company dates of at(0), at(days=1)


def bounces_and_unsubscribes(data):
    data.mailing("m1")
    for name, email in (("alice", "alice@Gmail.COM"), ("bob", "bob@mail.ru"),
                        ("carol", None), ("dan", "dan@x.y@Yandex.ru"),
                        ("eve", "eve@gmail.com")):
        data.customer(name, email=email)
    data.journeys("m1", {
        # a hard bounce, then a soft one: the latest wins
        "alice": [("sent", at(0)),
                  ("bounced", at(1), {"bounce_class": "hard",
                                      "reason": "550 5.1.1 user unknown"}),
                  ("bounced", at(days=1), {"bounce_class": "soft",
                                           "reason": "452 4.2.2 mailbox full"})],
        # no classification, no reason
        "bob": [("sent", at(0)), ("failed", at(2))],
        # no email address
        "carol": [("sent", at(0)),
                  ("bounced", at(1), {"bounce_class": "blocked", "reason": "554 policy"})],
        "dan": [("sent", at(0)), ("delivered", at(0)), ("spam", at(3)),
                ("unsubscribed", at(3), {"reason": "too often"}),
                ("unsubscribed", at(days=1), {"reason": "not relevant"})],
        "eve": [("sent", at(0)), ("delivered", at(0)), ("unsubscribed", at(days=1))],
    })
    data.mailing("s1", channel="sms")
    data.customer("sam", email="sam@gmail.com")
    data.journeys("s1", {"sam": [("sent", at(0)),
                                 ("failed", at(1), {"bounce_class": "hard",
                                                    "reason": "30003 unreachable"})]})
    data.load()
    return data.tables()


def shares(section_):
    return {r.bounce_class: (r.customers, r.share_of_sent) for r in section_.classes}


def test_bounces_by_latest_class_reason_and_domain(data):
    t = bounces_and_unsubscribes(data)
    d = mailing_report(t, "m1", query()).deliverability
    assert (d.sent, d.bounced, d.bounced_share) == (5, 3, 60.0)
    assert shares(d) == {"hard": (0, 0.0), "soft": (1, 20.0), "blocked": (1, 20.0),
                         "unknown": (1, 20.0)}
    assert [(r.bounce_class, r.reason, r.customers) for r in d.reasons] == [
        ("blocked", "554 policy", 1), ("soft", "452 4.2.2 mailbox full", 1),
        ("unknown", "not given", 1)]
    assert [(r.domain, r.sent, r.bounced, r.spam) for r in d.domains] == [
        ("gmail.com", 2, 1, 0), ("mail.ru", 1, 1, 0), (None, 1, 1, 0),
        ("yandex.ru", 1, 0, 1)]
    assert (d.domains[0].bounce_rate, d.domains[3].spam_rate) == (50.0, 100.0)
    assert d.unsubscribed == 2
    assert [(r.reason, r.customers, r.share_of_sent) for r in d.unsubscribe_reasons] == [
        ("not given", 1, 20.0), ("not relevant", 1, 20.0)]


def test_the_period_picks_the_latest_bounce_within_it(data):
    t = bounces_and_unsubscribes(data)
    first = section(t, "m1", "deliverability", query(**{"from": DAY1, "to": DAY1}))
    assert shares(first)["hard"] == (1, 20.0) and shares(first)["soft"] == (0, 0.0)
    assert [(r.reason, r.customers) for r in first.unsubscribe_reasons] == [("too often", 1)]
    second = section(t, "m1", "deliverability", query(**{"from": DAY2}))
    assert (second.sent, second.bounced, second.bounced_share) == (0, 1, None)
    assert shares(second)["soft"] == (1, None)
    assert [(r.domain, r.sent, r.bounced) for r in second.domains] == [("gmail.com", 0, 1)]
    assert [r.reason for r in second.unsubscribe_reasons] == ["not given", "not relevant"]


def test_sms_has_classes_and_no_domains(data):
    t = bounces_and_unsubscribes(data)
    d = section(t, "s1", "deliverability", query())
    assert d.domains is None
    assert shares(d)["hard"] == (1, 100.0)
    assert [r.reason for r in d.reasons] == ["30003 unreachable"]


def listed(t, mailing_id, **kw):
    segment = {k: kw.pop(k) for k in ("stage", "bounce_class", "reason") if k in kw}
    return customer_list(t, mailing_id, Segment(**segment), query(**kw), page_size=100)


def test_lists_behind_each_class_and_reason_total_the_section(data):
    t = bounces_and_unsubscribes(data)
    ids = lambda result: [r.customer_id for r in result.rows]  # noqa: E731
    assert ids(listed(t, "m1", stage="bounced")) == ["alice", "bob", "carol"]
    assert ids(listed(t, "m1", stage="bounced", bounce_class="soft")) == ["alice"]
    assert ids(listed(t, "m1", stage="bounced", bounce_class="hard")) == []
    first_day = {"from": DAY1, "to": DAY1}
    assert ids(listed(t, "m1", stage="bounced", bounce_class="hard", **first_day)) == ["alice"]
    assert ids(listed(t, "m1", stage="bounced", bounce_class="unknown",
                      reason="not given")) == ["bob"]
    assert ids(listed(t, "m1", stage="unsubscribed", reason="not given")) == ["eve"]
    assert ids(listed(t, "m1", stage="unsubscribed", reason="too often")) == []
    assert ids(listed(t, "m1", stage="unsubscribed", reason="too often", **first_day)) == ["dan"]
    # the whole list stays as the funnel counts it
    assert ids(listed(t, "m1", stage="unsubscribed")) == ["dan", "eve"]


def test_a_customer_whose_latest_bounce_is_hard_is_flagged_in_lists(data):
    t = bounces_and_unsubscribes(data)
    # sam's latest SMS bounce was hard; alice's hard one was followed by a soft one
    flags = {r.customer_id: r.hard_bounce for r in listed(t, "s1", stage="sent").rows}
    assert flags == {"sam": True}
    flags = {r.customer_id: r.hard_bounce for r in listed(t, "m1", stage="sent").rows}
    assert set(flags.values()) == {False}
    # an email that bounced hard for sam says nothing of his phone, nor the reverse
    data.mailing("m2")
    data.journeys("m2", {"sam": [("sent", at(days=3)),
                                 ("bounced", at(days=3), {"bounce_class": "soft"})],
                         "bob": [("sent", at(days=3)),
                                 ("bounced", at(days=3), {"bounce_class": "hard"})]})
    data.load()
    t = data.tables()
    assert {r.customer_id: r.hard_bounce for r in listed(t, "s1", stage="sent").rows} == \
        {"sam": True}
    assert {r.customer_id: r.hard_bounce for r in listed(t, "m1", stage="sent").rows} == \
        {"alice": False, "bob": True, "carol": False, "dan": False, "eve": False}


def test_the_addresses_that_bounced_hard_in_a_period(data):
    t = bounces_and_unsubscribes(data)
    got = hard_bounces(t, query())
    assert [(r.customer_id, r.channel, r.address, r.reason) for r in got.rows] == [
        ("sam", "sms", None, "30003 unreachable")]
    first_day = hard_bounces(t, query(**{"from": DAY1, "to": DAY1}))
    assert [(r.customer_id, r.address) for r in first_day.rows] == [
        ("alice", "alice@Gmail.COM"), ("sam", None)]
    assert first_day.total == 2
    assert [r.customer_id for r in hard_bounces(t, query(**{"from": DAY1, "to": DAY1}),
                                                channel="email").rows] == ["alice"]
    assert hard_bounces(t, query(**{"from": DAY2})).rows == []


def test_a_reason_narrows_only_bounced_and_unsubscribed_lists():
    with pytest.raises(ValueError, match="bounce_class narrows"):
        Segment(stage="unsubscribed", bounce_class="hard")
    with pytest.raises(ValueError, match="reason narrows"):
        Segment(stage="opened", reason="x")


@pytest.mark.engines("duckdb", reason="exports read the lists' members, tested above on "
                     "every engine; the file writing is the same")
def test_the_customers_behind_a_reason_export_slice_by_slice(data, tmp_path):
    t = bounces_and_unsubscribes(data)
    req = ExportRequest(mailing_id="m1", segment=Segment(stage="bounced", reason="not given"),
                        query=query(), entity="customers", format="csv",
                        fields=["customer_id"])
    export = Export(t, req, slice_size=1)
    assert "bounced" in export.file_name
    export.write(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").split() == [
        "customer_id", "bob"]


def test_a_campaign_counts_each_customer_once(data):
    """ann bounces soft in e1 then hard in e2: one customer, hard. bob bounces in
    e1 (no class) then fails softly on the SMS s1: his latest is the SMS's, but the
    domains, an email address's, count his email bounce. cat complains of both e1
    and e2: one complaint. dan, without an email, got only the SMS."""
    from mailreport.reports.campaign import campaign_report

    data.add("campaigns", {"campaign_id": "c1", "name": "Autumn"})
    for name, email in (("ann", "ann@mail.ru"), ("bob", "bob@Gmail.com"),
                        ("cat", "cat@mail.ru"), ("dan", None)):
        data.customer(name, email=email)
    data.mailing("e1", campaign_id="c1").mailing("e2", campaign_id="c1")
    data.mailing("s1", channel="sms", campaign_id="c1")
    data.journeys("e1", {
        "ann": [("sent", at(0)), ("bounced", at(1), {"bounce_class": "soft", "reason": "452"})],
        "bob": [("sent", at(0)), ("bounced", at(1))],
        "cat": [("sent", at(0)), ("delivered", at(0)), ("spam", at(2))]})
    data.journeys("e2", {
        "ann": [("sent", at(days=1)),
                ("bounced", at(2, days=1), {"bounce_class": "hard", "reason": "550"})],
        "cat": [("sent", at(days=1)), ("delivered", at(days=1)), ("spam", at(3, days=1))]})
    data.journeys("s1", {
        "bob": [("sent", at(0)), ("failed", at(5), {"bounce_class": "soft", "reason": "30003"})],
        "dan": [("sent", at(0)), ("delivered", at(0))]})
    data.load()
    d = campaign_report(data.tables(), "c1", query()).deliverability
    assert (d.sent, d.bounced) == (4, 2)  # ann, bob, cat, dan; ann and bob
    assert {r.bounce_class: r.customers for r in d.classes} == {
        "hard": 1, "soft": 1, "blocked": 0, "unknown": 0}
    assert [(r.bounce_class, r.reason, r.customers) for r in d.reasons] == [
        ("hard", "550", 1), ("soft", "30003", 1)]
    assert [(r.domain, r.sent, r.bounced, r.spam) for r in d.domains] == [
        ("mail.ru", 2, 1, 1), ("gmail.com", 1, 1, 0)]
    assert d.bounced_share == pytest.approx(50.0)
