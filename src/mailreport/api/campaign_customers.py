"""A campaign's customer lists and exports over HTTP: the drill-down from the
campaign funnel. Thin handlers over reports.campaign_customers and the exports,
with the mailing lists' permissions and audit records (api/customers.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError

from mailreport.api.audit import recorded
from mailreport.api.customers import (
    CUSTOMER_DATA,
    EXPORT_RESPONSES,
    FieldsParam,
    FormatParam,
    HeadersParam,
    LangParam,
    streamed_export,
)
from mailreport.api.params import invalid_params, period, period_date
from mailreport.api.security import require
from mailreport.auth import Principal
from mailreport.exports import ExportRequest
from mailreport.exports.entities import EntityName
from mailreport.reports.campaign_customers import CampaignCustomerList, campaign_customer_list
from mailreport.reports.campaign_segments import CampaignStage
from mailreport.reports.customers import MAX_PAGE, MAX_PAGE_SIZE, SortKey, SortOrder
from mailreport.reports.query import ReportQuery
from mailreport.reports.segments import Segment

router = APIRouter(tags=["customers"])


class CampaignFilters(BaseModel):
    stage: CampaignStage
    query: ReportQuery


def campaign_filters(
    stage: Annotated[CampaignStage, Query(
        description="the funnel stage: customers who reached it in any of the campaign's "
                    "mailings (ordered: an order attributed to any of them)")],
    date_from: Annotated[str | None, period_date("from")] = None,
    date_to: Annotated[str | None, period_date("to")] = None,
    include_machine: bool = False,
) -> CampaignFilters:
    """Which customers: a stage of the campaign funnel and the period."""
    try:
        return CampaignFilters(stage=stage, query=ReportQuery(
            **period(date_from, date_to), include_machine=include_machine))
    except ValidationError as exc:
        raise invalid_params(exc) from None


CampaignFiltersDep = Annotated[CampaignFilters, Depends(campaign_filters)]


def _audited(filters: CampaignFilters) -> dict:
    q = filters.query
    return {k: v for k, v in {"stage": filters.stage, "from": q.date_from,
                              "to": q.date_to}.items() if v is not None}


@router.get("/api/v1/campaigns/{campaign_id}/customers", response_model=CampaignCustomerList,
            response_model_by_alias=True)
def campaign_customers(campaign_id: str, request: Request,
                       who: Annotated[Principal, Depends(require(CUSTOMER_DATA))],
                       filters: CampaignFiltersDep,
                       page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                       page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
                       sort: SortKey = "customer_id", order: SortOrder = "asc"):
    """The distinct customers who reached one stage of the campaign funnel in any of
    its mailings in the period, a page at a time, with the segment's metrics (its
    share is of the campaign's distinct audience; orders and revenue are those
    attributed to any of its mailings). Its total is the funnel's figure. Customer
    data, for those with its permission (analysts and admins)."""
    result = campaign_customer_list(request.app.state.store.tables(), campaign_id,
                                    filters.stage, filters.query, page=page,
                                    page_size=page_size, sort=sort, order=order)
    recorded(request, who, "customer_list", f"campaign:{campaign_id}", **_audited(filters),
             page=page, rows=len(result.rows), total=result.total)
    return result


@router.get("/api/v1/campaigns/{campaign_id}/export", response_class=StreamingResponse,
            responses=EXPORT_RESPONSES)
def campaign_export(campaign_id: str, request: Request,
                    who: Annotated[Principal, Depends(require("exports"))],
                    filters: CampaignFiltersDep, entity: EntityName = "customers",
                    fmt: FormatParam = "csv", fields: FieldsParam = None,
                    headers: HeadersParam = "machine", lang: LangParam = None):
    """A campaign list's entity as a CSV or XLSX file, streamed: its customers, the
    receipts or orders attributed to any of the campaign's mailings (each once) and
    their lines, or the campaign's mailings' audience rows of those customers."""
    req = ExportRequest(campaign_id=campaign_id, segment=Segment(stage=filters.stage),
                        query=filters.query, entity=entity, format=fmt,
                        fields=fields.split(",") if fields else None, headers=headers,
                        lang=lang)
    return streamed_export(request, who, req, f"campaign:{campaign_id}", _audited(filters))
