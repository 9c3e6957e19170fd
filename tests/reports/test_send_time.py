"""Send-time advice (DESIGN.md): a planted best hour per zone found with high
confidence, thin data flagged, and on hand-made cases on every engine the rules at
the edges: 24 hours exactly, machine opens, SMS clicks, ties, the 180-day window."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import T0, Dataset, at
from mailreport.reports.send_time import send_time_advice

AS_OF = (T0 + dt.timedelta(days=40)).date()


def test_the_planted_best_hour_of_each_zone_is_found(store, tmp_path):
    """Moscow (UTC+3) answers best to 10:00 local, Vladivostok (UTC+10) to 19:00:
    40% open against 20% at the other hours, 1,200 delivered each, so the advice is
    sure. Kaliningrad has 30 customers: its advice is of low confidence."""
    data = Dataset(store, tmp_path / "data")
    zones = {"Europe/Moscow": (3, 10), "Asia/Vladivostok": (10, 19)}
    people = {zone: [f"{zone[:3]}{i}" for i in range(1200)] for zone in zones}
    for zone, names in people.items():
        for name in names:
            data.customer(name, timezone=zone, region=zone.split("/")[1])
    thin = [f"kal{i}" for i in range(30)]
    for name in thin:
        data.customer(name, timezone="Europe/Kaliningrad")
    for n, utc_hour in enumerate((4, 7, 9, 12)):
        mailing = f"m{utc_hour}"
        sent = (T0 + dt.timedelta(days=n * 3)).replace(hour=utc_hour)
        data.mailing(mailing, sent_at=sent.isoformat())
        for zone, (offset, best) in zones.items():
            share = 0.40 if (utc_hour + offset) % 24 == best else 0.20
            openers = int(len(people[zone]) * share)
            data.journeys(mailing, {
                name: [("sent", sent.isoformat()),
                       ("delivered", (sent + dt.timedelta(minutes=5)).isoformat())]
                + ([("opened", (sent + dt.timedelta(hours=2)).isoformat())] if i < openers else [])
                for i, name in enumerate(people[zone])})
        if utc_hour == 9:
            data.journeys(mailing, {name: [("sent", sent.isoformat()),
                                           ("delivered", sent.isoformat())]
                                    + ([("opened", sent.isoformat())] if i < 10 else [])
                                    for i, name in enumerate(thin)})
    data.load()
    advice = send_time_advice(store.tables(), "email", "zone", AS_OF)
    by_zone = {a.key: a for a in advice.advice}
    assert list(by_zone) == ["Asia/Vladivostok", "Europe/Moscow", "Europe/Kaliningrad"]
    for zone, (offset, best) in zones.items():
        a = by_zone[zone]
        assert a.best.hour == best and a.best.delivered == 1200 and a.best.responded == 480
        assert a.best.rate == pytest.approx(40.0)
        assert a.best.ci_low == pytest.approx(37.26, abs=0.01)  # Wilson, by hand
        assert not a.low_confidence and a.why_low == []
        assert [h.hour for h in a.hours] == sorted((u + offset) % 24 for u in (4, 7, 9, 12))
        assert a.delivered == 4 * 1200
    kal = by_zone["Europe/Kaliningrad"]
    assert kal.best.hour == 11 and kal.best.delivered == 30  # 09:00 UTC is 11:00 there
    assert kal.low_confidence and kal.why_low == ["few_observations"]
    regions = send_time_advice(store.tables(), "email", "region", AS_OF)
    assert {a.key: a.best.hour for a in regions.advice} == {
        "Moscow": 10, "Vladivostok": 19, "unknown": 11}




@pytest.mark.engines
def test_the_rules_at_the_edges(data):
    """a opens 23:59 after sending (counts), b exactly 24 h after (does not), c only
    by a machine (does not), d was not delivered (not counted at all); the SMS
    mailing counts clicks; an old mailing beyond the 180 days is left out."""
    data.customer("a", timezone="Europe/Moscow").customer("b", timezone="Europe/Moscow")
    data.customer("c", timezone="Europe/Moscow").customer("d", timezone="Europe/Moscow")
    data.mailing("e1", sent_at=at(0))  # 09:00 UTC: 12:00 in Moscow
    data.journeys("e1", {
        "a": [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(23.99))],
        "b": [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(24))],
        "c": [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(1), {"is_machine": True})],
        "d": [("sent", at(0))]})
    data.mailing("s1", channel="sms", sent_at=at(2))  # 14:00 in Moscow
    data.journeys("s1", {"a": [("sent", at(2)), ("delivered", at(2.1)), ("clicked", at(3))],
                         "b": [("sent", at(2)), ("delivered", at(2.1))]})
    data.mailing("old", sent_at=at(days=-200))
    data.journeys("old", {"a": [("sent", at(days=-200)), ("delivered", at(days=-200)),
                                ("opened", at(1, days=-200))]})
    data.load()
    tables = data.tables()
    email = send_time_advice(tables, "email", "zone", AS_OF).advice
    assert len(email) == 1 and email[0].key == "Europe/Moscow"
    [hour] = email[0].hours  # the old mailing, at the same hour, is outside the window
    assert (hour.hour, hour.delivered, hour.responded) == (12, 3, 1)
    assert email[0].low_confidence and email[0].why_low == ["few_observations"]
    sms = send_time_advice(tables, "sms", "zone", AS_OF).advice
    assert [(h.hour, h.delivered, h.responded) for h in sms[0].hours] == [(14, 2, 1)]
    # a window that reaches back to the old mailing counts it too
    back = send_time_advice(tables, "email", "zone", (T0 - dt.timedelta(days=100)).date())
    assert [(h.hour, h.delivered, h.responded) for h in back.advice[0].hours] == [(12, 1, 1)]


def test_ties_go_to_more_delivered_then_the_earlier_hour():
    from mailreport.reports.send_time import advise, rated

    a = advise("z", [rated(15, 10, 5), rated(9, 20, 10), rated(8, 20, 10)])
    assert a.best.hour == 8
    assert advise("z", []).best is None
