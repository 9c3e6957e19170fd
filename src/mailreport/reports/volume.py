"""Mailing volume: who of the target audience could receive the mailing, and why
the rest could not. Only for sent mailings; the period does not apply."""

from __future__ import annotations

import ibis

from mailreport.contract import AUDIENCE_STATUSES
from mailreport.reports.models import Volume
from mailreport.reports.query import ReportQuery
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


@built_once
def audience_statuses(tables: Tables, mailing_ids: list[str]) -> ibis.Table:
    """(status, group, customers, delivered) of the mailings' audience rows, added
    up over the mailings (a customer of two mailings is two rows)."""
    c = tables.reach_counts
    mine = c.filter(c.mailing_id.isin(mailing_ids) & c.status.notnull()
                    & c.stage.isin(["audience", "delivered"]))
    return mine.group_by(["status", "group"]).aggregate(
        customers=mine.customers.sum(where=mine.stage == "audience"),
        delivered=mine.customers.sum(where=mine.stage == "delivered"))


def volume(tables: Tables, scope: Scope, query: ReportQuery) -> Volume:
    return volume_of(tables, [scope.mailing.mailing_id])


def volume_of(tables: Tables, mailing_ids: list[str]) -> Volume:
    """The volume of the mailings' audience rows, added up: one mailing's, or a
    campaign's in the mailings (reports/campaign_groups.py)."""
    rows = tables.run(audience_statuses(tables, mailing_ids))
    by_status = dict.fromkeys(AUDIENCE_STATUSES, 0)
    control = actual = 0
    for row in rows:
        by_status[row["status"]] += row["customers"] or 0
        if row["group"] == "control":
            control += row["customers"] or 0
        elif row["group"] == "test":
            actual += row["delivered"] or 0
    return Volume(
        good_recipients=by_status["good"],
        address_issue=by_status["address_issue"],
        unsubscribed_channel=by_status["unsubscribed_channel"],
        unsubscribed_category=by_status["unsubscribed_category"],
        blocked_by_policy=by_status["blocked_by_policy"],
        control_group=control,
        actual_recipients=actual,
    )
