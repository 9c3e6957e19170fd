"""A campaign's customers counted once across its mailings, in a period: the
``campaign_counts`` fact's marks summed (facts/campaign_counts.py says what each
mark is and why a period's customers are a sum of its counts)."""

from __future__ import annotations

from collections import defaultdict

import ibis

from mailreport.facts.campaign_counts import LATEST, TIMELESS
from mailreport.reports.query import ReportQuery, first_in_period, in_days, last_in_period
from mailreport.store.tables import Tables, built_once


@built_once
def marked(tables: Tables, campaign_id: str, query: ReportQuery,
           marks: tuple[str, ...]) -> ibis.Table:
    """(mark, name, detail, customers, orders, revenue, revenue_sq) of the campaign's
    ``marks`` in the period: a first mark's customers had it on a day of the period
    (their first such day's row), a latest mark's are counted by their latest one in
    the period, a mark without a day's whatever the period."""
    c = tables.campaign_counts
    c = c.filter((c.campaign_id == campaign_id) & c.mark.isin(marks))
    in_period = in_days(c.day, query)
    first = first_in_period(c.prev_day, query)
    last = last_in_period(c.next_day, query)
    latest = c.mark.isin(LATEST)
    timeless = c.mark.isin(TIMELESS)
    c = c.filter(timeless | (latest & in_period & last)
                 | (~latest & ~timeless & in_period & first))
    got = c.group_by(["mark", "name", "detail"]).aggregate(
        customers=c.customers.sum(), orders=c.orders.sum(), revenue=c.revenue.sum(),
        revenue_sq=c.revenue_sq.sum())
    # a live refresh's deltas may sum to nothing: nobody to show
    return got.filter(got.customers != 0)


def campaign_marks(tables: Tables, campaign_id: str, query: ReportQuery,
                   *marks: str) -> dict[str, list[dict]]:
    """The rows of ``marked``, by mark (a mark nobody has: no rows)."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for r in tables.run(marked(tables, campaign_id, query, tuple(sorted(marks)))):
        rows[r["mark"]].append(r)
    return rows


def customers_of(rows: dict[str, list[dict]], mark: str) -> int:
    """The customers with the mark, whatever its name (a mark whose rows have no
    name, or one whose names do not overlap)."""
    return sum(int(r["customers"]) for r in rows.get(mark, ()))
