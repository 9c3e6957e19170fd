"""Compared with usual (DESIGN.md): a mailing's open rate, click rate, conversion
and revenue per recipient against the median and quartiles of the same figure over
the previous N sent mailings of its channel. All time on both sides; the figures
are the mailing list's (reports/mailings.py), from the same rollups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis

from mailreport.reports.mailings import mailing_figures, summary
from mailreport.reports.models import Mailing, MailingSummary, Usual, UsualMoney, UsualRate
from mailreport.reports.money import money
from mailreport.stats import quantile
from mailreport.store.tables import Tables, built_once

RATES = ("open_rate", "click_rate", "conversion")
FEWEST = 3  # previous mailings with the figure, or no comparison


@built_once
def previous(tables: Tables, channel: str, sent_at: dt.datetime, mailing_id: str,
             n: int) -> ibis.Table:
    """The n sent mailings of the channel before this one: sent_at strictly before,
    or the same sent_at and a smaller mailing_id."""
    m = tables.mailings
    m = m.filter((m.channel == channel) & (m.status == "sent") & m.sent_at.notnull()
                 & ((m.sent_at < sent_at)
                    | ((m.sent_at == sent_at) & (m.mailing_id < mailing_id))))
    return m.order_by([m.sent_at.desc(), m.mailing_id.desc()]).limit(n)


def usual(tables: Tables, mailing: Mailing) -> Usual | None:
    """Null for a mailing not sent (no sent_at to be before)."""
    if mailing.status != "sent" or mailing.sent_at is None:
        return None
    n = tables.settings.usual_mailings
    rows = tables.run(previous(tables, mailing.channel, mailing.sent_at, mailing.mailing_id, n))
    ids = sorted({mailing.mailing_id, *(r["mailing_id"] for r in rows)})
    figures = {r["mailing_id"]: r for r in tables.run(mailing_figures(tables, ids))}
    this = _summary(mailing.model_dump(), figures)
    before = [_summary(r, figures) for r in rows]
    out: dict = {"mailings": n}
    for name in RATES:
        out[name] = _rate(getattr(this, name), [getattr(b, name) for b in before])
    out["revenue_per_recipient"] = _money(this.revenue_per_recipient,
                                          [b.revenue_per_recipient for b in before])
    return Usual(**out)


def _summary(row: dict, figures: dict) -> MailingSummary:
    return summary(row, figures.get(row["mailing_id"]) or {}, [])


def _spread(values: list) -> tuple | None:
    """(median, q1, q3, n) of the values that are not null, or None for fewer than 3:
    the N were chosen first, the nulls drop after."""
    kept = [v for v in values if v is not None]
    if len(kept) < FEWEST:
        return None
    return quantile(kept, 0.5), quantile(kept, 0.25), quantile(kept, 0.75), len(kept)


def _rate(value: float | None, values: list) -> UsualRate | None:
    spread = _spread(values)
    if spread is None:
        return None
    median, q1, q3, n = (round(spread[0], 4), round(spread[1], 4), round(spread[2], 4),
                         spread[3])
    return UsualRate(value=value, median=median, q1=q1, q3=q3, n=n,
                     difference=None if value is None else round(value - median, 4))


def _money(value: Decimal | None, values: list) -> UsualMoney | None:
    spread = _spread(values)
    if spread is None:
        return None
    median, q1, q3 = (money(v) for v in spread[:3])  # exact decimals, to the cent
    return UsualMoney(value=value, median=median, q1=q1, q3=q3, n=spread[3],
                      difference=None if value is None else money(value - median))

