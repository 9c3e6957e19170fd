"""The schedules and their deliveries in the store (migration 10).

Instants are stored as UTC timestamps without a zone, as every timestamp of the
store is. A run is *claimed* by inserting its delivery row: the table's unique
(schedule_id, due_at, attempt) lets one insert through and turns the others into
nothing, in one transaction with moving the schedule on to its next run. So of two
schedulers (or a scheduler and a restarted one) that find the same run due, one
sends it and the other finds it taken."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from mailreport.schedules.model import Delivery, NewSchedule, Schedule
from mailreport.schedules.times import WEEKDAYS, utc


class NoSuchSchedule(LookupError):
    pass


_COLUMNS = ("schedule_id, kind, target_id, cadence, days_after, weekday, day_of_month, "
            "at_time, period_rule, recipients, attachments, language, product_sales, "
            "enabled, created_by, created_at, next_due_at")
_DELIVERY_COLUMNS = ("schedule_id, due_at, attempt, started_at, finished_at, recipients, "
                     "period_from, period_to, outcome, error, message_id, retry_at")


def _stored(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else utc(moment).replace(tzinfo=None)


def _instant(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


def _schedule(row: tuple) -> Schedule:
    (schedule_id, kind, target_id, cadence, days_after, weekday, day_of_month, at, period,
     recipients, attachments, language, product_sales, enabled, created_by, created_at,
     next_due_at) = row
    return Schedule(schedule_id=schedule_id, kind=kind, target_id=target_id, cadence=cadence,
                    days_after=days_after,
                    weekday=WEEKDAYS[weekday - 1] if weekday else None,
                    day_of_month=day_of_month, at=at, period=period,
                    recipients=list(recipients), attachments=list(attachments),
                    language=language, product_sales=bool(product_sales),
                    enabled=bool(enabled), created_by=created_by,
                    created_at=_instant(created_at), next_due_at=_instant(next_due_at))


def _delivery(row: tuple) -> Delivery:
    values = dict(zip(_DELIVERY_COLUMNS.split(", "), row, strict=True))
    for key in ("due_at", "started_at", "finished_at", "retry_at"):
        values[key] = _instant(values[key])
    values["recipients"] = list(values["recipients"] or [])
    return Delivery(**values)


def add_schedule(store, spec: NewSchedule, *, language: str, product_sales: bool,
                 created_by: str, now: dt.datetime,
                 next_due_at: dt.datetime | None) -> Schedule:
    cadence = spec.to_cadence()
    schedule_id = secrets.token_hex(4)
    with store.write() as con:
        con.execute(f"INSERT INTO schedules ({_COLUMNS}) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [schedule_id, spec.kind, spec.target_id, spec.cadence, cadence.days_after,
                     cadence.weekday, cadence.day_of_month, spec.at, spec.period,
                     spec.recipients, spec.attachments, spec.language or language,
                     product_sales, spec.enabled, created_by, _stored(now),
                     _stored(next_due_at)])
    return get_schedule(store, schedule_id)


def list_schedules(store) -> list[Schedule]:
    rows = store.sql(f"SELECT {_COLUMNS} FROM schedules ORDER BY created_at, schedule_id")
    return [_schedule(r) for r in rows]


def get_schedule(store, schedule_id: str) -> Schedule:
    rows = store.sql(f"SELECT {_COLUMNS} FROM schedules WHERE schedule_id = ?", [schedule_id])
    if not rows:
        raise NoSuchSchedule(f"no schedule with id {schedule_id!r}")
    return _schedule(rows[0])


def remove_schedule(store, schedule_id: str) -> Schedule:
    """Remove a schedule; its deliveries stay on record."""
    schedule = get_schedule(store, schedule_id)
    with store.write() as con:
        con.execute("DELETE FROM schedules WHERE schedule_id = ?", [schedule_id])
    return schedule


def set_next_due(store, schedule_id: str, next_due_at: dt.datetime | None) -> None:
    with store.write() as con:
        con.execute("UPDATE schedules SET next_due_at = ? WHERE schedule_id = ?",
                    [_stored(next_due_at), schedule_id])


def deliveries(store, schedule_id: str | None = None) -> list[Delivery]:
    """Every attempt, newest run first, its attempts in order."""
    where = "WHERE schedule_id = ?" if schedule_id is not None else ""
    rows = store.sql(f"SELECT {_DELIVERY_COLUMNS} FROM schedule_deliveries {where} "
                     "ORDER BY due_at DESC, schedule_id, attempt",
                     [schedule_id] if schedule_id is not None else [])
    return [_delivery(r) for r in rows]


def has_run(store, schedule_id: str) -> bool:
    return bool(store.sql("SELECT 1 FROM schedule_deliveries WHERE schedule_id = ? LIMIT 1",
                          [schedule_id]))


@dataclass(frozen=True)
class Claim:
    schedule_id: str
    due_at: dt.datetime
    attempt: int


_KEEP = object()  # claim(): leave the schedule's next run as it is


def claim(store, schedule_id: str, due_at: dt.datetime, attempt: int, *, started_at: dt.datetime,
          recipients: list[str], period: tuple[dt.date | None, dt.date | None],
          next_due_at: dt.datetime | None | object = _KEEP) -> Claim | None:
    """Take the run (schedule, due time, attempt) for sending: its delivery row, and the
    schedule moved on to ``next_due_at``, in one transaction. None when it was taken
    already (by another scheduler, or before a restart): then nothing changes."""
    with store.write() as con:
        taken = con.execute(
            f"INSERT INTO schedule_deliveries ({_DELIVERY_COLUMNS}) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL, NULL, NULL) "
            "ON CONFLICT DO NOTHING RETURNING attempt",
            [schedule_id, _stored(due_at), attempt, _stored(started_at), recipients,
             period[0], period[1]]).fetchall()
        if not taken:
            return None
        if next_due_at is not _KEEP:
            con.execute("UPDATE schedules SET next_due_at = ? WHERE schedule_id = ?",
                        [_stored(next_due_at), schedule_id])  # type: ignore[arg-type]
    return Claim(schedule_id, utc(due_at), attempt)


def finish(store, claim: Claim, *, outcome: str, finished_at: dt.datetime,
           error: str | None = None, message_id: str | None = None,
           retry_at: dt.datetime | None = None) -> Delivery:
    with store.write() as con:
        con.execute("UPDATE schedule_deliveries SET outcome = ?, finished_at = ?, error = ?, "
                    "message_id = ?, retry_at = ? "
                    "WHERE schedule_id = ? AND due_at = ? AND attempt = ?",
                    [outcome, _stored(finished_at), error, message_id, _stored(retry_at),
                     claim.schedule_id, _stored(claim.due_at), claim.attempt])
    return delivery(store, claim)


def delivery(store, claim: Claim) -> Delivery:
    rows = store.sql(f"SELECT {_DELIVERY_COLUMNS} FROM schedule_deliveries "
                     "WHERE schedule_id = ? AND due_at = ? AND attempt = ?",
                     [claim.schedule_id, _stored(claim.due_at), claim.attempt])
    return _delivery(rows[0])


def due_retries(store, now: dt.datetime) -> list[Delivery]:
    """The attempts that failed, are to be tried again by ``now``, and have not been
    (no later attempt of the same run exists)."""
    rows = store.sql(
        f"SELECT {', '.join('d.' + c for c in _DELIVERY_COLUMNS.split(', '))} "
        "FROM schedule_deliveries d JOIN schedules s USING (schedule_id) "
        "WHERE s.enabled AND d.outcome = 'retrying' AND d.retry_at <= ? AND NOT EXISTS ("
        "  SELECT 1 FROM schedule_deliveries n WHERE n.schedule_id = d.schedule_id "
        "  AND n.due_at = d.due_at AND n.attempt > d.attempt) "
        "ORDER BY d.retry_at, d.schedule_id", [_stored(now)])
    return [_delivery(r) for r in rows]
