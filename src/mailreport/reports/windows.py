"""The groups' window (DESIGN.md, "Groups report"): each completed order of an
assigned customer placed in [start of sending, start + window), attributed or not,
as the window_orders fact holds them; the groups report and product sales for one
group or variant read them here."""

from __future__ import annotations

import ibis

from mailreport.reports.query import ReportQuery, in_days
from mailreport.store.tables import Tables


def group_orders(tables: Tables, mailing_ids: list[str], query: ReportQuery) -> ibis.Table:
    """The mailings' groups' orders in the period."""
    w = tables.window_orders
    return w.filter(w.mailing_id.isin(mailing_ids) & in_days(w.day, query))
