"""A campaign's volume and pooled groups (DESIGN.md, "Campaign funnel"): over its
sent mailings, the period aside. Volume adds the mailings' audience rows by status
and also counts distinct customers per status. The groups pool each customer's
assignments: in a control group of some mailing and never in a test group, control;
never in a control group, test; both, left out (and counted). A pooled customer's
orders are those in the union of the mailings' group windows, each order once."""

from __future__ import annotations

from decimal import Decimal

import ibis

from mailreport.contract import AUDIENCE_STATUSES
from mailreport.reports.distinct import distinct_customers
from mailreport.reports.groups import vs_control
from mailreport.reports.models import CampaignGroups, CampaignVolume, GroupRow, Mailing, Volume
from mailreport.reports.money import money
from mailreport.reports.volume import volume_of
from mailreport.store.tables import Tables, built_once


def _sent(mailings: list[Mailing]) -> list[str]:
    return [m.mailing_id for m in mailings if m.status == "sent"]


@built_once
def distinct_statuses(tables: Tables, mailing_ids: list[str]) -> ibis.Table:
    """One row: distinct customers per audience status, in a control group, and
    test-group customers delivered (actual recipients), over the mailings."""
    r = tables.reach_times
    r = r.filter(r.mailing_id.isin(mailing_ids) & r.status.notnull())
    return distinct_customers(
        r, **{status: r.status == status for status in AUDIENCE_STATUSES},
        control_group=r.group == "control",
        actual_recipients=(r.group == "test") & r.delivered_at.notnull())


def campaign_volume(tables: Tables, mailings: list[Mailing]) -> CampaignVolume | None:
    ids = _sent(mailings)
    if not ids:
        return None
    added = volume_of(tables, ids)  # one query for all the mailings' rows
    d = tables.run(distinct_statuses(tables, ids))[0]
    return CampaignVolume(mailings=added, customers=Volume(
        good_recipients=d["good"] or 0, address_issue=d["address_issue"] or 0,
        unsubscribed_channel=d["unsubscribed_channel"] or 0,
        unsubscribed_category=d["unsubscribed_category"] or 0,
        blocked_by_policy=d["blocked_by_policy"] or 0,
        control_group=d["control_group"] or 0, actual_recipients=d["actual_recipients"] or 0))


@built_once
def pooled(tables: Tables, mailing_ids: list[str]) -> ibis.Table:
    """(pooled_group, assigned, buyers, orders, revenue, revenue_sq): the sufficient
    statistics of the pooled groups."""
    r = tables.reach_times
    r = r.filter(r.mailing_id.isin(mailing_ids) & (r.status == "good"))
    per = r.group_by("customer_id").aggregate(
        control=(r.group == "control").any(), test=(r.group == "test").any())
    per = per.mutate(pooled_group=ibis.cases((per.control & ~per.test, "control"),
                                             (per.test & ~per.control, "test"),
                                             else_="both"))
    w = tables.window_orders
    w = w.filter(w.mailing_id.isin(mailing_ids)).select("customer_id", "order_id", "total")
    w = w.distinct()  # an order inside two mailings' windows is one order
    pc = w.group_by("customer_id").aggregate(orders=w.count(), revenue=w.total.sum())
    j = per.left_join(pc, "customer_id")
    return j.group_by(j.pooled_group).aggregate(
        assigned=j.count(), buyers=j.count(where=j.orders.notnull()),
        orders=j.orders.sum(), revenue=j.revenue.sum(),
        revenue_sq=(j.revenue * j.revenue).cast("decimal(38, 4)").sum())


def _pooled_row(group: str, m: dict) -> GroupRow:
    n = m["assigned"]
    return GroupRow(
        group=group, variant_id=None, assigned=n, sent=None, delivered=None, opened=None,
        clicked=None, buyers=m["buyers"], orders=m["orders"], revenue=money(m["revenue"]),
        conversion=round(100.0 * m["buyers"] / n, 4) if n else None,
        revenue_per_customer=money(m["revenue"] / n) if n else None,
        aov=money(m["revenue"] / m["orders"]) if m["orders"] else None)


def campaign_groups(tables: Tables, mailings: list[Mailing]) -> CampaignGroups | None:
    """None where no sent mailing of the campaign has a control group."""
    ids = _sent(mailings)
    if not ids:
        return None
    stats = {r["pooled_group"]: {
        "assigned": r["assigned"] or 0, "buyers": r["buyers"] or 0,
        "orders": int(r["orders"] or 0), "revenue": Decimal(r["revenue"] or 0),
        "revenue_sq": float(r["revenue_sq"] or 0)} for r in tables.run(pooled(tables, ids))}
    empty = {"assigned": 0, "buyers": 0, "orders": 0, "revenue": Decimal(0), "revenue_sq": 0.0}
    control = stats.get("control")
    if control is None:
        return None
    test = stats.get("test", empty)
    row = _pooled_row("test", test)
    row.vs_control = vs_control(test, control)
    return CampaignGroups(rows=[row, _pooled_row("control", control)],
                          left_out=stats.get("both", empty)["assigned"])
