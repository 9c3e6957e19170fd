"""GET .../report.pdf: the report page printed by a headless Chromium in the server
(api/pdf.py), as the reader asking sees it: Chromium carries the reader's own token
or session, so the PDF holds what they may see and nothing more. At most
``PDF_AT_ONCE`` PDFs are drawn at a time, each within ``PDF_SECONDS``; a request
beyond that is answered 503 with Retry-After, not queued."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response

from mailreport.api.pdf import PdfError, Site, chromium_path, render_pdf
from mailreport.api.security import SESSION_COOKIE, require
from mailreport.auth import Principal
from mailreport.reports.campaign import get_campaign
from mailreport.reports.query import get_mailing

PDF = "application/pdf"
PDF_AT_ONCE = 2
PDF_SECONDS = 120
Reader = Annotated[Principal, Depends(require("reports"))]


def install_pdf(app: FastAPI) -> None:
    store = app.state.store
    drawing = threading.BoundedSemaphore(PDF_AT_ONCE)

    def pdf(request: Request, page_path: str, title: str, stem: str,
            extra: dict[str, str] | None = None) -> Response:
        if chromium_path() is None:
            raise HTTPException(503, "PDFs need Chromium on the server (apt-get install "
                                     "chromium, or playwright install chromium)")
        if not drawing.acquire(blocking=False):
            raise HTTPException(503, f"{PDF_AT_ONCE} PDFs are being drawn; try again in a "
                                     "minute", headers={"Retry-After": "30"})
        try:
            settings = store.tables().settings
            query = {k: v for k, v in request.query_params.items() if k in ("from", "to")}
            query["lang"] = request.query_params.get("lang") or settings.locale
            query.update(extra or {})
            path = page_path + "?" + urlencode(query)
            period = (" – ".join(v for v in (query.get("from"), query.get("to")) if v)
                      or "all time")
            auth = request.headers.get("authorization")
            session = request.cookies.get(SESSION_COOKIE)
            base = app.state.public_url or str(request.base_url).rstrip("/")
            cookies = ([{"name": SESSION_COOKIE, "value": session, "url": base}]
                       if session and not auth else None)
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "report.pdf"
                try:
                    render_pdf(Site(base, ""), path, out, title=title, period=period,
                               zone=settings.company_timezone, timeout_s=PDF_SECONDS,
                               headers={"Authorization": auth} if auth else None,
                               cookies=cookies)
                except PdfError as exc:
                    raise HTTPException(503, str(exc)) from None
                content = out.read_bytes()
        finally:
            drawing.release()
        return Response(content, media_type=PDF, headers={
            "Content-Disposition": f'attachment; filename="{stem}.pdf"'})

    described = {200: {"content": {PDF: {}}, "description": "The report page as a PDF (A4, "
                       "charts included), as the reader asking may see it"},
                 503: {"description": "Chromium is missing, busy with other PDFs, or could "
                                      "not draw the page"}}

    @app.get("/api/v1/mailings/{mailing_id}/report.pdf", response_class=Response,
             responses=described)
    def mailing_pdf(mailing_id: str, request: Request, who: Reader):
        """The mailing report page printed to PDF; `from`, `to` and `lang` as the page
        takes them."""
        mailing = get_mailing(store.tables(), mailing_id)
        return pdf(request, f"/mailings/{mailing_id}", mailing.name, f"{mailing_id}-report")

    @app.get("/api/v1/campaigns/{campaign_id}/report.pdf", response_class=Response,
             responses=described)
    def campaign_pdf(campaign_id: str, request: Request, who: Reader):
        """The campaign report page printed to PDF."""
        campaign, _ = get_campaign(store.tables(), campaign_id)
        return pdf(request, f"/campaigns/{campaign_id}", campaign.name,
                   f"{campaign_id}-report")

    @app.get("/api/v1/compare/report.pdf", response_class=Response,
             responses={**described, 404: {"description": "A mailing asked for does not "
                                                          "exist"}})
    def compare_pdf(request: Request, who: Reader,
                    mailing_id: Annotated[list[str], Query(
                        description="2 to 4 different mailings, in the order to show them",
                        min_length=2, max_length=4, json_schema_extra={"uniqueItems": True})]):
        """The compare page of 2 to 4 mailings printed to PDF."""
        if len(set(mailing_id)) != len(mailing_id):
            raise HTTPException(422, "each mailing may be compared once")
        names = [get_mailing(store.tables(), m).name for m in mailing_id]
        return pdf(request, "/compare", " · ".join(names), "compare-" + "-".join(mailing_id),
                   {"ids": ",".join(mailing_id)})
