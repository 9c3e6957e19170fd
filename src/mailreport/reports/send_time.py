"""Send-time advice (DESIGN.md): for each channel, recipient time zone (or
region), the local hour of sending whose recipients responded most within 24 hours
(opened, or for SMS clicked; machine opens do not count), with its Wilson 95%
interval and the number delivered behind it, over the sent mailings of the 180
days up to the day asked about. Read from the ``send_hours`` fact."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field
from scipy.stats import binomtest

from mailreport.reports.models import Model
from mailreport.store.tables import Tables

WINDOW_DAYS = 180
# fewer delivered than this at the best hour, and the advice is of low confidence
ENOUGH = 1_000

Breakdown = Literal["zone", "region"]
Channel = Literal["email", "sms", "push"]


class HourRate(Model):
    hour: int = Field(description="Local hour of sending in the recipient's zone, 0-23.")
    delivered: int = Field(description="Customers delivered among those sent at this hour "
                                       "(each mailing and customer once).")
    responded: int = Field(description="Of them, those who opened (SMS: clicked) less than "
                                       "24 hours after sending; machine opens aside.")
    rate: float = Field(description="responded / delivered, in percent.")
    ci_low: float = Field(description="Lower bound of the rate's Wilson 95% interval, %.")
    ci_high: float = Field(description="Upper bound of the rate's Wilson 95% interval, %.")


class Advice(Model):
    key: str = Field(description="The recipient time zone (IANA) or region the advice is for.")
    best: HourRate | None = Field(description="The hour with the highest rate (ties: more "
                                              "delivered, then the earlier hour); none "
                                              "without deliveries.")
    low_confidence: bool = Field(description="Fewer than 1,000 delivered at the best hour, "
                                             "or its interval overlaps the next best hour's.")
    why_low: list[Literal["few_observations", "overlaps_next_best"]] = Field(
        description="Why the confidence is low.")
    delivered: int = Field(description="Customers delivered at any hour.")
    hours: list[HourRate] = Field(description="Every hour with deliveries, 0-23.")


class SendTimeAdvice(Model):
    channel: Channel
    by: Breakdown
    date_from: dt.date = Field(description="First day of the window (company zone).")
    date_to: dt.date = Field(description="Last day of the window: the day asked about.")
    advice: list[Advice] = Field(description="Per zone or region, most delivered first.")


def wilson(responded: int, delivered: int) -> tuple[float, float]:
    interval = binomtest(responded, delivered).proportion_ci(confidence_level=0.95,
                                                             method="wilson")
    return interval.low * 100, interval.high * 100


def rated(hour: int, delivered: int, responded: int) -> HourRate:
    low, high = wilson(responded, delivered)
    return HourRate(hour=hour, delivered=delivered, responded=responded,
                    rate=responded / delivered * 100, ci_low=low, ci_high=high)


def advise(key: str, hours: list[HourRate]) -> Advice:
    """The best hour of one zone or region, and how far to trust it."""
    ranked = sorted(hours, key=lambda h: (-h.rate, -h.delivered, h.hour))
    best = ranked[0] if ranked else None
    why: list = []
    if best is not None:
        if best.delivered < ENOUGH:
            why.append("few_observations")
        if len(ranked) > 1 and best.ci_low <= ranked[1].ci_high:
            why.append("overlaps_next_best")
    return Advice(key=key, best=best, low_confidence=best is None or bool(why), why_low=why,
                  delivered=sum(h.delivered for h in hours),
                  hours=sorted(hours, key=lambda h: h.hour))


def send_time_advice(tables: Tables, channel: str, by: str,
                     as_of: dt.date | None = None) -> SendTimeAdvice:
    date_to = as_of or dt.datetime.now(tables.settings.zone).date()
    date_from = date_to - dt.timedelta(days=WINDOW_DAYS - 1)
    s, m = tables.send_hours, tables.mailings
    sent = m.filter((m.channel == channel) & (m.status == "sent")).select("mailing_id")
    rows = s.filter(s.mailing_id.isin(sent.mailing_id) & (s.day >= date_from)
                    & (s.day <= date_to))
    key = rows[by]
    counts = (rows.group_by([key.name("key"), rows.sent_hour])
              .aggregate(delivered=rows.delivered.sum(), responded=rows.responded.sum()))
    per_key: dict[str, list[HourRate]] = {}
    for r in tables.run(counts):
        if r["delivered"]:
            per_key.setdefault(r["key"], []).append(
                rated(int(r["sent_hour"]), int(r["delivered"]), int(r["responded"])))
    advice = [advise(k, hours) for k, hours in per_key.items()]
    advice.sort(key=lambda a: (-a.delivered, a.key))
    return SendTimeAdvice(channel=channel, by=by, date_from=date_from, date_to=date_to,
                          advice=advice)
