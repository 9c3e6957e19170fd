"""Mailings side by side (issue "Across mailings", item 4): two to four mailings'
funnels, rates, revenue per recipient and open-hour profiles over the same period,
each from the same sections as its own report, so a figure here is the figure
there."""

from __future__ import annotations

from mailreport.reports.models import (
    Mailing,
    Model,
    Money,
    OpenHours,
    Period,
    Stages,
    Transitions,
    term,
)
from mailreport.reports.query import ReportError, ReportQuery, check_period, get_mailing
from mailreport.reports.report import headline, run_section
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables

MIN_COMPARED, MAX_COMPARED = 2, 4


class ComparedMailing(Model):
    mailing: Mailing
    stages: Stages
    transitions: Transitions
    revenue: Money = term("revenue")
    revenue_per_recipient: Money | None = term("revenue_per_recipient")
    # the share of openers by hour, recipients' own zone; null for SMS and push
    open_hours: OpenHours | None


class Comparison(Model):
    period: Period
    mailings: list[ComparedMailing]


def compare(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> Comparison:
    if len(set(mailing_ids)) != len(mailing_ids):
        raise ReportError("each mailing may be compared once: "
                          f"{', '.join(mailing_ids)} repeats one")
    if not MIN_COMPARED <= len(mailing_ids) <= MAX_COMPARED:
        raise ReportError(f"compare {MIN_COMPARED} to {MAX_COMPARED} mailings, "
                          f"not {len(mailing_ids)}")
    check_period(query, tables.settings.max_period_days)
    compared = []
    for mailing_id in mailing_ids:
        scope = Scope((get_mailing(tables, mailing_id),))
        efficiency = run_section(tables, "efficiency", scope, query)
        orders = run_section(tables, "orders", scope, query)
        compared.append(ComparedMailing(
            mailing=scope.mailing, stages=efficiency.stages,
            transitions=efficiency.transitions, revenue=orders.revenue,
            revenue_per_recipient=headline(tables, scope, efficiency,
                                           orders).revenue_per_recipient,
            open_hours=(run_section(tables, "open_hours", scope, query)
                        if scope.mailing.channel == "email" else None)))
    return Comparison(period=query.period, mailings=compared)
