"""Errors as ``application/problem+json`` (RFC 9457), each with a clear detail."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from mailreport.api.request_log import request_id

log = logging.getLogger("mailreport.api")

PROBLEM_JSON = "application/problem+json"
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
          503: "Service Unavailable"}
# What each status means here, for the OpenAPI document; a route may say more.
REASONS = {
    400: "The body is malformed; the detail says where.",
    401: "No valid credentials: send 'Authorization: Bearer <token>' or the session "
         "cookie of /signin.",
    403: "The credentials are valid but their role or grants do not allow this.",
    404: "What the path names (a mailing, campaign, section or variant) does not exist.",
    408: "The body stopped arriving for longer than request_seconds.",
    413: "The body is larger than the limit.",
    422: "A parameter is invalid, alone or with the others (a period's ends out of "
         "order or longer than max_period_days); the detail names it.",
    429: "Too many requests: wait the Retry-After header's seconds.",
    503: "The server cannot take the request now (its queries ran past the "
         "request_seconds budget, or the store is busy): try again later.",
}


class ParameterIssue(BaseModel):
    loc: list[str | int] = Field(description="where: query, path or body, then the name")
    msg: str


class Problem(BaseModel):
    """An error (RFC 9457). Members beyond these may be added."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="what is wrong, naming the parameter or value")
    instance: str = Field(description="the request's path")
    errors: list[ParameterIssue] | None = Field(
        None, description="on a 422 for invalid parameters: one entry per parameter")


def problem_responses(*statuses: int, why: dict[int, str] | None = None
                      ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route decorator: the statuses it may answer besides those
    the OpenAPI document derives from its dependencies (api/openapi.py), each with
    ``why[status]`` or the usual reason."""
    return {status: {"description": (why or {}).get(status, REASONS[status]),
                     "model": Problem} for status in statuses}


def problem(status: int, title: str | None, detail: str, request: Request,
            headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"),
            "status": status, "detail": detail, "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON,
                        headers=headers)


def _describe(error: dict) -> str:
    where = error.get("loc", ())
    name = where[-1] if where else "request"
    place = where[0] if where else ""
    value = error.get("input")
    msg = error.get("msg", "is invalid")
    shown = f" (got {value!r})" if value is not None and not isinstance(value, dict) else ""
    return f"{place} parameter {name!r}: {msg}{shown}" if place in ("query", "path") \
        else f"{'.'.join(str(p) for p in where)}: {msg}{shown}"


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path. Starlette's 405 names only the
    first route that matched the path, though a path may have one route a method."""
    routes = request.app.router.routes
    return ", ".join(m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
                     if any(r.matches({**request.scope, "method": m})[0] is Match.FULL
                            for r in routes))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %r", request.method, request.url.path)
        # this answer goes out past the request log's middleware (Starlette's outermost
        # one sends it), so the id that the log's traceback carries is set here
        rid = request_id()
        return problem(500, None, "the server failed to answer this request; the error is "
                                  "in the server log", request,
                       headers={"X-Request-ID": rid} if rid else None)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect):
        # The client hung up before its body was complete: nothing failed here, and
        # the answer reaches no one. Left to the handler above, it was a 500 and two
        # tracebacks in the log, for anyone who opens a connection and closes it.
        log.info("%s %s: the client closed the connection before its body was complete",
                 request.method, request.url.path)
        return problem(400, None, "the connection closed before the body was complete",
                       request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem(exc.status_code, None, str(exc.detail), request, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        return problem(422, None, "; ".join(_describe(e) for e in errors), request,
                       errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg")}
                               for e in errors])
