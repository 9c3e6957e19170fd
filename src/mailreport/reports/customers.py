"""Customer lists (drill-down): the customers of one segment (``segments``) with
their contact, reach time, orders and revenue, a sorted page at a time, and the
segment's metrics. Contacts can be masked for those who may not see them."""

from __future__ import annotations

import math
from typing import Literal

import ibis

from mailreport.reports import segment_counts
from mailreport.reports.deliverability import latest_bounce_by_channel
from mailreport.reports.models import Mailing, Model, Money, Period, UtcTimestamp, term
from mailreport.reports.money import money
from mailreport.reports.query import ReportError, ReportQuery, get_mailing
from mailreport.reports.segments import (
    EVERYONE,
    CustomerRange,
    Segment,
    SegmentMetrics,
    members,
    metrics_of,
    orders_per_customer,
    segment_metrics,
    with_orders,
    within_range,
)
from mailreport.store.tables import Tables

SortKey = Literal["customer_id", "contact", "reached_at", "orders", "revenue"]
SortOrder = Literal["asc", "desc"]

SORT_KEYS: tuple[str, ...] = SortKey.__args__
MAX_PAGE_SIZE = 500
# (page - 1) x page_size stays far inside the engines' 64-bit offsets
MAX_PAGE = 1_000_000_000


def contact_kind(channel: str | None) -> str:
    """What the list's contact is: a channel's address; either, for push or for a
    campaign of several channels (channel None)."""
    return {"email": "email", "sms": "phone"}.get(channel or "", "email or phone")


def customer_rows(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
                  customers: CustomerRange = EVERYONE) -> ibis.Table:
    """The segment's customers with their contact details, reach time, and the
    orders and revenue attributed to this mailing in the period."""
    people = with_contacts(mailing.channel, members(tables, mailing, segment, query, customers),
                           within_range(tables.customers, customers))
    return with_orders(people, orders_per_customer(tables, mailing.mailing_id, query, customers))


def with_contacts(channel: str | None, m: ibis.Table, c: ibis.Table) -> ibis.Table:
    """Members m with their contact details from customers c."""
    c = c.select("customer_id", "email", "phone", "region", "timezone")
    j = m.left_join(c, "customer_id")
    return j.select(m, j.email, j.phone, j.region, j.timezone, contact=contact_of(channel, j))


def contact_of(channel: str | None, t: ibis.Table) -> ibis.Expr:
    """The contact the channel uses: email, phone, or either for push (and for a
    campaign of several channels, channel None)."""
    return {"email": t.email, "sms": t.phone}.get(channel or "", t.email.fill_null(t.phone))


# -- the paged list -----------------------------------------------------------------


class CustomerRow(Model):
    customer_id: str
    contact: str | None
    reached_at: UtcTimestamp | None
    orders: int
    revenue: Money
    hard_bounce: bool = term("hard_bounce")


class CustomerList(Model):
    mailing_id: str
    channel: str
    stage: str | None
    status: str | None
    bounce_class: str | None = None
    reason: str | None = None
    period: Period
    period_applies_to_membership: bool
    group: str | None
    variant_id: str | None
    include_machine: bool
    contact_kind: str
    contacts_masked: bool = False
    sort: SortKey
    order: SortOrder
    page: int
    page_size: int
    total: int
    pages: int
    metrics: SegmentMetrics
    rows: list[CustomerRow]

    def masked(self) -> CustomerList:
        rows = [r.model_copy(update={"contact": mask_contact(r.contact)}) for r in self.rows]
        return self.model_copy(update={"rows": rows, "contacts_masked": True})


def mask_contact(value: str | None) -> str | None:
    """a***@x.ru, +7******23: enough to tell contacts apart, not to use them."""
    if not value:
        return value
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    keep = 2 if len(value) > 6 else 1
    return value[:keep] + "*" * max(len(value) - 2 * keep, 1) + value[-keep:]


def check_paging(page: int, page_size: int, sort: str, order: str) -> None:
    """A list's page and sort as the API bounds them, for callers that are not it."""
    if not 1 <= page <= MAX_PAGE or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ReportError(f"page must be 1 to {MAX_PAGE:,} and page_size 1 to "
                          f"{MAX_PAGE_SIZE}")
    if sort not in SORT_KEYS or order not in ("asc", "desc"):
        raise ReportError(f"sort must be one of {', '.join(SORT_KEYS)}; order asc or desc")


def sorted_page(tables: Tables, rows: ibis.Table, page: int, page_size: int, sort: str,
                order: str) -> list[dict]:
    """One page of a list's rows (customer_rows) in its sort order: the general path,
    which sorts them all."""
    return tables.run(rows.order_by(order_keys(rows, sort, order))
                      .limit(page_size, offset=(page - 1) * page_size)
                      .select("customer_id", "contact", "reached_at", "orders", "revenue"))


def order_keys(rows: ibis.Table, sort: str, order: str) -> list:
    col = rows[sort]
    first = ibis.desc(col, nulls_first=False) if order == "desc" else ibis.asc(
        col, nulls_first=False)
    # customer_id breaks ties, so pages never overlap or skip
    return [first] if sort == "customer_id" else [first, ibis.asc(rows.customer_id)]


def _page_of_buyers(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
                    page: int, page_size: int, sort: str, order: str,
                    total: int) -> list[dict] | None:
    """A page sorted by orders or revenue, descending, read from the buyers only; None
    where it may hold a customer without orders (they tie at zero and sort by id)."""
    if not (segment_counts.covers(segment) and order == "desc"
            and sort in ("orders", "revenue")):
        return None
    wanted = page * page_size
    top = segment_counts.top_buyers(tables, mailing, segment, query, sort, wanted)
    if any(not row[sort] for row in top) or len(top) < min(wanted, total):
        return None
    return with_contacts_of(tables, mailing.channel, top[(page - 1) * page_size:])


def _page_of_members(tables: Tables, mailing: Mailing, segment: Segment, query: ReportQuery,
                     page: int, page_size: int, sort: str, order: str) -> list[dict] | None:
    """A page sorted by what members() gives (customer_id, reached_at): the page
    first, then its rows' orders and contacts, not every member's."""
    if sort not in ("customer_id", "reached_at"):
        return None
    m = members(tables, mailing, segment, query)
    rows = tables.run(m.order_by(order_keys(m, sort, order))
                      .limit(page_size, offset=(page - 1) * page_size)
                      .select("customer_id", "reached_at"))
    ids = [r["customer_id"] for r in rows]
    per = orders_per_customer(tables, mailing.mailing_id, query)
    found = {r["customer_id"]: r for r in tables.run(per.filter(per.customer_id.isin(ids)))}
    for r in rows:
        theirs = found.get(r["customer_id"], {})
        r["orders"], r["revenue"] = theirs.get("orders", 0), theirs.get("revenue", 0)
    return with_contacts_of(tables, mailing.channel, rows)


def with_contacts_of(tables: Tables, channel: str | None, rows: list[dict]) -> list[dict]:
    """rows plus each one's contact, looked up by id (customers has an index on it)."""
    if not rows:
        return rows
    c = tables.customers
    c = c.filter(c.customer_id.isin([r["customer_id"] for r in rows]))
    found = {r["customer_id"]: r["contact"]
             for r in tables.run(c.select("customer_id", contact=contact_of(channel, c)))}
    return [{**r, "contact": found.get(r["customer_id"])} for r in rows]


def hard_bounced(tables: Tables, customer_ids: list[str], *channels: str) -> set[str]:
    """Those of the customers whose latest bounce, of any mailing over one of
    ``channels``, was hard: their address does not exist, so the next audience can
    leave them out. By channel, since an email's bounce says nothing of the phone; a
    campaign's list asks for each of its channels in one query."""
    if not customer_ids or not channels:
        return set()
    latest = latest_bounce_by_channel(tables, tables.bounces.filter(
        tables.bounces.customer_id.isin(customer_ids)))
    latest = latest.filter(latest.channel.isin(list(channels))
                           & (latest.bounce_class == "hard"))
    return {r["customer_id"] for r in tables.run(latest.select("customer_id").distinct())}


def customer_list(tables: Tables, mailing_id: str, segment: Segment, query: ReportQuery,
                  page: int = 1, page_size: int = 50, sort: SortKey = "customer_id",
                  order: SortOrder = "asc") -> CustomerList:
    check_paging(page, page_size, sort, order)
    mailing = get_mailing(tables, mailing_id)
    who = members(tables, mailing, segment, query)  # also refuses what cannot be listed
    if segment_counts.covers(segment):
        seg = segment_counts.buyers(tables, mailing, segment, query)
        [sums] = tables.run(seg.aggregate(orders=seg.orders.sum(), revenue=seg.revenue.sum()))
        metrics = metrics_of(
            {"customers": segment_counts.size(tables, mailing, segment, query), **sums},
            segment_counts.good_audience(tables, mailing, query))
    else:
        metrics = segment_metrics(tables, mailing, query, who)
    page_rows = _page_of_buyers(tables, mailing, segment, query, page, page_size, sort,
                                order, metrics.customers)
    if page_rows is None:
        page_rows = _page_of_members(tables, mailing, segment, query, page, page_size, sort,
                                     order)
    if page_rows is None:
        page_rows = sorted_page(tables, customer_rows(tables, mailing, segment, query), page,
                                page_size, sort, order)
    hard = hard_bounced(tables, [r["customer_id"] for r in page_rows], mailing.channel)
    page_rows = [{**r, "hard_bounce": r["customer_id"] in hard} for r in page_rows]
    return CustomerList(
        mailing_id=mailing.mailing_id, channel=mailing.channel, stage=segment.stage,
        bounce_class=segment.bounce_class, reason=segment.reason,
        status=segment.status, period=query.period,
        period_applies_to_membership=segment.uses_period,
        group=query.group, variant_id=query.variant_id, include_machine=query.include_machine,
        contact_kind=contact_kind(mailing.channel), sort=sort, order=order, page=page,
        page_size=page_size, total=metrics.customers,
        pages=max(1, math.ceil(metrics.customers / page_size)), metrics=metrics,
        rows=[CustomerRow(**{**r, "revenue": money(r["revenue"])}) for r in page_rows],
    )
