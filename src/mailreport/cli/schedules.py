"""``mailreport schedule``: reports sent by email on a schedule (docs/schedules.md):
add, list, remove, run one now, and show its deliveries; in the store or, while
``mailreport serve`` holds it, through that server (``/api/v1/schedules``)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from typing import Annotated
from urllib.parse import quote

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    fail,
    on_file_or_server,
)
from mailreport.settings import SettingsError, load_settings

schedule_app = typer.Typer(help="Reports sent by email on a schedule: add, list, remove, "
                                "run-now, deliveries.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _zone(config):
    try:
        return load_settings(config).zone
    except SettingsError as exc:
        fail(str(exc))


def _local(moment, zone) -> str:
    if moment is None:
        return "—"
    from mailreport.schedules.times import utc

    return utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _when(s) -> str:
    day = {"after_send": f"{s.days_after} day(s) after sending", "daily": "daily",
           "weekly": f"weekly, {s.weekday}", "monthly": f"monthly, day {s.day_of_month}"}
    return f"{day[s.cadence]} at {s.at}"


# the options of `schedule add` that a field of a new schedule comes from
OPTIONS = {"day_of_month": "--day", "recipients": "--to", "attachments": "--attach",
           "target_id": "--mailing/--campaign"}


def _option(error: dict) -> str:
    """``--option: `` for a field's error; the first part of a location is the
    cadence (the kind of schedule), the last a field or an item's index."""
    names = [p for p in error["loc"][1:] if isinstance(p, str)]
    if not names:
        return ""
    return f"{OPTIONS.get(names[0], '--' + names[0].replace('_', '-'))}: "


def _message(error: dict) -> str:
    """A field's error in words rather than as the pattern it missed."""
    if error["type"] == "string_pattern_mismatch":
        what = "an email address (name@example.com)" if "recipients" in error["loc"] \
            else "a time HH:MM, 24-hour"
        return f"{error['input']!r} is not {what}"
    return error["msg"].removeprefix("Value error, ")


def _print_json(items) -> None:
    data = [i.model_dump(mode="json") for i in items] if isinstance(items, list) \
        else items.model_dump(mode="json")
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@schedule_app.command("add")
def schedule_add(
    to: Annotated[list[str], typer.Option(
        "--to", help="An address to send to; repeat for more.")],
    period: Annotated[str, typer.Option(
        help="since_sending, last_7_days, last_30_days, previous_week or previous_month.")],
    mailing: Annotated[str | None, typer.Option(help="The mailing whose report is sent.")
                       ] = None,
    campaign: Annotated[str | None, typer.Option(help="Or the campaign whose report is sent.")
                        ] = None,
    cadence: Annotated[str, typer.Option(help="after_send, daily, weekly or monthly.")
                       ] = "weekly",
    weekday: Annotated[str | None, typer.Option(help="weekly: monday ... sunday.")] = None,
    day: Annotated[int | None, typer.Option(
        help="monthly: the day of the month, 1-31 (a shorter month: its last day).")] = None,
    days_after: Annotated[int | None, typer.Option(
        help="after_send: days after the mailing's sending day.")] = None,
    at: Annotated[str, typer.Option(help="Local time HH:MM in the company time zone.")
                  ] = "09:00",
    attach: Annotated[list[str] | None, typer.Option(
        help="pdf and/or xlsx; repeat for both (default both).")] = None,
    language: Annotated[str | None, typer.Option(
        help="ru or en (default: the locale setting).")] = None,
    disabled: Annotated[bool, typer.Option(
        "--disabled", help="Add it switched off (run-now still sends it).")] = False,
    as_json: JsonOption = False,
    db: DbOption = None, config: ConfigOption = None) -> None:
    """Add a schedule: the report of --mailing or --campaign, sent to --to on a cadence."""
    from pydantic import ValidationError

    from mailreport.reports import ReportError
    from mailreport.schedules.manage import add
    from mailreport.schedules.model import Schedule, new_schedule

    if (mailing is None) == (campaign is None):
        fail("name one report: --mailing ID or --campaign ID")
    try:
        spec = new_schedule(kind="mailing" if mailing else "campaign",
                            target_id=mailing or campaign, cadence=cadence,
                            weekday=weekday, day_of_month=day, days_after=days_after, at=at,
                            period=period, recipients=to,
                            attachments=attach or ["pdf", "xlsx"], language=language,
                            enabled=not disabled)
    except ValidationError as exc:
        fail("; ".join(_option(e) + _message(e) for e in exc.errors()))
    from mailreport.api.forward import forward_post

    body = spec.model_dump(mode="json", exclude_none=True)
    schedule = on_file_or_server(
        db, config,
        lambda store: add(store, spec, created_by=f"command line ({getpass.getuser()})",
                          product_sales=True, now=dt.datetime.now(dt.UTC)),
        lambda path: Schedule.model_validate(forward_post(path, "/api/v1/schedules", body)),
        refused=(ReportError,), code=1)
    if as_json:
        _print_json(schedule)
        return
    console.print(f"added schedule {schedule.schedule_id}: {_when(schedule)}; next run "
                  f"{_local(schedule.next_due_at, _zone(config))}")


def _schedules(db, config):
    from mailreport.api.forward import forward_get
    from mailreport.schedules import records
    from mailreport.schedules.model import Schedule

    return on_file_or_server(db, config, records.list_schedules, lambda path: [
        Schedule.model_validate(r) for r in forward_get(path, "/api/v1/schedules")])


@schedule_app.command("list")
def schedule_list(as_json: JsonOption = False, db: DbOption = None,
                  config: ConfigOption = None) -> None:
    """List the schedules and when each runs next (company time zone)."""
    from rich.table import Table

    schedules = _schedules(db, config)
    if as_json:
        _print_json(schedules)
        return
    zone = _zone(config)
    t = Table(title="Schedules")
    for col in ("id", "report", "when", "period", "to", "attached", "lang", "on", "next run"):
        t.add_column(col)
    for s in schedules:
        t.add_row(s.schedule_id, f"{s.kind} {s.target_id}", _when(s), s.period,
                  ", ".join(s.recipients), ", ".join(s.attachments), s.language,
                  "yes" if s.enabled else "no", _local(s.next_due_at, zone))
    console.print(t)


@schedule_app.command("remove")
def schedule_remove(schedule_id: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Remove a schedule by its id; its deliveries stay on record."""
    from mailreport.api.forward import forward_delete
    from mailreport.schedules import records

    on_file_or_server(db, config, lambda store: records.remove_schedule(store, schedule_id),
                      lambda path: forward_delete(
                          path, f"/api/v1/schedules/{quote(schedule_id, safe='')}"),
                      refused=(records.NoSuchSchedule,), code=1)
    console.print(f"removed schedule {schedule_id}")


def _local_pdf(store):
    """PDFs printed by a server started on loopback for each (no server holds the file)."""
    from mailreport.api.pdf import local_site, render_pdf

    def make(path, out, title, period) -> None:
        with local_site(store) as site:
            render_pdf(site, path, out, title=title, period=period,
                       zone=store.settings.company_timezone)
    return make


def _print_delivery(d, zone) -> None:
    period = f"{d.period_from or '…'} to {d.period_to or '…'}"
    line = (f"attempt {d.attempt} of the run due {_local(d.due_at, zone)} ({period}) to "
            f"{', '.join(d.recipients)}: {d.outcome or 'running'}")
    if d.retry_at:
        line += f", tried again at {_local(d.retry_at, zone)}"
    console.print(line, soft_wrap=True)
    if d.error:
        console.print(f"  {d.error}", soft_wrap=True, markup=False)


@schedule_app.command("run-now")
def schedule_run_now(schedule_id: str, as_json: JsonOption = False, db: DbOption = None,
                     config: ConfigOption = None) -> None:
    """Send a schedule's report now, for the dates its period rule gives today
    (enabled or not); its next run stays as it was. Exit status 1 unless sent."""
    from mailreport.api.forward import forward_post
    from mailreport.api.schedules import FALLBACK_URL
    from mailreport.schedules import records
    from mailreport.schedules.delivery import Sender
    from mailreport.schedules.model import Delivery
    from mailreport.schedules.runner import Scheduler

    def on_file(store):
        schedule = records.get_schedule(store, schedule_id)
        sender = Sender(store, public_url=store.settings.public_url or FALLBACK_URL,
                        make_pdf=_local_pdf(store))
        return Scheduler(sender).run_now(schedule)

    delivery = on_file_or_server(db, config, on_file, lambda path: Delivery.model_validate(
        forward_post(path, f"/api/v1/schedules/{quote(schedule_id, safe='')}/run")),
        refused=(records.NoSuchSchedule,), code=1)
    if as_json:
        _print_json(delivery)
    else:
        _print_delivery(delivery, _zone(config))
    if delivery.outcome != "sent":
        raise typer.Exit(1)


@schedule_app.command("deliveries")
def schedule_deliveries(schedule_id: str, as_json: JsonOption = False, db: DbOption = None,
                        config: ConfigOption = None) -> None:
    """Every attempt to send a schedule's runs: when, to whom, the outcome, the error."""
    from mailreport.api.forward import forward_get
    from mailreport.schedules import records
    from mailreport.schedules.model import Delivery

    def on_file(store):
        records.get_schedule(store, schedule_id)  # an unknown id is refused, not empty
        return records.deliveries(store, schedule_id)

    found = on_file_or_server(db, config, on_file, lambda path: [
        Delivery.model_validate(r) for r in forward_get(
            path, f"/api/v1/schedules/{quote(schedule_id, safe='')}/deliveries")],
        refused=(records.NoSuchSchedule,), code=1)
    if as_json:
        _print_json(found)
        return
    zone = _zone(config)
    for d in found:
        _print_delivery(d, zone)
    if not found:
        console.print("no deliveries yet")
