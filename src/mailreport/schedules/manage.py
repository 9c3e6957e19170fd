"""Adding a schedule: its report must exist, its language defaults to the locale
setting, and its first run is computed from now (an after_send schedule's from its
mailing's sending; one whose day has passed runs at once, one whose mailing is not
sent yet waits for it)."""

from __future__ import annotations

import datetime as dt

from mailreport.reports.campaign import get_campaign
from mailreport.reports.query import get_mailing
from mailreport.schedules import records
from mailreport.schedules.model import NewSchedule, Schedule
from mailreport.schedules.times import after_send_due, next_due, utc


def add(store, spec: NewSchedule, *, created_by: str, product_sales: bool,
        now: dt.datetime) -> Schedule:
    """Store a new schedule; NotFound (a ReportError) when its report does not exist."""
    settings = store.settings
    tables = store.tables()
    cadence = spec.to_cadence()
    if spec.kind == "mailing":
        sent_at = get_mailing(tables, spec.target_id).sent_at
        first = after_send_due(cadence, utc(sent_at) if sent_at else None, settings.zone) \
            if spec.cadence == "after_send" else next_due(cadence, now, settings.zone)
    else:
        get_campaign(tables, spec.target_id)
        first = next_due(cadence, now, settings.zone)
    return records.add_schedule(store, spec, language=settings.locale,
                                product_sales=product_sales, created_by=created_by, now=now,
                                next_due_at=first)
