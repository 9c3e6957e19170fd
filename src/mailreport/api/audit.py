"""The audit trail over HTTP: what the handlers record (``recorded``), the admins'
query (``GET /api/v1/audit``), and the pruning of old records when the server
starts and daily (``install_audit``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from mailreport import audit
from mailreport.api.params import period, period_date
from mailreport.api.security import client_address, require
from mailreport.auth import Principal
from mailreport.reports.models import UtcTimestamp

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 24 * 3600


def actor_of(principal: Principal) -> str:
    return principal.actor or principal.name


def recorded(request: Request, principal: Principal | None, action: str, entity: str = "",
             actor: str | None = None, **details: Any) -> None:
    """Append what ``principal`` did, from the request's client address (behind the
    trusted proxies, as the sign-in limit reads it)."""
    audit.record(request.app.state.store, action,
                 actor=actor or (actor_of(principal) if principal else ""),
                 role=principal.role if principal else "", address=client_address(request),
                 entity=entity, details=details)


class AuditEntry(BaseModel):
    at: UtcTimestamp
    actor: str
    role: str
    address: str
    action: Literal[audit.ACTIONS]  # type: ignore[valid-type]
    entity: str
    details: dict[str, Any]


Action = Literal[audit.ACTIONS]  # type: ignore[valid-type]


def company_day_bounds(settings, first: dt.date | None,
                       last: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A period of company dates as UTC instants: the start of ``first`` and the end
    of ``last`` (the start of the day after), in the company's time zone."""
    zone = ZoneInfo(settings.company_timezone)

    def start_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    return (start_of(first) if first else None,
            start_of(last + dt.timedelta(days=1)) if last else None)


@router.get("", response_model=list[AuditEntry], responses={200: {
    "headers": {"X-Total-Count": {"description": "how many records match the filters, on "
                                                 "every page", "schema": {"type": "integer"}}}}})
def audit_trail(request: Request, response: Response,
                who: Annotated[Principal, Depends(require("admin"))],
                since: Annotated[str | None, Query(
                    description="the earliest time, UTC, without an offset (2026-01-31 or "
                                "2026-01-31T09:00:00)",
                    pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")] = None,
                date_from: Annotated[str | None, period_date(
                    "from", "the first day of the period")] = None,
                date_to: Annotated[str | None, period_date(
                    "to", "the last day of the period")] = None,
                actor: Annotated[str | None, Query(
                    description="one actor: user:<name>, token:<id>, local command line",
                    max_length=300)] = None,
                action: Annotated[list[Action] | None, Query(
                    description="one action, or several (repeated): any of them")] = None,
                limit: Annotated[int, Query(ge=1, le=audit.QUERY_MAX)] = 1000,
                offset: Annotated[int, Query(ge=0, le=10**9, description="records to skip, "
                                             "for the next page")] = 0):
    """The audit trail, newest first: sign-ins (failed ones too), sign-outs, changes
    to users and tokens, views of customer lists and exports, each with who, their
    role, their address, when, and what (docs/accounts.md). Admins only. The total
    that matches is the X-Total-Count header."""
    try:
        start = dt.datetime.fromisoformat(since) if since else None
    except ValueError:
        raise HTTPException(422, f"since: {since!r} is not a date or time") from None
    days = period(date_from, date_to)
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise HTTPException(422, f"from {days['from']} is after to {days['to']}")
    store = request.app.state.store
    settings = getattr(store, "settings", None) or store.tables().settings
    first, end = company_day_bounds(settings, days["from"], days["to"])
    if first is not None:
        start = max(start, first.replace(tzinfo=None)) if start else first.replace(tzinfo=None)
    filters = {"actor": actor, "until": end, "actions": list(dict.fromkeys(action or []))}
    rows = audit.query(store, start, limit=limit, offset=offset, **filters)
    response.headers["X-Total-Count"] = str(audit.count(store, start, **filters))
    return [AuditEntry(at=r.at.replace(tzinfo=None), actor=r.actor, role=r.role,
                       address=r.address, action=r.action, entity=r.entity,
                       details=r.details) for r in rows]


def _prune(app: FastAPI) -> None:
    store = app.state.store
    try:
        settings = getattr(store, "settings", None) or store.tables().settings
        gone = audit.prune(store, settings.audit_days)
    except Exception:  # a failed prune must not stop the server; the next one retries
        log.exception("pruning the audit trail failed")
        return
    if gone:
        log.info("audit trail: %d records past audit_days deleted", gone)


def install_audit(app: FastAPI) -> None:
    """Prune when the server starts and every day after (``app.state.on_startup``,
    run by create_app's lifespan)."""

    async def keep_pruning() -> None:
        while True:
            await asyncio.sleep(PRUNE_EVERY_SECONDS)
            await run_in_threadpool(_prune, app)

    def start() -> None:
        _prune(app)  # before the first request: one DELETE on an indexed time
        app.state.audit_pruner = asyncio.get_running_loop().create_task(keep_pruning())

    def stop() -> None:
        task = getattr(app.state, "audit_pruner", None)
        if task is not None:
            task.cancel()

    app.state.on_startup.append(start)
    app.state.on_shutdown.append(stop)
    app.include_router(router)
