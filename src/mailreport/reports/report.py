"""The whole mailing report: every section for one mailing and one query.

Every section is a function of (tables, scope, query); whether it applies to a
scope is decided here, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailreport.reports.deliverability import deliverability
from mailreport.reports.devices import devices
from mailreport.reports.efficiency import efficiency
from mailreport.reports.groups import groups, variant_comparison
from mailreport.reports.heatmap import heatmap
from mailreport.reports.models import Efficiency, Headline, MailingReport, Orders
from mailreport.reports.money import per_recipient
from mailreport.reports.open_hours import open_hours
from mailreport.reports.orders import orders
from mailreport.reports.product_sales import product_sales
from mailreport.reports.query import ReportQuery, check_period, get_mailing
from mailreport.reports.regions import regions
from mailreport.reports.scope import Scope
from mailreport.reports.usual import usual
from mailreport.reports.volume import volume
from mailreport.store.tables import Tables

SECTIONS: dict[str, Callable[[Tables, Scope, ReportQuery], Any]] = {
    "volume": volume,
    "efficiency": efficiency,
    "orders": orders,
    "groups": groups,
    "open_hours": open_hours,
    "product_sales": product_sales,
    "heatmap": heatmap,
    "deliverability": deliverability,
    "devices": devices,
    "regions": regions,
}

# Keys worked out from another section's result, not from the tables: (that
# section, the function of its result).
DERIVED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "variant_comparison": ("groups", variant_comparison),
}
# The headline: from the efficiency and orders sections' results and the mailing's
# usual (reports/usual.py).
HEADLINE = ("efficiency", "orders")
KEYS = (*SECTIONS, *DERIVED, "headline")


def headline(tables: Tables, scope: Scope, efficiency: Efficiency, orders: Orders) -> Headline:
    """Revenue per recipient of the period (attributed revenue / delivered, DESIGN.md
    "Compared with usual") and the mailing's usual, which no period applies to."""
    return Headline(
        revenue_per_recipient=per_recipient(orders.revenue, efficiency.stages.delivered),
        usual=usual(tables, scope.mailing))


def applies(name: str, scope: Scope) -> bool:
    """Whether a section answers for the scope; one that does not is null (DESIGN.md,
    "Report API shape"): the volume of a sent mailing, open hours over email
    mailings, the heatmap of an email mailing. The groups report says so itself:
    whether a mailing has a control group or several variants only its data tells."""
    one = scope.mailings[0] if len(scope.mailings) == 1 else None
    if name == "volume":
        return one is not None and one.status == "sent"
    if name == "open_hours":
        return any(m.channel == "email" for m in scope.mailings)
    if name == "heatmap":
        return one is not None and one.channel == "email"
    return True


def run_section(tables: Tables, name: str, scope: Scope, query: ReportQuery):
    if name not in SECTIONS:
        raise KeyError(name)
    return SECTIONS[name](tables, scope, query) if applies(name, scope) else None


def section(tables: Tables, mailing_id: str, name: str, query: ReportQuery):
    if name not in KEYS:
        raise KeyError(name)
    check_period(query, tables.settings.max_period_days)
    scope = Scope((get_mailing(tables, mailing_id),))
    if name == "headline":
        return headline(tables, scope, *(run_section(tables, n, scope, query) for n in HEADLINE))
    if name in DERIVED:
        source, derive = DERIVED[name]
        return derive(run_section(tables, source, scope, query))
    return run_section(tables, name, scope, query)


def mailing_report(tables: Tables, mailing_id: str, query: ReportQuery,
                   with_product_sales: bool = True) -> MailingReport:
    check_period(query, tables.settings.max_period_days)
    mailing = get_mailing(tables, mailing_id)
    scope = Scope((mailing,))
    parts = {name: run_section(tables, name, scope, query) for name in SECTIONS
             if with_product_sales or name != "product_sales"}
    parts.setdefault("product_sales", None)
    for name, (source, derive) in DERIVED.items():
        parts[name] = derive(parts[source])
    parts["headline"] = headline(tables, scope, *(parts[n] for n in HEADLINE))
    return MailingReport(mailing=mailing, period=query.period, **parts)
