"""Security headers on every answer: what a browser may load, frame or guess.

The pages are server-rendered shells whose scripts are files under /static (no
inline script, no eval), so their policy allows scripts from this origin only.
Styles may be inline: the scripts set style attributes (chart tooltips, colour
swatches) and the email preview shows the email's own styles. Anything that is
not a page (JSON, CSV, scripts, stylesheets) gets a policy that loads nothing.

A handler that needs another policy sets its own Content-Security-Policy header;
this middleware only fills in what an answer lacks.
"""

from __future__ import annotations

from fastapi import FastAPI

# What the pages need: their scripts, styles and fetches from this origin, and data:
# images (the favicon is "data:,"). Frames: the email preview is an
# about:srcdoc frame, which no frame-src can name and which inherits this policy.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")

# Everything else: a JSON answer or a file opened on its own renders nothing active.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin: links to other sites carry no Referer, and the pages' own POSTs
    # keep their Origin (under no-referrer a browser sends "Origin: null")
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def page_policy(img_src: str = "'self' data:") -> str:
    """The pages' policy with another img-src (the report page lets its email
    preview show remote images when asked to)."""
    return PAGE_POLICY.replace("img-src 'self' data:", f"img-src {img_src}")


class SecurityHeaders:
    """ASGI middleware: adds the headers above to every HTTP answer, and a
    Content-Security-Policy by the answer's content type unless it has one."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    content_type = next((v for n, v in headers if n.lower() == b"content-type"),
                                        b"")
                    policy = PAGE_POLICY if content_type.startswith(b"text/html") \
                        else RESOURCE_POLICY
                    headers.append((b"content-security-policy", policy.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)


__all__ = ["PAGE_POLICY", "RESOURCE_POLICY", "SecurityHeaders", "install_security_headers",
           "page_policy"]
