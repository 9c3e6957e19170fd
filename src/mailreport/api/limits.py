"""Bounded work per request: a body over its route's limit is refused before any of
it is read, parsed or authenticated, and a request's queries share a time budget.

A plain ASGI middleware, outside routing, so that it runs before the sign-in gate,
FastAPI's body parsing and the permission checks. A declared ``Content-Length``
over the limit is answered 413 at once; a body without one (chunked) is counted
as it arrives and refused as soon as it passes the limit, so the server holds at
most one limit's worth of it. The 413 closes the connection, rather than letting
the server read the rest of the body to keep the connection open.

Starlette's own ``RequestBodyLimitMiddleware`` checks only when the endpoint first
reads the body, after authentication, and answers in plain text; this one refuses
first and answers ``application/problem+json`` like every other error.

A body must keep arriving: a wait of more than request_seconds for its next part
(a client that declared a length and sends less, or stalls mid-way) is answered
408 and the connection closed, so that no connection is held by a body that never
comes. Once the body is in, nothing is timed on the way in: a streamed answer
waits on the same channel for the client to leave.

The time budget (setting request_seconds) covers the queries a request runs until
its answer starts; the store interrupts one that would run past it, and the answer
is a 503. A streamed answer (an export) has begun by then, so from there each of
its queries gets the whole budget again: its length follows the data, slice by
slice, and a slice that overruns cuts the download short.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailreport.api.problems import problem
from mailreport.settings import Settings
from mailreport.store.budget import time_budget
from mailreport.store.errors import QueryTimeout

# the paths whose limit is the webhooks' own (a provider's batch of events)
WEBHOOK_PATHS = ("/webhooks/",)
EVENTS_PATH = "/api/v1/events"
FORM_PATHS = ("/signin", "/signout", "/account/password", "/account/signout-everywhere")
CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class BodyLimit:
    most: int  # bytes
    name: str  # the setting that sets it, for the answer


class BodyStalled(HTTPException):
    """Raised from ``receive`` when the next part of a body has not come within
    request_seconds."""

    def __init__(self, method: str, path: str, seconds: float):
        super().__init__(408, f"the body of {method} {path} stopped arriving: nothing came "
                              f"for {seconds:g} s (setting request_seconds)", headers=CLOSE)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body without a length passes its limit; an
    HTTPException, so that FastAPI's body parsing lets it through as it is."""

    def __init__(self, method: str, path: str, limit: BodyLimit):
        super().__init__(413, f"the body of {method} {path} is larger than {limit.most:,} "
                              f"bytes, the most it may be ({limit.name})", headers=CLOSE)


def body_limit(scope: Scope, settings: Settings) -> BodyLimit:
    """The limit of the route class a request's path belongs to."""
    path = scope["path"]
    if path.startswith(WEBHOOK_PATHS) or path == EVENTS_PATH:
        from mailreport.api.webhooks import webhook_state

        most = webhook_state(Request(scope)).config.max_body_bytes
        return BodyLimit(most, "MAILREPORT_WEBHOOK_MAX_BYTES")
    if path in FORM_PATHS:
        return BodyLimit(settings.form_max_bytes, "setting form_max_bytes")
    return BodyLimit(settings.json_max_bytes, "setting json_max_bytes")


def declared_length(scope: Scope) -> int | None:
    """The Content-Length in bytes; None if absent or not a number (the server
    refuses a bad one). int() refuses more than 4,300 digits, so a number longer
    than any limit is read as the largest size instead."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():  # bytes: ASCII digits only
                return None
            digits = value.lstrip(b"0") or b"0"
            return int(digits) if len(digits) <= 18 else sys.maxsize
    return None


class RequestLimits:
    """ASGI middleware: 413 for a body over its route's limit, before it is read,
    and 503 for queries that run past request_seconds, unless the answer has begun."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope, self.settings)
        method, path = scope["method"], scope["path"]
        length = declared_length(scope)
        if length is not None and length > limit.most:
            size = f"{length:,} bytes" if length < sys.maxsize else "more bytes than any limit"
            response = problem(413, None, f"the body of {method} {path} is {size}; "
                                          f"it may be at most {limit.most:,} ({limit.name})",
                               Request(scope), headers=CLOSE)
            await response(scope, receive, send)
            return

        received = 0
        body_done = False
        started = False
        wait = self.settings.request_seconds
        with time_budget(self.settings.request_seconds) as budget:
            async def counted() -> Message:
                nonlocal received, body_done
                if body_done:
                    return await receive()
                try:
                    message = await asyncio.wait_for(receive(), wait)
                except TimeoutError:
                    raise BodyStalled(method, path, wait) from None
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit.most:
                        raise BodyTooLarge(method, path, limit)
                    body_done = not message.get("more_body", False)
                else:
                    body_done = True
                return message

            async def answering(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    budget.each_query()
                await send(message)

            try:
                await self.app(scope, counted, answering)
            except (BodyTooLarge, BodyStalled, QueryTimeout) as exc:
                if started:  # too late for another answer
                    raise
                response = _refusal(exc, Request(scope))
                await response(scope, receive, send)


def _refusal(exc: BodyTooLarge | BodyStalled | QueryTimeout, request: Request):
    if isinstance(exc, BodyTooLarge | BodyStalled):
        # FastAPI's handlers answer it when an endpoint reads the body; this is for
        # a read anywhere else
        return problem(exc.status_code, None, exc.detail, request, headers=CLOSE)
    # here rather than an exception handler: the sign-in gate's token check,
    # outside the router, reads the store too
    return problem(503, "Service Unavailable",
                   f"{request.method} {request.url.path} was stopped: {exc} (setting "
                   "request_seconds); ask for less (a shorter period, a smaller page) "
                   "or try again later", request)


def install_limits(app: FastAPI) -> None:
    """Outermost of the app's own middleware: install it after all the others."""
    app.add_middleware(RequestLimits, settings=app.state.store.settings)


__all__ = ["BodyStalled", "BodyTooLarge", "RequestLimits", "install_limits"]
