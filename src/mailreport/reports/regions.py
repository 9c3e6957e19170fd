"""Regions (DESIGN.md): openers, clickers, ordered customers and attributed revenue
by the customers' region, regions with nothing to show left out. Openers and
clickers are ``reach_details``' people (machine rows aside), orders ``buyers``'."""

from __future__ import annotations

import ibis

from mailreport.reports.devices import details
from mailreport.reports.models import RegionRow, Regions
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, in_days
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


@built_once
def reached(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(region, kind, customers): openers and clickers in the period (one mailing's
    summed from its counts, a campaign's distinct: devices.details)."""
    d, count = details(tables, mailing_ids, query)
    d = d.filter(~d.machine)
    return d.group_by([d.region, d.kind]).aggregate(customers=count(d))


@built_once
def ordered(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(region, customers, revenue): attributed buyers and revenue in the period."""
    b = tables.buyers
    b = b.filter(b.mailing_id.isin(mailing_ids) & in_days(b.day, query))
    return b.group_by(b.region).aggregate(customers=b.customer_id.nunique(),
                                          revenue=b.revenue.sum())


def regions(tables: Tables, scope: Scope, query: ReportQuery) -> Regions:
    rows: dict[str, dict] = {}

    def row(region: str) -> dict:
        return rows.setdefault(region, {"region": region, "opened": 0, "clicked": 0,
                                        "ordered": 0, "revenue": money(0)})

    for r in tables.run(reached(tables, scope.ids, query)):
        row(r["region"])[r["kind"]] = r["customers"]
    for r in tables.run(ordered(tables, scope.ids, query)):
        row(r["region"]).update(ordered=r["customers"], revenue=money(r["revenue"]))
    shown = [RegionRow(**r) for r in rows.values()
             if r["opened"] or r["clicked"] or r["ordered"] or r["revenue"]]
    shown.sort(key=lambda r: (-r.opened, -r.ordered, r.region == "unknown", r.region))
    return Regions(rows=shown)
