"""When a schedule is due, and which dates its report covers: pure functions of
the cadence, the company's time zone and a moment, so they can be tested alone.

A schedule runs at a local wall-clock time (HH:MM in the company zone) on the
days its cadence names. Instants are kept in UTC; the local date and time are
turned into an instant with zoneinfo, so a change of clocks moves nothing: a
daily 09:00 report is at 09:00 local on both sides of a DST change. A local time
that does not exist on a day (the hour skipped in spring) is read with the offset
before the change, i.e. it runs that much later by the clock (02:30 becomes
03:30); a time that happens twice (autumn) runs at the first of the two."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

CADENCES = ("after_send", "daily", "weekly", "monthly")
PERIOD_RULES = ("since_sending", "last_7_days", "last_30_days", "previous_week",
                "previous_month")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# How far ahead a due day is looked for: a monthly day 31 is at most 62 days away
# (from the 31st of one month past a short one); a bound keeps a bug from looping.
_SEARCH_DAYS = 70
# Missed runs are collapsed into one: at most this many occurrences are stepped
# over to find the latest (daily over 27 years); older ones are not looked at.
_MAX_MISSED = 10_000


@dataclass(frozen=True)
class Cadence:
    """How often a schedule runs. ``weekday``: 1 (Monday) to 7 (Sunday), as ISO
    numbers them; ``day_of_month``: 1 to 31, a month without that day runs on its
    last day; ``days_after``: after_send, that many days after the mailing's
    sending day, once."""
    kind: str
    at: dt.time
    days_after: int | None = None
    weekday: int | None = None
    day_of_month: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CADENCES:
            raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, not {self.kind!r}")
        needs = {"after_send": "days_after", "weekly": "weekday", "monthly": "day_of_month"}
        for kind, field in needs.items():
            given = getattr(self, field) is not None
            if given != (self.kind == kind):
                raise ValueError(f"{field} is {'required' if not given else 'only'} "
                                 f"for the {kind} cadence")
        if self.weekday is not None and not 1 <= self.weekday <= 7:
            raise ValueError(f"weekday must be 1 (Monday) to 7 (Sunday), not {self.weekday}")
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 31:
            raise ValueError(f"day_of_month must be 1 to 31, not {self.day_of_month}")
        if self.days_after is not None and not 0 <= self.days_after <= 366:
            raise ValueError(f"days_after must be 0 to 366, not {self.days_after}")

    def runs_on(self, day: dt.date) -> bool:
        if self.kind == "daily":
            return True
        if self.kind == "weekly":
            return day.isoweekday() == self.weekday
        if self.kind == "monthly":
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.day_of_month, last)
        return False  # after_send: a day counted from the sending, not a day of a calendar


def parse_time(text: str) -> dt.time:
    """``HH:MM`` (24-hour) as a time; ValueError otherwise."""
    try:
        hours, minutes = text.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"a time is HH:MM, 24-hour (e.g. 09:00), not {text!r}") from None


def utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC instant; a naive one is taken as UTC (as the store keeps them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return utc(moment).astimezone(zone).date()


def at_local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of ``at`` on ``day`` in ``zone`` (fold 0: before a change)."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def after_send_due(cadence: Cadence, sent_at: dt.datetime | None,
                   zone: ZoneInfo) -> dt.datetime | None:
    """The one run of an after_send schedule: at its time, ``days_after`` days after
    the local day the mailing was sent; None while it is not sent."""
    if sent_at is None:
        return None
    return at_local(local_date(sent_at, zone) + dt.timedelta(days=cadence.days_after),
                    cadence.at, zone)


def next_due(cadence: Cadence, after: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first run strictly after ``after`` of a calendar cadence (daily, weekly,
    monthly); None for after_send, which runs once (after_send_due)."""
    if cadence.kind == "after_send":
        return None
    after = utc(after)
    # from the day before: the local day of an instant can differ from its UTC day
    day = local_date(after, zone) - dt.timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if cadence.runs_on(day):
            due = at_local(day, cadence.at, zone)
            if due > after:
                return due
        day += dt.timedelta(days=1)
    raise AssertionError(f"no run of {cadence} within {_SEARCH_DAYS} days")  # pragma: no cover


def latest_due(cadence: Cadence, first: dt.datetime, now: dt.datetime,
               zone: ZoneInfo) -> dt.datetime | None:
    """Of the runs from ``first`` (a due time) on, the latest at or before ``now``:
    the one run made for all those missed (while the server was down). None when
    ``first`` is still ahead."""
    first, now = utc(first), utc(now)
    if first > now:
        return None
    latest = first
    for _ in range(_MAX_MISSED):
        following = next_due(cadence, latest, zone)
        if following is None or following > now:
            return latest
        latest = following
    return latest


def period_for(rule: str, due: dt.datetime, zone: ZoneInfo,
               sent_at: dt.datetime | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The report's dates (company zone, inclusive) for a run due at ``due``. The
    calendar rules end with the day before the run, so a report covers whole days:
    last_7_days is the 7 days before it; previous_week Monday to Sunday of the week
    before the run's; previous_month the whole month before. since_sending runs from
    the day sending started (the first mailing's, for a campaign) to the run's day,
    so far as it goes; without a sending day, from the first day with data."""
    day = local_date(due, zone)
    if rule == "since_sending":
        start = local_date(sent_at, zone) if sent_at is not None else None
        return (min(start, day) if start else None), day
    if rule == "last_7_days":
        return day - dt.timedelta(days=7), day - dt.timedelta(days=1)
    if rule == "last_30_days":
        return day - dt.timedelta(days=30), day - dt.timedelta(days=1)
    if rule == "previous_week":
        monday = day - dt.timedelta(days=day.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    if rule == "previous_month":
        last = day.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"period must be one of {', '.join(PERIOD_RULES)}, not {rule!r}")
