"""Devices and clients (DESIGN.md): openers and clickers by the device type, client
and operating system of the event that gave their reach time, machine events apart.

One mailing's are summed from ``reach_detail_counts`` (a customer is one row per kind
and machine there, so sums are distinct customers); a campaign's distinct customers
across its mailings need the customers' rows, ``reach_details``."""

from __future__ import annotations

import ibis

from mailreport.reports.models import DeviceBreakdown, Devices, Share
from mailreport.reports.query import ReportQuery, in_days, percent
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once

DIMENSIONS = ("device", "client", "os")


def details(tables: Tables, mailing_ids: list[str], query: ReportQuery):
    """The rows to count in the period, and how to count customers over them."""
    if len(mailing_ids) == 1:
        d = tables.reach_detail_counts
        d = d.filter((d.mailing_id == mailing_ids[0]) & in_days(d.day, query))
        return d, lambda t: t.customers.sum()
    d = tables.reach_details
    d = d.filter(d.mailing_id.isin(mailing_ids) & in_days(d.day, query))
    return d, lambda t: t.customer_id.nunique()


@built_once
def by_dimension(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """(kind, machine, dimension, name, customers) in the period, one query for every
    block: each dimension's rows, and its total (name null). Distinct customers, so a
    campaign counts a customer once per name, as its funnel does."""
    d, count = details(tables, mailing_ids, query)
    parts = [d.group_by([d.kind, d.machine, ibis.literal(dim).name("dimension"),
                         d[dim].name("name")]).aggregate(customers=count(d))
             for dim in DIMENSIONS]
    total = d.group_by([d.kind, d.machine]).aggregate(
        dimension=ibis.literal("total"), name=ibis.null(str), customers=count(d))
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


def devices(tables: Tables, scope: Scope, query: ReportQuery) -> Devices:
    rows = tables.run(by_dimension(tables, scope.ids, query))
    return Devices(opened=_breakdown(rows, "opened", False),
                   clicked=_breakdown(rows, "clicked", False),
                   machine_opened=_breakdown(rows, "opened", True),
                   machine_clicked=_breakdown(rows, "clicked", True))
