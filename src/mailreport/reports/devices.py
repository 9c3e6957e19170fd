"""Devices and clients (DESIGN.md): openers and clickers by the device type, client
and operating system of the event that gave their reach time, machine events apart.

One mailing's are summed from ``reach_detail_counts`` (a customer is one row per kind
and machine there, so sums are distinct customers); a campaign's, each customer once
across its mailings, from the campaign_counts fact's marks."""

from __future__ import annotations

import ibis

from mailreport.facts.campaign_counts import detail_mark
from mailreport.reports.campaign_marks import campaign_marks
from mailreport.reports.models import DeviceBreakdown, Devices, Share
from mailreport.reports.query import ReportQuery, in_days, percent
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once

DIMENSIONS = ("device", "client", "os")


def details(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """A mailing's detail counts in the period."""
    d = tables.reach_detail_counts
    return d.filter((d.mailing_id == mailing_id) & in_days(d.day, query))


@built_once
def by_dimension(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(kind, machine, dimension, name, customers) in the period, one query for every
    block: each dimension's rows, and its total (name null)."""
    d = details(tables, mailing_id, query)
    parts = [d.group_by([d.kind, d.machine, ibis.literal(dim).name("dimension"),
                         d[dim].name("name")]).aggregate(customers=d.customers.sum())
             for dim in DIMENSIONS]
    total = d.group_by([d.kind, d.machine]).aggregate(
        dimension=ibis.literal("total"), name=ibis.null(str), customers=d.customers.sum())
    # a live refresh's deltas may sum to nothing: no name to show
    rows = ibis.union(*parts, total[parts[0].columns])
    return rows.filter(rows.customers > 0)


def _breakdown(rows: list[dict], kind: str, machine: bool) -> DeviceBreakdown:
    mine = [r for r in rows if r["kind"] == kind and bool(r["machine"]) == machine]
    total = sum(r["customers"] for r in mine if r["dimension"] == "total")

    def shares(dim: str) -> list[Share]:
        # largest first, ties by name; "unknown" last, whatever its size
        got = sorted((r for r in mine if r["dimension"] == dim),
                     key=lambda r: (r["name"] == "unknown", -r["customers"], r["name"]))
        return [Share(name=r["name"], customers=r["customers"],
                      percent=percent(r["customers"], total)) for r in got]

    return DeviceBreakdown(customers=total, **{dim: shares(dim) for dim in DIMENSIONS})


def campaign_dimensions(tables: Tables, campaign_id: str, query: ReportQuery) -> list[dict]:
    """The same rows for a campaign, a customer once per name across its mailings
    (and once in a total), from its marks (facts/campaign_counts.py)."""
    ways = {detail_mark(kind, machine, dim): (kind, machine, dim)
            for kind in ("opened", "clicked") for machine in (False, True)
            for dim in (*DIMENSIONS, "total")}
    got = campaign_marks(tables, campaign_id, query, *ways)
    return [{"kind": kind, "machine": machine, "dimension": dim, "name": r["name"],
             "customers": int(r["customers"])}
            for mark, (kind, machine, dim) in ways.items() for r in got.get(mark, ())]


def devices(tables: Tables, scope: Scope, query: ReportQuery) -> Devices:
    if len(scope.mailings) == 1:
        rows = tables.run(by_dimension(tables, scope.mailing.mailing_id, query))
    else:
        rows = campaign_dimensions(tables, scope.campaign, query)
    return Devices(opened=_breakdown(rows, "opened", False),
                   clicked=_breakdown(rows, "clicked", False),
                   machine_opened=_breakdown(rows, "opened", True),
                   machine_clicked=_breakdown(rows, "clicked", True))
