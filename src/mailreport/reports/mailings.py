"""The list of mailings with their key figures (all time, machine events excluded):
sorted, filtered, searched and paged in the query, from the per-mailing rollups
(``reach_counts``, ``order_days``), never from events or orders."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
from pydantic import BaseModel, Field, model_validator

from mailreport.contract import MAILING_STATUSES
from mailreport.reports.models import Campaign, MailingSummary, UtcTimestamp
from mailreport.reports.money import money, per_recipient
from mailreport.reports.query import percent
from mailreport.store.tables import Tables, built_once

# A column of the list it may be sorted by. The rates and revenue per recipient are
# those of "Compared with usual" (DESIGN.md): of delivered, all time.
SORT_KEYS = ("sent_at", "name", "recipients", "delivered", "open_rate", "click_rate",
             "conversion", "revenue", "revenue_per_recipient")
SortKey = Literal["sent_at", "name", "recipients", "delivered", "open_rate", "click_rate",
                  "conversion", "revenue", "revenue_per_recipient"]
# sorted by these, a page needs only the mailings table; the figures follow for its rows
ON_MAILINGS = ("sent_at", "name")
MOST_PER_PAGE = 500


class ListQuery(BaseModel):
    """What the list is asked for. ``sent_from`` and ``sent_to`` are company-zone
    dates of ``sent_at`` (a mailing never sent has none and is left out by either)."""
    sort: SortKey = "sent_at"
    order: Literal["asc", "desc"] = "desc"
    channel: Literal["email", "sms", "push"] | None = None
    status: Literal[MAILING_STATUSES] | None = None  # type: ignore[valid-type]
    sent_from: dt.date | None = None
    sent_to: dt.date | None = None
    campaign_id: str | None = None
    category: str | None = None
    search: str | None = None
    limit: int = Field(50, ge=1, le=MOST_PER_PAGE)
    offset: int = Field(0, ge=0, le=10**9)

    model_config = {"frozen": True}

    @model_validator(mode="after")
    def _from_not_after_to(self) -> ListQuery:
        if self.sent_from and self.sent_to and self.sent_from > self.sent_to:
            raise ValueError(f"query parameter 'sent_from' ({self.sent_from}) is after "
                             f"'sent_to' ({self.sent_to})")
        return self


class MailingPage(BaseModel):
    total: int  # mailings that match the filters, on every page
    items: list[MailingSummary]


@built_once
def mailing_figures(tables: Tables, ids: list[str] | None = None) -> ibis.Table:
    """(mailing_id, recipients, delivered, opened, clicked, buyers, revenue) of every
    mailing with reach rows or attributed orders (of ``ids`` only, when given): all
    time, machine events excluded; buyers are customers with an attributed order
    (their first order day, as the funnel counts them), revenue their orders' total."""
    c = tables.reach_counts
    c = c.filter(c.stage.isin(["sent", "delivered", "opened", "clicked"]))
    d = tables.order_days
    d = d.filter(d.step == "ordered")
    if ids is not None:
        c = c.filter(c.mailing_id.isin(ids))
        d = d.filter(d.mailing_id.isin(ids))
    zero = ibis.literal(0, "int64")
    counts = c.select(
        "mailing_id",
        recipients=(c.stage == "sent").ifelse(c.customers, zero),
        delivered=(c.stage == "delivered").ifelse(c.customers, zero),
        opened=(c.stage == "opened").ifelse(c.customers, zero),
        clicked=(c.stage == "clicked").ifelse(c.customers, zero),
        buyers=zero, revenue=ibis.literal(0, "decimal(38,2)"))
    orders = d.select(
        "mailing_id", recipients=zero, delivered=zero, opened=zero, clicked=zero,
        buyers=d.prev_day.isnull().ifelse(d.customers, zero),
        revenue=d.revenue.cast("decimal(38,2)"))
    u = counts.union(orders)
    return u.group_by("mailing_id").aggregate(
        recipients=u.recipients.sum(), delivered=u.delivered.sum(), opened=u.opened.sum(),
        clicked=u.clicked.sum(), buyers=u.buyers.sum(), revenue=u.revenue.sum())


def _ratio(part: ibis.Expr, whole: ibis.Expr) -> ibis.Expr:
    """The order of part/whole (a sort key only: the values shown are the
    percent()/per_recipient() of the counts); null where nothing was delivered."""
    return (whole > 0).ifelse(part.cast("float64") / whole.cast("float64"),
                              ibis.null("float64"))


def _filtered(tables: Tables, q: ListQuery) -> ibis.Table:
    m = tables.mailings
    if q.channel:
        m = m.filter(m.channel == q.channel)
    if q.status:
        m = m.filter(m.status == q.status)
    if q.campaign_id:
        m = m.filter(m.campaign_id == q.campaign_id)
    if q.category:
        m = m.filter(m.category == q.category)
    if q.search:
        m = m.filter(m.name.lower().contains(q.search.lower()))
    zone = tables.settings.zone
    if q.sent_from:
        m = m.filter(m.sent_at >= _utc(q.sent_from, zone))
    if q.sent_to:
        m = m.filter(m.sent_at < _utc(q.sent_to + dt.timedelta(days=1), zone))
    return m


def _utc(day: dt.date, zone) -> dt.datetime:
    """The start of a company-zone day as a UTC timestamp without an offset."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _order(t: ibis.Table, key: ibis.Expr, order: str) -> list:
    """Nulls last either way, ties by mailing_id."""
    return [key.isnull(), key.desc() if order == "desc" else key.asc(), t.mailing_id.asc()]


@built_once
def _page(tables: Tables, q: ListQuery) -> ibis.Table:
    """The page's mailings, in order, with the total count of the filtered list."""
    m = _filtered(tables, q)
    m = m.mutate(total=m.mailing_id.count().over(ibis.window()))
    if q.sort in ON_MAILINGS:
        return m.order_by(_order(m, m[q.sort], q.order)).limit(q.limit, offset=q.offset)
    f = mailing_figures(tables)
    j = m.left_join(f, m.mailing_id == f.mailing_id).select(
        *m.columns, **{k: f[k] for k in ("recipients", "delivered", "opened", "clicked",
                                          "buyers", "revenue")})
    keys = {
        "recipients": j.recipients.fill_null(0),
        "delivered": j.delivered.fill_null(0),
        "open_rate": (j.channel == "sms").ifelse(ibis.null("float64"),
                                                 _ratio(j.opened, j.delivered)),
        "click_rate": _ratio(j.clicked, j.delivered),
        "conversion": _ratio(j.buyers, j.delivered),
        "revenue": j.revenue.fill_null(0),
        "revenue_per_recipient": _ratio(j.revenue, j.delivered),
    }
    return j.order_by(_order(j, keys[q.sort], q.order)).limit(q.limit, offset=q.offset)


def list_page(tables: Tables, q: ListQuery) -> MailingPage:
    rows = tables.run(_page(tables, q))
    ids = [r["mailing_id"] for r in rows]
    if q.sort not in ON_MAILINGS:  # sorted by a figure: the rows carry the figures
        figures = {r["mailing_id"]: r for r in rows}
    else:
        figures = ({r["mailing_id"]: r for r in tables.run(mailing_figures(tables, ids))}
                   if ids else {})
    variants = _variants(tables, ids)
    total = rows[0]["total"] if rows else _count(tables, q)
    return MailingPage(total=total, items=[
        summary(row, figures.get(row["mailing_id"]) or {},
                variants.get(row["mailing_id"], ["A"])) for row in rows])


def _count(tables: Tables, q: ListQuery) -> int:
    """The total when the page is past the end (no row to carry it)."""
    return int(tables.run(_counted(tables, q))[0]["n"] or 0)


@built_once
def _counted(tables: Tables, q: ListQuery) -> ibis.Table:
    m = _filtered(tables, q)
    return m.aggregate(n=m.count())


@built_once
def _variants_of(tables: Tables, ids: list[str]) -> ibis.Table:
    v = tables.variants
    return v.filter(v.mailing_id.isin(ids)).select("mailing_id", "variant_id").order_by(
        ["mailing_id", "variant_id"])


def _variants(tables: Tables, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if ids:
        for row in tables.run(_variants_of(tables, ids)):
            out.setdefault(row["mailing_id"], []).append(row["variant_id"])
    return out


MAILING_COLUMNS = ("mailing_id", "name", "channel", "status", "category", "campaign_id",
                   "sent_at", "control_share")


def summary(row: dict, f: dict, variants: list[str]) -> MailingSummary:
    """A mailing's line of the list from its row and its figures (mailing_figures)."""
    sms = row["channel"] == "sms"
    delivered = f.get("delivered") or 0
    opened = None if sms else (f.get("opened") or 0)
    clicked = f.get("clicked") or 0
    buyers = f.get("buyers") or 0
    revenue = money(f.get("revenue"))
    base = {k: row[k] for k in MAILING_COLUMNS}
    base["control_share"] = base["control_share"] or 0.0
    return MailingSummary(
        **base, variants=variants, recipients=f.get("recipients") or 0,
        delivered=delivered, opened=opened, clicked=clicked, buyers=buyers,
        open_rate=None if sms else percent(opened, delivered),
        click_rate=percent(clicked, delivered), conversion=percent(buyers, delivered),
        revenue=revenue, revenue_per_recipient=per_recipient(revenue, delivered))


def list_mailings(tables: Tables, channel: str | None = None,
                  status: str | None = None, search: str | None = None) -> list[MailingSummary]:
    """Every mailing matching the filters, newest first (the CLI's and the bench's
    whole list): the pages of list_page one after another."""
    out: list[MailingSummary] = []
    while True:
        page = list_page(tables, ListQuery(channel=channel, status=status, search=search,
                                           limit=MOST_PER_PAGE, offset=len(out)))
        out += page.items
        if len(page.items) < MOST_PER_PAGE:
            return out


def list_campaigns(tables: Tables) -> list[Campaign]:
    c, m = tables.campaigns, tables.mailings
    m = m.filter(m.campaign_id.notnull())
    counts = {row["campaign_id"]: row["n"] for row in tables.run(
        m.group_by("campaign_id").aggregate(n=m.count()))}
    return [Campaign(**row, mailings=counts.get(row["campaign_id"], 0))
            for row in tables.run(c.order_by("campaign_id"))]




# -- trends: one figure of the list across the mailings, by sent time -----------------

TREND_FIGURES = ("open_rate", "click_rate", "conversion", "revenue", "revenue_per_recipient",
                 "recipients", "delivered")
TrendFigure = Literal["open_rate", "click_rate", "conversion", "revenue",
                      "revenue_per_recipient", "recipients", "delivered"]
MOST_POINTS = 1000


class TrendPoint(BaseModel):
    mailing_id: str
    name: str
    channel: str
    sent_at: UtcTimestamp
    value: float | None  # null: the mailing has no such figure (SMS open rate, none delivered)


class Trend(BaseModel):
    figure: str
    points: list[TrendPoint]  # by sent_at, then mailing_id
    total: int  # mailings sent that match the filters
    truncated: bool  # more than MOST_POINTS: the latest are given


@built_once
def _trend_rows(tables: Tables, q: ListQuery) -> ibis.Table:
    m = _filtered(tables, q.model_copy(update={"offset": 0}))
    m = m.filter(m.sent_at.notnull())
    m = m.mutate(total=m.mailing_id.count().over(ibis.window()))
    f = mailing_figures(tables)
    j = m.left_join(f, m.mailing_id == f.mailing_id).select(
        *m.columns, **{k: f[k] for k in ("recipients", "delivered", "opened", "clicked",
                                          "buyers", "revenue")})
    return j.order_by([j.sent_at.desc(), j.mailing_id.desc()]).limit(MOST_POINTS)


def trend(tables: Tables, figure: str, q: ListQuery) -> Trend:
    """One figure of every sent mailing that matches the list's filters (its sort and
    page aside), oldest first: the list's figures (summary), so the same definition."""
    rows = tables.run(_trend_rows(tables, q))
    points = []
    for row in reversed(rows):
        value = getattr(summary(row, row, []), figure)
        points.append(TrendPoint(mailing_id=row["mailing_id"], name=row["name"],
                                 channel=row["channel"], sent_at=row["sent_at"],
                                 value=None if value is None else float(value)))
    total = int(rows[0]["total"]) if rows else 0
    return Trend(figure=figure, points=points, total=total, truncated=total > len(points))


__all__ = ["SORT_KEYS", "TREND_FIGURES", "ListQuery", "MailingPage", "Trend", "list_mailings",
           "list_page", "mailing_figures", "summary", "trend"]
