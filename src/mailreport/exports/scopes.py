"""Whose list an export reads: a mailing's segment or a campaign's funnel stage.

Each entity (entities.py) is written once over a list scope, which gives, for a
slice of customer ids, the list's members, its customer rows, the attributed orders
in the period and the audience rows; the mailing's come from reports/segments.py
and reports/customers.py, the campaign's from reports/campaign_segments.py and
reports/campaign_customers.py, so an export holds exactly the list's customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import ibis

from mailreport.reports import campaign_customers, campaign_segments
from mailreport.reports.campaign_segments import CampaignScope
from mailreport.reports.customers import customer_rows
from mailreport.reports.models import Mailing
from mailreport.reports.query import ReportError, ReportQuery
from mailreport.reports.segments import (
    CustomerRange,
    Segment,
    attributed_in_period,
    members,
    within_range,
)
from mailreport.store.tables import Tables


class ListScope(Protocol):
    tables: Tables

    def members(self, customers: CustomerRange) -> ibis.Table:
        """(customer_id, ...), one row per customer of the list."""

    def customer_rows(self, customers: CustomerRange) -> ibis.Table:
        """The customers entity's columns, one row per customer of the list."""

    def attributed(self, customers: CustomerRange) -> ibis.Table:
        """The attributed orders in the period, of anyone in the slice: entities keep
        the list's members' ones."""

    def audience(self, customers: CustomerRange) -> ibis.Table:
        """Audience rows (mailing_id, customer_id, status, group, variant_id)."""


@dataclass(frozen=True)
class MailingList:
    tables: Tables
    mailing: Mailing
    segment: Segment
    query: ReportQuery

    def members(self, customers: CustomerRange) -> ibis.Table:
        return members(self.tables, self.mailing, self.segment, self.query, customers)

    def customer_rows(self, customers: CustomerRange) -> ibis.Table:
        return customer_rows(self.tables, self.mailing, self.segment, self.query, customers)

    def attributed(self, customers: CustomerRange) -> ibis.Table:
        return attributed_in_period(self.tables, self.mailing.mailing_id, self.query, customers)

    def audience(self, customers: CustomerRange) -> ibis.Table:
        a = self.tables.audience
        return within_range(a.filter(a.mailing_id == self.mailing.mailing_id), customers)


@dataclass(frozen=True)
class CampaignList:
    """A campaign's funnel stage: its customers once each, the orders attributed to
    any of its mailings (each once), and its mailings' audience rows."""

    tables: Tables
    scope: CampaignScope
    stage: str
    query: ReportQuery

    @classmethod
    def of(cls, tables: Tables, campaign_id: str, segment: Segment,
           query: ReportQuery) -> CampaignList:
        if segment.stage is None or segment.bounce_class or segment.reason:
            raise ReportError("a campaign's list is of a funnel stage: "
                              + ", ".join(campaign_segments.CAMPAIGN_STAGES))
        if query.group is not None or query.variant_id is not None:
            raise ReportError("a campaign's list takes no group or variant: they are a "
                              "mailing's")
        scope = campaign_segments.campaign_scope(tables, campaign_id)
        campaign_segments.check_stage(scope, segment.stage)
        return cls(tables, scope, segment.stage, query)

    def members(self, customers: CustomerRange) -> ibis.Table:
        return campaign_segments.members(self.tables, self.scope, self.stage, self.query,
                                         customers)

    def customer_rows(self, customers: CustomerRange) -> ibis.Table:
        return campaign_customers.customer_rows(self.tables, self.scope, self.stage,
                                                self.query, customers)

    def attributed(self, customers: CustomerRange) -> ibis.Table:
        return campaign_segments.attributed_orders(self.tables, self.scope, self.query,
                                                   customers)

    def audience(self, customers: CustomerRange) -> ibis.Table:
        return campaign_segments.audience_rows(self.tables, self.scope, customers)
