"""The campaign funnel (DESIGN.md, "Campaign funnel"): each stage counts distinct
customers who reached it in any of the campaign's mailings, so a customer who got
three of them is one customer, not three; ordered counts distinct customers with an
order attributed to any of them. Revenue adds up as it is: an order is attributed to
one mailing at most."""

from __future__ import annotations

import ibis

from mailreport.contract import STAGES
from mailreport.reports.distinct import distinct_customers
from mailreport.reports.models import CampaignFunnel, Mailing
from mailreport.reports.money import money, per_recipient
from mailreport.reports.orders import attributed
from mailreport.reports.query import ReportQuery, in_days, percent, stage_day_column
from mailreport.store.tables import Tables, built_once


@built_once
def distinct_reached(tables: Tables, mailing_ids: list[str], query: ReportQuery,
                     sms_ids: list[str]) -> ibis.Table:
    """One row: per stage, the customers with a reach time of it in the period in
    any of the mailings (reach_times: one row per mailing and customer); opened
    only in those that are not SMS, which has no opened stage (an SMS click's implied
    open is no open)."""
    r = tables.reach_times
    r = r.filter(r.mailing_id.isin(mailing_ids))
    return distinct_customers(r, **{stage: stage_reached(r, stage, query, sms_ids)
                                    for stage in STAGES})


def stage_reached(r: ibis.Table, stage: str, query: ReportQuery,
                  sms_ids: list[str]) -> ibis.BooleanValue:
    """Whether a reach_times row (one mailing, one customer) reached the stage in the
    period: the one condition that both the funnel counts and the campaign's customer
    lists (campaign_segments.members) select by, so a list's total is the funnel's
    figure by construction."""
    cond = in_days(r[stage_day_column(stage, query.include_machine)], query)
    return cond & ~r.mailing_id.isin(sms_ids) if stage == "opened" and sms_ids else cond


@built_once
def distinct_buyers(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """One row: the customers with an order attributed to any of the mailings in the
    period, and those orders' revenue."""
    a = attributed(tables, mailing_ids, query)
    return a.aggregate(ordered=a.customer_id.nunique(), revenue=a.total.sum())


def campaign_funnel(tables: Tables, mailings: list[Mailing], query: ReportQuery
                    ) -> CampaignFunnel:
    ids = [m.mailing_id for m in mailings]
    if not ids:
        return CampaignFunnel(sent=0, delivered=0, opened=None, clicked=0, ordered=0,
                              conversion=None, revenue=money(None),
                              revenue_per_recipient=None)
    sms = [m.mailing_id for m in mailings if m.channel == "sms"]
    reached = tables.run(distinct_reached(tables, ids, query, sms))[0]
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
