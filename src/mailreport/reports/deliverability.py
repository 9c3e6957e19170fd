"""Deliverability (DESIGN.md, "Deliverability"): why messages did not arrive.
Bounced customers by the class and reason of their latest bounce in the period,
the recipient domains of an email mailing (sent, bounced, spam complaints), and
unsubscribe reasons. Counts are customers; shares are of sent."""

from __future__ import annotations

from collections import defaultdict

import ibis

from mailreport.contract import BOUNCE_CLASSES
from mailreport.reports.campaign_marks import campaign_marks
from mailreport.reports.models import (
    BounceClassRow,
    BounceReasonRow,
    Deliverability,
    DomainRow,
    Model,
    Period,
    UnsubscribeReasonRow,
    UtcTimestamp,
    term,
)
from mailreport.reports.query import (
    ReportError,
    ReportQuery,
    in_days,
    last_in_period,
    percent,
)
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once

NOT_GIVEN = "not given"  # a null reason, as the section names it
TOP_REASONS = 10
TOP_DOMAINS = 10


def latest_bounces(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """The bounces fact's row of each customer's latest bounce from the mailing in
    the period, whose class and reason are the customer's: the fact keeps each day's
    latest, and the period's is on the day with no later one in it."""
    b = tables.bounces
    return b.filter((b.mailing_id == mailing_id) & in_days(b.day, query)
                    & last_in_period(b.next_day, query))


def latest_complaints(tables: Tables, mailing_ids: list[str], query: ReportQuery,
                      kind: str | None = None) -> ibis.Table:
    """The complaints fact's row of each customer's latest day of each type (or of
    ``kind``) in the period: its reason is that of their latest such event."""
    c = tables.complaints
    c = c.filter(c.mailing_id.isin(mailing_ids) & in_days(c.day, query))
    if kind is not None:
        c = c.filter(c.type == kind)
    latest = ibis.row_number().over(group_by=[c.customer_id, c.type], order_by=ibis.desc(c.day))
    return c.mutate(_latest=latest).filter(lambda t: t._latest == 0).drop("_latest")


@built_once
def deliverability_counts(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(kind, bounce_class, reason, domain, customers), in one query: ``bounced``
    by class, reason and domain; ``spam`` and ``unsubscribed`` by reason and
    domain; ``domain_sent`` by domain; ``sent`` once. For one mailing."""
    b = latest_bounces(tables, mailing_id, query)
    b = b.group_by(["bounce_class", "reason", "domain"]).aggregate(customers=b.count())
    c = latest_complaints(tables, [mailing_id], query)
    c = c.group_by(["type", "reason", "domain"]).aggregate(customers=c.count())
    d = tables.domain_sent
    d = d.filter((d.mailing_id == mailing_id) & in_days(d.day, query))
    d = d.group_by("domain").aggregate(customers=d.customers.sum())
    s = tables.reach_counts
    s = s.filter((s.mailing_id == mailing_id) & (s.stage == "sent") & in_days(s.day, query))
    s = s.aggregate(customers=s.customers.sum())
    none = ibis.null("string")
    parts = [
        b.select(kind=ibis.literal("bounced"), bounce_class=b.bounce_class, reason=b.reason,
                 domain=b.domain, customers=b.customers.cast("int64")),
        c.select(kind=c.type, bounce_class=none, reason=c.reason, domain=c.domain,
                 customers=c.customers.cast("int64")),
        d.select(kind=ibis.literal("domain_sent"), bounce_class=none, reason=none,
                 domain=d.domain, customers=d.customers.cast("int64")),
        s.select(kind=ibis.literal("sent"), bounce_class=none, reason=none, domain=none,
                 customers=s.customers.cast("int64")),
    ]
    return ibis.union(*parts)


# a campaign's marks (facts/campaign_counts.py) and the kinds of row they make here
CAMPAIGN_KINDS = {"bounced": "bounced", "unsubscribed": "unsubscribed", "sent": "sent",
                  "email_sent": "domain_sent", "domain_bounced": "domain_bounced",
                  "domain_spam": "domain_spam"}


def campaign_deliverability_counts(tables: Tables, campaign_id: str,
                                   query: ReportQuery) -> list[dict]:
    """The same rows for a campaign, each customer once (the campaign_counts fact):
    the class and reason of their latest bounce over all its mailings, the reason of
    their latest unsubscribe, sent as distinct customers; the domain rows (kinds
    ``domain_bounced``, ``domain_spam``, ``domain_sent``) over the email mailings
    only, as a domain is an email address's."""
    got = campaign_marks(tables, campaign_id, query, *CAMPAIGN_KINDS)
    bounce = {"bounced"}
    return [{"kind": kind, "customers": int(r["customers"]),
             "bounce_class": r["name"] if mark in bounce else None,
             "reason": r["detail"],
             "domain": r["name"] if kind.startswith("domain_") else None}
            for mark, kind in CAMPAIGN_KINDS.items() for r in got.get(mark, ())]


def deliverability(tables: Tables, scope: Scope, query: ReportQuery) -> Deliverability:
    """One mailing's, or a campaign's with each customer counted once."""
    email_ids = [m.mailing_id for m in scope.mailings if m.channel == "email"]
    email = bool(email_ids)
    if len(scope.mailings) == 1:
        rows = tables.run(deliverability_counts(tables, scope.mailing.mailing_id, query))
    else:
        rows = campaign_deliverability_counts(tables, scope.campaign, query)
    sent = sum(r["customers"] or 0 for r in rows if r["kind"] == "sent")
    classes: dict[str, int] = dict.fromkeys(BOUNCE_CLASSES, 0)
    reasons: dict[tuple[str, str], int] = defaultdict(int)
    unsubscribes: dict[str, int] = defaultdict(int)
    domains: dict[str | None, dict[str, int]] = defaultdict(
        lambda: {"domain_sent": 0, "bounced": 0, "spam": 0})
    # one mailing's bounced and spam rows carry their domain; a campaign's domain
    # rows come apart, of its email mailings (campaign_deliverability_counts)
    one = len(scope.mailings) == 1
    for r in rows:
        kind, n = r["kind"], r["customers"] or 0
        if kind == "domain_sent" or (one and kind in ("bounced", "spam")):
            domains[r["domain"]][kind] += n
        elif kind in ("domain_bounced", "domain_spam"):
            domains[r["domain"]][kind.removeprefix("domain_")] += n
        if kind == "bounced":
            classes[r["bounce_class"]] += n
            reasons[(r["bounce_class"], r["reason"] or NOT_GIVEN)] += n
        elif kind == "unsubscribed":
            unsubscribes[r["reason"] or NOT_GIVEN] += n
    bounced = sum(classes.values())
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    by_domain = sorted(domains.items(), key=lambda kv: (
        -kv[1]["domain_sent"], -kv[1]["bounced"], -kv[1]["spam"], kv[0] is None, kv[0] or ""))
    return Deliverability(
        sent=sent, bounced=bounced, bounced_share=percent(bounced, sent),
        classes=[BounceClassRow(bounce_class=k, customers=n, share_of_sent=percent(n, sent))
                 for k, n in classes.items()],
        reasons=[BounceReasonRow(bounce_class=k, reason=why, customers=n,
                                 share_of_sent=percent(n, sent)) for (k, why), n in top],
        domains=[DomainRow(domain=name, sent=v["domain_sent"], bounced=v["bounced"],
                           bounce_rate=percent(v["bounced"], v["domain_sent"]),
                           spam=v["spam"], spam_rate=percent(v["spam"], v["domain_sent"]))
                 for name, v in by_domain[:TOP_DOMAINS]] if email else None,
        unsubscribed=sum(unsubscribes.values()),
        unsubscribe_reasons=[
            UnsubscribeReasonRow(reason=why, customers=n, share_of_sent=percent(n, sent))
            for why, n in sorted(unsubscribes.items(), key=lambda kv: (-kv[1], kv[0]))],
    )


# -- the addresses that bounced hard ------------------------------------------------


class HardBounceRow(Model):
    customer_id: str
    channel: str
    address: str | None  # the channel's: email, phone or push token
    mailing_id: str  # of the latest bounce
    bounced_at: UtcTimestamp
    reason: str | None = term("bounce_reason")


class HardBounces(Model):
    """Customers whose latest bounce in the period, of any mailing over a channel,
    was hard; a row per customer and channel."""

    period: Period
    channel: str | None
    total: int
    page: int
    page_size: int
    rows: list[HardBounceRow]


MAX_HARD_PAGE_SIZE = 5000
CHANNELS = ("email", "sms", "push")


def latest_bounce_by_channel(tables: Tables, b: ibis.Table) -> ibis.Table:
    """Rows of the bounces fact ``b``, each customer's latest per channel of its
    mailing, with the channel; a tie in time goes to the greater mailing_id."""
    m = tables.mailings.select("mailing_id", "channel")
    j = b.join(m, "mailing_id")
    latest = ibis.row_number().over(group_by=[j.customer_id, j.channel],
                                    order_by=[ibis.desc(j.last_ts), ibis.desc(j.mailing_id)])
    return j.mutate(_latest=latest).filter(lambda t: t._latest == 0).drop("_latest")


def hard_bounces(tables: Tables, query: ReportQuery, channel: str | None = None,
                 page: int = 1, page_size: int = 1000) -> HardBounces:
    """The addresses to leave out of the next audience: the customers whose latest
    bounced or failed event in the period, over every mailing of a channel, was a
    hard bounce, by customer id and channel, a page at a time."""
    if page < 1 or not 1 <= page_size <= MAX_HARD_PAGE_SIZE:
        raise ReportError(f"page must be 1 or more and page_size 1 to {MAX_HARD_PAGE_SIZE}")
    if channel is not None and channel not in CHANNELS:
        raise ReportError(f"channel must be one of {', '.join(CHANNELS)}")
    b = tables.bounces
    b = latest_bounce_by_channel(tables, b.filter(in_days(b.day, query)))
    b = b.filter(b.bounce_class == "hard")
    if channel is not None:
        b = b.filter(b.channel == channel)
    [count] = tables.run(b.aggregate(n=b.count()))
    c = tables.customers.select("customer_id", "email", "phone", "push_token")
    j = b.left_join(c, "customer_id")
    address = ibis.cases((j.channel == "email", j.email), (j.channel == "sms", j.phone),
                         else_=j.push_token)
    rows = tables.run(j.select(b.customer_id, b.channel, address=address, mailing_id=b.mailing_id,
                               bounced_at=b.last_ts, reason=b.reason)
                      .order_by(["customer_id", "channel"])
                      .limit(page_size, offset=(page - 1) * page_size))
    return HardBounces(period=query.period, channel=channel, total=count["n"] or 0, page=page,
                       page_size=page_size, rows=[HardBounceRow(**r) for r in rows])
