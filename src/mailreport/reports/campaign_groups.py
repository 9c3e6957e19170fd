"""A campaign's volume and pooled groups (DESIGN.md, "Campaign funnel"): over its
sent mailings, the period aside. Volume adds the mailings' audience rows by status
and also counts distinct customers per status. The groups pool each customer's
assignments: in a control group of some mailing and never in a test group, control;
never in a control group, test; both, left out (and counted). A pooled customer's
orders are those in the union of the mailings' group windows, each order once."""

from __future__ import annotations

from decimal import Decimal

from mailreport.reports.campaign_marks import campaign_marks, customers_of
from mailreport.reports.groups import vs_control
from mailreport.reports.models import CampaignGroups, CampaignVolume, GroupRow, Mailing, Volume
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery
from mailreport.reports.volume import volume_of
from mailreport.store.tables import Tables

# Volume's fields and the audience statuses they count
STATUS_FIELDS = {"good_recipients": "good", "address_issue": "address_issue",
                 "unsubscribed_channel": "unsubscribed_channel",
                 "unsubscribed_category": "unsubscribed_category",
                 "blocked_by_policy": "blocked_by_policy"}


def _sent(mailings: list[Mailing]) -> list[str]:
    return [m.mailing_id for m in mailings if m.status == "sent"]


def campaign_volume(tables: Tables, campaign_id: str,
                    mailings: list[Mailing]) -> CampaignVolume | None:
    ids = _sent(mailings)
    if not ids:
        return None
    added = volume_of(tables, ids)  # one query for all the mailings' rows
    # distinct customers per status, in a control group, and test-group customers
    # delivered (actual recipients): the campaign_counts fact's marks without a day
    got = campaign_marks(tables, campaign_id, ReportQuery(), "status", "control", "actual")
    status = {r["name"]: int(r["customers"]) for r in got.get("status", ())}
    return CampaignVolume(mailings=added, customers=Volume(
        **{field: status.get(name, 0) for field, name in STATUS_FIELDS.items()},
        control_group=customers_of(got, "control"),
        actual_recipients=customers_of(got, "actual")))


def _pooled_row(group: str, m: dict) -> GroupRow:
    n = m["assigned"]
    return GroupRow(
        group=group, variant_id=None, assigned=n, sent=None, delivered=None, opened=None,
        clicked=None, buyers=m["buyers"], orders=m["orders"], revenue=money(m["revenue"]),
        conversion=round(100.0 * m["buyers"] / n, 4) if n else None,
        revenue_per_customer=money(m["revenue"] / n) if n else None,
        aov=money(m["revenue"] / m["orders"]) if m["orders"] else None)


def campaign_groups(tables: Tables, campaign_id: str,
                    mailings: list[Mailing]) -> CampaignGroups | None:
    """None where no sent mailing of the campaign has a control group."""
    if not _sent(mailings):
        return None
    # the sufficient statistics of the pooled groups: each group's customers, and
    # those with orders with their orders, revenue and revenue squared
    got = campaign_marks(tables, campaign_id, ReportQuery(), "pooled", "pooled_bought")
    empty = {"assigned": 0, "buyers": 0, "orders": 0, "revenue": Decimal(0), "revenue_sq": 0.0}
    stats = {r["name"]: {**empty, "assigned": int(r["customers"])} for r in got.get("pooled", ())}
    for r in got.get("pooled_bought", ()):
        stats[r["name"]].update(buyers=int(r["customers"]), orders=int(r["orders"] or 0),
                                revenue=Decimal(r["revenue"] or 0),
                                revenue_sq=float(r["revenue_sq"] or 0))
    control = stats.get("control")
    if control is None:
        return None
    test = stats.get("test", empty)
    row = _pooled_row("test", test)
    row.vs_control = vs_control(test, control)
    return CampaignGroups(rows=[row, _pooled_row("control", control)],
                          left_out=stats.get("both", empty)["assigned"])
