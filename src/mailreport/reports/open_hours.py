"""Email open rate by hour: openers by the hour of their first open, in each
recipient's time zone (the company's where unknown) or in the company's."""

from __future__ import annotations

import ibis

from mailreport.reports.models import OpenHours
from mailreport.reports.query import ReportQuery, in_period, percent, stage_column, utc_bounds
from mailreport.store.tables import Tables


def open_hours(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> OpenHours:
    r = tables.reach_times
    col = stage_column("opened", query.include_machine)
    openers = r.filter(r.mailing_id.isin(mailing_ids)
                       & in_period(r[col], utc_bounds(query, tables.settings.zone)))
    company = tables.settings.company_timezone
    if query.open_hours_zone == "company":
        zone = ibis.literal(company)
    else:
        c = tables.customers
        openers = openers.left_join(c.select("customer_id", "timezone"), "customer_id")
        zone = openers.timezone.fill_null(company)
    local = tables.local_time(openers[col], zone)
    cells = openers.select(hour=local.hour(), weekday=local.day_of_week.index())
    rows = tables.run(cells.group_by(["weekday", "hour"]).aggregate(openers=cells.count()))
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        grid[row["weekday"]][row["hour"]] += row["openers"]
    counts = [sum(grid[d][h] for d in range(7)) for h in range(24)]
    total = sum(counts)
    return OpenHours(
        timezone="recipient" if query.open_hours_zone == "recipient" else company,
        openers=total, counts=counts, percent=[percent(c, total) for c in counts], grid=grid,
    )
