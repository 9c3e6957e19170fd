"""The report pages: server-rendered shells (Jinja2) whose ES-module scripts fetch
every number from the JSON API, plus the one endpoint only the pages need (the
email's HTML for the click heatmap)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import BaseModel

from mailreport import __version__
from mailreport.api.csrf import csrf_token
from mailreport.api.customers import CUSTOMER_DATA
from mailreport.api.headers import page_policy
from mailreport.api.security import current_principal, require
from mailreport.i18n import COOKIE, LANGUAGES, NATIVE_NAMES, choose
from mailreport.i18n.catalogs import page_translations
from mailreport.i18n.client import module as client_module
from mailreport.i18n.glossary import glossary_json
from mailreport.reports import NotFound
from mailreport.reports.query import get_mailing
from mailreport.web.email_html import clean_email_html
from mailreport.web.error_pages import install_error_pages

HERE = Path(__file__).parent
# The permission the schedules' API asks to add, run or remove one (api/schedules.py)
EXPORTS = "exports"
# The email preview is an about:srcdoc frame, which runs under this page's policy as
# well as its own: remote images must be possible here for its "Load images" choice.
# The frame's own policy (heatmap.js) allows them only once the reader asks.
REPORT_PAGE_POLICY = page_policy("'self' data: https: http:")
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.globals["csrf_token"] = csrf_token
# The glossary, for util.js's term(), in the reader's language: in a JSON script tag
# rather than behind a request.
TEMPLATES.env.globals["glossary_json"] = glossary_json
TEMPLATES.env.globals["languages"] = NATIVE_NAMES


@pass_context
def _gettext(context, message: str, **values) -> str:
    text = _translated(context.get("language", LANGUAGES[0]), message)
    return text.format(**values) if values else text


@pass_context
def _ngettext(context, singular: str, plural: str, n: int, **values) -> str:
    text = page_translations(context.get("language", LANGUAGES[0])).ngettext(
        singular, plural, n)
    return text.format(n=n, **values)


def _translated(language: str, message: str) -> str:
    """A page's string in ``language`` (the pages' catalogs, as one)."""
    return page_translations(language).gettext(message)


# {{ _("…") }} and {% trans %} in the templates: the page's language, from its context
TEMPLATES.env.install_gettext_callables(_gettext, _ngettext, newstyle=False)
TEMPLATES.env.globals["_"] = _gettext


class VariantBody(BaseModel):
    mailing_id: str
    variant_id: str
    body_html: str | None


def variant_body(tables, mailing_id: str, variant_id: str) -> VariantBody:
    """The HTML of one variant of a mailing, cleaned and its links numbered
    (web/email_html.py). A mailing without variant rows has the implicit variant A,
    with no body."""
    mailing = get_mailing(tables, mailing_id)
    v = tables.variants
    rows = tables.run(v.filter((v.mailing_id == mailing_id) & (v.variant_id == variant_id))
                      .select("body_html"))
    if not rows and variant_id not in mailing.variants:
        raise NotFound(f"mailing {mailing_id!r} has no variant {variant_id!r}; its variants "
                       f"are {', '.join(mailing.variants)}")
    return VariantBody(mailing_id=mailing_id, variant_id=variant_id,
                       body_html=clean_email_html(rows[0]["body_html"]) if rows else None)


LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def reader_language(request: Request, setting: str) -> str:
    """The language of the page for this reader (mailreport.i18n.choose)."""
    return choose(asked=request.query_params.get("lang"), cookie=request.cookies.get(COOKIE),
                  accept_language=request.headers.get("accept-language"), setting=setting)


def render_page(request: Request, settings, template: str, title: str, *,
                status: int = 200, **context) -> HTMLResponse:
    """A page in the reader's language. Display settings only: every figure on the
    page comes from the API. ``title`` is English, translated here."""
    asked = request.query_params.get("lang")
    language = reader_language(request, settings.locale)
    # the admins' pages are offered to admins who signed in (with --no-auth nobody has)
    context.setdefault("can_admin", request.app.state.auth_enabled and may(request, "admin"))
    page = TEMPLATES.TemplateResponse(request, template, {
        "title": _translated(language, title), "version": __version__,
        "currency": settings.currency, "company_timezone": settings.company_timezone,
        "language": language, **context}, status_code=status)
    if asked in LANGUAGES:  # the switcher's choice, kept for the reader's next pages
        page.set_cookie(COOKIE, asked, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax",
                        httponly=True, secure=request.url.scheme == "https")
    page.headers["Content-Language"] = language
    page.headers["Vary"] = "Accept-Language, Cookie"
    return page


def may(request: Request, permission: str) -> bool:
    """Whether the page's reader holds ``permission``: what the page offers (a link
    to a customer list) follows it, so that no link leads to a refusal. The API still
    decides; this only spares the reader a link that would be refused."""
    try:
        return current_principal(request).can(permission)
    except HTTPException:
        return False


def install_pages(app: FastAPI) -> None:
    if getattr(app.state, "pages_installed", False):  # create_app may have done it already
        return
    app.state.pages_installed = True
    store = app.state.store
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def settings():
        return getattr(store, "settings", None) or store.tables().settings

    def shell(request: Request, template: str, title: str, **context) -> HTMLResponse:
        return render_page(request, settings(), template, title, **context)

    def error_page(request: Request, status: int, heading: str, sentence: str) -> HTMLResponse:
        # heading and sentence are English msgids (error_pages.py), said in the reader's
        # language; the title is translated by render_page
        language = reader_language(request, settings().locale)
        page = shell(request, "error.html", heading, heading=_translated(language, heading),
                     sentence=_translated(language, sentence), page_state="error")
        page.status_code = status
        return page

    install_error_pages(app, error_page)

    @app.get("/api/v1/mailings/{mailing_id}/variants/{variant_id}/body",
             response_model=VariantBody, dependencies=[Depends(require("reports"))])
    def body(mailing_id: str, variant_id: str):
        """The email HTML of a variant, for the click heatmap: sanitised (no scripts,
        event handlers, forms or frames) and each link numbered in ``data-mr-link`` as
        the heatmap section numbers it. Remote images are kept: show it sandboxed, under
        a policy that loads them only when the reader asks."""
        return variant_body(store.tables(), mailing_id, variant_id)

    @app.get("/i18n/{language}.js", include_in_schema=False)
    def language_module(language: str):
        """The page scripts' strings and formats in ``language`` (i18n/client.py)."""
        if language not in LANGUAGES:
            raise HTTPException(404, f"no language {language!r}; there are "
                                     f"{', '.join(LANGUAGES)}")
        return Response(client_module(language, settings().currency),
                        media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def mailings_page(request: Request):
        return shell(request, "mailings.html", "Mass messages", nav="mailings")

    @app.get("/campaigns", response_class=HTMLResponse, include_in_schema=False)
    def campaigns_page(request: Request):
        return shell(request, "campaigns.html", "Campaigns", nav="campaigns")

    @app.get("/schedules", response_class=HTMLResponse, include_in_schema=False)
    def schedules_page(request: Request):
        # the form to add one only for a reader the API lets add (exports): reading
        # schedules needs only reports, like every page
        return shell(request, "schedules.html", "Scheduled reports", nav="schedules",
                     can_write=may(request, EXPORTS))

    @app.get("/mailings/{mailing_id}", response_class=HTMLResponse, include_in_schema=False)
    def mailing_page(request: Request, mailing_id: str):
        page = shell(request, "report.html", "Mailing report", nav="mailings",
                     mailing_id=mailing_id, can_list=may(request, CUSTOMER_DATA))
        page.headers["Content-Security-Policy"] = REPORT_PAGE_POLICY
        return page

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request):
        # the mailings to compare are in the query string (?ids=M01,M02), read by the script
        return shell(request, "compare.html", "Mailings compared", nav="mailings")

    @app.get("/campaigns/{campaign_id}", response_class=HTMLResponse, include_in_schema=False)
    def campaign_page(request: Request, campaign_id: str):
        return shell(request, "campaign_report.html", "Campaign report", nav="campaigns",
                     campaign_id=campaign_id, can_list=may(request, CUSTOMER_DATA))
