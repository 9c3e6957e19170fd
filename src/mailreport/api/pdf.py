"""A report page as a PDF, drawn by the page itself: a headless Chromium (driven by
Playwright) opens the report as a person would, waits until every section has
drawn, and prints it to A4 with the report's name, period and time zone in the
header and the generation time and page numbers in the footer. So the charts in the
PDF are the page's own, and a print stylesheet (app.css, @media print) leaves out
the controls and starts each section on a new page.

The page is served by the running server that holds the database, or by one this
command starts on a free loopback port for the while; either way Chromium is let in
with the local CLI secret (api/security.py), never by turning authentication off."""

from __future__ import annotations

import datetime as dt
import html
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mailreport.api.security import LOCAL_HEADER

# The page is drawn at a desktop width and printed scaled to A4's printable width
# (186 mm, about 703 CSS pixels): so the layout and the charts are the desktop's, and
# the print layout lays the page out at the same width the charts were drawn for.
PAGE_WIDTH = 1100
PRINT_SCALE = 0.64
READY = "main[data-state='ready'], main[data-state='error']"
# the page's fonts and images in (an image that failed counts as complete)
PRINTABLE = ("() => document.fonts.status === 'loaded' && "
             "[...document.images].every(image => image.complete)")


class PdfError(RuntimeError):
    """The PDF could not be made; the message says what to do."""


@dataclass(frozen=True)
class Site:
    url: str
    secret: str


@contextmanager
def local_site(store) -> Iterator[Site]:
    """The app over ``store`` on a free loopback port, for the duration."""
    import secrets

    import uvicorn

    from mailreport.api.app import create_app

    secret = secrets.token_urlsafe(32)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(store, public_url=f"http://127.0.0.1:{port}", local_secret=secret)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise PdfError("the report server for the PDF did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", secret)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium_path() -> str | None:
    """Debian's Chromium where there is one; else Playwright's own (None)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def N_(text: str) -> str:  # noqa: N802 - gettext's marker (pages catalog), for extraction
    return text


def _words(language: str):
    from mailreport.i18n.catalogs import translations

    return translations(language, "pages").gettext


def _language_of(path: str) -> str:
    """The page's language, as its address asks (``lang=``); English otherwise."""
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(path).query).get("lang") or ["en"])[0]


def _header(title: str, period: str, zone: str, language: str = "en") -> str:
    text = html.escape(_words(language)(N_("{title} · {period} · times in {zone}")).format(
        title=title, period=period, zone=zone))
    return (f'<div style="font: 8px sans-serif; color: #475569; width: 100%; '
            f'padding: 0 12mm;">{text}</div>')


def _footer(generated: str, language: str = "en") -> str:
    words = _words(language)
    made = html.escape(words(N_("mailreport · generated {when}")).format(when=generated))
    # the page numbers are Chromium's own elements, put where the language's words say
    pages = html.escape(words(N_("page {page} of {pages}"))).format(
        page='<span class="pageNumber"></span>', pages='<span class="totalPages"></span>')
    return ('<div style="font: 8px sans-serif; color: #475569; width: 100%; padding: 0 12mm; '
            'display: flex; justify-content: space-between;">'
            f'<span>{made}</span><span>{pages}</span></div>')


def render_pdf(site: Site, path: str, out: Path, *, title: str, period: str, zone: str,
               timeout_s: float = 120, headers: dict[str, str] | None = None,
               cookies: list[dict] | None = None) -> Path:
    """Print the page at ``path`` of ``site`` to ``out``. In a thread of its own:
    Playwright's synchronous API refuses a thread that runs an event loop (a server's,
    or a caller's). Chromium is let in with the site's local secret, or, where it has
    none (the API printing for a reader), with the reader's own ``headers`` or session
    ``cookies``, so that the PDF shows what the reader may see and nothing more."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_render_pdf, site, path, out, title=title, period=period,
                           zone=zone, timeout_s=timeout_s, headers=headers,
                           cookies=cookies).result()


def _render_pdf(site: Site, path: str, out: Path, *, title: str, period: str, zone: str,
                timeout_s: float, headers: dict[str, str] | None = None,
                cookies: list[dict] | None = None) -> Path:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("a PDF needs Playwright: pip install 'mailreport[pdf]'") from None
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path())
            try:
                context = browser.new_context(
                    viewport={"width": PAGE_WIDTH, "height": 1400},
                    extra_http_headers={LOCAL_HEADER: site.secret} if site.secret
                    else dict(headers or {}))
                if cookies:
                    context.add_cookies(cookies)
                page = context.new_page()
                page.goto(site.url + path, timeout=timeout_s * 1000)
                page.wait_for_selector(READY, timeout=timeout_s * 1000)
                if page.locator("main").get_attribute("data-state") == "error":
                    raise PdfError(f"the report page could not be drawn: "
                                   f"{page.locator('main').inner_text()[:300]}")
                # not "networkidle": Chromium may never report the network idle once
                # the sandboxed email frame sits below the viewport, though every
                # request has finished; READY has waited for what the scripts fetch
                page.wait_for_load_state("load", timeout=timeout_s * 1000)
                page.wait_for_function(PRINTABLE, timeout=timeout_s * 1000)
                # every chart drawn at the printed width, without its animation
                page.wait_for_timeout(800)
                page.pdf(path=str(out), format="A4", print_background=True, scale=PRINT_SCALE,
                         display_header_footer=True,
                         header_template=_header(title, period, zone, _language_of(path)),
                         footer_template=_footer(generated, _language_of(path)),
                         margin={"top": "16mm", "bottom": "16mm", "left": "12mm",
                                 "right": "12mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PdfError(f"Chromium could not print the report: {first}") from None
    return out
