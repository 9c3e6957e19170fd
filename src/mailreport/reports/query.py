"""What a report is asked for, validated before any query runs, and the helpers
every section shares: the period's bounds, stage columns, daily date lists."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
from pydantic import BaseModel, Field, model_validator

from mailreport.contract import UNITS
from mailreport.reports.models import Mailing, Period
from mailreport.store.tables import Tables, built_once


class ReportError(ValueError):
    """A report cannot be made as asked; the message says why."""


class NotFound(ReportError):
    pass


class ReportQuery(BaseModel):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    include_machine: bool = False
    open_hours_zone: Literal["recipient", "company"] = "recipient"
    sort: Literal["units", "revenue", "receipts"] = "units"
    search: str | None = None
    # the unit of measure a units ranking counts, when the lines hold several
    unit: Literal[UNITS] | None = None  # type: ignore[valid-type]
    group: Literal["test", "control"] | None = None
    variant_id: str | None = None
    limit: int = Field(25, ge=1, le=1000)

    model_config = {"populate_by_name": True}

    @model_validator(mode="after")
    def _from_not_after_to(self) -> ReportQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"from ({self.date_from}) is after to ({self.date_to})")
        return self

    @property
    def period(self) -> Period:
        return Period(**{"from": self.date_from, "to": self.date_to})


def stage_column(stage: str, include_machine: bool) -> str:
    # sent and delivered already count machine events as evidence (DESIGN.md)
    if include_machine and stage in ("opened", "clicked"):
        return f"{stage}_at_all"
    return f"{stage}_at"


def stage_day_column(stage: str, include_machine: bool) -> str:
    """The reach time's date in the company's zone, kept in reach_times."""
    if include_machine and stage in ("opened", "clicked"):
        return f"{stage}_all_day"
    return f"{stage}_day"


def count_stage(stage: str, include_machine: bool) -> str:
    """The stage's name in the reach_counts fact: its day column's, less _day."""
    return stage_day_column(stage, include_machine).removesuffix("_day")


def in_days(day: ibis.Expr, query: ReportQuery) -> ibis.Expr:
    """A company-zone date column within the period: the facts keep each timestamp's
    company date, so a period is a range of dates."""
    cond = day.notnull()
    if query.date_from is not None:
        cond &= day >= query.date_from
    if query.date_to is not None:
        cond &= day <= query.date_to
    return cond


def first_in_period(prev_day: ibis.Expr, query: ReportQuery) -> ibis.Expr:
    """For a fact's row of a day in the period that keeps the customer's previous
    such day: the day is their first in the period (none before, or before it)."""
    if query.date_from is None:
        return prev_day.isnull()
    return prev_day.isnull() | (prev_day < query.date_from)


def last_in_period(next_day: ibis.Expr, query: ReportQuery) -> ibis.Expr:
    """The same with the customer's next such day: the day is their last in the
    period (none after, or after it)."""
    if query.date_to is None:
        return next_day.isnull()
    return next_day.isnull() | (next_day > query.date_to)


def narrowed(t: ibis.Table, query: ReportQuery) -> ibis.Table:
    """t's rows in the query's group and variant, if it names them."""
    if query.group is not None:
        t = t.filter(t.group == query.group)
    if query.variant_id is not None:
        t = t.filter(t.variant_id == query.variant_id)
    return t


def check_span(first: dt.date, last: dt.date, most_days: int) -> None:
    """Refuse a period longer than the max_period_days setting: a daily series lists
    every day of it, so its length is what a request may cost."""
    days = (last - first).days + 1
    if days > most_days:
        raise ReportError(f"the period {first} to {last} is {days:,} days; a report covers "
                          f"at most {most_days:,} (setting max_period_days): choose a "
                          f"shorter period")


def check_period(query: ReportQuery, most_days: int) -> None:
    """A period given at both ends, checked before any query runs."""
    if query.date_from is not None and query.date_to is not None:
        check_span(query.date_from, query.date_to, most_days)


def date_range(query: ReportQuery, seen: list[dt.date], most_days: int) -> list[dt.date]:
    """Every date of the period; without one, from the first to the last seen (an end
    left open reaches the data's first or last date, and is checked then)."""
    first = query.date_from or (min(seen) if seen else None)
    last = query.date_to or (max(seen) if seen else None)
    if first is None or last is None:
        return []
    check_span(first, last, most_days)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 4)


@built_once
def _mailing_row(tables: Tables, mailing_id: str) -> ibis.Table:
    m = tables.mailings
    return m.filter(m.mailing_id == mailing_id)


@built_once
def _variant_ids(tables: Tables, mailing_id: str) -> ibis.Table:
    v = tables.variants
    return v.filter(v.mailing_id == mailing_id).select("variant_id").order_by("variant_id")


def get_mailing(tables: Tables, mailing_id: str) -> Mailing:
    rows = tables.run(_mailing_row(tables, mailing_id))
    if not rows:
        raise NotFound(f"mailing {mailing_id!r} does not exist")
    variants = [r["variant_id"] for r in tables.run(_variant_ids(tables, mailing_id))]
    row = rows[0]
    row["control_share"] = row["control_share"] or 0.0
    return Mailing(**row, variants=variants or ["A"])
