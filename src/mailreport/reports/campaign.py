"""Campaign report: the mailing report's questions for all mailings of a campaign."""

from __future__ import annotations

from decimal import Decimal

from mailreport.reports.campaign_funnel import campaign_funnel
from mailreport.reports.campaign_groups import campaign_groups, campaign_volume
from mailreport.reports.efficiency import ordered_by_date, reached
from mailreport.reports.models import Campaign, CampaignMailingRow, CampaignReport, Mailing
from mailreport.reports.money import money
from mailreport.reports.orders import attributed
from mailreport.reports.query import NotFound, ReportQuery, check_period, get_mailing
from mailreport.reports.report import run_section
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables

# the mailing report's sections that a campaign report runs over all its mailings
CAMPAIGN_SECTIONS = ("orders", "product_sales", "open_hours", "deliverability", "devices",
                     "regions")
NEED_MAILINGS = ("deliverability", "devices", "regions")  # none without a mailing


def get_campaign(tables: Tables, campaign_id: str) -> tuple[Campaign, list[Mailing]]:
    c = tables.campaigns
    rows = tables.run(c.filter(c.campaign_id == campaign_id))
    if not rows:
        raise NotFound(f"campaign {campaign_id!r} does not exist")
    m = tables.mailings
    ids = [r["mailing_id"] for r in tables.run(
        m.filter(m.campaign_id == campaign_id).select("mailing_id").order_by("mailing_id"))]
    mailings = [get_mailing(tables, i) for i in ids]
    return Campaign(**rows[0], mailings=len(ids)), mailings


def campaign_report(tables: Tables, campaign_id: str, query: ReportQuery,
                    with_product_sales: bool = True) -> CampaignReport:
    check_period(query, tables.settings.max_period_days)
    campaign, mailings = get_campaign(tables, campaign_id)
    ids = [m.mailing_id for m in mailings]
    stage: dict[tuple[str, str], int] = {}
    if ids:
        for r in tables.run(reached(tables, ids, query)):
            key = (r["mailing_id"], r["stage"])
            stage[key] = stage.get(key, 0) + r["customers"]
        for r in tables.run(ordered_by_date(tables, ids, query)):
            key = (r["mailing_id"], "ordered")
            stage[key] = stage.get(key, 0) + r["customers"]
        a = attributed(tables, ids, query)
        money_rows = {r["mailing_id"]: r for r in tables.run(a.group_by("mailing_id").aggregate(
            orders=a.count(), revenue=a.total.sum()))}
    else:
        money_rows = {}
    rows = []
    for m in mailings:
        sms = m.channel == "sms"
        rows.append(CampaignMailingRow(
            mailing_id=m.mailing_id, name=m.name, channel=m.channel, sent_at=m.sent_at,
            sent=stage.get((m.mailing_id, "sent"), 0),
            delivered=stage.get((m.mailing_id, "delivered"), 0),
            opened=None if sms else stage.get((m.mailing_id, "opened"), 0),
            clicked=stage.get((m.mailing_id, "clicked"), 0),
            ordered=stage.get((m.mailing_id, "ordered"), 0),
            orders=(money_rows.get(m.mailing_id) or {}).get("orders", 0),
            revenue=money((money_rows.get(m.mailing_id) or {}).get("revenue")),
        ))
    totals = CampaignMailingRow(
        mailing_id="", name="Total", channel="", sent_at=None,
        sent=sum(r.sent for r in rows), delivered=sum(r.delivered for r in rows),
        opened=sum(r.opened or 0 for r in rows), clicked=sum(r.clicked for r in rows),
        ordered=sum(r.ordered for r in rows), orders=sum(r.orders for r in rows),
        revenue=money(sum((r.revenue for r in rows), Decimal(0))),
    )
    scope = Scope(tuple(mailings), campaign_id)
    sections = {name: run_section(tables, name, scope, query) for name in CAMPAIGN_SECTIONS
                if (ids or name not in NEED_MAILINGS)
                and (with_product_sales or name != "product_sales")}
    return CampaignReport(
        campaign=campaign, period=query.period, mailings=rows, totals=totals,
        funnel=campaign_funnel(tables, campaign_id, mailings, query),
        volume=campaign_volume(tables, campaign_id, mailings),
        groups=campaign_groups(tables, campaign_id, mailings),
        **{name: sections.get(name) for name in CAMPAIGN_SECTIONS},
    )
