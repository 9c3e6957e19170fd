"""One run of a schedule, sent: its report computed for the run's dates, the PDF
and/or workbook made, the email composed and handed to the mail server, and the
attempt's outcome recorded. A failure that a later try may mend (the mail server
unreachable, busy, a PDF that timed out) is tried again after 1, 5, 30 and 120
minutes, each attempt a row of its own; after the last, the run is given up. A
failure no retry mends (the report no longer exists, the server refuses the
sender for good, no mail server set) is recorded as failed at once."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from mailreport.exports.workbook import write_campaign_workbook, write_mailing_workbook
from mailreport.i18n.formats import Formats
from mailreport.reports import ReportError, ReportQuery, campaign_report, mailing_report
from mailreport.reports.campaign import get_campaign
from mailreport.reports.query import get_mailing
from mailreport.schedules import records, smtp
from mailreport.schedules.message import (
    Attachment,
    compose,
    period_text,
    report_link,
    words_of,
)
from mailreport.schedules.model import Delivery, Schedule
from mailreport.schedules.times import period_for, utc
from mailreport.settings import Settings

log = logging.getLogger("mailreport.schedules")

BACKOFF_MINUTES = (1, 5, 30, 120)  # after attempt 1, 2, 3, 4; attempt 5 is the last
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# (page path with its query, file to write, title, period) -> the page printed there
PdfMaker = Callable[[str, Path, str, str], None]


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Sender:
    """What a run needs besides the schedule: the store, where the links point, how
    a PDF is made (None: PDFs cannot be made here, the attempt fails saying so),
    what time it is, and how a message goes out."""
    store: object
    public_url: str
    make_pdf: PdfMaker | None
    clock: Callable[[], dt.datetime] = now_utc
    send: Callable[[EmailMessage, Settings], dict] = smtp.send
    settings: Settings = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = self.store.settings

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def now(self) -> dt.datetime:
        return utc(self.clock())


class Lasting(RuntimeError):
    """A failure that trying again will not mend."""


def sending_started(sender: Sender, schedule: Schedule) -> dt.datetime | None:
    """When sending started: the mailing's sent_at, or a campaign's first mailing's;
    None when not sent or when the report no longer exists (the run then fails
    saying so)."""
    tables = sender.store.tables()
    try:
        if schedule.kind == "mailing":
            sent = get_mailing(tables, schedule.target_id).sent_at
        else:
            times = [m.sent_at for m in get_campaign(tables, schedule.target_id)[1]
                     if m.sent_at is not None]
            sent = min(times) if times else None
    except ReportError:
        return None
    return utc(sent) if sent is not None else None


def run_period(sender: Sender, schedule: Schedule,
               due: dt.datetime) -> tuple[dt.date | None, dt.date | None]:
    sent_at = sending_started(sender, schedule) if schedule.period == "since_sending" \
        else None
    return period_for(schedule.period, due, sender.zone, sent_at)


def _report(sender: Sender, schedule: Schedule, period):
    query = ReportQuery(**{"from": period[0], "to": period[1]})
    tables = sender.store.tables()
    if schedule.kind == "mailing":
        return mailing_report(tables, schedule.target_id, query,
                              with_product_sales=schedule.product_sales)
    return campaign_report(tables, schedule.target_id, query,
                           with_product_sales=schedule.product_sales)


def _stem(schedule: Schedule, period) -> str:
    stem = f"{schedule.target_id}-report"
    if period[0] or period[1]:
        stem += f"-{period[0] or ''}_{period[1] or ''}"
    return stem.replace("/", "_")


def _attachments(sender: Sender, schedule: Schedule, report, period,
                 fmt: Formats) -> list[Attachment]:
    out = []
    stem = _stem(schedule, period)
    if "pdf" in schedule.attachments:
        if sender.make_pdf is None:
            raise Lasting("a PDF cannot be made here: run the schedule in `mailreport serve`")
        params = {k: str(v) for k, v in (("from", period[0]), ("to", period[1])) if v}
        params["lang"] = schedule.language
        path = f"/{schedule.kind}s/{quote(schedule.target_id, safe='')}?{urlencode(params)}"
        name = report.mailing.name if schedule.kind == "mailing" else report.campaign.name
        title = words_of(schedule.language)[f"{schedule.kind}_title"].format(name=name)
        with tempfile.TemporaryDirectory(prefix="mailreport-schedule-") as folder:
            target = Path(folder) / "report.pdf"
            sender.make_pdf(path, target, title, period_text(*period, fmt))
            out.append(Attachment(f"{stem}.pdf", target.read_bytes(), "application", "pdf"))
    if "xlsx" in schedule.attachments:
        book = io.BytesIO()
        write = write_mailing_workbook if schedule.kind == "mailing" else write_campaign_workbook
        write(report, book, sender.settings)
        out.append(Attachment(f"{stem}.xlsx", book.getvalue(), *XLSX))
    return out


def _scrub(text: str) -> str:
    """An error as recorded: never the SMTP password, whatever put it there."""
    password = os.environ.get(smtp.PASSWORD_VARIABLE)
    if password:
        text = text.replace(password, "***")
    return text[:2000]


def deliver(sender: Sender, schedule: Schedule, claim: records.Claim, period) -> Delivery:
    """Make and send the claimed attempt; record how it went."""
    message_id = None
    try:
        report = _report(sender, schedule, period)
        fmt = Formats(schedule.language, sender.settings.currency,
                      sender.settings.company_timezone)
        link = report_link(sender.public_url, schedule.kind, schedule.target_id, *period,
                           schedule.language)
        message = compose(report, schedule_id=schedule.schedule_id, fmt=fmt, link=link,
                          sender=sender.settings.smtp_from, recipients=schedule.recipients,
                          attachments=_attachments(sender, schedule, report, period, fmt))
        message_id = message["Message-ID"]
        refused = sender.send(message, sender.settings)
    except Exception as exc:  # recorded, never lost: the loop goes on
        lasting = isinstance(exc, ReportError | Lasting) or getattr(exc, "lasting", False)
        if not isinstance(exc, ReportError | Lasting | smtp.SmtpError):
            log.exception("schedule %s: the run due %s failed", schedule.schedule_id,
                          claim.due_at)
        error = _scrub(str(exc) or type(exc).__name__)
        now = sender.now()
        if lasting:
            return records.finish(sender.store, claim, outcome="failed", finished_at=now,
                                  error=error)
        if claim.attempt <= len(BACKOFF_MINUTES):
            retry_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[claim.attempt - 1])
            return records.finish(sender.store, claim, outcome="retrying", finished_at=now,
                                  error=error, retry_at=retry_at)
        return records.finish(sender.store, claim, outcome="gave_up", finished_at=now,
                              error=error)
    error = None
    if refused:  # accepted for some: sent, and the refused ones named
        error = "refused: " + ", ".join(f"{a} ({c})" for a, (c, _) in refused.items())
    return records.finish(sender.store, claim, outcome="sent", finished_at=sender.now(),
                          error=error, message_id=message_id)
