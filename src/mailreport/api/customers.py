"""Customer lists and exports over HTTP: thin handlers over reports.customers and
mailreport.exports. Lists need customer_data (DESIGN.md, "Security"); exports
need the exports permission, and customer_data for contact fields."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError

from mailreport.api.audit import recorded
from mailreport.api.params import invalid_params, period, period_date
from mailreport.api.security import require
from mailreport.auth import Principal
from mailreport.exports import ENTITIES, Export, ExportRequest, UnknownFields
from mailreport.exports.entities import CONTACT_FIELDS, EntityName
from mailreport.exports.export import Language
from mailreport.exports.formats import Format, Headers
from mailreport.i18n.catalogs import gettext
from mailreport.reports.customers import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    CustomerList,
    SortKey,
    SortOrder,
    customer_list,
)
from mailreport.reports.deliverability import MAX_HARD_PAGE_SIZE, HardBounces, hard_bounces
from mailreport.reports.query import ReportQuery, check_period
from mailreport.reports.segments import BounceClass, ListStage, Segment, VolumeStatus

router = APIRouter(tags=["customers"])

CUSTOMER_DATA = "customer_data"


class Filters(BaseModel):
    segment: Segment
    query: ReportQuery


def list_filters(
    stage: ListStage | None = None,
    status: VolumeStatus | None = None,
    date_from: Annotated[str | None, period_date("from")] = None,
    date_to: Annotated[str | None, period_date("to")] = None,
    include_machine: bool = False,
    group: Literal["test", "control"] | None = None,
    variant_id: str | None = None,
    bounce_class: Annotated[BounceClass | None, Query(
        description="with stage bounced: the class of the customers' latest bounce")] = None,
    reason: Annotated[str | None, Query(
        description="with stage bounced or unsubscribed: the reason of the customers' "
                    "latest bounce or unsubscribe, as the deliverability section names it "
                    "(\"not given\": none)")] = None,
) -> Filters:
    """Which customers: a stage or a volume status, the period, group and variant."""
    try:
        return Filters(segment=Segment(stage=stage, status=status, bounce_class=bounce_class,
                                       reason=reason),
                       query=ReportQuery(**period(date_from, date_to),
                                         include_machine=include_machine, group=group,
                                         variant_id=variant_id))
    except ValidationError as exc:
        raise invalid_params(exc) from None


FiltersDep = Annotated[Filters, Depends(list_filters)]


@router.get("/api/v1/mailings/{mailing_id}/customers", response_model=CustomerList,
            response_model_by_alias=True)
def customers(mailing_id: str, request: Request,
              who: Annotated[Principal, Depends(require(CUSTOMER_DATA))],
              filters: FiltersDep,
              page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
              page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
              sort: SortKey = "customer_id", order: SortOrder = "asc"):
    """The customers of one stage or volume status, a page at a time, with the
    segment's metrics: customer data, for those with its permission (analysts and
    admins; DESIGN.md, "Security")."""
    result = customer_list(request.app.state.store.tables(), mailing_id, filters.segment,
                           filters.query, page=page, page_size=page_size, sort=sort,
                           order=order)
    recorded(request, who, "customer_list", f"mailing:{mailing_id}",
             **_segment(filters), page=page, rows=len(result.rows), total=result.total)
    return result


def _segment(filters: Filters) -> dict:
    """Which customers a list or export held, for the audit trail."""
    segment, query = filters.segment, filters.query
    return {k: v for k, v in {
        "stage": segment.stage, "status": segment.status, "bounce_class": segment.bounce_class,
        "reason": segment.reason, "from": query.date_from, "to": query.date_to,
        "group": query.group, "variant_id": query.variant_id}.items() if v is not None}


@router.get("/api/v1/bounces/hard", response_model=HardBounces,
            response_model_by_alias=True)
def hard_bounced(request: Request, who: Annotated[Principal, Depends(require(CUSTOMER_DATA))],
                 date_from: Annotated[str | None, period_date("from")] = None,
                 date_to: Annotated[str | None, period_date("to")] = None,
                 channel: Literal["email", "sms", "push"] | None = None,
                 page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=MAX_HARD_PAGE_SIZE)] = 1000):
    """The addresses that bounced hard in the period: customers whose latest bounce
    in it, of any mailing over a channel, was hard (DESIGN.md, "Deliverability"),
    with that channel's address, so the next audience can leave them out. Customer
    data, for those with its permission."""
    try:
        query = ReportQuery(**period(date_from, date_to))
    except ValidationError as exc:
        raise invalid_params(exc) from None
    tables = request.app.state.store.tables()
    check_period(query, tables.settings.max_period_days)
    result = hard_bounces(tables, query, channel=channel, page=page, page_size=page_size)
    recorded(request, who, "hard_bounces", f"channel:{channel or 'all'}",
             **{k: v for k, v in {"from": query.date_from, "to": query.date_to}.items() if v},
             page=page, rows=len(result.rows))
    return result


class ExportField(BaseModel):
    name: str
    title: str  # the column's heading in a file for people, in the language asked for
    kind: str
    help: str


class ExportEntity(BaseModel):
    name: str
    title: str  # its sheet's name in an XLSX file for people
    help: str
    fields: list[ExportField]
    default_fields: list[str]


@router.get("/api/v1/exports/entities", response_model=list[ExportEntity])
def export_entities(request: Request, who: Annotated[Principal, Depends(require("exports"))],
                    lang: Annotated[Language | None, Query(
                        description="the language of the titles; default: the locale "
                                    "setting")] = None):
    """What an export can hold for the asker, and the fields of each, with the titles
    a file for people (headers=human) gives them."""
    language = lang or request.app.state.store.tables().settings.locale

    def title(text: str) -> str:
        return gettext(language, "exports", text)

    return [ExportEntity(name=e.name, title=title(e.title), help=e.help,
                         default_fields=list(e.default_fields),
                         fields=[ExportField(name=f.name, title=title(f.title), kind=f.kind,
                                             help=f.help) for f in e.fields])
            for e in ENTITIES.values() if e.permission is None or who.can(e.permission)]


FormatParam = Annotated[Format, Query(
    alias="format",
    description="csv: UTF-8, comma-separated, ISO dates and UTC times, for "
                "programs. csv-excel-ru: for people opening it in a Russian "
                "Excel: UTF-8 with a byte-order mark, semicolon-separated, "
                "decimal comma, dd.MM.yyyy dates and dd.MM.yyyy HH:mm times in "
                "the company's time zone, money as bare numbers, phone numbers "
                "bare; other text starting with = + - @ still gets a leading "
                "apostrophe. xlsx: typed cells (docs/exports.md)")]
FieldsParam = Annotated[str | None, Query(
    description="Comma-separated field names, in order; default: the "
                "entity's usual set")]
HeadersParam = Annotated[Headers, Query(
    description="The header row: machine (the field names, the default, as "
                "before) or human (the fields' titles in lang). With xlsx, "
                "human also makes the cells for people: times in the "
                "company's time zone, dates in lang's order, phone numbers "
                "without a leading apostrophe")]
LangParam = Annotated[Language | None, Query(
    description="The language of a file for people: its titles, sheet name "
                "and XLSX date format; default: the locale setting")]
EXPORT_RESPONSES = {200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-"
                                      "officedocument.spreadsheetml.sheet": {}}}}


@router.get("/api/v1/mailings/{mailing_id}/export", response_class=StreamingResponse,
            responses=EXPORT_RESPONSES)
def export(mailing_id: str, request: Request,
           who: Annotated[Principal, Depends(require("exports"))], filters: FiltersDep,
           entity: EntityName = "customers", fmt: FormatParam = "csv",
           fields: FieldsParam = None, headers: HeadersParam = "machine",
           lang: LangParam = None):
    """A customer list's entity as a CSV or XLSX file, streamed."""
    req = ExportRequest(mailing_id=mailing_id, segment=filters.segment, query=filters.query,
                        entity=entity, format=fmt,
                        fields=fields.split(",") if fields else None, headers=headers,
                        lang=lang)
    return streamed_export(request, who, req, f"mailing:{mailing_id}", _segment(filters))


def streamed_export(request: Request, who: Principal, req: ExportRequest, audited: str,
                    details: dict) -> StreamingResponse:
    """The export checked (fields, permissions) and streamed, recorded in the audit
    trail against ``audited`` (mailing:<id>, campaign:<id>) once it ends."""
    try:
        prepared = Export(request.app.state.store.tables(), req)
    except UnknownFields as exc:
        raise HTTPException(422, str(exc)) from None
    needed = prepared.entity.permission
    if needed and not who.can(needed):
        raise HTTPException(403, f"exporting {req.entity} needs the {needed} permission")
    if prepared.has_contacts and not who.can(CUSTOMER_DATA):
        raise HTTPException(403, f"exporting {', '.join(sorted(CONTACT_FIELDS))} needs the "
                                 f"{CUSTOMER_DATA} permission")
    return StreamingResponse(_recorded_export(request, who, prepared, req, audited, details),
                             media_type=prepared.media_type,
                             headers={"Content-Disposition": prepared.content_disposition})


def _recorded_export(request: Request, who: Principal, prepared: Export, req: ExportRequest,
                     audited: str, details: dict):
    """The export's chunks, then its record in the audit trail with the rows sent;
    ``complete`` is false when the client went away or a slice failed midway."""
    complete = False
    try:
        yield from prepared.chunks()
        complete = True
    finally:
        recorded(request, who, "export", audited, **details,
                 contents=req.entity, format=req.format,
                 fields=[f.name for f in prepared.fields],
                 rows=prepared.rows, complete=complete)
