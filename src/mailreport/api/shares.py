"""Share links over HTTP: an analyst makes a signed, expiring, read-only link to
one report view (shares.py), lists and revokes them; anyone with the link reads
that view at /shared/<token>, without an account. The view's API answers only
that report over that period: no customer lists, no exports, no product sales,
and the period cannot be widened from the link."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailreport.api.security import require
from mailreport.auth import Principal
from mailreport.reports import NotFound
from mailreport.reports.campaign import campaign_report, get_campaign
from mailreport.reports.models import CampaignReport, MailingReport, UtcTimestamp
from mailreport.reports.query import ReportQuery, get_mailing
from mailreport.reports.report import mailing_report, section
from mailreport.shares import (
    MAX_DAYS,
    ShareError,
    create_share,
    list_shares,
    open_share,
    revoke_share,
)

router = APIRouter(prefix="/api/v1/shares", tags=["shares"])
Sharer = Annotated[Principal, Depends(require("exports"))]
# what a shared view's reader may change: its own controls, never the period
VIEW_CONTROLS = ("open_hours_zone", "include_machine", "sort", "search", "unit", "group",
                 "variant_id")
def N_(text: str) -> str:  # noqa: N802 - gettext's marker (pages catalog), for extraction
    return text


GONE = (N_("This link has expired or was revoked"),
        N_("Ask whoever sent it for a new one."))


class ShareInfo(BaseModel):
    """A share link as lists show it: never its secret."""
    share_id: str
    kind: Literal["mailing", "campaign"]
    target_id: str
    date_from: dt.date | None = Field(alias="from", default=None)
    date_to: dt.date | None = Field(alias="to", default=None)
    created_by: str
    created_at: UtcTimestamp
    expires_at: UtcTimestamp
    revoked_at: UtcTimestamp | None
    model_config = ConfigDict(populate_by_name=True)


class NewShare(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["mailing", "campaign"]
    target_id: str = Field(min_length=1, max_length=200)
    date_from: dt.date | None = Field(None, alias="from", description="The view's period, "
                                      "a date in the company's zone; none: from the start")
    date_to: dt.date | None = Field(None, alias="to")
    days: int = Field(14, ge=1, le=MAX_DAYS, description="How long the link works.")


class CreatedShare(ShareInfo):
    url: str = Field(description="The link: shown in this answer only.")


def _info(share) -> ShareInfo:
    values = asdict(share)
    return ShareInfo(**{**values, "from": values.pop("date_from"), "to": values.pop("date_to")})


@router.get("", response_model=list[ShareInfo], response_model_by_alias=True)
def shares(request: Request, who: Sharer):
    """Every share link, revoked and expired ones included, oldest first."""
    return [_info(s) for s in list_shares(request.app.state.store)]


@router.post("", status_code=201, response_model=CreatedShare, response_model_by_alias=True,
             responses={404: {"description": "No such mailing or campaign"}})
def create(body: NewShare, request: Request, response: Response, who: Sharer):
    """A read-only link to one report over one period, for people without an
    account; it stops working after ``days`` or when revoked."""
    store = request.app.state.store
    tables = store.tables()
    try:
        (get_mailing if body.kind == "mailing" else get_campaign)(tables, body.target_id)
        share, token = create_share(store, body.kind, body.target_id, body.date_from,
                                    body.date_to, body.days, who.name)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ShareError as exc:
        raise HTTPException(422, str(exc)) from None
    response.headers["Cache-Control"] = "no-store"
    return CreatedShare(**_info(share).model_dump(by_alias=True),
                        url=str(request.base_url).rstrip("/") + f"/shared/{token}")


@router.post("/{share_id}/revoke", response_model=ShareInfo, response_model_by_alias=True,
             responses={404: {"description": "No such share link"}})
def revoke(share_id: Annotated[str, Path(max_length=64)], request: Request, who: Sharer):
    """Revoke a link: it is refused from the next request on."""
    try:
        return _info(revoke_share(request.app.state.store, share_id))
    except ShareError as exc:
        raise HTTPException(404, str(exc)) from None


def install_shares(app: FastAPI) -> None:
    """The shared views: the report page and the API calls it makes, by token."""
    from mailreport.web.pages import (
        REPORT_PAGE_POLICY,
        _translated,
        reader_language,
        render_page,
        variant_body,
    )

    app.include_router(router)
    store = app.state.store

    def live(token: str):
        share = open_share(store, token)
        if share is None:
            raise HTTPException(404, "this link has expired, was revoked or never existed")
        return share

    def fixed(share, request: Request) -> ReportQuery:
        """The view's own controls (time zone, sort, group...) as asked; its period
        the share's, whatever the link says."""
        asked = {k: v for k, v in request.query_params.items()
                 if k in VIEW_CONTROLS and v != ""}
        try:
            return ReportQuery.model_validate(
                {**asked, "from": share.date_from, "to": share.date_to})
        except ValidationError as exc:
            raise HTTPException(422, "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None

    def period_params(share) -> str:
        parts = [f"{k}={v}" for k, v in (("from", share.date_from), ("to", share.date_to)) if v]
        return "&".join(parts)

    @app.get("/shared/{token}", response_class=HTMLResponse, include_in_schema=False)
    def shared_page(request: Request, token: str):
        share = open_share(store, token)
        settings = store.tables().settings
        if share is None:
            language = reader_language(request, settings.locale)
            page = render_page(request, settings, "error.html", GONE[0],
                               heading=_translated(language, GONE[0]),
                               sentence=_translated(language, GONE[1]), page_state="error",
                               status=410)
            page.headers["Cache-Control"] = "no-store"
            return page
        wanted = period_params(share)
        if wanted and not request.query_params.get("from") and not request.query_params.get("to"):
            # the page reads its period from its address, as a signed-in reader's does
            lang = request.query_params.get("lang")
            return RedirectResponse(f"/shared/{token}?{wanted}" + (f"&lang={lang}" if lang else ""),
                                    status_code=302)
        base = f"/shared/{token}/api"
        if share.kind == "mailing":
            page = render_page(request, settings, "report.html", "Mailing report",
                               mailing_id=share.target_id, can_list=False, shared_base=base)
        else:
            page = render_page(request, settings, "campaign_report.html", "Campaign report",
                               campaign_id=share.target_id, shared_base=base)
        page.headers["Content-Security-Policy"] = REPORT_PAGE_POLICY
        page.headers["Cache-Control"] = "no-store"
        page.headers["Referrer-Policy"] = "no-referrer"  # the link is the key: keep it
        page.headers["X-Robots-Tag"] = "noindex"
        return page

    @app.get("/shared/{token}/api/report", response_model=MailingReport | CampaignReport,
             response_model_by_alias=True, include_in_schema=False)
    def shared_report(token: str, request: Request):
        share = live(token)
        tables = store.tables()
        if share.kind == "campaign":
            return campaign_report(tables, share.target_id, fixed(share, request),
                                   with_product_sales=False)
        return mailing_report(tables, share.target_id, fixed(share, request),
                              with_product_sales=False)

    @app.get("/shared/{token}/api/report/{name}", include_in_schema=False)
    def shared_section(token: str, name: str, request: Request):
        share = live(token)
        if share.kind != "mailing" or name == "product_sales":
            raise HTTPException(404, f"no section {name!r} in this view")
        try:
            return section(store.tables(), share.target_id, name, fixed(share, request))
        except KeyError:
            raise HTTPException(404, f"unknown section {name!r}") from None

    @app.get("/shared/{token}/api/variants/{variant_id}/body", include_in_schema=False)
    def shared_body(token: str, variant_id: str):
        share = live(token)
        if share.kind != "mailing":
            raise HTTPException(404, "no email in this view")
        return variant_body(store.tables(), share.target_id, variant_id)
