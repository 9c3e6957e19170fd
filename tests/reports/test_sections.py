"""Groups, open hours, product sales, heatmap and campaign sections by hand."""

from __future__ import annotations

import functools
import math
from decimal import Decimal

import pytest
from scipy import stats

from conftest import at, query
from mailreport.reports import campaign_report, mailing_report
from mailreport.reports.customers import customer_list
from mailreport.reports.groups import groups
from mailreport.reports.heatmap import heatmap, parse_links
from mailreport.reports.open_hours import open_hours
from mailreport.reports.product_sales import product_sales
from mailreport.reports.report import section
from mailreport.reports.scope import scope_of
from mailreport.reports.segments import Segment
from mailreport.stats import Proportion, compare_proportions

# every case runs on every engine (tests/engines.py)
pytestmark = pytest.mark.engines

BODY = ('<html><body><a href="https://shop/a">Sale</a> <p>text</p>'
        '<a href="https://shop/b"><img alt="Banner"></a>'
        '<a href="https://shop/a">Sale again</a></body></html>')


def catalogue(data):
    data.add("categories", {"category_id": "food", "name": "Food"},
             {"category_id": "dairy", "name": "Dairy", "parent_id": "food"},
             {"category_id": "bread", "name": "Bread", "parent_id": "food"},
             {"category_id": "toys", "name": "Toys"})
    data.add("products", {"product_id": "milk", "name": "Milk", "category_id": "dairy"},
             {"product_id": "kefir", "name": "Kefir", "category_id": "dairy"},
             {"product_id": "loaf", "name": "Loaf", "category_id": "bread"},
             {"product_id": "bear", "name": "Bear", "category_id": "toys"})
    return data


# -- groups ---------------------------------------------------------------------

def ab_test(data):
    data.mailing("m1", control_share="0.2")
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 0.5},
             {"mailing_id": "m1", "variant_id": "B", "share": 0.5})
    data.journeys("m1", {"a1": [("delivered", at(0)), ("opened", at(1))],
                         "a2": [("delivered", at(0))]}, variant_id="A")
    data.journeys("m1", {"b1": [("delivered", at(0)), ("clicked", at(1))],
                         "b2": [("delivered", at(0)), ("opened", at(2))]}, variant_id="B")
    data.journeys("m1", {"c1": [], "c2": []}, group="control")
    data.order("a1", at(3), total="10.00")
    data.order("b1", at(3), total="30.00").order("b2", at(4), total="50.00")
    data.order("b2", at(5), total="10.00")
    data.order("c1", at(2), total="20.00")          # control buys too, never touched
    data.order("a2", at(days=8), total="99.00")     # after the window
    data.order("c2", at(-1), total="99.00")         # before sending
    return data.load()


def test_groups_compare_variants_and_control_like_with_like(data):
    ab_test(data)
    t = data.tables()
    rows = groups(t, scope_of(t, "m1"), query())
    by = {(r.group, r.variant_id): r for r in rows}
    assert list(by) == [("test", "A"), ("test", "B"), ("test", None), ("control", None)]
    a, b, test, ctl = by.values()
    assert (a.assigned, a.delivered, a.opened, a.clicked, a.buyers, a.orders) == (2, 2, 1, 0, 1, 1)
    assert (b.buyers, b.orders, b.revenue, b.aov) == (2, 3, Decimal("90.00"), Decimal("30.00"))
    assert (test.assigned, test.buyers, test.revenue) == (4, 3, Decimal("100.00"))
    assert (ctl.assigned, ctl.sent, ctl.buyers, ctl.revenue) == (2, None, 1, Decimal("20.00"))
    assert (ctl.conversion, test.conversion) == (50.0, 75.0)
    assert test.revenue_per_customer == Decimal("25.00")
    expected = compare_proportions(Proportion(3, 4), Proportion(1, 2))
    assert test.vs_control.conversion_uplift == pytest.approx(25.0)
    assert test.vs_control.conversion_p == pytest.approx(expected.p_value)
    # revenue per customer by hand: test 10, 0, 30, 60 (mean 25, variance 700);
    # control 20, 0 (mean 10, variance 200); Welch: se = sqrt(700/4 + 200/2)
    vc = test.vs_control
    assert (vc.rpc_uplift, vc.rpc_uplift_relative) == (pytest.approx(15.0), pytest.approx(150.0))
    se, df = 275 ** 0.5, 275 ** 2 / (175 ** 2 / 3 + 100 ** 2 / 1)
    half = stats.t.ppf(0.975, df) * se
    assert vc.rpc_ci == (pytest.approx(15 - half), pytest.approx(15 + half))
    assert vc.rpc_p == pytest.approx(2 * stats.t.sf(15 / se, df))
    assert vc.conversion_uplift_relative == pytest.approx(50.0)
    assert b.vs_a is not None and a.vs_a is None
    assert b.vs_a.click_rate_uplift == pytest.approx(50.0)  # B 1/2 clicked vs A 0/2
    # incremental: buyers 3 - 1 × 4/2 = 1, revenue 100 - 20 × 4/2 = 60; the
    # intervals are the uplifts' × 4 customers (conversion's in points, so / 100)
    assert vc.incremental_buyers == pytest.approx(1.0)
    assert vc.incremental_buyers_ci == pytest.approx(
        tuple(bound * 4 / 100 for bound in vc.conversion_ci))
    assert vc.incremental_revenue == Decimal("60.00")
    assert vc.incremental_revenue_ci == tuple(
        Decimal(4 * bound).quantize(Decimal("0.01")) for bound in (15 - half, 15 + half))
    # variant B alone: 2/2 against 1/2 is 1 buyer more; 90 - 20 × 2/2 = 70 more
    assert b.vs_control.incremental_buyers == pytest.approx(1.0)
    assert b.vs_control.incremental_revenue == Decimal("70.00")
    # variant A: 1/2 against 1/2, and 10 - 20 × 2/2 = -10
    assert a.vs_control.incremental_buyers == pytest.approx(0.0)
    assert a.vs_control.incremental_revenue == Decimal("-10.00")
    assert a.vs_control.incremental_revenue_ci is not None


def test_variants_are_compared_pairwise_in_the_report(data):
    ab_test(data)
    t = data.tables()
    got = section(t, "m1", "variant_comparison", query())
    assert got == mailing_report(t, "m1", query()).variant_comparison
    assert got.adjustment == "holm"
    # click rate: B 1/2 against A 0/2; pooled 1/4, se = sqrt(.25 × .75 × (1/2 + 1/2)),
    # z = 0.5 / 0.4330 = 1.1547, p = 0.2482; one pair, so Holm leaves it as it is
    (pair,) = got.click_rate.pairs
    z = 0.5 / math.sqrt(0.25 * 0.75)
    assert (pair.variant_id, pair.compared_with, pair.uplift) == ("B", "A", pytest.approx(50.0))
    assert pair.p == pair.p_adjusted == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert pair.significant is False and got.click_rate.winner is None
    (pair,) = got.conversion.pairs  # B 2/2 against A 1/2
    assert pair.uplift == pytest.approx(50.0) and got.conversion.winner is None


@pytest.mark.engines("duckdb", reason="the terminal's rendering, the same on any engine")
def test_the_command_line_prints_incremental_figures_and_the_verdict(data):
    from rich.console import Console

    from mailreport.cli import render

    ab_test(data)
    console = Console(record=True, width=200)
    render.mailing_report(console, mailing_report(data.tables(), "m1", query()), "EUR")
    text = console.export_text()
    # the CLI's English, figures by CLDR: whole buyers, money with its currency
    assert "Incremental, test group: buyers 1 (95% CI " in text
    assert "revenue RUB\xa060.00 (95% CI " in text and "Incremental, variant B: buyers 1 (" in text
    assert "Variants on Click rate: no significant winner (1 pair, Holm-adjusted)" in text


def test_three_variants_have_every_pair_and_a_winner(data):
    data.mailing("m1")
    data.add("variants", *({"mailing_id": "m1", "variant_id": v, "share": 0.3} for v in "ABC"))
    # delivered 12 each; clicked A 0, B 12, C 1
    for v, clickers in (("A", 0), ("B", 12), ("C", 1)):
        data.journeys("m1", {f"{v}{i}": [("delivered", at(0))]
                             + ([("clicked", at(1))] if i < clickers else [])
                             for i in range(12)}, variant_id=v)
    data.load()
    t = data.tables()
    rows = groups(t, scope_of(t, "m1"), query())
    assert all(r.vs_control is None for r in rows)  # no control group, no incremental
    got = section(t, "m1", "variant_comparison", query())
    clicks = got.click_rate
    assert [(p.variant_id, p.compared_with) for p in clicks.pairs] == [
        ("B", "A"), ("C", "A"), ("C", "B")]

    def p_value(s1, s2, n=12):
        pooled = (s1 + s2) / (2 * n)
        z = (s1 - s2) / n / math.sqrt(pooled * (1 - pooled) * 2 / n)
        return math.erfc(abs(z) / math.sqrt(2))

    p_ba, p_ca, p_cb = p_value(12, 0), p_value(1, 0), p_value(1, 12)
    assert [p.p for p in clicks.pairs] == pytest.approx([p_ba, p_ca, p_cb])
    # Holm by hand: p_ba < p_cb < p_ca, so times 3, 2 and 1, kept monotone
    assert p_ba < p_cb < p_ca
    assert [p.p_adjusted for p in clicks.pairs] == pytest.approx(
        [3 * p_ba, max(p_ca, 2 * p_cb), max(3 * p_ba, 2 * p_cb)])
    assert [p.significant for p in clicks.pairs] == [True, False, True]
    assert clicks.winner == "B"
    assert clicks.winner_p == pytest.approx(max(3 * p_ba, 2 * p_cb))
    assert clicks.winner_confidence == pytest.approx(100 * (1 - clicks.winner_p))
    # nobody bought: every conversion is 0 %, p = 1, and a three-way tie has no winner
    assert {p.p_adjusted for p in got.conversion.pairs} == {1.0}
    assert got.conversion.winner is None


def test_one_variant_with_a_control_group_has_no_pairs_but_incremental_figures(data):
    data.mailing("m1", control_share="0.5")
    data.journeys("m1", {"ann": [("delivered", at(0))], "bob": [("delivered", at(0))]})
    data.journeys("m1", {"ctl": [], "cat": []}, group="control")
    data.order("ann", at(2), total="40.00").order("cat", at(2), total="10.00").load()
    t = data.tables()
    report = mailing_report(t, "m1", query())
    assert report.variant_comparison is None
    test = next(r for r in report.groups if r.group == "test" and r.variant_id is None)
    # 1/2 against 1/2: no buyers gained; 40 - 10 × 2/2 = 30 in revenue
    assert test.vs_control.incremental_buyers == pytest.approx(0.0)
    assert test.vs_control.incremental_revenue == Decimal("30.00")


def test_groups_are_null_without_control_or_variants(data):
    data.mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}).load()
    t = data.tables()
    assert groups(t, scope_of(t, "m1"), query()) is None


def test_a_t_test_of_a_group_under_two_customers_is_null(data):
    data.mailing("m1", control_share="0.5")
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": []})
    data.journeys("m1", {"ctl": []}, group="control")
    data.load()
    t = data.tables()
    rows = groups(t, scope_of(t, "m1"), query())
    test = next(r for r in rows if r.group == "test" and r.variant_id is None)
    assert test.vs_control.rpc_p is None and test.vs_control.rpc_ci is None


# -- open hours -----------------------------------------------------------------

def test_open_hours_in_each_recipients_zone_across_a_dst_change(data):
    data.customer("msk", timezone="Europe/Moscow").customer("ber", timezone="Europe/Berlin")
    data.customer("unk")
    data.mailing("m1")
    # 2026-03-29 is the day Berlin moves to summer time (02:00 -> 03:00 local)
    data.journeys("m1", {
        "msk": [("opened", "2026-03-29T05:00:00")],   # 08:00 Moscow, Sunday
        "ber": [("opened", "2026-03-29T01:30:00")],   # 03:30 CEST (00:30 UTC would be 01:30 CET)
        "unk": [("opened", "2026-03-29T05:00:00")],   # company zone (UTC): 05:00
    }).load()
    t = data.tables()
    oh = open_hours(t, scope_of(t, "m1"), query())
    assert oh.openers == 3
    assert {h: c for h, c in enumerate(oh.counts) if c} == {3: 1, 5: 1, 8: 1}
    assert oh.grid[6][8] == 1 and sum(map(sum, oh.grid)) == 3  # Sunday
    assert oh.percent[8] == pytest.approx(33.3333)
    company = open_hours(t, scope_of(t, "m1"), query(open_hours_zone="company"))
    assert {h: c for h, c in enumerate(company.counts) if c} == {1: 1, 5: 2}
    assert company.timezone == "UTC"


# -- product sales --------------------------------------------------------------

def sales_data(data):
    catalogue(data).mailing("m1", control_share="0.5")
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": [("opened", at(1))]})
    data.journeys("m1", {"ctl": []}, group="control")
    data.order("ann", at(2), total="30.00", lines=[("milk", "2", "10.00"), ("loaf", "1", "20.00")])
    data.order("bob", at(3), total="15.00", lines=[("kefir", "3", "15.00")])
    data.order("bob", at(4), total="5.00", lines=[("bear", "1", "5.00")])
    data.order("ctl", at(4), total="7.00", lines=[("bear", "7", "7.00")])
    return data.load()


def test_product_sales_top_categories_by_each_measure(data):
    sales_data(data)
    t = data.tables()
    m = scope_of(t, "m1")
    by_units = product_sales(t, m, query()).rows
    assert [(r.category, r.units, r.revenue, r.receipts) for r in by_units] == [
        ("Dairy", 5.0, Decimal("25.00"), 2), ("Bread", 1.0, Decimal("20.00"), 1),
        ("Toys", 1.0, Decimal("5.00"), 1)]
    assert [r.category for r in product_sales(t, m, query(sort="revenue")).rows] == [
        "Dairy", "Bread", "Toys"]
    assert [r.category for r in product_sales(t, m, query(sort="receipts")).rows] == [
        "Dairy", "Bread", "Toys"]  # ties broken by name
    assert [r.category for r in product_sales(t, m, query(search="DAI")).rows] == ["Dairy"]
    assert len(product_sales(t, m, query(limit=1)).rows) == 1


def test_product_sales_of_one_group(data):
    sales_data(data)
    t = data.tables()
    rows = product_sales(t, scope_of(t, "m1"), query(group="control")).rows
    assert [(r.category, r.units) for r in rows] == [("Toys", 7.0)]


def weighed_sales(data):
    """Pieces and kilograms in one mailing, Dairy selling both."""
    catalogue(data).add(
        "categories", {"category_id": "fruit", "name": "Fruit", "parent_id": "food"})
    data.add("products", {"product_id": "apple", "name": "Apples, per kg",
                          "category_id": "fruit", "unit": "kg"},
             {"product_id": "cheese", "name": "Cheese, per kg", "category_id": "dairy",
              "unit": "kg"})
    data.mailing("m1", control_share="0.5")
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": [("opened", at(1))]})
    data.journeys("m1", {"ctl": []}, group="control")
    data.order("ann", at(2), total="60.00", lines=[("milk", "2", "10.00"),
                                                   ("apple", "2.5", "50.00")])
    data.order("bob", at(3), total="35.00", lines=[("kefir", "3", "15.00"),
                                                   ("cheese", "0.75", "20.00")])
    data.order("bob", at(4), total="5.00", lines=[("bear", "1", "5.00")])
    data.order("ctl", at(4), total="9.00", lines=[("apple", "0.4", "8.00"),
                                                  ("bear", "1", "1.00")])
    return data.load()


def test_units_rank_within_one_unit_of_measure(data):
    weighed_sales(data)
    t = data.tables()
    m = scope_of(t, "m1")
    sales = product_sales(t, m, query())
    assert sales.units_of_measure == ["pcs", "kg"] and sales.unit == "pcs"
    # pieces rank; Fruit sold none and is left out of a ranking by pieces
    assert [(r.category, r.units, r.units_by_unit) for r in sales.rows] == [
        ("Dairy", 5.75, {"pcs": 5.0, "kg": 0.75}), ("Toys", 1.0, {"pcs": 1.0})]
    by_kg = product_sales(t, m, query(unit="kg"))
    assert by_kg.unit == "kg"
    assert [(r.category, r.units_by_unit["kg"]) for r in by_kg.rows] == [
        ("Fruit", 2.5), ("Dairy", 0.75)]
    # money and receipts add up across units: every category, no unit
    by_revenue = product_sales(t, m, query(sort="revenue"))
    assert by_revenue.unit is None
    assert [(r.category, r.revenue, r.receipts) for r in by_revenue.rows] == [
        ("Fruit", Decimal("50.00"), 1), ("Dairy", Decimal("45.00"), 2),
        ("Toys", Decimal("5.00"), 1)]
    control = product_sales(t, m, query(group="control", unit="kg"))
    assert control.units_of_measure == ["pcs", "kg"]
    assert [(r.category, r.units_by_unit) for r in control.rows] == [("Fruit", {"kg": 0.4})]


def test_one_unit_of_measure_ranks_by_units_as_before(data):
    sales_data(data)
    t = data.tables()
    sales = product_sales(t, scope_of(t, "m1"), query(unit="kg"))
    assert sales.units_of_measure == ["pcs"] and sales.unit is None
    assert [r.category for r in sales.rows] == ["Dairy", "Bread", "Toys"]


# -- heatmap --------------------------------------------------------------------

def test_links_are_numbered_in_document_order_with_their_text():
    links = parse_links(BODY)
    assert [(lk.index, lk.url, lk.text) for lk in links] == [
        (0, "https://shop/a", "Sale"), (1, "https://shop/b", "Banner"),
        (2, "https://shop/a", "Sale again")]


def test_heatmap_counts_clicks_and_readers_per_link(data):
    data.mailing("m1").add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 1,
                                        "body_html": BODY})
    data.journeys("m1", {
        "ann": [("opened", at(1)), ("clicked", at(2), {"link_index": 2, "url": "https://shop/a"}),
                ("clicked", at(3), {"link_index": 2})],
        "bob": [("opened", at(1)), ("clicked", at(2), {"url": "https://shop/a"})],  # url only
        "cy": [("opened", at(1)), ("clicked", at(1.001), {"link_index": 1, "is_machine": True})],
        "dan": [("opened", at(1))],
    }, variant_id="A").load()
    t = data.tables()
    [hv] = heatmap(t, scope_of(t, "m1"), query())
    assert hv.openers == 4
    got = [(lk.link_index, lk.clicks, lk.unique_clickers, lk.percent_of_readers)
           for lk in hv.links]
    assert got == [(0, 1, 1, 25.0), (1, 0, 0, 0.0), (2, 2, 1, 25.0)]
    [hv] = heatmap(t, scope_of(t, "m1"), query(include_machine=True))
    assert hv.links[1].clicks == 1


def test_a_control_customer_with_events_reads_in_their_events_variant(data):
    """DESIGN.md, "Variant of a customer": no audience variant, so their events'
    variant, else A. zed's events say B; yan's say nothing, so A. Each counts among
    that variant's readers and clickers; the groups report keeps both in control."""
    data.mailing("m1", control_share="0.5")
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 0.5,
                          "body_html": BODY},
             {"mailing_id": "m1", "variant_id": "B", "share": 0.5, "body_html": BODY})
    data.journeys("m1", {"a1": [("opened", at(1))], "a2": [("opened", at(1)),
                                                             ("clicked", at(2), {"link_index": 0})],
                         "a3": [("opened", at(1))]}, variant_id="A")
    data.journeys("m1", {"b1": [("opened", at(1))]}, variant_id="B")
    data.journeys("m1", {"zed": [("opened", at(1), {"variant_id": "B"}),
                                 ("clicked", at(2), {"variant_id": "B", "link_index": 1})],
                         "yan": [("opened", at(1)), ("clicked", at(2), {"link_index": 0})],
                         "xi": []}, group="control")
    data.order("zed", at(3), total="40.00", lines=[("bear", 1, "40.00")])
    catalogue(data).load()
    t = data.tables()
    by = {hv.variant_id: hv for hv in heatmap(t, scope_of(t, "m1"), query())}
    assert (by["A"].openers, by["B"].openers) == (4, 2)  # a1 a2 a3 yan; b1 zed
    assert [(lk.unique_clickers, lk.percent_of_readers) for lk in by["A"].links] == [
        (2, 50.0), (0, 0.0), (0, 0.0)]
    assert [(lk.unique_clickers, lk.percent_of_readers) for lk in by["B"].links] == [
        (0, 0.0), (1, 50.0), (0, 0.0)]
    rows = {(r.group, r.variant_id): r for r in groups(t, scope_of(t, "m1"), query())}
    assert list(rows) == [("test", "A"), ("test", "B"), ("test", None), ("control", None)]
    assert [rows[k].assigned for k in rows] == [3, 1, 4, 3]
    assert rows["control", None].buyers == 1 and rows["test", "B"].buyers == 0
    sales = product_sales(t, scope_of(t, "m1"), query(variant_id="B"))
    assert [(r.category, r.units) for r in sales.rows] == [("Toys", 1)]
    clickers = customer_list(t, "m1", Segment(stage="clicked"), query(variant_id="B"))
    assert [r.customer_id for r in clickers.rows] == ["zed"]


def test_heatmap_is_null_for_sms(data):
    data.mailing("s1", channel="sms").load()
    t = data.tables()
    assert section(t, "s1", "heatmap", query()) is None


# -- campaign -------------------------------------------------------------------

def test_the_campaign_funnel_counts_each_customer_once(data):
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1", control_share="0.2")
    data.mailing("m2", campaign_id="c1", sent_at=at(days=2))
    data.mailing("s1", channel="sms", campaign_id="c1", sent_at=at(days=1))
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": [("delivered", at(1))]})
    data.journeys("m1", {"dan": []}, group="control")
    data.journeys("m2", {"ann": [("opened", at(days=2)), ("clicked", at(days=2, hours=1))],
                         "cat": [("delivered", at(days=2))]})
    # an SMS click implies delivery, not an open: SMS has no opened stage
    data.journeys("s1", {"bob": [("clicked", at(days=1, hours=2))]})
    data.order("ann", at(2), total="10.00")                  # m1's (ann's touch: m1 open)
    data.order("ann", at(days=2, hours=3), total="20.00")    # m2's (her latest touch)
    data.order("bob", at(days=1, hours=3), total="5.00")     # s1's (SMS: delivered)
    data.order("dan", at(3), total="99.00")                  # control: no touch
    data.load()
    t = data.tables()
    r = campaign_report(t, "c1", query())
    # the mailings' rows count ann twice (m1, m2) and bob twice (m1, s1)
    assert (r.totals.sent, r.totals.opened, r.totals.ordered) == (5, 2, 3)
    f = r.funnel
    assert (f.sent, f.delivered, f.opened, f.clicked, f.ordered) == (3, 3, 1, 2, 2)
    assert f.revenue == Decimal("35.00") == r.totals.revenue
    assert f.conversion == pytest.approx(100 * 2 / 3, abs=1e-4)
    assert f.revenue_per_recipient == Decimal("11.67")
    # a period: m2's day only
    day = at(days=2)[:10]
    p = campaign_report(t, "c1", query(**{"from": day, "to": day})).funnel
    assert (p.sent, p.delivered, p.opened, p.clicked, p.ordered) == (2, 2, 1, 1, 1)
    assert p.revenue == Decimal("20.00")


def test_a_campaign_period_finds_a_customer_by_any_of_their_days(data):
    """ann was sent m1 on day 0, m2 on day 2 and m3 on day 4: counted once in any
    period that holds one of those days, and in none that falls between them. Her
    bounces (soft on day 0, hard on day 4) count by the latest in the period."""
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    for n, mailing in enumerate(("m1", "m2", "m3")):
        data.mailing(mailing, campaign_id="c1", sent_at=at(days=2 * n))
    data.journeys("m1", {"ann": [("sent", at(1)), ("bounced", at(2), {"bounce_class": "soft"})],
                         "bob": [("sent", at(1))]})
    data.journeys("m2", {"ann": [("sent", at(1, days=2))]})
    data.journeys("m3", {"ann": [("sent", at(1, days=4)),
                                 ("bounced", at(2, days=4), {"bounce_class": "hard"})]})
    data.load()
    t = data.tables()

    def day(n: int) -> str:
        return at(days=n)[:10]

    @functools.cache  # a period asked twice is computed once (seconds each on Spark)
    def report(first: int | None, last: int | None):
        period = {k: day(v) for k, v in (("from", first), ("to", last)) if v is not None}
        return campaign_report(t, "c1", query(**period))

    sent = {(a, b): report(a, b).funnel.sent
            for a, b in ((None, None), (0, 0), (1, 1), (1, 3), (2, 2), (3, 3), (1, None),
                         (None, 1), (3, 5), (5, None))}
    assert sent == {(None, None): 2, (0, 0): 2, (1, 1): 0, (1, 3): 1, (2, 2): 1, (3, 3): 0,
                    (1, None): 1, (None, 1): 2, (3, 5): 1, (5, None): 0}
    classes = {(a, b): {c.bounce_class: c.customers
                        for c in report(a, b).deliverability.classes if c.customers}
               for a, b in ((None, None), (0, 3), (1, 5), (0, 0), (1, 3))}
    assert classes == {(None, None): {"hard": 1}, (0, 3): {"soft": 1}, (1, 5): {"hard": 1},
                       (0, 0): {"soft": 1}, (1, 3): {}}


def test_an_sms_campaign_has_no_opened_stage(data):
    data.add("campaigns", {"campaign_id": "c1", "name": "Texts"})
    data.mailing("s1", channel="sms", campaign_id="c1")
    data.journeys("s1", {"bob": [("clicked", at(1))]})
    data.load()
    f = campaign_report(data.tables(), "c1", query()).funnel
    assert (f.sent, f.opened, f.clicked, f.ordered, f.conversion) == (1, None, 1, 0, 0.0)


def test_campaign_totals_are_the_sums_of_its_mailings(data):
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1").mailing("s1", channel="sms", campaign_id="c1",
                                                 sent_at=at(days=1))
    data.journeys("m1", {"ann": [("opened", at(1))], "bob": [("delivered", at(1))]})
    data.journeys("s1", {"bob": [("delivered", at(days=1))]})
    data.order("ann", at(2), total="10.00").order("bob", at(days=1, hours=1), total="5.00")
    data.load()
    r = campaign_report(data.tables(), "c1", query())
    assert [(m.mailing_id, m.sent, m.opened, m.orders, str(m.revenue)) for m in r.mailings] == [
        ("m1", 2, 1, 1, "10.00"), ("s1", 1, None, 1, "5.00")]
    assert (r.totals.sent, r.totals.orders, r.totals.revenue) == (3, 2, Decimal("15.00"))
    assert r.orders.revenue == Decimal("15.00")
    assert r.open_hours.openers == 1

