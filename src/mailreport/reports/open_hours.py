"""Email open rate by hour: openers by the hour of their first open, in each
recipient's time zone (the company's where unknown) or in the company's."""

from __future__ import annotations

import ibis

from mailreport.reports.models import OpenHours
from mailreport.reports.query import ReportQuery, in_days, percent
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


@built_once
def by_hour(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(weekday, hour, openers) in the period, in the query's zone."""
    c = tables.open_counts
    c = c.filter(c.mailing_id.isin(mailing_ids) & (c.machine == query.include_machine)
                 & (c.zone == query.open_hours_zone) & in_days(c.day, query))
    return c.group_by([c.dow.name("weekday"), c.hour.name("hour")]).aggregate(
        openers=c.openers.sum())


def open_hours(tables: Tables, scope: Scope, query: ReportQuery) -> OpenHours:
    """Over the scope's email mailings."""
    rows = tables.run(by_hour(tables, scope.of_channel("email").ids, query))
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        grid[row["weekday"]][row["hour"]] += row["openers"]
    counts = [sum(grid[d][h] for d in range(7)) for h in range(24)]
    total = sum(counts)
    return OpenHours(
        timezone="recipient" if query.open_hours_zone == "recipient"
        else tables.settings.company_timezone,
        openers=total, counts=counts, percent=[percent(c, total) for c in counts], grid=grid,
    )
