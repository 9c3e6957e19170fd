"""Errors as pages for browsers: a person who follows a wrong link gets a sentence and
a way back, while an API client (and every path under /api/) keeps its
``application/problem+json`` (api/problems.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException

from mailreport.api.problems import allowed_methods


def N_(message: str) -> str:
    """Marks a string for the ``pages`` catalog; the page translates it (pages.py)."""
    return message


# What a reader is told, by status: only the errors a navigation can meet outside the
# API (a page for another role, a page that does not exist, a page asked for with the
# wrong method).
SENTENCES = {
    403: (N_("No access to this page"), N_("Your role does not allow this page. An admin "
                                          "can change your role if you need it.")),
    404: (N_("Page not found"), N_("There is no page at this address. The link may be old, "
                                   "or the address mistyped.")),
    405: (N_("Page not found"), N_("This address cannot be opened as a page.")),
}


def wants_html(request: Request) -> bool:
    """Whether the request is a browser's: not under /api/, and its Accept header
    ranks text/html at least as high as any JSON. A client that sends no Accept, or
    */*, or application/json, keeps the problem JSON."""
    if request.url.path.startswith("/api/"):
        return False
    ranks: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            ranks[kind.lower()] = float(q)
        except ValueError:
            continue
    html = ranks.get("text/html", 0.0)
    json = max((q for kind, q in ranks.items() if kind.endswith("json")), default=0.0)
    return html > 0 and html >= json


def install_error_pages(app: FastAPI, render) -> None:
    """Answer a browser's 404 and 405 with the error page (``render(request, status,
    heading, sentence)``) and leave every other answer to the problem handler
    already installed."""
    as_problem = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code in SENTENCES and wants_html(request):
            heading, sentence = SENTENCES[exc.status_code]
            page = render(request, exc.status_code, heading, sentence)
            page.headers["Vary"] = "Accept"
            if exc.status_code == 405:
                page.headers["Allow"] = allowed_methods(request)
            return page
        response = await as_problem(request, exc)
        if exc.status_code in SENTENCES:
            response.headers["Vary"] = "Accept"
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)
