"""When a schedule runs and which dates its report covers (schedules/times.py):
properties over many zones, moments and cadences, and the edges by example (DST,
day 31 in a short month, missed runs)."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailreport.schedules.times import (
    Cadence,
    after_send_due,
    at_local,
    latest_due,
    next_due,
    parse_time,
    period_for,
)

ZONES = ["UTC", "Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
         "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Vladivostok"]

moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1),
                       timezones=st.just(dt.UTC))
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
cadences = st.one_of(
    st.builds(Cadence, st.just("daily"), times),
    st.builds(lambda at, w: Cadence("weekly", at, weekday=w), times, st.integers(1, 7)),
    st.builds(lambda at, d: Cadence("monthly", at, day_of_month=d), times,
              st.integers(1, 31)))


def _wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone)


@settings(max_examples=400, deadline=None)
@given(cadences, moments, st.sampled_from(ZONES))
def test_the_next_run_is_the_first_matching_day_after_the_moment(cadence, after, name):
    zone = ZoneInfo(name)
    due = next_due(cadence, after, zone)
    assert due > after
    local = _wall(due, zone)
    assert cadence.runs_on(local.date())
    # at the schedule's wall time, unless that time did not exist that day (then later
    # by the clocks' jump, which is at most 2 hours anywhere)
    wanted = dt.datetime.combine(local.date(), cadence.at)
    shift = local.replace(tzinfo=None) - wanted
    assert dt.timedelta(0) <= shift <= dt.timedelta(hours=2)
    if shift:
        assert at_local(local.date(), cadence.at, zone).astimezone(zone).time() != cadence.at
    # no run in between: any moment from after up to the run has the same next run
    assert next_due(cadence, due - dt.timedelta(seconds=1), zone) == due
    assert next_due(cadence, after + (due - after) / 2, zone) == due


@settings(max_examples=200, deadline=None)
@given(cadences, moments, st.sampled_from(ZONES), st.integers(0, 400))
def test_missed_runs_are_one_run_the_latest(cadence, first_after, name, hours_later):
    zone = ZoneInfo(name)
    first = next_due(cadence, first_after, zone)
    now = first + dt.timedelta(hours=hours_later)
    latest = latest_due(cadence, first, now, zone)
    assert first <= latest <= now
    assert next_due(cadence, latest, zone) > now


def test_a_run_ahead_is_not_due():
    cadence = Cadence("daily", dt.time(9))
    first = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert latest_due(cadence, first, first - dt.timedelta(seconds=1), ZoneInfo("UTC")) is None
    assert latest_due(cadence, first, first, ZoneInfo("UTC")) == first


def test_weekly_runs_on_its_weekday_at_the_local_time_in_moscow():
    zone = ZoneInfo("Europe/Moscow")  # UTC+3 all year
    cadence = Cadence("weekly", dt.time(9, 30), weekday=1)
    # Wednesday 2026-03-04 12:00 UTC: next Monday 2026-03-09 09:30 MSK = 06:30 UTC
    due = next_due(cadence, dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC), zone)
    assert due == dt.datetime(2026, 3, 9, 6, 30, tzinfo=dt.UTC)
    # at the very moment of a run, the next is a week on
    assert next_due(cadence, due, zone) == due + dt.timedelta(days=7)


def test_daily_keeps_the_wall_time_across_both_dst_changes():
    zone = ZoneInfo("Europe/Berlin")
    cadence = Cadence("daily", dt.time(9))
    # clocks go forward on 2026-03-29 (UTC+1 -> UTC+2)
    before = next_due(cadence, dt.datetime(2026, 3, 28, 0, tzinfo=dt.UTC), zone)
    after = next_due(cadence, before, zone)
    assert (before.hour, after.hour) == (8, 7)  # 09:00 local both days
    assert after - before == dt.timedelta(hours=23)
    # and back on 2026-10-25 (UTC+2 -> UTC+1)
    before = next_due(cadence, dt.datetime(2026, 10, 24, 0, tzinfo=dt.UTC), zone)
    after = next_due(cadence, before, zone)
    assert after - before == dt.timedelta(hours=25)


def test_a_skipped_local_time_runs_after_the_jump_and_a_doubled_one_once():
    zone = ZoneInfo("Europe/Berlin")
    cadence = Cadence("daily", dt.time(2, 30))
    spring = next_due(cadence, dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC), zone)
    assert spring.astimezone(zone).replace(tzinfo=None) == dt.datetime(2026, 3, 29, 3, 30)
    autumn = next_due(cadence, dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC), zone)
    assert autumn == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # the first 02:30
    assert next_due(cadence, autumn, zone).date() == dt.date(2026, 10, 26)


@pytest.mark.parametrize(("after", "expected"), [
    (dt.datetime(2026, 1, 31, 10), dt.date(2026, 2, 28)),   # no 31st: the last day
    (dt.datetime(2028, 1, 31, 10), dt.date(2028, 2, 29)),   # a leap year's
    (dt.datetime(2026, 4, 1), dt.date(2026, 4, 30)),        # a 30-day month
    (dt.datetime(2026, 4, 30, 10), dt.date(2026, 5, 31)),
])
def test_monthly_on_day_31_runs_on_a_short_months_last_day(after, expected):
    cadence = Cadence("monthly", dt.time(9), day_of_month=31)
    due = next_due(cadence, after.replace(tzinfo=dt.UTC), ZoneInfo("UTC"))
    assert due.date() == expected and due.time() == dt.time(9)


def test_after_send_counts_days_from_the_local_sending_day():
    zone = ZoneInfo("Asia/Vladivostok")  # UTC+10
    cadence = Cadence("after_send", dt.time(8), days_after=3)
    # sent 2026-03-01 20:00 UTC = 2026-03-02 06:00 local: due 2026-03-05 08:00 local
    due = after_send_due(cadence, dt.datetime(2026, 3, 1, 20), zone)
    assert due == dt.datetime(2026, 3, 4, 22, tzinfo=dt.UTC)
    assert after_send_due(cadence, None, zone) is None
    assert next_due(cadence, due, zone) is None  # it runs once


@pytest.mark.parametrize("bad", [
    dict(kind="weekly", at=dt.time(9)), dict(kind="daily", at=dt.time(9), weekday=1),
    dict(kind="monthly", at=dt.time(9), day_of_month=32), dict(kind="hourly", at=dt.time(9)),
    dict(kind="weekly", at=dt.time(9), weekday=0),
])
def test_a_cadence_without_its_day_or_with_another_is_refused(bad):
    with pytest.raises(ValueError):
        Cadence(**bad)


@pytest.mark.parametrize("text", ["9:00", "24:00", "09:60", "0900", "09:00:00", ""])
def test_a_time_is_hh_mm(text):
    with pytest.raises(ValueError):
        parse_time(text)
    assert parse_time("07:05") == dt.time(7, 5)


days = st.dates(min_value=dt.date(2000, 1, 3), max_value=dt.date(2040, 1, 1))


@settings(max_examples=300, deadline=None)
@given(days, st.sampled_from(ZONES), times)
def test_the_calendar_periods_are_whole_days_before_the_run(day, name, at):
    zone = ZoneInfo(name)
    due = at_local(day, at, zone)
    run_day = due.astimezone(zone).date()
    start, end = period_for("last_7_days", due, zone)
    assert (end - start).days == 6 and end == run_day - dt.timedelta(days=1)
    start, end = period_for("last_30_days", due, zone)
    assert (end - start).days == 29 and end == run_day - dt.timedelta(days=1)
    start, end = period_for("previous_week", due, zone)
    assert start.isoweekday() == 1 and (end - start).days == 6
    assert 1 <= (run_day - end).days <= 7
    start, end = period_for("previous_month", due, zone)
    assert start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    assert (end + dt.timedelta(days=1)).replace(day=1) == run_day.replace(day=1)


def test_since_sending_runs_from_the_sending_day_to_the_run_day():
    zone = ZoneInfo("Europe/Moscow")
    due = dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC)
    # sent 2026-03-01 22:00 UTC: 2026-03-02 01:00 in Moscow
    assert period_for("since_sending", due, zone, dt.datetime(2026, 3, 1, 22)) == (
        dt.date(2026, 3, 2), dt.date(2026, 3, 9))
    assert period_for("since_sending", due, zone, None) == (None, dt.date(2026, 3, 9))
    with pytest.raises(ValueError):
        period_for("last_year", due, zone)
