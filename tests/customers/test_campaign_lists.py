"""A campaign's customer lists and exports (DESIGN.md, "Campaign funnel", "Customer
lists", "Exports"): each stage's list totals the campaign funnel's figure, a
customer in two of its mailings is listed once, and the exports hold exactly the
list's customers and the orders attributed to any of the campaign's mailings, each
order once."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import campaign_shop
import pytest

from mailreport.exports import ENTITIES, Export, ExportRequest
from mailreport.reports.campaign import campaign_report, get_campaign
from mailreport.reports.campaign_customers import campaign_customer_list
from mailreport.reports.campaign_segments import CAMPAIGN_STAGES
from mailreport.reports.query import NotFound, ReportError, ReportQuery
from mailreport.reports.segments import Segment

DAY2 = dt.date.fromisoformat(campaign_shop.at(days=2)[:10])
PERIODS = [{}, {"from": DAY2, "to": DAY2}, {"to": DAY2 - dt.timedelta(days=1)}]


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from campaign_shop.loaded(tmp_path_factory)


@pytest.fixture
def tables(shop_store):
    return shop_store.tables()


def listed(tables, campaign_id, stage, page_size=500, **kw):
    page = {k: kw.pop(k) for k in ("page", "sort", "order") if k in kw}
    return campaign_customer_list(tables, campaign_id, stage, ReportQuery(**kw),
                                  page_size=page_size, **page)


def assert_lists_total_the_funnel(tables, campaign_id, **kw):
    funnel = campaign_report(tables, campaign_id, ReportQuery(**kw),
                             with_product_sales=False).funnel
    seen = {}
    for stage in CAMPAIGN_STAGES:
        figure = getattr(funnel, stage)
        if figure is None and campaign_id != "c0":  # SMS only: no opened stage
            with pytest.raises(ReportError, match="SMS"):
                listed(tables, campaign_id, stage, **kw)
            continue
        result = listed(tables, campaign_id, stage, **kw)
        ids = [r.customer_id for r in result.rows]
        # a campaign without mailings has no figures (opened: null) and empty lists
        assert result.total == (figure or 0) == result.metrics.customers, (stage, kw)
        assert len(ids) == len(set(ids)) == min(result.total, 500), (stage, kw)
        seen[stage] = result.total
    return seen


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("include_machine", [False, True])
def test_every_stage_list_totals_the_campaign_funnel(tables, period, include_machine):
    for campaign_id in ("c1", "c2", "c0"):
        assert_lists_total_the_funnel(tables, campaign_id, **period,
                                      include_machine=include_machine)


def test_a_customer_in_two_mailings_is_listed_once(tables):
    # the sums of the mailings count ann twice for opened (m1, m2), bob twice for sent
    report = campaign_report(tables, "c1", ReportQuery())
    assert (report.totals.sent, report.totals.opened) == (5, 2)
    assert assert_lists_total_the_funnel(tables, "c1") == {
        "sent": 3, "delivered": 3, "opened": 1, "clicked": 2, "ordered": 2}
    opened = listed(tables, "c1", "opened")
    [ann] = opened.rows
    # her earliest open, in m1; her orders attributed to m1 and m2 together
    assert (ann.customer_id, ann.reached_at.isoformat(), ann.orders, ann.revenue) == (
        "ann", campaign_shop.at(1), 2, Decimal("30.00"))
    # bob's SMS click is a click, not an open; cat's x1 order is no campaign's
    ordered = listed(tables, "c1", "ordered", sort="revenue", order="desc")
    assert [(r.customer_id, r.orders, r.revenue) for r in ordered.rows] == [
        ("ann", 2, Decimal("30.00")), ("bob", 1, Decimal("5.00"))]
    sent = listed(tables, "c1", "sent")
    assert [(r.customer_id, r.orders) for r in sent.rows] == [("ann", 2), ("bob", 1),
                                                              ("cat", 0)]


def test_the_metrics_are_of_the_campaign(tables):
    m = listed(tables, "c1", "sent").metrics
    # audience: ann, bob, dan (control), cat: each once over m1, m2, s1
    assert (m.customers, m.audience, m.share_of_audience) == (3, 4, 75.0)
    assert (m.orders, m.revenue, m.aov, m.revenue_per_customer) == (
        3, Decimal("35.00"), Decimal("11.67"), Decimal("11.67"))
    assert m.orders_per_customer == 1.0
    p = listed(tables, "c1", "clicked", **{"from": DAY2, "to": DAY2}).metrics
    # in m2's day: ann clicked, and only her m2 order falls in it
    assert (p.customers, p.orders, p.revenue) == (1, 1, Decimal("20.00"))


def test_paging_and_the_contact_of_a_mixed_campaign(tables):
    first = listed(tables, "c1", "sent", page_size=2)
    second = listed(tables, "c1", "sent", page_size=2, page=2)
    assert (first.pages, first.total) == (2, 3)
    assert [r.customer_id for r in first.rows + second.rows] == ["ann", "bob", "cat"]
    # email and SMS mailings: the email, else the phone
    assert first.contact_kind == "email or phone" and first.channels == ["email", "sms"]
    assert [r.contact for r in first.rows + second.rows] == [
        "ann@shop.example", campaign_shop.HOSTILE_EMAIL, "+79160000003"]
    texts = listed(tables, "c2", "delivered")
    assert (texts.contact_kind, texts.total) == ("phone", 1)


def test_what_a_campaign_list_refuses(tables):
    with pytest.raises(NotFound):
        listed(tables, "nope", "sent")
    with pytest.raises(ReportError, match="group or variant"):
        listed(tables, "c1", "sent", group="test")


# -- exports -----------------------------------------------------------------------

def export(tables, tmp_path, stage, entity, fields=None, **query):
    req = ExportRequest(campaign_id="c1", segment=Segment(stage=stage),
                        query=ReportQuery(**query), entity=entity, fields=fields)
    job = Export(tables, req)
    path = tmp_path / job.file_name
    job.write(path)
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    return job, header, rows


@pytest.mark.parametrize("stage", CAMPAIGN_STAGES)
def test_a_customers_export_is_exactly_the_list(tables, tmp_path, stage):
    job, header, rows = export(tables, tmp_path, stage, "customers",
                               fields=["customer_id", "email", "orders", "revenue"])
    want = listed(tables, "c1", stage)
    assert job.file_name == f"campaign-c1-{stage}-customers-all-time.csv"
    assert [r[0] for r in rows] == [r.customer_id for r in want.rows]
    assert [(int(r[2]), Decimal(r[3])) for r in rows] == [(r.orders, r.revenue)
                                                          for r in want.rows]


def test_a_formula_in_a_contact_is_written_inert(tables, tmp_path):
    _, _, rows = export(tables, tmp_path, "sent", "customers", fields=["customer_id", "email"])
    assert dict(rows)["bob"] == "'" + campaign_shop.HOSTILE_EMAIL


def test_orders_are_those_of_any_of_its_mailings_each_once(tables, tmp_path, shop_store):
    _, _, receipts = export(tables, tmp_path, "sent", "receipts")
    _, _, orders = export(tables, tmp_path, "sent", "orders")
    # not dan's (control: no touch) nor cat's (x1, of no campaign)
    assert [(r[0], r[1]) for r in receipts] == [("r-ann", "ann"), ("r-bob", "bob")]
    assert [(r[0], r[1]) for r in orders] == [("o-ann", "ann")]
    _, _, clicked = export(tables, tmp_path, "clicked", "receipts",
                           **{"from": DAY2, "to": DAY2})
    assert clicked == []  # ann's receipt was on the first day
    _, header, lines = export(tables, tmp_path, "opened", "receipt_lines")
    assert [(r[0], r[header.index("amount")]) for r in lines] == [("r-ann", "10.00")]
    _, header, lines = export(tables, tmp_path, "opened", "order_lines")
    assert [(r[0], Decimal(r[header.index("quantity")])) for r in lines] == [("o-ann", 2)]
    # each order once, though the list is of every mailing
    ids = [r[0] for r in receipts + orders]
    assert len(ids) == len(set(ids))


def test_audience_rows_are_its_mailings_rows_of_the_list(tables, tmp_path):
    _, header, rows = export(tables, tmp_path, "clicked", "audience")
    assert header == ["mailing_id", "customer_id", "status", "group", "variant_id"]
    # ann clicked in m2, bob in s1: every audience row of theirs in the campaign's
    # mailings, not x1's
    assert [(r[0], r[1], r[3]) for r in rows] == [("m1", "ann", "test"), ("m2", "ann", "test"),
                                                  ("m1", "bob", "test"), ("s1", "bob", "test")]


def test_every_entity_exports(tables, tmp_path):
    counts = {entity: export(tables, tmp_path, "sent", entity)[0].rows for entity in ENTITIES}
    assert counts == {"customers": 3, "receipts": 2, "receipt_lines": 1, "orders": 1,
                      "order_lines": 1, "audience": 5}


def test_an_export_refuses_what_the_list_refuses(tables):
    with pytest.raises(ReportError):
        Export(tables, ExportRequest(campaign_id="c1", segment=Segment(stage="spam")))
    with pytest.raises(ReportError, match="SMS"):
        Export(tables, ExportRequest(campaign_id="c2", segment=Segment(stage="opened")))
    with pytest.raises(ValueError, match="not both"):
        ExportRequest(campaign_id="c1", mailing_id="m1", segment=Segment(stage="sent"))
    # the campaign's mailings are what get_campaign says
    assert [m.mailing_id for m in get_campaign(tables, "c1")[1]] == ["m1", "m2", "s1"]


def test_the_small_demos_campaign_lists_total_their_funnels(demo_store):
    tables = demo_store.tables()
    campaigns = [r["campaign_id"] for r in tables.run(tables.campaigns.select("campaign_id"))]
    assert campaigns
    reached = 0
    for campaign_id in campaigns:
        mailings = get_campaign(tables, campaign_id)[1]
        first = min(m.sent_at for m in mailings if m.sent_at).date()
        for period in ({}, {"from": first, "to": first + dt.timedelta(days=3)}):
            seen = assert_lists_total_the_funnel(tables, campaign_id, **period)
            reached += sum(seen.values())
    assert reached > 0  # the equality means little over empty lists
