"""Errors as ``application/problem+json`` (RFC 9457), each with a clear detail."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("mailreport.api")

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 413: "Content Too Large", 422: "Unprocessable Content",
          500: "Internal Server Error"}


def problem(status: int, title: str | None, detail: str, request: Request,
            headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"),
            "status": status, "detail": detail, "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
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


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, None, "the server failed to answer this request; the error is "
                                  "in the server log", request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return problem(exc.status_code, None, str(exc.detail), request,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        return problem(422, None, "; ".join(_describe(e) for e in errors), request,
                       errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg")}
                               for e in errors])
