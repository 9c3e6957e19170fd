"""Segments of a campaign's customers (DESIGN.md, "Campaign funnel" and "Customer
lists"): who reached a funnel stage in any of the campaign's mailings, their
attributed orders, their audience rows, and the segment's metrics.

A member is chosen by the very condition the campaign funnel counts with
(``campaign_funnel.stage_reached``; for ordered, the same attributed orders), one
row per customer however many of the mailings they reached the stage in, so a
campaign list's total is the funnel's figure by construction.

A campaign has no one audience to compare with, as a mailing has: its share is of
the campaign's distinct audience (customers with an audience row, of any status, in
any of its mailings), and there are no deviations from a good audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ibis
from pydantic import Field

from mailreport.contract import STAGES
from mailreport.reports.campaign import get_campaign
from mailreport.reports.campaign_funnel import stage_reached
from mailreport.reports.models import Campaign, Mailing
from mailreport.reports.orders import attributed
from mailreport.reports.query import ReportError, ReportQuery, percent, stage_column
from mailreport.reports.segments import (
    EVERYONE,
    AudienceMetrics,
    CustomerRange,
    metrics_from_sums,
    with_orders,
    within_range,
)
from mailreport.store.tables import Tables

CampaignStage = Literal["sent", "delivered", "opened", "clicked", "ordered"]
CAMPAIGN_STAGES: tuple[str, ...] = CampaignStage.__args__


@dataclass(frozen=True)
class CampaignScope:
    """A campaign and its mailings: what a campaign list reads over."""

    campaign: Campaign
    mailings: tuple[Mailing, ...]

    @property
    def ids(self) -> list[str]:
        return [m.mailing_id for m in self.mailings]

    @property
    def sms_ids(self) -> list[str]:
        return [m.mailing_id for m in self.mailings if m.channel == "sms"]

    @property
    def channels(self) -> list[str]:
        return sorted({m.channel for m in self.mailings})

    @property
    def channel(self) -> str | None:
        """The campaign's one channel; None when its mailings use several (or none)."""
        return self.channels[0] if len(self.channels) == 1 else None


def campaign_scope(tables: Tables, campaign_id: str) -> CampaignScope:
    campaign, mailings = get_campaign(tables, campaign_id)
    return CampaignScope(campaign, tuple(mailings))


def check_stage(scope: CampaignScope, stage: str) -> None:
    """Refuse what the campaign funnel does not count, before any query."""
    if stage not in CAMPAIGN_STAGES:
        raise ReportError(f"a campaign's list is of a funnel stage: {', '.join(CAMPAIGN_STAGES)}")
    if stage == "opened" and scope.mailings and not any(
            m.channel != "sms" for m in scope.mailings):
        raise ReportError(f"campaign {scope.campaign.campaign_id!r} has only SMS mailings: "
                          "SMS has no opened stage")


def attributed_orders(tables: Tables, scope: CampaignScope, query: ReportQuery,
                      customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The orders attributed to any of the campaign's mailings in the period, each
    once (an order is attributed to one mailing at most), as the funnel's ordered
    counts them."""
    return within_range(attributed(tables, scope.ids, query), customers)


def members(tables: Tables, scope: CampaignScope, stage: str, query: ReportQuery,
            customers: CustomerRange = EVERYONE) -> ibis.Table:
    """(customer_id, reached_at), one row per customer who reached the stage in the
    period in any of the campaign's mailings; reached_at is the earliest of their
    reach times of it there (for ordered, their first attributed order)."""
    check_stage(scope, stage)
    if stage == "ordered":
        a = attributed_orders(tables, scope, query, customers)
        return a.group_by("customer_id").aggregate(reached_at=a.ts.min())
    assert stage in STAGES
    r = tables.reach_times
    r = within_range(r.filter(r.mailing_id.isin(scope.ids)), customers)
    r = r.filter(stage_reached(r, stage, query, scope.sms_ids))
    return r.group_by("customer_id").aggregate(
        reached_at=r[stage_column(stage, query.include_machine)].min())


def orders_per_customer(tables: Tables, scope: CampaignScope, query: ReportQuery,
                        customers: CustomerRange = EVERYONE) -> ibis.Table:
    a = attributed_orders(tables, scope, query, customers)
    return a.group_by("customer_id").aggregate(orders=a.count(), revenue=a.total.sum())


def audience_rows(tables: Tables, scope: CampaignScope,
                  customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The campaign's mailings' audience rows, a customer's once per mailing."""
    a = tables.audience
    return within_range(a.filter(a.mailing_id.isin(scope.ids)), customers)


class CampaignSegmentMetrics(AudienceMetrics):
    audience: int = Field(description=(
        "The campaign's distinct audience: customers with an audience row, of any "
        "status, in any of its mailings, each once."))
    share_of_audience: float | None = Field(description=(
        "Customers in the list as a percentage of the campaign's distinct audience."))


def campaign_metrics(tables: Tables, scope: CampaignScope, query: ReportQuery,
                     who: ibis.Table) -> CampaignSegmentMetrics:
    """Metrics of the campaign segment whose members() are ``who``: its customers,
    their orders attributed to any of the campaign's mailings in the period, and
    the ratios (segments.metrics_from_sums, on exact decimals)."""
    rows = with_orders(who.select("customer_id"), orders_per_customer(tables, scope, query))
    [seg] = tables.run(rows.aggregate(customers=rows.count(), orders=rows.orders.sum(),
                                      revenue=rows.revenue.sum()))
    r = tables.reach_times
    r = r.filter(r.mailing_id.isin(scope.ids) & r.status.notnull())
    [base] = tables.run(r.aggregate(audience=r.customer_id.nunique()))
    shown, _ = metrics_from_sums(seg["customers"], seg["orders"] or 0, seg["revenue"])
    audience = base["audience"] or 0
    return CampaignSegmentMetrics(**dict(shown), audience=audience,
                                  share_of_audience=percent(seg["customers"], audience))
