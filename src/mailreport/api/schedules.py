"""Scheduled email reports over HTTP (docs/schedules.md): add, list, remove, run one
now, and read its deliveries. ``mailreport schedule`` goes through these while
``mailreport serve`` holds the database file.

Who may: reading schedules and their deliveries needs a role that reads reports
(any); adding, removing and running one needs the exports permission (analyst,
admin), since a schedule sends the report's figures out of mailreport by email,
as an export does. A report sent includes product sales only when the schedule's
creator could see them."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Path, Request

from mailreport.api.pdf import Site, render_pdf
from mailreport.api.problems import problem_responses
from mailreport.api.security import require
from mailreport.auth import PRODUCT_SALES, Principal
from mailreport.schedules import records
from mailreport.schedules.delivery import PdfMaker, Sender
from mailreport.schedules.manage import add
from mailreport.schedules.model import EXAMPLES, Delivery, NewSchedule, Schedule
from mailreport.schedules.runner import Scheduler

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])

Reader = Annotated[Principal, Depends(require("reports"))]
Writer = Annotated[Principal, Depends(require("exports"))]
ScheduleId = Annotated[str, Path(max_length=64, description="The schedule's id.")]
FALLBACK_URL = "http://127.0.0.1:8000"


def site_pdf(site: Site, zone: str) -> PdfMaker:
    """PDFs printed from the pages of the server at ``site``."""
    def make(path: str, out: FilePath, title: str, period: str) -> None:
        render_pdf(site, path, out, title=title, period=period, zone=zone)
    return make


def sender_for(app: FastAPI) -> Sender:
    """Runs made by this server: its pages printed for the PDF (entered with its local
    secret), links to public_url, else to the address it serves on."""
    store = app.state.store
    settings = getattr(store, "settings", None) or store.tables().settings
    served = app.state.public_url
    secret = app.state.local_secret
    make_pdf = site_pdf(Site(served, secret), settings.company_timezone) \
        if served and secret else None
    return Sender(store, public_url=settings.public_url or served or FALLBACK_URL,
                  make_pdf=make_pdf)


_MAKING = threading.Lock()


def scheduler_of(app: FastAPI) -> Scheduler:
    """The app's one scheduler, made when first needed (a run asked for, or ``serve``
    starting it), so an app over a store that never sends (a reader of Spark or
    PostgreSQL, the PDF's own loopback server) makes none."""
    with _MAKING:
        if getattr(app.state, "scheduler", None) is None:
            app.state.scheduler = Scheduler(sender_for(app))
        return app.state.scheduler


def install_schedules(app: FastAPI) -> None:
    app.state.scheduler = None
    app.include_router(router)


def start_scheduler(app: FastAPI) -> bool:
    """Run the scheduler in the background from the app's start to its stop (``serve``),
    when the schedules_enabled setting is on and the store can be written."""
    store = app.state.store
    if not store.settings.schedules_enabled or getattr(store, "read_only", True):
        return False
    app.state.on_startup.append(lambda: scheduler_of(app).start())
    app.state.on_shutdown.append(lambda: scheduler_of(app).stop())
    return True


def _get(request: Request, schedule_id: str) -> Schedule:
    try:
        return records.get_schedule(request.app.state.store, schedule_id)
    except records.NoSuchSchedule as exc:
        raise HTTPException(404, str(exc)) from None


EXAMPLES_BY_NAME = {
    "weekly": {"summary": "Every Monday at 09:00, the previous week, PDF and workbook",
               "value": EXAMPLES[0]},
    "after_send": {"summary": "Once, 3 days after sending, since the sending day",
                   "value": EXAMPLES[1]},
    "monthly": {"summary": "A campaign on the 1st of each month, the previous month",
                "value": EXAMPLES[2]},
}


@router.post("", status_code=201, response_model=Schedule, responses=problem_responses(
    404, why={404: "The mailing or campaign does not exist."}))
def create(body: Annotated[NewSchedule, Body(openapi_examples=EXAMPLES_BY_NAME)],
           request: Request, who: Writer):
    """Add a schedule. Its first run is the cadence's first after now; an after_send
    schedule whose day has passed runs at once, one whose mailing is not sent yet
    waits for the sending."""
    return add(request.app.state.store, body, created_by=who.name,
               product_sales=who.can(PRODUCT_SALES), now=dt.datetime.now(dt.UTC))


@router.get("", response_model=list[Schedule])
def schedules(request: Request, who: Reader):
    """Every schedule, oldest first."""
    return records.list_schedules(request.app.state.store)


@router.get("/{schedule_id}", response_model=Schedule)
def schedule(schedule_id: ScheduleId, request: Request, who: Reader):
    return _get(request, schedule_id)


@router.delete("/{schedule_id}", response_model=Schedule)
def remove(schedule_id: ScheduleId, request: Request, who: Writer):
    """Remove a schedule: it runs no more (a run under way finishes). Its deliveries
    stay on record. The answer is the schedule removed."""
    _get(request, schedule_id)
    return records.remove_schedule(request.app.state.store, schedule_id)


@router.post("/{schedule_id}/run", response_model=Delivery)
def run(schedule_id: ScheduleId, request: Request, who: Writer):
    """Send the schedule's report now, for the dates its period rule gives today,
    whether it is enabled or not; its next run stays as it was. Waits for the
    delivery (a PDF takes a few seconds) and answers its record: sent, or failed
    and when it is retried."""
    return scheduler_of(request.app).run_now(_get(request, schedule_id))


@router.get("/{schedule_id}/deliveries", response_model=list[Delivery])
def deliveries(schedule_id: ScheduleId, request: Request, who: Reader):
    """Every attempt to send the schedule's runs: newest run first, its attempts in
    order; when, to whom, the dates, the outcome and the error."""
    _get(request, schedule_id)
    return records.deliveries(request.app.state.store, schedule_id)
