"""The whole report as an Excel workbook: a sheet per section with the API's numbers
in typed cells (counts and money as numbers, rates as percentages, days as dates),
and a sheet that states what the figures mean and the settings they were made with.

The sheets are written from the report's JSON models, so a workbook and the API
cannot disagree; names come from the glossary, as on the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from mailreport.glossary import GLOSSARY
from mailreport.reports.models import CampaignReport, MailingReport
from mailreport.settings import Settings

# the cell kinds of a column, and their Excel number formats
FORMATS = {"int": "#,##0", "money": "#,##0.00", "percent": "0.00%", "number": "#,##0.###",
           "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "text": None}
SHEET_NAME_MAX = 31  # Excel's limit


def name(key: str, suffix: str = "") -> str:
    return f"{GLOSSARY[key].name}{suffix}" if key in GLOSSARY else key


class Book:
    """A workbook being written: typed cells, one format per kind, bold headers."""

    def __init__(self, target: Path | BinaryIO, currency: str):
        # a path, or a binary file (e.g. BytesIO) that the workbook is written to
        self.wb = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                                      {"remove_timezone": True, "in_memory": True})
        self.currency = currency
        self.formats = {k: self.wb.add_format({"num_format": f} if f else {})
                        for k, f in FORMATS.items()}
        self.bold = self.wb.add_format({"bold": True})
        self.head = self.wb.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                        "valign": "bottom"})
        self.title = self.wb.add_format({"bold": True, "font_size": 14})

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


def _money(key: str, currency: str) -> str:
    return name(key, f", {currency}")


def _efficiency(book: Book, report: MailingReport) -> None:
    e = report.efficiency
    ws = book.sheet("Efficiency")
    stages = ["sent", "delivered", "opened", "clicked", "ordered", "ordered_after_click"]
    if report.mailing.channel == "sms":
        stages.remove("opened")
    terms = {"ordered": "buyers"}
    row = book.figures(ws, 0, "Funnel", [
        (name(terms.get(s, s)), getattr(e.stages, s), "int") for s in stages] + [
        (name("conversion"), e.transitions.conversion, "percent"),
        (name("spam"), e.spam, "int"), (name("unsubscribed"), e.unsubscribed, "int")])
    day_stages = [s for s in stages if s != "ordered_after_click"]
    book.table(ws, row, "By day", [("Date", "date", lambda d: d.date)] + [
        (name(terms.get(s, s)), "int", lambda d, s=s: getattr(d, s)) for s in day_stages],
        e.daily)


def _orders(book: Book, orders, currency: str) -> None:
    ws = book.sheet("Orders")
    row = book.figures(ws, 0, "Totals", [
        (name("receipts"), orders.receipts, "int"), (name("orders"), orders.orders, "int"),
        (_money("revenue", currency), orders.revenue, "money")])
    book.table(ws, row, "By day", [
        ("Date", "date", lambda d: d.date), (name("receipts"), "int", lambda d: d.receipts),
        (name("orders"), "int", lambda d: d.orders),
        (_money("revenue", currency), "money", lambda d: d.revenue)], orders.daily)


def _volume(book: Book, report: MailingReport) -> None:
    v = report.volume
    ws = book.sheet("Volume")
    statuses = ["good_recipients", "address_issue", "unsubscribed_channel",
                "unsubscribed_category", "blocked_by_policy"]
    audience = sum(getattr(v, s) for s in statuses)
    row = book.figures(ws, 0, None, [
        (name("target_audience"), audience, "int"),
        (name("control_group"), v.control_group, "int"),
        (name("actual_recipients"), v.actual_recipients, "int")])
    book.table(ws, row, "Audience by status", [
        ("Status", "text", lambda s: name(s)), ("Customers", "int", lambda s: getattr(v, s)),
        ("Share of audience", "percent",
         lambda s: 100 * getattr(v, s) / audience if audience else None)], statuses)


def _groups(book: Book, report: MailingReport, currency: str) -> None:
    ws = book.sheet("Groups")

    def group_name(g) -> str:
        if g.group == "control":
            return "Control group"
        return "Test group (all)" if g.variant_id is None else f"Variant {g.variant_id}"

    row = book.table(ws, 0, "Orders of each group in its attribution window", [
        ("Group", "text", group_name), (name("assigned"), "int", lambda g: g.assigned),
        (name("sent"), "int", lambda g: g.sent), (name("delivered"), "int", lambda g: g.delivered),
        (name("opened"), "int", lambda g: g.opened), (name("clicked"), "int", lambda g: g.clicked),
        (name("group_buyers"), "int", lambda g: g.buyers),
        (name("group_orders"), "int", lambda g: g.orders),
        (_money("group_revenue", currency), "money", lambda g: g.revenue),
        (name("group_conversion"), "percent", lambda g: g.conversion),
        (_money("revenue_per_customer", currency), "money", lambda g: g.revenue_per_customer),
        (_money("aov", currency), "money", lambda g: g.aov)], report.groups)
    tested = [g for g in report.groups if g.vs_control]
    if tested:
        vc = lambda g: g.vs_control  # noqa: E731 - a column's reader
        ci = lambda pair, i: None if pair is None else pair[i]  # noqa: E731
        row = book.table(ws, row, "Against the control group", [
            ("Group", "text", group_name),
            ("Conversion uplift, pp", "number", lambda g: vc(g).conversion_uplift),
            ("Interval from, pp", "number", lambda g: ci(vc(g).conversion_ci, 0)),
            ("Interval to, pp", "number", lambda g: ci(vc(g).conversion_ci, 1)),
            ("Conversion p", "number", lambda g: vc(g).conversion_p),
            (f"{name('uplift')} of {name('revenue_per_customer')}, {currency}", "money",
             lambda g: vc(g).rpc_uplift),
            ("Revenue per customer p", "number", lambda g: vc(g).rpc_p),
            (name("incremental_buyers"), "number", lambda g: vc(g).incremental_buyers),
            (_money("incremental_revenue", currency), "money",
             lambda g: vc(g).incremental_revenue)], tested)
    if report.variant_comparison:
        vcmp = report.variant_comparison
        pairs = [("click_rate", p) for p in vcmp.click_rate.pairs] + [
            ("group_conversion", p) for p in vcmp.conversion.pairs]
        book.table(ws, row, "Variants compared pairwise (Holm-adjusted)", [
            ("Metric", "text", lambda mp: name(mp[0])),
            ("Variant", "text", lambda mp: mp[1].variant_id),
            ("Compared with", "text", lambda mp: mp[1].compared_with),
            (name("uplift", ", pp"), "number", lambda mp: mp[1].uplift),
            (name("p_value"), "number", lambda mp: mp[1].p),
            (name("p_adjusted"), "number", lambda mp: mp[1].p_adjusted),
            (name("significance"), "text",
             lambda mp: None if mp[1].significant is None
             else "significant" if mp[1].significant else "not significant")], pairs)


def _open_hours(book: Book, hours) -> None:
    ws = book.sheet("Open hours")
    zone = "each recipient's local time" if hours.timezone == "recipient" else hours.timezone
    row = book.figures(ws, 0, f"Openers by hour, in {zone}", [
        (name("openers"), hours.openers, "int")])
    row = book.table(ws, row, None, [
        ("Hour", "text", lambda h: f"{h:02d}:00"),
        (name("openers"), "int", lambda h: hours.counts[h]),
        (name("share_of_openers"), "percent", lambda h: hours.percent[h])], range(24))
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    book.table(ws, row, "Weekday × hour", [("Weekday", "text", lambda d: days[d])] + [
        (f"{h:02d}", "int", lambda d, h=h: hours.grid[d][h]) for h in range(24)], range(7))


def _product_sales(book: Book, sales, currency: str) -> None:
    ws = book.sheet("Product sales")
    units = sales.units_of_measure
    per_unit = len(units) > 1
    # each row comes with its rank: (rank, row)
    quantity = ([(name("units", f", {u}"), "number",
                  lambda rr, u=u: rr[1].units_by_unit.get(u, 0)) for u in units] if per_unit
                else [(name("units"), "number", lambda rr: rr[1].units)])
    by = f"{sales.sort}, {sales.unit}" if sales.unit else sales.sort
    book.table(ws, 0, f"Top {len(sales.rows)} categories by {by}", [
        ("#", "int", lambda rr: rr[0]), ("Category", "text", lambda rr: rr[1].category),
        *quantity, (_money("product_revenue", currency), "money", lambda rr: rr[1].revenue),
        (name("product_receipts"), "int", lambda rr: rr[1].receipts)],
        enumerate(sales.rows, 1))


def _heatmap(book: Book, variants) -> None:
    ws = book.sheet("Heatmap")
    row = 0
    for v in variants:
        row = book.table(ws, row, f"Variant {v.variant_id}: {v.openers:,} openers", [
            ("#", "int", lambda link: link.link_index), ("Text", "text", lambda link: link.text),
            ("URL", "text", lambda link: link.url),
            (name("clicks"), "int", lambda link: link.clicks),
            (name("unique_clickers"), "int", lambda link: link.unique_clickers),
            (name("percent_of_readers"), "percent", lambda link: link.percent_of_readers)],
            v.links)


def _definitions(book: Book, settings: Settings, period, generated: dt.datetime) -> None:
    ws = book.sheet("Definitions")
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 100)
    row = book.figures(ws, 0, "Settings", [
        ("Period from", period.from_ or "the first day with data", "date" if period.from_
         else "text"),
        ("Period to", period.to or "the last day with data", "date" if period.to else "text"),
        ("Company time zone (days and hours)", settings.company_timezone, "text"),
        ("Currency", settings.currency, "text"),
        ("Attribution window, days", settings.attribution_window_days, "int"),
        ("Basis stage, email", settings.basis_stage_email, "text"),
        ("Basis stage, SMS", settings.basis_stage_sms, "text"),
        ("Basis stage, push", settings.basis_stage_push, "text"),
        ("Generated (UTC)", generated, "datetime")])
    book.table(ws, row, "What the figures mean", [
        ("Figure", "text", lambda t: t.name), ("Definition", "text", lambda t: t.description)],
        GLOSSARY.values())


def _summary_mailing(book: Book, report: MailingReport, currency: str) -> None:
    m = report.mailing
    ws = book.sheet("Summary")
    ws.write_string(0, 0, m.name, book.title)
    book.figures(ws, 2, None, [
        ("Mailing", m.mailing_id, "text"), ("Channel", m.channel, "text"),
        ("Status", m.status, "text"), ("Sent at (UTC)", m.sent_at, "datetime"),
        ("Variants", ", ".join(m.variants), "text"),
        (_money("revenue", currency), report.orders.revenue, "money"),
        (name("buyers"), report.efficiency.stages.ordered, "int"),
        (name("conversion"), report.efficiency.transitions.conversion, "percent")])


def write_mailing_workbook(report: MailingReport, path: str | Path | BinaryIO,
                           settings: Settings) -> Path | BinaryIO:
    """The mailing report as a workbook at ``path`` (or into a binary file): only its
    sections that apply."""
    path = Path(path) if isinstance(path, str) else path
    book = Book(path, settings.currency)
    currency = settings.currency
    _summary_mailing(book, report, currency)
    if report.volume:
        _volume(book, report)
    _efficiency(book, report)
    _orders(book, report.orders, currency)
    if report.groups:
        _groups(book, report, currency)
    if report.open_hours and report.open_hours.openers:
        _open_hours(book, report.open_hours)
    if report.product_sales and report.product_sales.rows:
        _product_sales(book, report.product_sales, currency)
    if report.heatmap:
        _heatmap(book, report.heatmap)
    _definitions(book, settings, report.period, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    book.close()
    return path


def write_campaign_workbook(report: CampaignReport, path: str | Path | BinaryIO,
                            settings: Settings) -> Path | BinaryIO:
    path = Path(path) if isinstance(path, str) else path
    book = Book(path, settings.currency)
    currency = settings.currency
    ws = book.sheet("Summary")
    ws.write_string(0, 0, report.campaign.name, book.title)
    f = report.funnel
    row = book.figures(ws, 2, "Each customer once", [
        (name("sent"), f.sent, "int"), (name("delivered"), f.delivered, "int"),
        (name("opened"), f.opened, "int"), (name("clicked"), f.clicked, "int"),
        (name("buyers"), f.ordered, "int"), (name("conversion"), f.conversion, "percent"),
        (_money("revenue", currency), f.revenue, "money"),
        (_money("revenue_per_recipient", currency), f.revenue_per_recipient, "money")])
    counts = ["sent", "delivered", "opened", "clicked"]
    book.table(ws, row, "Mailings", [
        ("Mailing", "text", lambda r: r.name), ("Channel", "text", lambda r: r.channel),
        ("Sent at (UTC)", "datetime", lambda r: r.sent_at),
        *[(name(s), "int", lambda r, s=s: getattr(r, s)) for s in counts],
        (name("buyers"), "int", lambda r: r.ordered),
        (name("purchases"), "int", lambda r: r.orders),
        (_money("revenue", currency), "money", lambda r: r.revenue)],
        [*report.mailings, report.totals.model_copy(update={"name": "Sum of the mailings"})])
    _orders(book, report.orders, currency)
    if report.open_hours and report.open_hours.openers:
        _open_hours(book, report.open_hours)
    if report.product_sales and report.product_sales.rows:
        _product_sales(book, report.product_sales, currency)
    _definitions(book, settings, report.period, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    book.close()
    return path


__all__ = ["write_campaign_workbook", "write_mailing_workbook"]
