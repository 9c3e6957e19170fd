"""What the browser tests share: a real uvicorn server over a store, Debian's
Chromium driven by Playwright, and the page's number formats mirrored in Python so
that text on a page can be compared with the API's JSON."""

from __future__ import annotations

import http.server
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from mailreport.api.app import create_app
from mailreport.i18n.formats import Formats
from mailreport.web.pages import install_pages

# tests/web imports this module as ``harness`` (its folder on the path), tests
# elsewhere as ``web.harness``: one module under both names, so that one Chromium
# (_chromium) serves the whole session, as a second Playwright in the thread refuses
# to start.
for _name in ("harness", "web.harness"):
    sys.modules.setdefault(_name, sys.modules[__name__])

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The API and the pages on a free loopback port, in a thread."""

    def __init__(self, store, auth: bool = False):
        app = create_app(store, auth=auth)
        install_pages(app)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                     log_level="error"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        deadline = time.time() + 20
        while not self._server.started and time.time() < deadline:
            time.sleep(0.02)
        assert self._server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(5)

    def get(self, path: str, **params):
        r = httpx.get(self.url + path, params={k: v for k, v in params.items() if v},
                      timeout=60)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()


class Elsewhere:
    """Another origin on this machine (another port: the same *site* for cookies). It
    serves the files the test puts in ``files`` (path -> (bytes, type)), a tracking
    pixel at /pixel.gif from the start, and counts every request."""

    PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
             b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

    def __init__(self):
        self.requests: list[str] = []
        self.files: dict[str, tuple[bytes, str]] = {"/pixel.gif": (self.PIXEL, "image/gif")}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                path = self.path.split("?")[0]
                if path not in outer.files:
                    self.send_error(404)
                    return
                body, kind = outer.files[path]
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Elsewhere:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def site(demo_store):
    """The small demo (tests/conftest.py), served once for the whole session."""
    with Server(demo_store) as server:
        yield server


_chromium: dict = {}


@pytest.fixture(scope="session")
def browser(request):
    """One Chromium for the whole session. Each test module imports this fixture, which
    makes one fixture definition per module; they share the browser through _chromium
    (a second Playwright in the same thread refuses to start)."""
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} is missing: apt-get install -y chromium "
                   "(the browser tests need Debian's Chromium)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if "browser" not in _chromium:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        _chromium["browser"] = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

        def stop() -> None:
            _chromium.pop("browser").close()
            driver.stop()

        request.config.add_cleanup(stop)
    return _chromium["browser"]


@contextmanager
def watched(context) -> Iterator:
    """A page of ``context`` (closed after) whose JavaScript errors and
    Content-Security-Policy violations fail the test."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if csp_violation(msg) else None)
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors or Content-Security-Policy violations: {errors}"


@pytest.fixture
def page(browser):
    with watched(browser.new_context(viewport=WIDE, locale="en-US")) as pg:
        yield pg


def busiest_sent(site: Server, channel: str | None = None, *, control: bool | None = None,
                 min_variants: int = 1) -> dict:
    """The sent mailing with the most recipients, of a channel (None: any), with or
    without a control group (None: either) and with at least ``min_variants``."""
    rows = [m for m in site.get("/api/v1/mailings", **({"channel": channel} if channel else {}))
            if m["status"] == "sent" and len(m["variants"]) >= min_variants
            and (control is None or (m["control_share"] > 0) is control)]
    assert rows, (f"the demo has no sent {channel or 'any'} mailing with control={control} "
                  f"and {min_variants}+ variants")
    return max(rows, key=lambda m: m["recipients"])


# The email preview's own policy blocks remote images until "Load images": by design.
PREVIEW_IMAGE_BLOCK = 'directive: "img-src data:"'


def csp_violation(message) -> bool:
    """A console message by which Chromium reports something a
    Content-Security-Policy blocked (a script, a style, an image, a frame), but for
    the remote images the email preview holds back on purpose."""
    return (message.type == "error" and "Content Security Policy" in message.text
            and PREVIEW_IMAGE_BLOCK not in message.text)


def ready(page, url: str | None = None) -> None:
    """Open url (if given) and wait until its script has rendered what the API said."""
    if url:
        page.goto(url)
    page.wait_for_selector("main[data-state='ready'], main[data-state='error']")
    # and the heatmap has its email's HTML: the test's own API calls come after the page's
    page.wait_for_function("""() => {
        const h = document.getElementById("heatmap");
        const state = h && h.querySelector(".body").dataset.state;
        return !h || h.hidden || state === "ready" || state === "error";
    }""")


def reload_done(page, action) -> None:
    """Run an action that reloads the whole report, and wait for the new render."""
    page.evaluate("document.querySelector('main').dataset.state = 'stale'")
    action()
    ready(page)


def section_done(page, section: str, action) -> None:
    """Run an action that reloads one section, and wait for it."""
    page.evaluate(f"document.getElementById('{section}').dataset.state = 'stale'")
    action()
    page.wait_for_selector(f"#{section}[data-state='ready'], #{section}[data-state='error']")


def text(page, key: str) -> str:
    """The text of the element that shows one API figure (data-key)."""
    node = page.locator(f"[data-key='{key}']")
    assert node.count() == 1, f"{node.count()} elements with data-key={key!r}"
    return " ".join((node.text_content() or "").split())


# -- the page's formats (static/js/i18n.js, from the CLDR data of i18n/client.py) ------
# The pages format as mailreport.i18n.formats does: these are the oracle. English
# unless a test asks for another language (the test browser sends en-US).

ENGLISH = Formats("en")


def fmt_int(v, f: Formats = ENGLISH) -> str:
    return f.integer(v)


def fmt_money(v, f: Formats = ENGLISH) -> str:
    """An amount without its symbol, with kopecks (util.js fmtMoney)."""
    return f.amount(v)


def fmt_currency(v, f: Formats = ENGLISH, *, whole: bool = False) -> str:
    """Money with its currency (util.js fmtCurrency), its spaces as text() reads them."""
    return " ".join(f.money(v, whole=whole).split())


def fmt_pct(v, f: Formats = ENGLISH) -> str:
    return f.percent(v)


def fmt_number(v, f: Formats = ENGLISH) -> str:
    return f.number(v)


def screenshot(page, name: str) -> Path:
    """The whole page. The viewport grows to the page's height first: Chromium's
    full-page capture leaves the sandboxed email frame (its own process) blank."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    for frame in page.locator("iframe").all():
        frame.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path
