"""Every request logged once, with a request id that ties it to its errors.

A plain ASGI middleware, the outermost of the app's own, so that what the inner ones
refuse (a body over its limit, a CSRF refusal, a page without a session) is logged
and counted too. It notes one :class:`Finished` per request (method, route template,
status, duration, request id, principal) and hands it to the log and to the other
observers in ``app.state.on_request`` (the metrics, api/metrics.py), just before the
last part of the answer goes out: a client that has its whole answer can count on
the request being in the log and the metrics already.

What is logged is bounded and holds no customer data: the route's *template*
(``/api/v1/mailings/{mailing_id}/report``), never the path or the query, which can
name a customer; the principal's audit name (``token:<id>``, ``user:<name>``), never
a credential.

The request id comes from the client's ``X-Request-ID`` when it is 1 to 128 letters,
digits, ``-``, ``_``, ``.`` or ``:`` (a proxy's or a load balancer's id: a UUID,
nginx's ``$request_id``), else it is made here; anything else (too long, a newline,
a space) is replaced, so that a client cannot write into the log. It is returned as
``X-Request-ID`` and set in a context variable for the request's task, so that
every record logged while the request runs, a traceback of a 500 included, carries
it (:class:`RequestIdFilter`).

``mailreport serve`` writes the log to stderr as text for a person or, with
``log_format = "json"``, as one JSON object a line (:class:`JsonLines`).
Uvicorn's own access log is off (cli/serve.py): this one replaces it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from fastapi import FastAPI
from starlette.routing import Match

log = logging.getLogger("mailreport.request")

HEADER = "x-request-id"
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "(unmatched)"  # the route of a path no route takes (a 404)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mailreport_request_id", default=None)


def request_id() -> str | None:
    """The id of the request being answered in this task or thread, if any."""
    return REQUEST_ID.get()


def accepted_id(given: str | None) -> str:
    """The client's request id when it is safe to log and echo, else a new one."""
    if given is not None and SAFE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Finished:
    method: str  # one of METHODS, or "other"
    route: str  # the route's template, or UNMATCHED
    status: int
    seconds: float
    request_id: str
    principal: str | None  # the audit name of who asked, when they were identified


Observer = Callable[[Finished], None]


def route_template(app: FastAPI, scope) -> str:
    """The template of the route that took (or would take) the request. Routing sets
    ``scope["route"]``; a request refused before routing (a body over the limit) is
    matched here, and a path that no route takes is UNMATCHED."""
    route = scope.get("route")
    if route is None:
        partial = None
        for candidate in app.router.routes:
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                route = candidate
                break
            if match is Match.PARTIAL and partial is None:
                partial = candidate  # the path, another method: a 405
        route = route or partial
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _principal(scope) -> str | None:
    principal = (scope.get("state") or {}).get("principal")
    return None if principal is None else (principal.actor or principal.name)


class RequestLog:
    """ASGI middleware: the request id, and one Finished per HTTP request to the
    observers (the log first)."""

    def __init__(self, app, owner: FastAPI):
        self.app = app
        self.owner = owner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER.encode()),
                     None)
        rid = accepted_id(given)
        # set, not reset: the task is this request's alone, and a 500's traceback is
        # logged after the app returns (problems.py, uvicorn)
        REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500
        done = False

        def finish() -> None:
            nonlocal done
            if done:
                return
            done = True
            method = scope["method"] if scope["method"] in METHODS else "other"
            finished = Finished(method, route_template(self.owner, scope), status,
                                time.perf_counter() - started, rid, _principal(scope))
            for observer in self.owner.state.on_request:
                try:
                    observer(finished)
                except Exception:  # noqa: BLE001 -- an observer must not fail the answer
                    logging.getLogger("mailreport.api").exception(
                        "request observer %r failed", observer)

        async def send_noted(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == HEADER.encode() for k, _ in headers):
                    headers.append((HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finish()
            await send(message)

        try:
            await self.app(scope, receive, send_noted)
        finally:
            finish()  # an error before the answer was complete (500), or a client gone


def log_request(finished: Finished) -> None:
    """The request's line in the log (INFO, logger mailreport.request)."""
    log.info("%s %s %d %.1fms %s", finished.method, finished.route, finished.status,
             finished.seconds * 1000, finished.principal or "-", extra={
                 "request_id": finished.request_id, "method": finished.method,
                 "route": finished.route, "status": finished.status,
                 "duration_ms": round(finished.seconds * 1000, 1),
                 "principal": finished.principal})


def install_request_log(app: FastAPI) -> None:
    """Install last: the outermost of the app's middleware."""
    if not hasattr(app.state, "on_request"):
        app.state.on_request = []
    app.state.on_request.insert(0, log_request)
    app.add_middleware(RequestLog, owner=app)


# -- the log's format -------------------------------------------------------------

# what every LogRecord has: the rest of its attributes came as ``extra``
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Gives every record logged while a request runs its id, so that an error's
    lines name their request."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = REQUEST_ID.get()
        if rid is not None and getattr(record, "request_id", None) is None:
            record.request_id = rid
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the
    record's extra fields (request_id, route, status, ...) and, after an error, its
    traceback as ``exception``. Newlines in a message stay inside the JSON string,
    so a line is always one record. Text is written as it is (ensure_ascii off),
    so Russian reads as Russian."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
                      .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in out:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """The server's log: one handler on the root logger, to stderr, in the format
    of the log_format setting; mailreport's loggers at INFO (a line per request),
    everything else (uvicorn, libraries) at WARNING. Returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"}))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("mailreport").setLevel(logging.INFO)
    return handler


__all__ = ["HEADER", "UNMATCHED", "Finished", "JsonLines", "RequestIdFilter", "RequestLog",
           "accepted_id", "configure_logging", "install_request_log", "request_id",
           "route_template"]
