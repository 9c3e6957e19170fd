"""Regions (DESIGN.md): openers, clickers, ordered customers and attributed revenue
by the customers' region, regions with nothing to show left out. Openers and
clickers are ``reach_details``' people (machine rows aside; a campaign's, each once,
its region marks in campaign_counts). A mailing's ordered customers and revenue are
``order_days``' (the funnel's ordered step), a campaign's ``buyers``', each customer
once across its mailings."""

from __future__ import annotations

import ibis

from mailreport.facts.campaign_counts import REGION_MARKS
from mailreport.reports.campaign_marks import campaign_marks
from mailreport.reports.devices import details
from mailreport.reports.models import RegionRow, Regions
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, first_in_period, in_days
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


@built_once
def reached(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(region, kind, customers): a mailing's openers and clickers in the period,
    summed from its counts (devices.details)."""
    d = details(tables, mailing_id, query)
    d = d.filter(~d.machine)
    return d.group_by([d.region, d.kind]).aggregate(customers=d.customers.sum())


def campaign_reached(tables: Tables, campaign_id: str, query: ReportQuery) -> list[dict]:
    """The same rows for a campaign, each customer once across its mailings (their
    region is one): its region marks (facts/campaign_counts.py)."""
    got = campaign_marks(tables, campaign_id, query, *REGION_MARKS)
    return [{"region": r["name"], "kind": mark.removesuffix(".region"),
             "customers": int(r["customers"])}
            for mark in REGION_MARKS for r in got.get(mark, ())]


@built_once
def ordered(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(region, customers, revenue): a mailing's attributed buyers and revenue in the
    period; a buyer counts on their first order day in it (efficiency's rule)."""
    d = tables.order_days
    d = d.filter((d.mailing_id == mailing_id) & (d.step == "ordered") & in_days(d.day, query))
    first = first_in_period(d.prev_day, query)
    return d.group_by(d.region).aggregate(
        customers=first.ifelse(d.customers, ibis.literal(0, "int64")).sum(),
        revenue=d.revenue.sum())


@built_once
def campaign_ordered(tables: Tables, mailing_ids: list[str],
                     query: ReportQuery) -> ibis.Table:
    """The same for a campaign's mailings, each buyer once across them."""
    b = tables.buyers
    b = b.filter(b.mailing_id.isin(mailing_ids) & in_days(b.day, query))
    return b.group_by(b.region).aggregate(customers=b.customer_id.nunique(),
                                          revenue=b.revenue.sum())


def regions(tables: Tables, scope: Scope, query: ReportQuery) -> Regions:
    rows: dict[str, dict] = {}

    def row(region: str) -> dict:
        return rows.setdefault(region, {"region": region, "opened": 0, "clicked": 0,
                                        "ordered": 0, "revenue": money(0)})

    one = len(scope.mailings) == 1
    for r in (tables.run(reached(tables, scope.mailing.mailing_id, query)) if one
              else campaign_reached(tables, scope.campaign, query)):
        row(r["region"])[r["kind"]] = r["customers"]
    for r in tables.run(ordered(tables, scope.mailing.mailing_id, query) if one
                        else campaign_ordered(tables, scope.ids, query)):
        row(r["region"]).update(ordered=r["customers"], revenue=money(r["revenue"]))
    shown = [RegionRow(**r) for r in rows.values()
             if r["opened"] or r["clicked"] or r["ordered"] or r["revenue"]]
    shown.sort(key=lambda r: (-r.opened, -r.ordered, r.region == "unknown", r.region))
    return Regions(rows=shown)
