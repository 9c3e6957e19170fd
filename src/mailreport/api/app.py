"""The HTTP API: thin handlers over the report functions. Errors are
``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import datetime as dt
import io
from contextlib import asynccontextmanager
from typing import Annotated, Literal, Union

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ValidationError

from mailreport import __version__
from mailreport.api import (
    campaign_customers,
    customers,
    erasure,
    store_info,
    tokens,
    users,
    webhooks,
)
from mailreport.api.audit import install_audit
from mailreport.api.csrf import install_csrf
from mailreport.api.docs import install_api_docs
from mailreport.api.headers import install_security_headers
from mailreport.api.limits import install_limits
from mailreport.api.metrics import install_metrics
from mailreport.api.oidc_signin import install_oidc_signin
from mailreport.api.openapi import install_openapi
from mailreport.api.params import invalid_params, period, period_date
from mailreport.api.pdf_route import install_pdf
from mailreport.api.problems import install_problem_handlers, problem, problem_responses
from mailreport.api.request_log import install_request_log
from mailreport.api.schedules import install_schedules
from mailreport.api.security import install_loopback_hosts, is_loopback, require
from mailreport.api.shares import install_shares
from mailreport.api.signin import install_signin
from mailreport.auth import PRODUCT_SALES, Principal
from mailreport.contract import MAILING_STATUSES, UNITS
from mailreport.exports.workbook import write_campaign_workbook, write_mailing_workbook
from mailreport.reports import KEYS as REPORT_KEYS
from mailreport.reports import NotFound, ReportError, ReportQuery, campaign_report, mailing_report
from mailreport.reports import section as report_section
from mailreport.reports.compare import Comparison, compare
from mailreport.reports.mailings import (
    ListQuery,
    SortKey,
    Trend,
    TrendFigure,
    list_campaigns,
    list_page,
    trend,
)
from mailreport.reports.models import (
    Campaign,
    CampaignReport,
    Mailing,
    MailingReport,
    MailingSummary,
)
from mailreport.reports.query import get_mailing
from mailreport.reports.send_time import Breakdown, Channel, SendTimeAdvice, send_time_advice
from mailreport.store.errors import StoreUnavailable
from mailreport.web.account_page import install_account_page
from mailreport.web.admin_pages import install_admin_pages
from mailreport.web.customers_page import install_customer_pages
from mailreport.web.pages import install_pages, reader_language


class LoadRequest(BaseModel):
    directory: str
    report_dir: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    engine: str


# One section of the report: the type its key has in the whole report.
SectionResult = Union[tuple(MailingReport.model_fields[name].annotation  # noqa: UP007
                            for name in REPORT_KEYS)]
# the language of a workbook's words; its numbers are the same in every language
WorkbookLanguage = Annotated[Literal["ru", "en"] | None, Query(
    description="The language of the workbook's sheet names, headings and labels (ru, "
                "en); default: the reader's, as the pages choose it (the language "
                "cookie, Accept-Language, else the locale setting)")]
SectionName = Annotated[str, Path(description="a key of the report",
                                  json_schema_extra={"enum": list(REPORT_KEYS)})]


def report_query(
    date_from: Annotated[str | None, period_date("from")] = None,
    date_to: Annotated[str | None, period_date("to")] = None,
    include_machine: bool = False,
    open_hours_zone: Literal["recipient", "company"] = "recipient",
    sort: Literal["units", "revenue", "receipts"] = "units",
    search: str | None = None,
    unit: Annotated[Literal[UNITS] | None, Query(  # type: ignore[valid-type]
        description="Product sales sorted by units, where the products sold come in "
                    "several units of measure: the unit that ranks them (default: the "
                    "first of pcs, kg, l, m sold)")] = None,
    group: Literal["test", "control"] | None = None,
    variant_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 25,
) -> ReportQuery:
    try:
        return ReportQuery(**period(date_from, date_to), include_machine=include_machine,
                           open_hours_zone=open_hours_zone, sort=sort, search=search,
                           unit=unit, group=group, variant_id=variant_id, limit=limit)
    except ValidationError as exc:
        raise invalid_params(exc) from None


QueryDep = Annotated[ReportQuery, Depends(report_query)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_query(
    sort: Annotated[SortKey, Query(description="the column to sort by")] = "sent_at",
    order: Literal["asc", "desc"] = "desc",
    channel: Literal["email", "sms", "push"] | None = None,
    status: Annotated[Literal[MAILING_STATUSES] | None,  # type: ignore[valid-type]
                      Query(description="the mailing's status")] = None,
    sent_from: Annotated[str | None, period_date("sent_from",
                                                 "the first day sent_at may fall on")] = None,
    sent_to: Annotated[str | None, period_date("sent_to",
                                               "the last day sent_at may fall on")] = None,
    campaign_id: str | None = None,
    category: str | None = None,
    search: Annotated[str | None, Query(description="a part of the name, any case")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> ListQuery:
    days = period(sent_from, sent_to, names=("sent_from", "sent_to"))
    try:
        return ListQuery(sort=sort, order=order, channel=channel, status=status,
                         sent_from=days["sent_from"], sent_to=days["sent_to"],
                         campaign_id=campaign_id or None, category=category or None,
                         search=search or None, limit=limit, offset=offset)
    except ValidationError as exc:
        raise invalid_params(exc) from None


ListDep = Annotated[ListQuery, Depends(list_query)]


Viewer = Annotated[Principal, Depends(require("reports"))]


def create_app(store, public_url: str | None = None, auth: bool = True,
               local_secret: str | None = None) -> FastAPI:
    """The API over one store. ``auth=False`` (``serve --no-auth``) lets every
    request do everything: only for a local demo."""
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for hook in app.state.on_startup:  # the scheduler of `serve`, the audit's pruning
            hook()
        yield
        for hook in app.state.on_shutdown:  # runs on a graceful stop (SIGTERM, Ctrl-C)
            hook()

    app = FastAPI(title="mailreport", version=__version__, lifespan=lifespan,
                  description="Mailing reports: audience, funnel, orders, groups, open hours, "
                              "product sales and click heatmaps.\n\n"
                              "Send a token as `Authorization: Bearer <token>`, or sign in "
                              "at /signin for a session cookie. Errors are "
                              "`application/problem+json` (RFC 9457) with a `detail` that "
                              "names what is wrong. Timestamps are UTC, written without an "
                              "offset; dates and periods are in the company's time zone.",
                  docs_url=None, redoc_url=None)
    app.state.on_startup = []
    app.state.on_shutdown = []
    app.state.on_request = []  # each answered request (api/request_log.py)
    app.state.store = store
    app.state.public_url = public_url
    app.state.auth_enabled = auth
    app.state.local_secret = local_secret
    install_problem_handlers(app)
    settings = getattr(store, "settings", None) or store.tables().settings
    install_api_docs(app, settings.api_docs)
    install_openapi(app)

    def tables():
        return store.tables()

    @app.get("/health", response_model=Health)
    def health() -> dict:
        return {"status": "ok", "version": __version__, "engine": store.engine}

    @app.get("/api/v1/mailings", response_model=list[MailingSummary], responses={200: {
        "headers": {"X-Total-Count": {"description": "how many mailings match the filters, "
                                                     "on every page",
                                      "schema": {"type": "integer"}}}}})
    def mailings(who: Viewer, response: Response, query: ListDep):
        """One page of the mailings that match the filters, in the order asked (ties by
        mailing_id; nulls last either way), with their figures of all time, machine
        events excluded: rates of delivered, revenue per recipient = attributed revenue
        / delivered. The total is the X-Total-Count header."""
        page = list_page(tables(), query)
        response.headers["X-Total-Count"] = str(page.total)
        return page.items

    @app.get("/api/v1/mailing-trend", response_model=Trend)
    def mailing_trend(who: Viewer, query: ListDep,
                      figure: Annotated[TrendFigure, Query(
                          description="the figure of each mailing, as the list has it")]
                      = "open_rate"):
        """One figure of each sent mailing that matches the list's filters (sort, limit
        and offset aside), oldest first, up to the latest 1,000: the list's figures."""
        return trend(tables(), figure, query)

    @app.get("/api/v1/compare", response_model=Comparison,
             responses={404: {"description": "A mailing asked for does not exist"}})
    def compare_mailings(who: Viewer, query: QueryDep,
                         mailing_id: Annotated[list[str], Query(
                             description="2 to 4 different mailings, in the order to show "
                                         "them", min_length=2, max_length=4,
                             json_schema_extra={"uniqueItems": True})]):
        """Mailings side by side over one period: each one's funnel, rates, revenue,
        revenue per recipient and open-hour profile, the same figures as its own
        report."""
        return compare(tables(), mailing_id, query)

    @app.get("/api/v1/send-time-advice", response_model=SendTimeAdvice)
    def send_time(who: Viewer,
                  channel: Annotated[Channel, Query(description="the channel to advise on")],
                  by: Annotated[Breakdown, Query(
                      description="advice per recipient time zone or per region")] = "zone",
                  as_of: Annotated[dt.date | None, Query(
                      description="the last day of the 180-day window (company zone); "
                                  "today by default")] = None):
        """The best local hour to send at, per recipient time zone or region, from
        how the recipients of the 180 days up to ``as_of`` responded within 24 hours
        of sending (DESIGN.md, "Send-time advice"); low confidence where the data is
        thin or the next best hour is as good (docs/send-time.md)."""
        return send_time_advice(tables(), channel, by, as_of)

    @app.get("/api/v1/mailings/{mailing_id}", response_model=Mailing)
    def mailing(mailing_id: str, who: Viewer):
        return get_mailing(tables(), mailing_id)

    @app.get("/api/v1/mailings/{mailing_id}/report", response_model=MailingReport,
             response_model_by_alias=True)
    def report(mailing_id: str, query: QueryDep, who: Viewer):
        return mailing_report(tables(), mailing_id, query,
                              with_product_sales=who.can(PRODUCT_SALES))

    @app.get("/api/v1/mailings/{mailing_id}/report.xlsx", response_class=Response,
             responses={200: {"content": {XLSX: {}}, "description": "The whole report as "
                              "an Excel workbook: a sheet per section, typed cells, and "
                              "a sheet of definitions and settings"}})
    def report_workbook(mailing_id: str, query: QueryDep, who: Viewer, request: Request,
                        lang: WorkbookLanguage = None):
        result = mailing_report(tables(), mailing_id, query,
                                with_product_sales=who.can(PRODUCT_SALES))
        return workbook_response(write_mailing_workbook, result, f"{mailing_id}-report",
                                 request)

    @app.get("/api/v1/mailings/{mailing_id}/report/{section}",
             responses={200: {"model": SectionResult, "description": "The section, as in "
                              "the whole report; null where it does not apply"}})
    def section(mailing_id: str, section: SectionName, query: QueryDep, who: Viewer):
        if section not in REPORT_KEYS:
            raise HTTPException(404, f"unknown section {section!r}; sections are "
                                     f"{', '.join(REPORT_KEYS)}")
        if section == "product_sales" and not who.can(PRODUCT_SALES):
            raise HTTPException(403, "product sales needs the product_sales permission")
        result = report_section(tables(), mailing_id, section, query)
        if result is None:
            return None
        if isinstance(result, list):
            return [r.model_dump(mode="json", by_alias=True) for r in result]
        return result.model_dump(mode="json", by_alias=True)

    @app.get("/api/v1/campaigns", response_model=list[Campaign])
    def campaigns(who: Viewer):
        return list_campaigns(tables())

    @app.get("/api/v1/campaigns/{campaign_id}/report", response_model=CampaignReport,
             response_model_by_alias=True)
    def campaign(campaign_id: str, query: QueryDep, who: Viewer):
        return campaign_report(tables(), campaign_id, query,
                               with_product_sales=who.can(PRODUCT_SALES))

    @app.get("/api/v1/campaigns/{campaign_id}/report.xlsx", response_class=Response,
             responses={200: {"content": {XLSX: {}}, "description": "The campaign report "
                              "as an Excel workbook"}})
    def campaign_workbook(campaign_id: str, query: QueryDep, who: Viewer, request: Request,
                          lang: WorkbookLanguage = None):
        result = campaign_report(tables(), campaign_id, query,
                                 with_product_sales=who.can(PRODUCT_SALES))
        return workbook_response(write_campaign_workbook, result, f"{campaign_id}-report",
                                 request)

    def workbook_response(write, result, stem: str, request: Request) -> Response:
        out = io.BytesIO()
        settings = tables().settings
        # ?lang= (declared on the routes for the schema), else as the pages choose it
        write(result, out, settings, language=reader_language(request, settings.locale))
        period = result.period
        if period.from_ or period.to:
            stem += f"-{period.from_ or ''}_{period.to or ''}"
        return Response(out.getvalue(), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{stem}.xlsx"'})

    @app.post("/api/v1/loads", responses=problem_responses(
        403, why={403: "Loads are accepted from this machine only, and need the admin "
                       "role."}))
    def load(body: LoadRequest, request: Request,
             who: Annotated[Principal, Depends(require("admin"))]):
        """Load a directory on this machine through the server's own store, so
        `mailreport load` works while the server holds the database."""
        from mailreport.ingest.loader import load_directory

        if not is_loopback(request):
            raise HTTPException(403, "loads are accepted from this machine only")
        if store.engine == "lake":
            raise HTTPException(503, f"this server reads the lake {store.lake}: load into the "
                                     f"lake with `mailreport load DIR --lake {store.lake}`")
        summary = load_directory(store, body.directory, body.report_dir)
        if summary.directory_problem:  # the request named the wrong place: nothing read
            raise HTTPException(422, summary.directory_problem)
        return summary.to_dict()

    app.include_router(webhooks.router)
    install_signin(app)
    install_oidc_signin(app)
    app.include_router(customers.router)
    app.include_router(campaign_customers.router)
    app.include_router(tokens.router)
    install_schedules(app)
    install_shares(app)
    install_pdf(app)
    app.include_router(users.router)
    app.include_router(erasure.router)
    install_audit(app)
    app.include_router(store_info.router)
    install_metrics(app, settings.metrics)
    install_customer_pages(app)
    install_account_page(app)
    install_admin_pages(app)
    install_pages(app)
    install_csrf(app)
    install_loopback_hosts(app)
    install_limits(app)  # bodies over the limit are refused before CSRF or auth
    install_security_headers(app)  # the outermost but one, so on CSRF refusals too
    install_request_log(app)  # last: every answer logged, counted and given its id

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return problem(404, "Not Found", str(exc), request)

    @app.exception_handler(ReportError)
    async def report_error(request: Request, exc: ReportError):
        return problem(422, "Unprocessable Content", str(exc), request)

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable):
        # a lake whose new facts cannot be read: what to run is in the detail
        return problem(503, None, str(exc), request)

    return app
