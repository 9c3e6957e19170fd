"""Mailing efficiency: the funnel sent → delivered → opened → clicked → ordered,
its transitions, spam and unsubscribe rates, and the daily series."""

from __future__ import annotations

from collections import defaultdict

import ibis

from mailreport.contract import STAGES
from mailreport.reports.models import Efficiency, EfficiencyDay, Stages, Transitions
from mailreport.reports.query import (
    ReportQuery,
    count_stage,
    date_range,
    first_in_period,
    in_days,
    percent,
)
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


@built_once
def reached(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(mailing_id, date, stage, customers): customers whose reach time of each stage
    falls in the period, by company date."""
    names = {count_stage(s, query.include_machine): s for s in STAGES}
    c = tables.reach_counts
    c = c.filter(c.mailing_id.isin(mailing_ids) & c.stage.isin(list(names))
                 & in_days(c.day, query))
    c = c.mutate(stage=c.stage.substitute(names))
    return c.group_by([c.mailing_id, c.day.name("date"), c.stage]).aggregate(
        customers=c.customers.sum())


AFTER_CLICK = "ordered_after_click"


@built_once
def ordered_by_date(tables: Tables, mailing_ids: list[str], query: ReportQuery,
                    after_click: bool = False) -> ibis.Table:
    """(mailing_id, step, date, customers) by the date of each customer's first
    attributed order in the period: a day with no earlier order of theirs in the
    period. Step ``ordered``, and with ``after_click`` also ``ordered_after_click``:
    the first order at or after their clicked reach time in the period (the click
    itself may precede the period)."""
    steps = {"ordered": "ordered"}
    if after_click:
        steps[AFTER_CLICK + ("_all" if query.include_machine else "")] = AFTER_CLICK
    d = tables.order_days
    d = d.filter(d.mailing_id.isin(mailing_ids) & d.step.isin(list(steps))
                 & in_days(d.day, query))
    d = d.filter(first_in_period(d.prev_day, query)).mutate(step=d.step.substitute(steps))
    return d.group_by([d.mailing_id, d.step, d.day.name("date")]).aggregate(
        customers=d.customers.sum())


@built_once
def complaints(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(type, customers): customers who marked the mailing as spam or unsubscribed
    in the period, by type."""
    e = tables.complaints
    e = e.filter(e.mailing_id.isin(mailing_ids) & in_days(e.day, query))
    return e.group_by("type").aggregate(customers=e.customer_id.nunique())


@built_once
def orders_and_complaints(tables: Tables, mailing_ids: list[str],
                          query: ReportQuery) -> ibis.Table:
    """ordered_by_date with the after-click step, and the complaints by type (as
    ``step``, with no date), in one query: a report's small queries cost more to set
    up and run than to compute."""
    o = ordered_by_date(tables, mailing_ids, query, after_click=True)
    c = complaints(tables, mailing_ids, query)
    return o.select(step=o.step, date=o.date, customers=o.customers.cast("int64")).union(
        c.select(step=c.type, date=ibis.null("date"), customers=c.customers.cast("int64")))


def efficiency(tables: Tables, scope: Scope, query: ReportQuery) -> Efficiency:
    mailing = scope.mailing
    ids = scope.ids
    stage_rows = tables.run(reached(tables, ids, query))
    order_rows = tables.run(orders_and_complaints(tables, ids, query))
    sms = mailing.channel == "sms"
    per_day: dict = defaultdict(lambda: dict.fromkeys((*STAGES, "ordered"), 0))
    totals = dict.fromkeys((*STAGES, "ordered"), 0)
    for row in stage_rows:
        per_day[row["date"]][row["stage"]] += row["customers"]
        totals[row["stage"]] += row["customers"]
    after_click, counts = 0, {}
    for row in order_rows:
        if row["date"] is None:  # a complaint type
            counts[row["step"]] = row["customers"]
            continue
        if row["step"] == AFTER_CLICK:
            after_click += row["customers"]
            continue
        per_day[row["date"]]["ordered"] += row["customers"]
        totals["ordered"] += row["customers"]
    opened = None if sms else totals["opened"]
    stages = Stages(sent=totals["sent"], delivered=totals["delivered"], opened=opened,
                    clicked=totals["clicked"], ordered=totals["ordered"],
                    ordered_after_click=after_click)
    transitions = Transitions(
        delivered=percent(stages.delivered, stages.sent),
        opened=None if sms else percent(stages.opened, stages.delivered),
        clicked=percent(stages.clicked, stages.delivered if sms else stages.opened),
        conversion=percent(stages.ordered, stages.delivered),
        ordered_after_click=percent(stages.ordered_after_click, stages.clicked),
    )
    daily = []
    for day in date_range(query, list(per_day), tables.settings.max_period_days):
        v = per_day.get(day) or dict.fromkeys((*STAGES, "ordered"), 0)
        daily.append(EfficiencyDay(date=day, sent=v["sent"], delivered=v["delivered"],
                                   opened=None if sms else v["opened"], clicked=v["clicked"],
                                   ordered=v["ordered"]))
    return Efficiency(
        stages=stages, transitions=transitions,
        spam=counts.get("spam", 0), unsubscribed=counts.get("unsubscribed", 0),
        spam_rate=percent(counts.get("spam", 0), stages.delivered),
        unsubscribe_rate=percent(counts.get("unsubscribed", 0), stages.delivered),
        daily=daily,
    )
