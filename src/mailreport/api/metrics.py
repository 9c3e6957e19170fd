"""The operator's metrics, for Prometheus, at ``/metrics`` (docs/operations.md).

Through the official client library, each app with a registry of its own (tests, and
any process that serves more than one store, make many apps): HTTP requests and
their latency per route, live events per provider and outcome, how far the derived
tables lag behind the live events, the store's size on disk, and the process.

Labels are bounded and hold no customer data: a route is its *template*
(``/api/v1/mailings/{mailing_id}/report``, never the path), a status its class
(``2xx``), a provider one of the webhooks' fixed names. What is read when scraped
(file sizes, the live writer's lag) is read without a query, so a scrape answers at
once even while a load holds the store.

Who may read it is the ``metrics`` setting: ``token`` (the default) lets through a
bearer token equal to the environment variable MAILREPORT_METRICS_TOKEN, or an
admin's token or session; ``open`` lets anyone through (for a scraper behind a
firewall, chosen explicitly); ``off`` has no /metrics at all.
"""

from __future__ import annotations

import hmac
import os
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from mailreport import __version__
from mailreport.api.request_log import Finished
from mailreport.api.security import signed_in
from mailreport.ingest import live
from mailreport.ingest.providers import generic, mailgun, postmark, sendgrid, ses, twilio
from mailreport.store.lake_facts import MANIFEST_NAME, facts_dir

TOKEN_VARIABLE = "MAILREPORT_METRICS_TOKEN"
PROVIDERS = tuple(p.NAME for p in (sendgrid, mailgun, ses, postmark, twilio, generic))
OUTCOMES = ("inserted", "duplicate", "quarantined", "ignored")
# seconds; up to request_seconds' default (30), past which a report is stopped
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class StoreCollector(Collector):
    """What the store is like at the moment of the scrape."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        store = self.store
        path = getattr(store, "path", None)
        if isinstance(path, Path) and path.is_file():  # a lake without a state file: none
            size = GaugeMetricFamily(
                "mailreport_store_bytes", "Size on disk of the store's DuckDB file and "
                "of its write-ahead log (0 when there is none), in bytes", labels=["file"])
            size.add_metric(["database"], _size(path))
            size.add_metric(["wal"], _size(path.with_name(path.name + ".wal")))
            yield size
        state = live.refresh_state(store)
        if state is not None:
            yield GaugeMetricFamily(
                "mailreport_live_refresh_lag_seconds", "Age of the oldest acknowledged "
                "live event that is not yet in the derived tables (0 when all are): how "
                "stale a report may be now", value=state.lag_seconds)
            yield CounterMetricFamily(
                "mailreport_live_refreshes", "Refreshes of the derived tables for live "
                "events since the server started", value=state.refreshes)
        if getattr(store, "engine", None) == "lake":
            try:
                built = os.stat(facts_dir(store.lake) / MANIFEST_NAME).st_mtime
            except OSError:
                return  # no facts yet: the reports say what to run
            yield GaugeMetricFamily(
                "mailreport_lake_facts_age_seconds", "Time since `mailreport refresh` last "
                "wrote the lake's facts (their manifest)", value=max(0.0, time.time() - built))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class AppMetrics:
    """The metrics of one app, in a registry of its own."""

    def __init__(self, store):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mailreport_http_requests", "HTTP requests answered, by method, route template "
            "and status class", ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "mailreport_http_request_duration_seconds", "Time from a request's arrival to "
            "the last part of its answer, by method and route template",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.events = Counter(
            "mailreport_events", "Live events received from the webhooks and the events "
            "API, by provider and outcome (inserted: stored, or staged in a lake; "
            "duplicate: stored before; quarantined; ignored: no contract meaning)",
            ["provider", "outcome"], registry=self.registry)
        for provider in PROVIDERS:  # every series from 0, so that rate() sees the first
            for outcome in OUTCOMES:
                self.events.labels(provider, outcome)
        Info("mailreport", "The version of mailreport and the store's engine",
             registry=self.registry).info({"version": __version__, "engine": store.engine})
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.registry.register(StoreCollector(store))

    def observe(self, finished: Finished) -> None:
        self.requests.labels(finished.method, finished.route,
                             f"{finished.status // 100}xx").inc()
        self.latency.labels(finished.method, finished.route).observe(finished.seconds)

    def count_events(self, provider: str, inserted: int, duplicates: int, quarantined: int,
                     ignored: int) -> None:
        for outcome, n in zip(OUTCOMES, (inserted, duplicates, quarantined, ignored),
                              strict=True):
            if n:
                self.events.labels(provider, outcome).inc(n)


def count_events(app: FastAPI, provider: str, answer) -> None:
    """Count a delivery's events (an IngestAnswer) once they are stored."""
    metrics: AppMetrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.count_events(provider, answer.inserted, answer.duplicates,
                             answer.quarantined, answer.ignored)


def may_read(request: Request, token: str) -> None:
    """Let through the metrics token or an admin; else 401 (no credentials that
    count) or 403 (someone who may not)."""
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return
    principal = signed_in(request)
    if principal is None:
        raise HTTPException(401, f"the metrics need a bearer token: {TOKEN_VARIABLE}, or an "
                                 "admin's", headers={"WWW-Authenticate": "Bearer"})
    if principal.must_change_password or not principal.can("admin"):
        raise HTTPException(403, "the metrics are for the metrics token or an admin")


def install_metrics(app: FastAPI, access: str) -> None:
    """/metrics as the ``metrics`` setting says (token, open or off); the request
    log's middleware (api/request_log.py) feeds the HTTP metrics."""
    if access == "off":
        return
    metrics = app.state.metrics = AppMetrics(app.state.store)
    app.state.on_request.append(metrics.observe)
    token = os.environ.get(TOKEN_VARIABLE, "")

    @app.get("/metrics", include_in_schema=False)
    def scrape(request: Request) -> Response:
        if access != "open":
            may_read(request, token)
        # the text format, or OpenMetrics when the scraper asks for it (as the
        # library's own ASGI app does)
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(metrics.registry), headers={"Content-Type": content_type})


__all__ = ["OUTCOMES", "PROVIDERS", "TOKEN_VARIABLE", "AppMetrics", "count_events",
           "install_metrics"]
