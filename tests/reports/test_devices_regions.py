"""Devices and clients, and Regions (DESIGN.md), on small cases computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import at, query
from mailreport.facts.user_agents import parse
from mailreport.reports.devices import devices
from mailreport.reports.regions import regions
from mailreport.reports.scope import Scope, scope_of

# every case runs on every engine (tests/engines.py)
pytestmark = pytest.mark.engines

D = dt.date
IPHONE_MAIL = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
               "(KHTML, like Gecko) Mobile/15E148")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148")
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)"
APPLE_MAIL_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                  "(KHTML, like Gecko)")
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36")


def run(data, section, mailing_id="m1", **kw):
    t = data.tables()
    return section(t, scope_of(t, mailing_id), query(**kw))


def names(shares):
    return {s.name: s.customers for s in shares}


def test_the_parser_names_device_client_and_system():
    assert parse(IPHONE_MAIL) == ("mobile", "Mobile Safari UI/WKWebView", "iOS")
    assert parse(IPAD)[0] == "tablet"
    assert parse(OUTLOOK) == ("desktop", "Outlook", "Windows")
    assert parse(APPLE_MAIL_MAC) == ("desktop", "Apple Mail", "macOS")
    assert parse("") == parse(None) == parse("   ") == ("unknown", "unknown", "unknown")


def test_openers_and_clickers_by_the_event_of_their_reach_time(data):
    data.mailing("m1").journeys("m1", {
        # her first open (the reach time's event) was on the iPad; a later one on Outlook
        "ann": [("delivered", at(0)), ("opened", at(1), {"user_agent": IPAD}),
                ("opened", at(2), {"user_agent": OUTLOOK}),
                ("clicked", at(3), {"user_agent": OUTLOOK})],
        # a click without an open: it gives both his opened and clicked reach time
        "bob": [("clicked", at(1), {"user_agent": ANDROID_CHROME})],
        "cy": [("opened", at(1), {"user_agent": ""})],      # empty user agent
        "dan": [("opened", at(1))],                           # none at all
        "eve": [("delivered", at(0))],                        # not an opener
    }).load()
    d = run(data, devices)
    assert d.opened.customers == 4
    assert names(d.opened.device) == {"tablet": 1, "mobile": 1, "unknown": 2}
    assert names(d.opened.os) == {"iOS": 1, "Android": 1, "unknown": 2}
    assert d.opened.device[-1].name == "unknown" and d.opened.device[-1].percent == 50.0
    assert d.clicked.customers == 2
    assert names(d.clicked.client) == {"Outlook": 1, "Chrome Mobile": 1}
    assert names(d.clicked.device) == {"desktop": 1, "mobile": 1}
    assert d.machine_opened.customers == d.machine_clicked.customers == 0


def test_machine_events_are_shown_apart_not_in_the_human_figures(data):
    data.mailing("m1").journeys("m1", {
        # a privacy proxy with a mail client's user agent opened first, then she read it
        "ann": [("opened", at(0.1), {"is_machine": True, "user_agent": APPLE_MAIL_MAC}),
                ("opened", at(2), {"user_agent": IPHONE_MAIL})],
        # only a scanner's click: no human open or click at all
        "bob": [("clicked", at(0.1), {"is_machine": True, "user_agent": OUTLOOK})],
        # a human open first, a machine one later: not a machine row
        "cy": [("opened", at(1), {"user_agent": IPHONE_MAIL}),
               ("opened", at(2), {"is_machine": True, "user_agent": APPLE_MAIL_MAC})],
    }).load()
    d = run(data, devices)
    assert d.opened.customers == 2
    assert names(d.opened.client) == {"Mobile Safari UI/WKWebView": 2}
    assert "Apple Mail" not in names(d.opened.client)
    assert d.clicked.customers == 0
    assert d.machine_opened.customers == 2  # ann's proxy; bob's scanner click opened too
    assert names(d.machine_opened.client) == {"Apple Mail": 1, "Outlook": 1}
    assert d.machine_clicked.customers == 1
    assert names(d.machine_clicked.os) == {"Windows": 1}
    # the regions count people only
    assert [(r.region, r.opened, r.clicked) for r in run(data, regions).rows] == [
        ("unknown", 2, 0)]


def test_the_period_edge_counts_by_the_reach_times_company_day(data):
    data.mailing("m1").journeys("m1", {
        "ann": [("opened", "2026-03-02T23:59:59", {"user_agent": IPAD})],
        "bob": [("opened", "2026-03-03T00:00:00", {"user_agent": OUTLOOK})],
    }).load()
    first = run(data, devices, **{"from": D(2026, 3, 1), "to": D(2026, 3, 2)})
    assert names(first.opened.device) == {"tablet": 1}
    second = run(data, devices, **{"from": D(2026, 3, 3), "to": D(2026, 3, 3)})
    assert names(second.opened.device) == {"desktop": 1}


def test_regions_count_openers_clickers_buyers_and_revenue(data):
    data.customer("ann", region="Moscow").customer("bob", region="Moscow") \
        .customer("cy").customer("dan", region="Tatarstan")
    data.mailing("m1").journeys("m1", {
        "ann": [("delivered", at(0)), ("opened", at(1)), ("clicked", at(2))],
        "bob": [("delivered", at(0)), ("opened", at(1))],
        "cy": [("delivered", at(0)), ("opened", at(1))],   # no region: "unknown"
        "dan": [("delivered", at(0))],                      # nothing to show: left out
    }).order("ann", at(5), "150.00").order("ann", at(days=2), "50.00") \
        .order("cy", at(6), "20.00").load()
    rows = run(data, regions).rows
    assert [(r.region, r.opened, r.clicked, r.ordered, str(r.revenue)) for r in rows] == [
        ("Moscow", 2, 1, 1, "200.00"), ("unknown", 1, 0, 1, "20.00")]
    # the period: ann's second order only; nobody opened on the 4th
    later = run(data, regions, **{"from": D(2026, 3, 4), "to": D(2026, 3, 4)}).rows
    assert [(r.region, r.opened, r.ordered, str(r.revenue)) for r in later] == [
        ("Moscow", 0, 1, "50.00")]


@pytest.mark.engines("duckdb", reason="the terminal's rendering, the same on any engine")
def test_the_command_line_prints_devices_and_regions(data):
    from rich.console import Console

    from mailreport.cli import render
    from mailreport.reports import mailing_report

    data.customer("ann", region="Moscow")
    data.mailing("m1").journeys("m1", {
        "ann": [("opened", at(0.1), {"is_machine": True, "user_agent": APPLE_MAIL_MAC}),
                ("opened", at(1), {"user_agent": IPAD})]}).load()
    console = Console(record=True, width=200)
    render.mailing_report(console, mailing_report(data.tables(), "m1", query()), "EUR")
    text = console.export_text()
    # the glossary's name, as the pages write it; figures by CLDR (cli/render.py)
    assert "Openers 1" in text and "tablet 1" in text
    assert "Machine events, apart: opens Apple Mail 1; clicks" in text
    assert "Moscow" in text


def test_a_campaign_counts_each_customer_once(data):
    data.customer("ann", region="Moscow")
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1").mailing("m2", campaign_id="c1").journeys("m1", {
        "ann": [("opened", at(1), {"user_agent": IPAD})],
        "bob": [("opened", at(1), {"user_agent": OUTLOOK})]}).journeys("m2", {
            "ann": [("opened", at(days=1), {"user_agent": IPAD})]}).load()
    t = data.tables()
    campaign = Scope(scope_of(t, "m1", "m2").mailings, "c1")
    both = devices(t, campaign, query())
    assert both.opened.customers == 2
    assert names(both.opened.device) == {"tablet": 1, "desktop": 1}
    rows = regions(t, campaign, query()).rows
    assert [(r.region, r.opened) for r in rows] == [("Moscow", 1), ("unknown", 1)]
