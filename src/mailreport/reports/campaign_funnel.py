"""The campaign funnel (DESIGN.md, "Campaign funnel"): each stage counts distinct
customers who reached it in any of the campaign's mailings, so a customer who got
three of them is one customer, not three (the campaign_counts fact's stage marks);
ordered counts distinct customers with an order attributed to any of them. Revenue
adds up as it is: an order is attributed to one mailing at most."""

from __future__ import annotations

import ibis

from mailreport.contract import STAGES
from mailreport.reports.campaign_marks import campaign_marks, customers_of
from mailreport.reports.models import CampaignFunnel, Mailing
from mailreport.reports.money import money, per_recipient
from mailreport.reports.orders import attributed
from mailreport.reports.query import (
    ReportQuery,
    count_stage,
    in_days,
    percent,
    stage_day_column,
)
from mailreport.store.tables import Tables, built_once


def stage_reached(r: ibis.Table, stage: str, query: ReportQuery,
                  sms_ids: list[str]) -> ibis.BooleanValue:
    """Whether a reach_times row (one mailing, one customer) reached the stage in the
    period: what the campaign's customer lists (campaign_segments.members) select by;
    the stage marks of campaign_counts count the same customers (a list's total is
    the funnel's figure, tests/customers/test_campaign_lists.py)."""
    cond = in_days(r[stage_day_column(stage, query.include_machine)], query)
    return cond & ~r.mailing_id.isin(sms_ids) if stage == "opened" and sms_ids else cond


@built_once
def distinct_buyers(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """One row: the customers with an order attributed to any of the mailings in the
    period, and those orders' revenue."""
    a = attributed(tables, mailing_ids, query)
    return a.aggregate(ordered=a.customer_id.nunique(), revenue=a.total.sum())


def campaign_funnel(tables: Tables, campaign_id: str, mailings: list[Mailing],
                    query: ReportQuery) -> CampaignFunnel:
    ids = [m.mailing_id for m in mailings]
    if not ids:
        return CampaignFunnel(sent=0, delivered=0, opened=None, clicked=0, ordered=0,
                              conversion=None, revenue=money(None),
                              revenue_per_recipient=None)
    marks = {stage: count_stage(stage, query.include_machine) for stage in STAGES}
    got = campaign_marks(tables, campaign_id, query, *marks.values())
    reached = {stage: customers_of(got, mark) for stage, mark in marks.items()}
    bought = tables.run(distinct_buyers(tables, ids, query))[0]
    delivered = int(reached["delivered"] or 0)
    revenue = money(bought["revenue"])
    # SMS has no opened stage: a campaign of SMS only has none either
    any_opens = any(m.channel != "sms" for m in mailings)
    return CampaignFunnel(
        sent=int(reached["sent"] or 0), delivered=delivered,
        opened=int(reached["opened"] or 0) if any_opens else None,
        clicked=int(reached["clicked"] or 0), ordered=int(bought["ordered"] or 0),
        conversion=percent(int(bought["ordered"] or 0), delivered),
        revenue=revenue,
        revenue_per_recipient=per_recipient(revenue, delivered))
