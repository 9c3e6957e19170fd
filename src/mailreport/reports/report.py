"""The whole mailing report: every section for one mailing and one query."""

from __future__ import annotations

from collections.abc import Callable

from mailreport.reports.efficiency import efficiency
from mailreport.reports.groups import groups
from mailreport.reports.heatmap import heatmap
from mailreport.reports.models import MailingReport
from mailreport.reports.open_hours import open_hours
from mailreport.reports.orders import orders
from mailreport.reports.product_sales import product_sales
from mailreport.reports.query import ReportQuery, get_mailing
from mailreport.reports.volume import volume
from mailreport.store.tables import Tables

SECTIONS: dict[str, Callable] = {
    "volume": lambda t, m, q: volume(t, m),
    "efficiency": lambda t, m, q: efficiency(t, m, q),
    "orders": lambda t, m, q: orders(t, [m.mailing_id], q),
    "groups": lambda t, m, q: groups(t, m, q),
    "open_hours": lambda t, m, q: open_hours(t, [m.mailing_id], q)
    if m.channel == "email" else None,
    "product_sales": lambda t, m, q: product_sales(t, [m], q),
    "heatmap": lambda t, m, q: heatmap(t, m, q),
}


def section(tables: Tables, mailing_id: str, name: str, query: ReportQuery):
    if name not in SECTIONS:
        raise KeyError(name)
    mailing = get_mailing(tables, mailing_id)
    return SECTIONS[name](tables, mailing, query)


def mailing_report(tables: Tables, mailing_id: str, query: ReportQuery,
                   with_product_sales: bool = True) -> MailingReport:
    mailing = get_mailing(tables, mailing_id)
    parts = {name: fn(tables, mailing, query) for name, fn in SECTIONS.items()
             if with_product_sales or name != "product_sales"}
    parts.setdefault("product_sales", None)
    return MailingReport(mailing=mailing, period=query.period, **parts)
