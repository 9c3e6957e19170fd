"""A campaign's customer list (drill-down from the campaign funnel): the distinct
customers of one funnel stage across the campaign's mailings, with their contact,
reach time, attributed orders and revenue, a sorted page at a time, and the
segment's metrics. Paging, sorting and contacts are the mailing list's
(reports/customers.py); who is in it is campaign_segments'."""

from __future__ import annotations

import math

import ibis

from mailreport.reports.campaign_segments import (
    CampaignScope,
    CampaignSegmentMetrics,
    CampaignStage,
    campaign_metrics,
    campaign_scope,
    members,
    orders_per_customer,
)
from mailreport.reports.customers import (
    CustomerRow,
    SortKey,
    SortOrder,
    check_paging,
    contact_kind,
    hard_bounced,
    sorted_page,
    with_contacts,
)
from mailreport.reports.models import Model, Period
from mailreport.reports.money import money
from mailreport.reports.query import ReportError, ReportQuery, check_period
from mailreport.reports.segments import EVERYONE, CustomerRange, with_orders, within_range
from mailreport.store.tables import Tables


def customer_rows(tables: Tables, scope: CampaignScope, stage: str, query: ReportQuery,
                  customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The stage's customers with their contact details, reach time, and the orders
    and revenue attributed to any of the campaign's mailings in the period. Audience
    status, group and variant are a mailing's, not a campaign's: null here."""
    none = ibis.null().cast("string")
    who = members(tables, scope, stage, query, customers).mutate(
        status=none, group=none, variant_id=none)
    people = with_contacts(scope.channel, who, within_range(tables.customers, customers))
    return with_orders(people, orders_per_customer(tables, scope, query, customers))


class CampaignCustomerList(Model):
    campaign_id: str
    campaign_name: str
    channels: list[str]  # of its mailings: a campaign of SMS only has no opened stage
    stage: CampaignStage
    period: Period
    include_machine: bool
    contact_kind: str
    sort: SortKey
    order: SortOrder
    page: int
    page_size: int
    total: int
    pages: int
    metrics: CampaignSegmentMetrics
    rows: list[CustomerRow]


def campaign_customer_list(tables: Tables, campaign_id: str, stage: str, query: ReportQuery,
                           page: int = 1, page_size: int = 50, sort: SortKey = "customer_id",
                           order: SortOrder = "asc") -> CampaignCustomerList:
    check_paging(page, page_size, sort, order)
    if query.group is not None or query.variant_id is not None:
        raise ReportError("a campaign's list takes no group or variant: they are a mailing's")
    check_period(query, tables.settings.max_period_days)
    scope = campaign_scope(tables, campaign_id)
    metrics = campaign_metrics(tables, scope, query, members(tables, scope, stage, query))
    page_rows = sorted_page(tables, customer_rows(tables, scope, stage, query), page,
                            page_size, sort, order)
    ids = [r["customer_id"] for r in page_rows]
    hard = hard_bounced(tables, ids, *scope.channels)
    return CampaignCustomerList(
        campaign_id=scope.campaign.campaign_id, campaign_name=scope.campaign.name,
        channels=scope.channels, stage=stage, period=query.period,
        include_machine=query.include_machine, contact_kind=contact_kind(scope.channel),
        sort=sort, order=order, page=page, page_size=page_size, total=metrics.customers,
        pages=max(1, math.ceil(metrics.customers / page_size)), metrics=metrics,
        rows=[CustomerRow(**{**r, "revenue": money(r["revenue"]),
                             "hard_bounce": r["customer_id"] in hard}) for r in page_rows],
    )
