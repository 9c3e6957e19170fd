"""The providers' webhooks, the generic events endpoint and the quarantine.

Handlers are thin: read the body (up to the size limit), let the provider's
module verify and parse it, store the events with ``ingest.live.ingest_events``
and answer with the counts. The answer is sent only after the transaction has
committed, so a 2xx means the events are stored; a provider that gets anything
else delivers again, which changes nothing for events already stored.

A server over a lake (``serve --lake``) stages the events in the lake instead
(``ingest.lake_staging``), with the same judgement and the same answer: a 2xx once
the staged file is on disk; the next ``mailreport refresh --lake`` merges it.

401 bad signature, 400 malformed body, 413 body over the limit; all as
``application/problem+json``. Webhooks authenticate with the provider's own
scheme, never with an API token; the events API and the quarantine need admin.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mailreport.api.metrics import count_events
from mailreport.api.problems import problem
from mailreport.api.security import require
from mailreport.auth import Principal
from mailreport.ingest import lake_staging, live
from mailreport.ingest.providers import (
    Delivery,
    Parsed,
    ReplayCache,
    WebhookConfig,
    WebhookError,
    generic,
    mailgun,
    postmark,
    sendgrid,
    ses,
    twilio,
)


@asynccontextmanager
async def live_writer(app: FastAPI) -> AsyncIterator[None]:
    """The store's live writer runs with the server: started at once, so that pairs
    a crash left pending are refreshed without waiting for an event, and stopped on
    a graceful stop after refreshing what is pending."""
    store = getattr(app.state, "store", None)
    writable = getattr(store, "engine", None) == "duckdb" and not store.read_only
    if writable:
        live.start(store)
    try:
        yield
    finally:
        if writable:
            await run_in_threadpool(live.stop, store)


router = APIRouter(lifespan=live_writer)
Admin = Annotated[Principal, Depends(require("admin"))]


class QuarantinedEvent(BaseModel):
    index: int = Field(description="position of the event in the delivery, from 0")
    event_id: str | None
    rule: str
    reason: str


class IngestAnswer(BaseModel):
    received: int = Field(description="contract events found in the delivery")
    inserted: int = Field(description="events stored now")
    duplicates: int = Field(description="events already stored (a redelivery)")
    quarantined: int = Field(description="events kept in quarantine, see GET "
                                         "/api/v1/quarantine")
    ignored: int = Field(0, description="provider events with no contract meaning "
                                        "(deferrals, soft bounces, interim statuses)")
    quarantine: list[QuarantinedEvent] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    info: dict[str, Any] = Field(default_factory=dict)


class WebhookState:
    """The webhooks' configuration and what they remember between requests."""

    def __init__(self, config: WebhookConfig):
        self.config = config
        self.mailgun_tokens = ReplayCache(config.max_age_seconds)


_state_lock = threading.Lock()


def webhook_state(request: Request) -> WebhookState:
    app = request.app
    with _state_lock:
        state = getattr(app.state, "webhooks", None)
        if state is None:
            config = WebhookConfig.from_env(getattr(app.state, "public_url", None))
            state = app.state.webhooks = WebhookState(config)
    return state


async def read_delivery(request: Request) -> Delivery:
    """The request as received. Its size is bounded before this reads it: the
    limits middleware (api/limits.py) refuses a body over MAILREPORT_WEBHOOK_MAX_BYTES
    by its Content-Length, or as it arrives."""
    return Delivery(body=await request.body(),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    path=request.url.path, query=request.url.query)


def _store(request: Request, parsed: Parsed, arrival: live.Arrival | None) -> IngestAnswer:
    store = request.app.state.store
    if arrival is None:  # a server over a lake
        result = lake_staging.stage_events(store, parsed.events)
    else:
        result = live.ingest_events(store, parsed.events, arrival)
    if parsed.after_commit:
        parsed.after_commit()
    return IngestAnswer(received=result.received, inserted=result.inserted,
                        duplicates=result.duplicates, quarantined=result.quarantined,
                        ignored=parsed.ignored, info=parsed.info,
                        quarantine=[QuarantinedEvent(**q) for q in result.quarantine])


def not_staged(request: Request, exc: lake_staging.StagingError) -> Response:
    """Events a server over a lake could not stage: a 503, so that the provider
    delivers them again."""
    return problem(503, None, str(exc), request)


async def receive(request: Request, provider: str,
                  handle: Callable[[Delivery, WebhookState], Parsed]) -> IngestAnswer | Response:
    state = webhook_state(request)
    store = request.app.state.store
    # announced before the body is read, verified and parsed, so that the writer
    # can wait for this batch and commit it with those already waiting (a lake's
    # batches are staged one at a time, with no writer)
    arrival = None if lake_staging.serves_lake(store) else live.announce(store)
    try:
        delivery = await read_delivery(request)

        def work() -> IngestAnswer:
            return _store(request, handle(delivery, state), arrival)

        try:
            # signature checks, parsing and the store are blocking: off the event loop
            answer = await run_in_threadpool(work)
            count_events(request.app, provider, answer)
            return answer
        except WebhookError as exc:
            response = problem(exc.status, None, exc.detail, request)
            if exc.status == 401 and provider == postmark.NAME:
                # a client that waits for the challenge before it sends the credentials
                # of the URL needs it
                response.headers["WWW-Authenticate"] = 'Basic realm="mailreport webhooks"'
            return response
        except lake_staging.StagingError as exc:
            return not_staged(request, exc)
    finally:
        if arrival is not None:
            arrival.cancel()  # nothing if it was submitted


def _sendgrid(delivery: Delivery, state: WebhookState) -> Parsed:
    sendgrid.verify(delivery, state.config)
    return sendgrid.parse(delivery)


def _mailgun(delivery: Delivery, state: WebhookState) -> Parsed:
    token = mailgun.verify(delivery, state.config, state.mailgun_tokens)
    parsed = mailgun.parse(delivery)
    # remembered only once stored: a delivery that failed here may come again
    parsed.after_commit = lambda: state.mailgun_tokens.remember(token, delivery.received_at)
    return parsed


def _ses(delivery: Delivery, state: WebhookState) -> Parsed:
    return ses.parse(ses.verify(delivery, state.config), state.config)


def _postmark(delivery: Delivery, state: WebhookState) -> Parsed:
    postmark.verify(delivery, state.config)
    return postmark.parse(delivery)


def _twilio(delivery: Delivery, state: WebhookState) -> Parsed:
    return twilio.parse(delivery, twilio.verify(delivery, state.config))


WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "the provider's signature or credentials do not match"},
    400: {"description": "the body is not in the provider's format"},
    413: {"description": "the body is over MAILREPORT_WEBHOOK_MAX_BYTES"},
    408: {"description": "the body stopped arriving for longer than request_seconds"},
    503: {"description": "the server reads a lake (serve --lake) and could not stage "
                         "the events in it (the detail says why); nothing was staged, "
                         "so deliver again"},
}


@router.post("/webhooks/sendgrid", response_model=IngestAnswer, tags=["webhooks"],
             responses=WEBHOOK_RESPONSES)
async def sendgrid_webhook(request: Request):
    """SendGrid Event Webhook (signed). docs/webhooks.md says how to set it up."""
    return await receive(request, sendgrid.NAME, _sendgrid)


@router.post("/webhooks/mailgun", response_model=IngestAnswer, tags=["webhooks"],
             responses=WEBHOOK_RESPONSES)
async def mailgun_webhook(request: Request):
    """Mailgun webhooks (JSON, signed with the webhook signing key)."""
    return await receive(request, mailgun.NAME, _mailgun)


@router.post("/webhooks/ses", response_model=IngestAnswer, tags=["webhooks"],
             responses={**WEBHOOK_RESPONSES, 403: {
                 "description": "the SNS topic is not in MAILREPORT_SNS_TOPIC_ARNS"}})
async def ses_webhook(request: Request):
    """Amazon SES event publishing through an SNS HTTPS subscription."""
    return await receive(request, ses.NAME, _ses)


@router.post("/webhooks/postmark", response_model=IngestAnswer, tags=["webhooks"],
             responses=WEBHOOK_RESPONSES)
async def postmark_webhook(request: Request):
    """Postmark webhooks, with HTTP basic auth in the webhook URL."""
    return await receive(request, postmark.NAME, _postmark)


@router.post("/webhooks/twilio", response_model=IngestAnswer, tags=["webhooks"],
             responses=WEBHOOK_RESPONSES)
async def twilio_webhook(request: Request):
    """Twilio SMS status callbacks; ids in the StatusCallback URL's query."""
    return await receive(request, twilio.NAME, _twilio)


# read as bytes by the handler (for the size limit), so the document is told here
_EVENT = {"type": "object", "description": "a row of the events table "
          "(docs/data-contract.md); keys that are not columns are ignored",
          "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
EVENTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "anyOf": [{"type": "array", "items": _EVENT},
              {"type": "object", "required": ["events"],
               "properties": {"events": {"type": "array", "items": _EVENT}}}]}}}}}


@router.post("/api/v1/events", response_model=IngestAnswer, tags=["events"],
             responses={code: WEBHOOK_RESPONSES[code] for code in (400, 408, 413, 503)},
             openapi_extra=EVENTS_BODY)
async def post_events(request: Request, who: Admin):
    """Store a batch of contract events (a JSON array, or ``{"events": [...]}``).
    Events that break the contract are quarantined and listed in the answer."""
    unknown: list[str] = []

    def handle(delivery: Delivery, state: WebhookState) -> Parsed:
        parsed, unknown[:] = generic.parse(delivery.body)
        return parsed

    answer = await receive(request, generic.NAME, handle)
    if isinstance(answer, IngestAnswer):
        answer.ignored_columns = unknown
    return answer


class QuarantinePage(BaseModel):
    total: int
    limit: int
    offset: int
    events: list[dict[str, Any]]


@router.get("/api/v1/quarantine", response_model=QuarantinePage, tags=["events"])
def quarantine(request: Request, who: Admin,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               # inside the engine's 64-bit offsets, and past any real quarantine
               offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
               provider: str | None = None):
    """Live events that could not be stored, newest first, with the reason."""
    total, rows = live.list_quarantine(request.app.state.store, limit, offset, provider)
    return QuarantinePage(total=total, limit=limit, offset=offset, events=rows)


@router.post("/api/v1/quarantine/replay", response_model=IngestAnswer, tags=["events"])
def replay(request: Request, who: Admin):
    """Try the quarantined events again (after loading their mailings or customers).
    Over a lake, those that pass are staged for the next refresh."""
    store = request.app.state.store
    try:
        result = (lake_staging.replay_quarantine(store) if lake_staging.serves_lake(store)
                  else live.replay_quarantine(store))
    except lake_staging.StagingError as exc:
        return not_staged(request, exc)
    return IngestAnswer(received=result.received, inserted=result.inserted,
                        duplicates=result.duplicates, quarantined=result.quarantined,
                        quarantine=[QuarantinedEvent(**q) for q in result.quarantine])
