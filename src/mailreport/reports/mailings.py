"""The list of mailings with their key figures (all time, machine events excluded)."""

from __future__ import annotations

from mailreport.reports.models import Campaign, MailingSummary
from mailreport.reports.money import money
from mailreport.reports.query import percent
from mailreport.store.tables import Tables


def list_mailings(tables: Tables, channel: str | None = None,
                  status: str | None = None, search: str | None = None) -> list[MailingSummary]:
    m = tables.mailings
    if channel:
        m = m.filter(m.channel == channel)
    if status:
        m = m.filter(m.status == status)
    if search:
        m = m.filter(m.name.lower().contains(search.lower()))
    figures = {row["mailing_id"]: row for row in tables.run(_figures(tables))}
    a = tables.attributed_orders
    revenue = {row["mailing_id"]: row["revenue"] for row in tables.run(
        a.group_by("mailing_id").aggregate(revenue=a.total.sum()))}
    v = tables.variants
    variants: dict[str, list[str]] = {}
    for row in tables.run(v.select("mailing_id", "variant_id").order_by(["mailing_id",
                                                                        "variant_id"])):
        variants.setdefault(row["mailing_id"], []).append(row["variant_id"])
    out = []
    for row in tables.run(m.order_by([m.sent_at.desc(), m.mailing_id])):
        f = figures.get(row["mailing_id"], {})
        sms = row["channel"] == "sms"
        delivered = f.get("delivered") or 0
        opened = None if sms else (f.get("opened") or 0)
        clicked = f.get("clicked") or 0
        row["control_share"] = row["control_share"] or 0.0
        out.append(MailingSummary(
            **row, variants=variants.get(row["mailing_id"], ["A"]),
            recipients=f.get("recipients") or 0, delivered=delivered, opened=opened,
            clicked=clicked, open_rate=None if sms else percent(opened, delivered),
            click_rate=percent(clicked, delivered),
            revenue=money(revenue.get(row["mailing_id"])),
        ))
    return out


def _figures(tables: Tables):
    """(mailing_id, recipients, delivered, opened, clicked) of every mailing."""
    c = tables.reach_counts
    return c.group_by("mailing_id").aggregate(**{
        name: c.customers.sum(where=c.stage == stage) for name, stage in (
            ("recipients", "sent"), ("delivered", "delivered"), ("opened", "opened"),
            ("clicked", "clicked"))})


def list_campaigns(tables: Tables) -> list[Campaign]:
    c, m = tables.campaigns, tables.mailings
    m = m.filter(m.campaign_id.notnull())
    counts = {row["campaign_id"]: row["n"] for row in tables.run(
        m.group_by("campaign_id").aggregate(n=m.count()))}
    return [Campaign(**row, mailings=counts.get(row["campaign_id"], 0))
            for row in tables.run(c.order_by("campaign_id"))]
