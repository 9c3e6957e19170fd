"""The email of a scheduled report: a subject that names the report and its
dates, a short body (plain text and HTML) with the headline figures in the
schedule's language and formats, a link back to the report page, and the
attachments.

The email's sentences are in the ``mail`` gettext catalog (docs/i18n.md);
figures are formatted by i18n.formats (CLDR), as on the pages."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote, urlencode

from mailreport.i18n.catalogs import translations
from mailreport.i18n.formats import Formats
from mailreport.reports.models import CampaignReport, MailingReport


def N_(text: str) -> str:  # noqa: N802 - gettext's marker, for extraction only
    return text


# The email's words, in English, marked for the ``mail`` catalog (docs/i18n.md):
# words(language) gives them in the schedule's language.
TEXT = {
    "mailing_title": N_("Mailing report: {name}"), "campaign_title": N_("Campaign report: {name}"),
    "mailing_subject": N_("Mailing report: {name}, {period}"),
    "campaign_subject": N_("Campaign report: {name}, {period}"),
    "mailing_intro": N_("The report of the mailing “{name}” for {period}."),
    "campaign_intro": N_("The report of the campaign “{name}” for {period}."),
    "all_time": N_("all time"), "up_to": N_("up to {to}"),
    "sent": N_("Sent"), "delivered": N_("Delivered"), "opened": N_("Opened"),
    "clicked": N_("Clicked"), "buyers": N_("Bought"), "conversion": N_("Conversion"),
    "revenue": N_("Revenue"), "of_delivered": N_("{rate} of delivered"),
    "link": N_("The whole report"), "attached": N_("Attached: {files}."),
    "pdf": N_("the report as a PDF"), "xlsx": N_("the report as an Excel workbook"),
    "footer": N_("Sent by mailreport on schedule {id}. To stop it, ask for the "
              "schedule to be removed."),
}


def words_of(language: str) -> dict[str, str]:
    tr = translations(language, "mail").gettext
    return {key: tr(text) for key, text in TEXT.items()}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


def period_text(start: dt.date | None, end: dt.date | None, fmt: Formats) -> str:
    words = words_of(fmt.language)
    if start is None and end is None:
        return words["all_time"]
    if start is None:
        return words["up_to"].format(to=fmt.day(end))
    if end is None or start == end:
        return fmt.day(start)
    return f"{fmt.day(start)} – {fmt.day(end)}"


def report_link(public_url: str, kind: str, target_id: str, start: dt.date | None,
                end: dt.date | None, language: str) -> str:
    """The report page for the same dates and language."""
    params = {k: str(v) for k, v in (("from", start), ("to", end)) if v is not None}
    params["lang"] = language
    return (f"{public_url.rstrip('/')}/{kind}s/{quote(target_id, safe='')}"
            f"?{urlencode(params)}")


def headline(report: MailingReport | CampaignReport, fmt: Formats) -> list[tuple[str, str]]:
    """The figures of the body: the funnel, buyers, conversion and revenue."""
    words = words_of(fmt.language)
    if isinstance(report, MailingReport):
        s, t = report.efficiency.stages, report.efficiency.transitions
        sent, delivered, opened, clicked, buyers = (s.sent, s.delivered, s.opened, s.clicked,
                                                    s.ordered)
        open_rate, conversion = t.opened, t.conversion
        revenue = report.orders.revenue
    else:
        f = report.funnel
        sent, delivered, opened, clicked, buyers = (f.sent, f.delivered, f.opened, f.clicked,
                                                    f.ordered)
        open_rate = opened / delivered * 100 if opened is not None and delivered else None
        conversion, revenue = f.conversion, f.revenue
    rows = [(words["sent"], fmt.integer(sent)), (words["delivered"], fmt.integer(delivered))]
    if opened is not None:  # SMS has no opened stage
        shown = fmt.integer(opened)
        if open_rate is not None:  # none delivered in the period: no rate to give
            shown += f" ({words['of_delivered'].format(rate=fmt.percent(open_rate))})"
        rows.append((words["opened"], shown))
    rows += [(words["clicked"], fmt.integer(clicked)), (words["buyers"], fmt.integer(buyers)),
             (words["conversion"], fmt.percent(conversion)),
             (words["revenue"], fmt.money(revenue))]
    return rows


def compose(report: MailingReport | CampaignReport, *, schedule_id: str, fmt: Formats,
            link: str, sender: str, recipients: list[str],
            attachments: list[Attachment]) -> EmailMessage:
    words = words_of(fmt.language)
    if isinstance(report, MailingReport):
        kind, name = "mailing", report.mailing.name
    else:
        kind, name = "campaign", report.campaign.name
    period = period_text(report.period.from_, report.period.to, fmt)
    figures = headline(report, fmt)
    intro = words[f"{kind}_intro"].format(name=name, period=period)
    files = ", ".join(words["pdf" if a.subtype == "pdf" else "xlsx"] for a in attachments)
    footer = words["footer"].format(id=schedule_id)

    message = EmailMessage()
    message["Subject"] = words[f"{kind}_subject"].format(name=name, period=period)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or None
    message["Message-ID"] = make_msgid("mailreport", domain=domain)
    message["Content-Language"] = fmt.language
    width = max(len(label) for label, _ in figures)
    lines = [intro, "", *(f"{label + ':':<{width + 1}} {value}" for label, value in figures),
             "", f"{words['link']}: {link}"]
    if files:
        lines += ["", words["attached"].format(files=files)]
    lines += ["", "-- ", footer]
    message.set_content("\n".join(lines) + "\n")
    e = html.escape
    cells = "".join(f'<tr><td style="padding:2px 16px 2px 0">{e(label)}</td>'
                    f'<td style="text-align:right"><b>{e(value)}</b></td></tr>'
                    for label, value in figures)
    body = (f'<!doctype html><html lang="{fmt.language}"><body style="font-family:sans-serif">'
            f"<p>{e(intro)}</p><table>{cells}</table>"
            f'<p><a href="{e(link)}">{e(words["link"])}</a></p>'
            + (f"<p>{e(words['attached'].format(files=files))}</p>" if files else "")
            + f'<p style="color:#64748b;font-size:small">{e(footer)}</p></body></html>')
    message.add_alternative(body, subtype="html")
    for a in attachments:
        message.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype,
                               filename=a.filename)
    return message
