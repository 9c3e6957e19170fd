"""Groups report: each variant and the control group, compared like with like.

A group's orders are all completed orders of its assigned customers placed in
[sent_at, sent_at + window) and in the period, attributed or not, so the test
group is not favoured by only counting those who opened. Queries return
sufficient statistics; ``stats`` does the maths.
"""

from __future__ import annotations

from decimal import Decimal

import ibis

from mailreport.contract import STAGES
from mailreport.reports.models import (
    GroupRow,
    Mailing,
    PairTest,
    RateComparison,
    VariantComparison,
    VsA,
    VsControl,
)
from mailreport.reports.money import money
from mailreport.reports.query import ReportQuery, count_stage, in_days
from mailreport.reports.scope import Scope
from mailreport.reports.windows import group_orders
from mailreport.stats import (
    AllPairs,
    Comparison,
    Proportion,
    Sample,
    compare_all_pairs,
    compare_means,
    compare_proportions,
    incremental,
)
from mailreport.store.tables import Tables, built_once


def has_groups(mailing: Mailing, assigned: dict) -> bool:
    return any(g == "control" for g, _ in assigned) or len(mailing.variants) > 1


def groups(tables: Tables, scope: Scope, query: ReportQuery) -> list[GroupRow] | None:
    """None for a mailing without a control group or several variants."""
    mailing = scope.mailing
    counts = {(row["group"], row["variant_id"]): row
              for row in tables.run(stage_counts(tables, mailing.mailing_id, query))}
    if not has_groups(mailing, counts):
        return None
    revenue = {(row["group"], row["variant_id"]): row
               for row in tables.run(group_revenue(tables, mailing.mailing_id, query))}
    return _rows(mailing, counts, revenue)


@built_once
def group_revenue(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(group, variant_id, buyers, orders, revenue, revenue_sq): the sufficient
    statistics of each group's orders in its window and the period."""
    w = group_orders(tables, [mailing_id], query)
    pc = w.group_by(["group", "variant_id", "customer_id"]).aggregate(
        orders=w.count(), revenue=w.total.sum())
    return pc.group_by(["group", "variant_id"]).aggregate(
        buyers=pc.count(), orders=pc.orders.sum(), revenue=pc.revenue.sum(),
        # exact decimal squares: a float sum's last bits would depend on
        # the order each engine adds in
        revenue_sq=(pc.revenue * pc.revenue).cast("decimal(38, 4)").sum())


@built_once
def stage_counts(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(group, variant_id, assigned, sent, delivered, opened, clicked) of the good
    audience, from the reach_counts fact."""
    names = {count_stage(s, query.include_machine): s for s in STAGES}
    c = tables.reach_counts
    c = c.filter((c.mailing_id == mailing_id) & (c.status == "good")
                 & ((c.stage == "audience") | (c.stage.isin(list(names))
                                               & in_days(c.day, query))))
    metrics = {"assigned": c.customers.sum(where=c.stage == "audience")}
    for name, stage in names.items():
        metrics[stage] = c.customers.sum(where=c.stage == name)
    return c.group_by(["group", "variant_id"]).aggregate(**metrics)


def _merge(keys, counts, revenue) -> dict:
    out = {"assigned": 0, "sent": 0, "delivered": 0, "opened": 0, "clicked": 0,
           "buyers": 0, "orders": 0, "revenue": Decimal(0), "revenue_sq": 0.0}
    for k in keys:
        for name in ("assigned", *STAGES):
            out[name] += (counts.get(k) or {}).get(name) or 0
        rev = revenue.get(k) or {}
        out["buyers"] += rev.get("buyers") or 0
        out["orders"] += rev.get("orders") or 0
        out["revenue"] += Decimal(rev.get("revenue") or 0)
        out["revenue_sq"] += float(rev.get("revenue_sq") or 0)
    return out


def _row(group: str, variant_id: str | None, m: dict, sms: bool) -> GroupRow:
    control = group == "control"
    n = m["assigned"]
    return GroupRow(
        group=group, variant_id=variant_id, assigned=n,
        sent=None if control else m["sent"],
        delivered=None if control else m["delivered"],
        opened=None if control or sms else m["opened"],
        clicked=None if control else m["clicked"],
        buyers=m["buyers"], orders=m["orders"], revenue=money(m["revenue"]),
        conversion=round(100.0 * m["buyers"] / n, 4) if n else None,
        revenue_per_customer=money(m["revenue"] / n) if n else None,
        aov=money(m["revenue"] / m["orders"]) if m["orders"] else None,
    )


def _conversion(m: dict) -> Proportion:
    return Proportion(successes=m["buyers"], trials=m["assigned"])


def _click_rate(m: dict) -> Proportion:
    return Proportion(successes=m["clicked"], trials=m["delivered"])


def _rpc(m: dict) -> Sample:
    return Sample(n=m["assigned"], total=float(m["revenue"]), total_sq=m["revenue_sq"])


def vs_control(m: dict, c: dict) -> VsControl:
    """A group (sufficient statistics: assigned, buyers, revenue, revenue_sq) against
    the control group; also the campaign's pooled groups' (campaign_groups.py)."""
    conv = compare_proportions(_conversion(m), _conversion(c))
    rpc = compare_means(_rpc(m), _rpc(c))
    buyers = incremental(conv, m["assigned"], per=100)  # the uplift is in points
    revenue = incremental(rpc, m["assigned"])
    return VsControl(
        conversion_uplift=conv.uplift, conversion_uplift_relative=conv.uplift_relative,
        conversion_ci=conv.ci, conversion_p=conv.p_value,
        conversion_significant=conv.significant,
        rpc_uplift=rpc.uplift, rpc_uplift_relative=rpc.uplift_relative, rpc_ci=rpc.ci,
        rpc_p=rpc.p_value, rpc_significant=rpc.significant,
        significant=_any_significant(conv, rpc),
        incremental_buyers=buyers.estimate, incremental_buyers_ci=buyers.ci,
        incremental_revenue=None if revenue.estimate is None else money(revenue.estimate),
        incremental_revenue_ci=None if revenue.ci is None else (money(revenue.ci[0]),
                                                                money(revenue.ci[1])),
    )


def _vs_a(m: dict, a: dict) -> VsA:
    clicks = compare_proportions(_click_rate(m), _click_rate(a))
    conv = compare_proportions(_conversion(m), _conversion(a))
    return VsA(
        click_rate_uplift=clicks.uplift, click_rate_uplift_relative=clicks.uplift_relative,
        click_rate_ci=clicks.ci, click_rate_p=clicks.p_value,
        click_rate_significant=clicks.significant,
        conversion_uplift=conv.uplift, conversion_uplift_relative=conv.uplift_relative,
        conversion_ci=conv.ci, conversion_p=conv.p_value,
        conversion_significant=conv.significant,
        significant=_any_significant(clicks, conv),
    )


def variant_comparison(rows: list[GroupRow] | None) -> VariantComparison | None:
    """Every pair of variants on click rate and conversion, from the groups report's
    rows; None with fewer than two variants."""
    variants = {r.variant_id: r.model_dump() for r in rows or []
                if r.group == "test" and r.variant_id is not None}
    if len(variants) < 2:
        return None
    return VariantComparison(
        adjustment="holm",
        click_rate=_rate_comparison(compare_all_pairs(
            {v: _click_rate(m) for v, m in variants.items()})),
        conversion=_rate_comparison(compare_all_pairs(
            {v: _conversion(m) for v, m in variants.items()})))


def _rate_comparison(result: AllPairs) -> RateComparison:
    return RateComparison(
        pairs=[PairTest(variant_id=pair.variant, compared_with=pair.other,
                        uplift=pair.comparison.uplift,
                        uplift_relative=pair.comparison.uplift_relative,
                        p=pair.comparison.p_value, p_adjusted=pair.p_adjusted,
                        significant=pair.significant)
               for pair in result.pairs],
        winner=result.winner, winner_p=result.winner_p,
        winner_confidence=None if result.winner_p is None else 100 * (1 - result.winner_p))


def _any_significant(*comparisons: Comparison) -> bool | None:
    flags = [c.significant for c in comparisons if c.significant is not None]
    return any(flags) if flags else None


def _rows(mailing: Mailing, counts: dict, revenue: dict) -> list[GroupRow]:
    sms = mailing.channel == "sms"
    variants = sorted({v for g, v in counts if g == "test" and v is not None}
                      | set(mailing.variants))
    control_keys = [k for k in counts if k[0] == "control"] or [("control", None)]
    control = _merge(control_keys, counts, revenue)
    has_control = control["assigned"] > 0
    per_variant = {v: _merge([("test", v)], counts, revenue) for v in variants}
    out = []
    for v in variants:
        row = _row("test", v, per_variant[v], sms)
        if has_control:
            row.vs_control = vs_control(per_variant[v], control)
        if v != variants[0] and len(variants) > 1:
            row.vs_a = _vs_a(per_variant[v], per_variant[variants[0]])
        out.append(row)
    test = _merge([k for k in counts if k[0] == "test"], counts, revenue)
    total = _row("test", None, test, sms)
    if has_control:
        total.vs_control = vs_control(test, control)
    out.append(total)
    if has_control:
        out.append(_row("control", None, control, sms))
    return out
