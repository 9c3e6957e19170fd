"""Customer lists: every list's total is the number it was opened from, metrics by
hand, and stable paging and sorting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import shop

from mailreport.reports.customers import SORT_KEYS, customer_list, mask_contact
from mailreport.reports.deliverability import deliverability
from mailreport.reports.efficiency import efficiency
from mailreport.reports.groups import groups
from mailreport.reports.query import ReportError, ReportQuery
from mailreport.reports.scope import scope_of
from mailreport.reports.segments import LIST_STAGES, VOLUME_STATUSES, Segment
from mailreport.reports.volume import volume

PERIODS = [{}, shop.PERIOD, {"from": dt.date(2026, 3, 2), "to": dt.date(2026, 3, 2)},
           {"to": dt.date(2026, 3, 4)}]


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


@pytest.fixture
def tables(shop_store):
    return shop_store.tables()


def listed(tables, mailing_id, segment, **kw):
    page_kw = {k: kw.pop(k) for k in ("page", "page_size", "sort", "order") if k in kw}
    return customer_list(tables, mailing_id, Segment(**segment), ReportQuery(**kw), **page_kw)


def funnel_number(eff, stage, bounced=None):
    if stage == "bounced":
        return bounced
    if stage in ("spam", "unsubscribed"):
        return getattr(eff, stage)
    return getattr(eff.stages, stage)


@pytest.mark.parametrize("mailing_id", ["m1", "s1"])
@pytest.mark.parametrize("include_machine", [False, True])
@pytest.mark.parametrize("period", PERIODS)
def test_every_stage_list_totals_the_funnel_number(tables, mailing_id, include_machine, period):
    mailing = scope_of(tables, mailing_id)
    query = ReportQuery(**period, include_machine=include_machine)
    eff = efficiency(tables, mailing, query)
    bounced = deliverability(tables, mailing, query).bounced
    for stage in LIST_STAGES:
        if stage == "opened" and mailing.mailing.channel == "sms":
            continue
        result = listed(tables, mailing_id, {"stage": stage}, **period,
                        include_machine=include_machine, page_size=500)
        assert result.total == funnel_number(eff, stage, bounced), (stage, period)
        assert result.total == result.metrics.customers == len(result.rows)


def test_the_shop_reaches_every_stage(tables):
    # the equality above means little if the lists are empty
    mailing = scope_of(tables, "m1")
    eff = efficiency(tables, mailing, ReportQuery())
    # ann and hos clicked, and both ordered after their click
    assert eff.stages.model_dump() == {"sent": 10, "delivered": 9, "opened": 6,
                                       "clicked": 2, "ordered": 4, "ordered_after_click": 2}
    assert (eff.spam, eff.unsubscribed) == (3, 1)
    machine = efficiency(tables, mailing, ReportQuery(include_machine=True))
    assert (machine.stages.opened, machine.stages.clicked) == (7, 3)
    # bob's clicks are a scanner's, and his order follows no touch: still two
    assert machine.stages.ordered_after_click == 2


@pytest.mark.parametrize("period", [{}, shop.PERIOD])
def test_every_volume_status_list_totals_the_volume_number(tables, period):
    v = volume(tables, scope_of(tables, "m1"), ReportQuery()).model_dump()
    v["good"] = v.pop("good_recipients")
    for status in VOLUME_STATUSES:
        assert listed(tables, "m1", {"status": status}, **period).total == v[status], status
    assert v["good"] == 11 and v["control_group"] == 2 and v["actual_recipients"] == 8


def test_group_and_variant_lists_total_the_groups_report(tables):
    rows = {(g.group, g.variant_id): g for g in groups(tables, scope_of(tables, "m1"),
                                                        ReportQuery())}
    for (group, variant), row in rows.items():
        for stage in ("sent", "delivered", "opened", "clicked"):
            result = listed(tables, "m1", {"stage": stage}, group=group, variant_id=variant)
            assert result.total == (getattr(row, stage) or 0), (group, variant, stage)
        assert listed(tables, "m1", {"status": "good"}, group=group,
                      variant_id=variant).total == row.assigned
    # kim has no audience row: her variant comes from her events
    b = listed(tables, "m1", {"stage": "opened"}, variant_id="B", page_size=500)
    assert [r.customer_id for r in b.rows] == ["kim", "lee"]


def test_rows_hold_contact_reach_time_orders_and_revenue(tables):
    result = listed(tables, "m1", {"stage": "opened"})
    by_id = {r.customer_id: r for r in result.rows}
    assert sorted(by_id) == ["ann", "cy", "hos", "kim", "lee", "max"]
    ann = by_id["ann"]
    assert (ann.contact, ann.reached_at, ann.orders, ann.revenue) == (
        "ann@shop.example", dt.datetime(2026, 3, 2, 10), 2, Decimal("150.50"))
    assert by_id["max"].reached_at == dt.datetime(2026, 3, 4, 14)  # the human open
    machine = listed(tables, "m1", {"stage": "opened"}, include_machine=True)
    assert {r.customer_id: r.reached_at for r in machine.rows}["max"] == dt.datetime(
        2026, 3, 3, 11)
    assert by_id["kim"].contact is None  # no customer details loaded
    assert by_id["lee"].orders == 0 and by_id["lee"].revenue == Decimal("0.00")
    sms = listed(tables, "s1", {"stage": "clicked"})
    assert (sms.contact_kind, [r.contact for r in sms.rows]) == ("phone", ["+79161112233"])


def test_the_period_applies_to_reach_times_and_orders_but_not_audience_status(tables):
    opened = listed(tables, "m1", {"stage": "opened"}, **shop.PERIOD)
    assert sorted(r.customer_id for r in opened.rows) == ["cy", "hos", "kim", "max"]
    assert {r.customer_id: r.orders for r in opened.rows} == {"cy": 1, "hos": 1, "kim": 1,
                                                              "max": 0}
    good = listed(tables, "m1", {"status": "good"}, **shop.PERIOD, page_size=500)
    assert good.total == 11 and not good.period_applies_to_membership
    # ann's receipt on 2 March is outside the period; her order on the 4th is inside
    assert {r.customer_id: r.revenue for r in good.rows}["ann"] == Decimal("50.50")


def test_segment_metrics_and_their_deviation_from_the_good_audience(tables):
    m = listed(tables, "m1", {"stage": "clicked"}).metrics
    # clicked: ann (2 orders, 150.50) and hos (1 order, 10.00)
    assert (m.customers, m.orders, m.revenue) == (2, 3, Decimal("160.50"))
    assert (m.aov, m.revenue_per_customer, m.orders_per_customer) == (
        Decimal("53.50"), Decimal("80.25"), 1.5)
    assert m.audience == 15  # 11 good + 4 other statuses; kim and zed are not in it
    assert m.share_of_audience == pytest.approx(100 * 2 / 15, abs=1e-4)
    # the good audience (11 customers, control included): ann 150.50, cy 250.00,
    # hos 10.00 -> 4 orders, 410.50 (bob's order has no touch: his open was a machine's)
    a = m.good_audience
    assert (a.customers, a.orders, a.revenue) == (11, 4, Decimal("410.50"))
    assert (a.aov, a.revenue_per_customer, a.orders_per_customer) == (
        Decimal("102.62"), Decimal("37.32"), pytest.approx(4 / 11, abs=1e-4))
    # deviations from the exact values, not from the rounded ones shown
    assert m.deviation.aov == pytest.approx((53.5 / 102.625 - 1) * 100, abs=1e-4)
    assert m.deviation.revenue_per_customer == pytest.approx(
        (80.25 / (410.5 / 11) - 1) * 100, abs=1e-4)
    assert m.deviation.orders_per_customer == pytest.approx((1.5 / (4 / 11) - 1) * 100,
                                                            abs=1e-4)


def test_a_segment_without_orders_has_null_ratios_where_they_divide_by_zero(tables):
    m = listed(tables, "m1", {"status": "address_issue"}).metrics
    assert (m.customers, m.orders, m.aov) == (1, 0, None)
    assert m.revenue_per_customer == Decimal("0.00") and m.deviation.aov is None
    assert m.deviation.revenue_per_customer == -100.0
    empty = listed(tables, "s1", {"stage": "spam"}).metrics
    assert (empty.customers, empty.revenue_per_customer, empty.share_of_audience) == (
        0, None, 0.0)


def _sort_key(row, sort):
    value = getattr(row, sort)
    return value is None, value


@pytest.mark.parametrize("sort", SORT_KEYS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_put_together_are_the_whole_sorted_list(tables, sort, order):
    whole = listed(tables, "m1", {"status": "good"}, sort=sort, order=order, page_size=500)
    pages = []
    for page in range(1, whole.total // 3 + 2):
        part = listed(tables, "m1", {"status": "good"}, sort=sort, order=order, page=page,
                      page_size=3)
        assert part.total == whole.total and part.pages == -(-whole.total // 3)
        pages.extend(part.rows)
    assert [r.customer_id for r in pages] == [r.customer_id for r in whole.rows]
    assert len({r.customer_id for r in pages}) == whole.total == 11
    # sorted by the key, nulls last either way, ties by customer id
    present = [r for r in whole.rows if getattr(r, sort) is not None]
    missing = [r for r in whole.rows if getattr(r, sort) is None]
    assert whole.rows == present + missing
    assert missing == sorted(missing, key=lambda r: r.customer_id)
    expected = sorted(present, key=lambda r: r.customer_id)
    expected.sort(key=lambda r: getattr(r, sort), reverse=order == "desc")
    assert present == expected
    assert listed(tables, "m1", {"status": "good"}, page=99).rows == []


def test_contacts_mask_to_a_hint():
    assert mask_contact("anna@mail.ru") == "a***@mail.ru"
    assert mask_contact("+79161234523") == "+7********23"
    assert mask_contact("12345") == "1***5"
    assert mask_contact(None) is None and mask_contact("") == ""


def test_masked_list_hides_every_contact(tables):
    result = listed(tables, "m1", {"status": "good"}, page_size=500).masked()
    assert result.contacts_masked
    assert all(r.contact is None or "***" in r.contact for r in result.rows)


def test_asking_wrongly_fails_before_any_query(tables):
    with pytest.raises(ValueError, match="either stage"):
        Segment(stage="sent", status="good")
    with pytest.raises(ValueError, match="either stage"):
        Segment()
    with pytest.raises(ReportError, match="SMS has no opened stage"):
        listed(tables, "s1", {"stage": "opened"})
    with pytest.raises(ReportError, match="page_size"):
        listed(tables, "m1", {"stage": "sent"}, page_size=0)
    with pytest.raises(ReportError, match="does not exist"):
        listed(tables, "nope", {"stage": "sent"})
