"""The whole report as an Excel workbook: a sheet per section with the API's numbers
in typed cells (counts and money as numbers, rates as percentages, days as dates),
and a sheet that states what the figures mean and the settings they were made with.

The sheets are written from the report's JSON models, so a workbook and the API
cannot disagree; names come from the glossary, as on the pages. Words are in the
reader's language (the ``exports`` and ``glossary`` catalogs); numbers keep Excel's
locale-independent codes (Excel shows the reader's separators), dates take the
language's CLDR short date and money headings its currency symbol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from mailreport.exports.entities import N_
from mailreport.exports.formats import excel_date_format
from mailreport.glossary import GLOSSARY
from mailreport.i18n import LANGUAGES, format_locale
from mailreport.i18n.catalogs import translations
from mailreport.i18n.formats import Formats
from mailreport.reports.models import CampaignReport, MailingReport
from mailreport.settings import Settings

# the cell kinds of a column, and their Excel number formats; dates are the
# language's (Book.__init__)
FORMATS = {"int": "#,##0", "money": "#,##0.00", "percent": "0.00%", "number": "#,##0.###",
           "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "text": None}
SHEET_NAME_MAX = 31  # Excel's limit


class Book:
    """A workbook being written: typed cells, one format per kind, bold headers."""

    def __init__(self, target: Path | BinaryIO, currency: str, language: str = "en"):
        # a path, or a binary file (e.g. BytesIO) that the workbook is written to
        self.wb = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                                      {"remove_timezone": True, "in_memory": True})
        self.language = language if language in LANGUAGES else LANGUAGES[0]
        self._words = translations(self.language, "exports").gettext
        self._terms = translations(self.language, "glossary").gettext
        # money headings show the language's symbol of the currency (₽ in Russian)
        self.currency = Formats(self.language, currency).currency_symbol
        day = excel_date_format(self.language)
        number_formats = {**FORMATS, "date": day, "datetime": f"{day} hh:mm"}
        self.formats = {k: self.wb.add_format({"num_format": f} if f else {})
                        for k, f in number_formats.items()}
        self.bold = self.wb.add_format({"bold": True})
        self.head = self.wb.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                        "valign": "bottom"})
        self.title = self.wb.add_format({"bold": True, "font_size": 14})

    def _(self, message: str, **values) -> str:
        """``message`` (marked N_) in the workbook's language."""
        text = self._words(message)
        return text.format(**values) if values else text

    def name(self, key: str, suffix: str = "") -> str:
        """A glossary term's name in the workbook's language."""
        return f"{self._terms(GLOSSARY[key].name)}{suffix}" if key in GLOSSARY else key

    def money(self, key: str) -> str:
        return self.name(key, f", {self.currency}")

    def description(self, key: str) -> str:
        """A term's definition and what it is not, as the pages show it (i18n/glossary.py)."""
        t = GLOSSARY[key]
        definition = self._terms(t.definition)
        return f"{definition} {self._terms(f'Not {t.not_}')}" if t.not_ else definition

    def weekday(self, index: int) -> str:
        """Monday is 0, as in Python; CLDR's stand-alone name, capitalised."""
        return format_locale(self.language).days["stand-alone"]["wide"][index].capitalize()

    def cell(self, ws, row: int, col: int, value: Any, kind: str) -> None:
        if value is None:
            ws.write_blank(row, col, None)
        elif kind == "percent":
            ws.write_number(row, col, float(value) / 100, self.formats["percent"])
        elif kind in ("int", "money", "number"):
            ws.write_number(row, col, float(value), self.formats[kind])
        elif kind in ("date", "datetime"):
            ws.write_datetime(row, col, value if isinstance(value, dt.datetime)
                              else dt.datetime.combine(value, dt.time()), self.formats[kind])
        else:
            # a string cell is never a formula: no leading apostrophe needed
            ws.write_string(row, col, str(value))

    def table(self, ws, row: int, title: str | None,
              columns: list[tuple[str, str, Callable[[Any], Any]]], rows: Iterable[Any]) -> int:
        """A titled table at ``row``; columns are (header, kind, value of a row). The
        row after it."""
        if title:
            ws.write_string(row, 0, title, self.bold)
            row += 1
        for c, (header, _, _) in enumerate(columns):
            ws.write_string(row, c, header, self.head)
            ws.set_column(c, c, max(12, min(40, len(header) + 2)))
        row += 1
        for item in rows:
            for c, (_, kind, value) in enumerate(columns):
                self.cell(ws, row, c, value(item), kind)
            row += 1
        return row + 1

    def figures(self, ws, row: int, title: str | None,
                items: list[tuple[str, Any, str]]) -> int:
        """Label-value pairs, one per row; the row after them."""
        if title:
            ws.write_string(row, 0, title, self.bold)
            row += 1
        ws.set_column(0, 0, 36)
        ws.set_column(1, 1, 18)
        for label, value, kind in items:
            ws.write_string(row, 0, label)
            self.cell(ws, row, 1, value, kind)
            row += 1
        return row + 1

    def sheet(self, title: str):
        return self.wb.add_worksheet(title[:SHEET_NAME_MAX])

    def close(self) -> None:
        self.wb.close()


def _efficiency(book: Book, report: MailingReport) -> None:
    _, name = book._, book.name
    e = report.efficiency
    ws = book.sheet(_(N_("Efficiency")))
    stages = ["sent", "delivered", "opened", "clicked", "ordered", "ordered_after_click"]
    if report.mailing.channel == "sms":
        stages.remove("opened")
    terms = {"ordered": "buyers"}
    row = book.figures(ws, 0, _(N_("Funnel")), [
        (name(terms.get(s, s)), getattr(e.stages, s), "int") for s in stages] + [
        (name("conversion"), e.transitions.conversion, "percent"),
        (name("spam"), e.spam, "int"), (name("unsubscribed"), e.unsubscribed, "int")])
    day_stages = [s for s in stages if s != "ordered_after_click"]
    book.table(ws, row, _(N_("By day")), [(_(N_("Date")), "date", lambda d: d.date)] + [
        (name(terms.get(s, s)), "int", lambda d, s=s: getattr(d, s)) for s in day_stages],
        e.daily)


def _orders(book: Book, orders) -> None:
    _, name = book._, book.name
    ws = book.sheet(_(N_("Orders")))
    row = book.figures(ws, 0, _(N_("Totals")), [
        (name("receipts"), orders.receipts, "int"), (name("orders"), orders.orders, "int"),
        (book.money("revenue"), orders.revenue, "money")])
    book.table(ws, row, _(N_("By day")), [
        (_(N_("Date")), "date", lambda d: d.date),
        (name("receipts"), "int", lambda d: d.receipts),
        (name("orders"), "int", lambda d: d.orders),
        (book.money("revenue"), "money", lambda d: d.revenue)], orders.daily)


def _volume(book: Book, report: MailingReport) -> None:
    _, name = book._, book.name
    v = report.volume
    ws = book.sheet(_(N_("Volume")))
    statuses = ["good_recipients", "address_issue", "unsubscribed_channel",
                "unsubscribed_category", "blocked_by_policy"]
    audience = sum(getattr(v, s) for s in statuses)
    row = book.figures(ws, 0, None, [
        (name("target_audience"), audience, "int"),
        (name("control_group"), v.control_group, "int"),
        (name("actual_recipients"), v.actual_recipients, "int")])
    book.table(ws, row, _(N_("Audience by status")), [
        (_(N_("Status")), "text", lambda s: name(s)),
        (_(N_("Customers")), "int", lambda s: getattr(v, s)),
        (_(N_("Share of audience")), "percent",
         lambda s: 100 * getattr(v, s) / audience if audience else None)], statuses)


def _groups(book: Book, report: MailingReport) -> None:
    _, name, money = book._, book.name, book.money
    ws = book.sheet(_(N_("Groups")))

    def group_name(g) -> str:
        if g.group == "control":
            return _(N_("Control group"))
        return (_(N_("Test group (all)")) if g.variant_id is None
                else _(N_("Variant {variant}"), variant=g.variant_id))

    row = book.table(ws, 0, _(N_("Orders of each group in its attribution window")), [
        (_(N_("Group")), "text", group_name), (name("assigned"), "int", lambda g: g.assigned),
        (name("sent"), "int", lambda g: g.sent), (name("delivered"), "int", lambda g: g.delivered),
        (name("opened"), "int", lambda g: g.opened), (name("clicked"), "int", lambda g: g.clicked),
        (name("group_buyers"), "int", lambda g: g.buyers),
        (name("group_orders"), "int", lambda g: g.orders),
        (money("group_revenue"), "money", lambda g: g.revenue),
        (name("group_conversion"), "percent", lambda g: g.conversion),
        (money("revenue_per_customer"), "money", lambda g: g.revenue_per_customer),
        (money("aov"), "money", lambda g: g.aov)], report.groups)
    tested = [g for g in report.groups if g.vs_control]
    if tested:
        vc = lambda g: g.vs_control  # noqa: E731 - a column's reader
        ci = lambda pair, i: None if pair is None else pair[i]  # noqa: E731
        row = book.table(ws, row, _(N_("Against the control group")), [
            (_(N_("Group")), "text", group_name),
            (_(N_("Conversion uplift, pp")), "number", lambda g: vc(g).conversion_uplift),
            (_(N_("Interval from, pp")), "number", lambda g: ci(vc(g).conversion_ci, 0)),
            (_(N_("Interval to, pp")), "number", lambda g: ci(vc(g).conversion_ci, 1)),
            (_(N_("Conversion p")), "number", lambda g: vc(g).conversion_p),
            (_(N_("{uplift} of {figure}, {currency}"), uplift=name("uplift"),
               figure=name("revenue_per_customer"), currency=book.currency), "money",
             lambda g: vc(g).rpc_uplift),
            (_(N_("Revenue per customer p")), "number", lambda g: vc(g).rpc_p),
            (name("incremental_buyers"), "number", lambda g: vc(g).incremental_buyers),
            (money("incremental_revenue"), "money",
             lambda g: vc(g).incremental_revenue)], tested)
    if report.variant_comparison:
        vcmp = report.variant_comparison
        pairs = [("click_rate", p) for p in vcmp.click_rate.pairs] + [
            ("group_conversion", p) for p in vcmp.conversion.pairs]
        book.table(ws, row, _(N_("Variants compared pairwise (Holm-adjusted)")), [
            (_(N_("Metric")), "text", lambda mp: name(mp[0])),
            (_(N_("Variant")), "text", lambda mp: mp[1].variant_id),
            (_(N_("Compared with")), "text", lambda mp: mp[1].compared_with),
            (name("uplift", ", " + _(N_("pp"))), "number", lambda mp: mp[1].uplift),
            (name("p_value"), "number", lambda mp: mp[1].p),
            (name("p_adjusted"), "number", lambda mp: mp[1].p_adjusted),
            (name("significance"), "text",
             lambda mp: None if mp[1].significant is None
             else _(N_("significant")) if mp[1].significant else _(N_("not significant")))],
            pairs)


def _open_hours(book: Book, hours) -> None:
    _, name = book._, book.name
    ws = book.sheet(_(N_("Open hours")))
    zone = (_(N_("each recipient's local time")) if hours.timezone == "recipient"
            else hours.timezone)
    row = book.figures(ws, 0, _(N_("Openers by hour, in {zone}"), zone=zone), [
        (name("openers"), hours.openers, "int")])
    row = book.table(ws, row, None, [
        (_(N_("Hour")), "text", lambda h: f"{h:02d}:00"),
        (name("openers"), "int", lambda h: hours.counts[h]),
        (name("share_of_openers"), "percent", lambda h: hours.percent[h])], range(24))
    book.table(ws, row, _(N_("Weekday × hour")), [
        (_(N_("Weekday")), "text", book.weekday)] + [
        (f"{h:02d}", "int", lambda d, h=h: hours.grid[d][h]) for h in range(24)], range(7))


# what product sales are sorted by, as the heading names it
SORTS = {"units": N_("units"), "revenue": N_("revenue"), "receipts": N_("receipts")}


def _product_sales(book: Book, sales) -> None:
    _, name = book._, book.name
    ws = book.sheet(_(N_("Product sales")))
    units = sales.units_of_measure
    per_unit = len(units) > 1
    # each row comes with its rank: (rank, row)
    quantity = ([(name("units", f", {u}"), "number",
                  lambda rr, u=u: rr[1].units_by_unit.get(u, 0)) for u in units] if per_unit
                else [(name("units"), "number", lambda rr: rr[1].units)])
    sort = _(SORTS[sales.sort]) if sales.sort in SORTS else sales.sort
    by = f"{sort}, {sales.unit}" if sales.unit else sort
    book.table(ws, 0, _(N_("Top {n} categories by {by}"), n=len(sales.rows), by=by), [
        ("#", "int", lambda rr: rr[0]), (_(N_("Category")), "text", lambda rr: rr[1].category),
        *quantity, (book.money("product_revenue"), "money", lambda rr: rr[1].revenue),
        (name("product_receipts"), "int", lambda rr: rr[1].receipts)],
        enumerate(sales.rows, 1))


def _heatmap(book: Book, variants) -> None:
    _, name = book._, book.name
    ws = book.sheet(_(N_("Heatmap")))
    row = 0
    for v in variants:
        # the openers as the language groups thousands (1,234 or 1 234)
        openers = Formats(book.language).integer(v.openers)
        row = book.table(ws, row, _(N_("Variant {variant}: {openers} openers"),
                                    variant=v.variant_id, openers=openers), [
            ("#", "int", lambda link: link.link_index),
            (_(N_("Text")), "text", lambda link: link.text),
            ("URL", "text", lambda link: link.url),
            (name("clicks"), "int", lambda link: link.clicks),
            (name("unique_clickers"), "int", lambda link: link.unique_clickers),
            (name("percent_of_readers"), "percent", lambda link: link.percent_of_readers)],
            v.links)


def _definitions(book: Book, settings: Settings, period, generated: dt.datetime) -> None:
    _ = book._
    ws = book.sheet(_(N_("Definitions")))
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 100)
    row = book.figures(ws, 0, _(N_("Settings")), [
        (_(N_("Period from")), period.from_ or _(N_("the first day with data")),
         "date" if period.from_ else "text"),
        (_(N_("Period to")), period.to or _(N_("the last day with data")),
         "date" if period.to else "text"),
        (_(N_("Company time zone (days and hours)")), settings.company_timezone, "text"),
        (_(N_("Currency")), settings.currency, "text"),
        (_(N_("Attribution window, days")), settings.attribution_window_days, "int"),
        (_(N_("Basis stage, email")), settings.basis_stage_email, "text"),
        (_(N_("Basis stage, SMS")), settings.basis_stage_sms, "text"),
        (_(N_("Basis stage, push")), settings.basis_stage_push, "text"),
        (_(N_("Generated (UTC)")), generated, "datetime")])
    book.table(ws, row, _(N_("What the figures mean")), [
        (_(N_("Figure")), "text", lambda key: book.name(key)),
        (_(N_("Definition")), "text", book.description)], GLOSSARY.keys())


def _summary_mailing(book: Book, report: MailingReport) -> None:
    _, name = book._, book.name
    m = report.mailing
    ws = book.sheet(_(N_("Summary")))
    ws.write_string(0, 0, m.name, book.title)
    book.figures(ws, 2, None, [
        (_(N_("Mailing")), m.mailing_id, "text"), (_(N_("Channel")), m.channel, "text"),
        (_(N_("Status")), m.status, "text"), (_(N_("Sent at (UTC)")), m.sent_at, "datetime"),
        (_(N_("Variants")), ", ".join(m.variants), "text"),
        (book.money("revenue"), report.orders.revenue, "money"),
        (name("buyers"), report.efficiency.stages.ordered, "int"),
        (name("conversion"), report.efficiency.transitions.conversion, "percent")])


def write_mailing_workbook(report: MailingReport, path: str | Path | BinaryIO,
                           settings: Settings, language: str = "en") -> Path | BinaryIO:
    """The mailing report as a workbook at ``path`` (or into a binary file), in
    ``language`` (ru, en): only its sections that apply."""
    path = Path(path) if isinstance(path, str) else path
    book = Book(path, settings.currency, language)
    _summary_mailing(book, report)
    if report.volume:
        _volume(book, report)
    _efficiency(book, report)
    _orders(book, report.orders)
    if report.groups:
        _groups(book, report)
    if report.open_hours and report.open_hours.openers:
        _open_hours(book, report.open_hours)
    if report.product_sales and report.product_sales.rows:
        _product_sales(book, report.product_sales)
    if report.heatmap:
        _heatmap(book, report.heatmap)
    _definitions(book, settings, report.period, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    book.close()
    return path


def write_campaign_workbook(report: CampaignReport, path: str | Path | BinaryIO,
                            settings: Settings, language: str = "en") -> Path | BinaryIO:
    """The campaign report as a workbook, in ``language`` (ru, en)."""
    path = Path(path) if isinstance(path, str) else path
    book = Book(path, settings.currency, language)
    _, name, money = book._, book.name, book.money
    ws = book.sheet(_(N_("Summary")))
    ws.write_string(0, 0, report.campaign.name, book.title)
    f = report.funnel
    row = book.figures(ws, 2, _(N_("Each customer once")), [
        (name("sent"), f.sent, "int"), (name("delivered"), f.delivered, "int"),
        (name("opened"), f.opened, "int"), (name("clicked"), f.clicked, "int"),
        (name("buyers"), f.ordered, "int"), (name("conversion"), f.conversion, "percent"),
        (money("revenue"), f.revenue, "money"),
        (money("revenue_per_recipient"), f.revenue_per_recipient, "money")])
    counts = ["sent", "delivered", "opened", "clicked"]
    book.table(ws, row, _(N_("Mailings")), [
        (_(N_("Mailing")), "text", lambda r: r.name),
        (_(N_("Channel")), "text", lambda r: r.channel),
        (_(N_("Sent at (UTC)")), "datetime", lambda r: r.sent_at),
        *[(name(s), "int", lambda r, s=s: getattr(r, s)) for s in counts],
        (name("buyers"), "int", lambda r: r.ordered),
        (name("purchases"), "int", lambda r: r.orders),
        (money("revenue"), "money", lambda r: r.revenue)],
        [*report.mailings,
         report.totals.model_copy(update={"name": _(N_("Sum of the mailings"))})])
    _orders(book, report.orders)
    if report.open_hours and report.open_hours.openers:
        _open_hours(book, report.open_hours)
    if report.product_sales and report.product_sales.rows:
        _product_sales(book, report.product_sales)
    _definitions(book, settings, report.period, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    book.close()
    return path


__all__ = ["write_campaign_workbook", "write_mailing_workbook"]
