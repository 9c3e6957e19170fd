"""The interactive API docs (Swagger UI at /docs), only when ``api_docs`` is on.

No installed package ships Swagger UI's files, and this project does not vendor
them, so the docs page makes the browser load them from jsDelivr: a pinned version,
allowed by name in the page's Content-Security-Policy, with the one inline script
allowed by its hash. That is third-party code running on this origin, which is why
the page is off by default. ``/openapi.json`` is always served; any OpenAPI viewer
can read it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse

SWAGGER_UI_VERSION = "5.17.14"
CDN = "https://cdn.jsdelivr.net"
SWAGGER_UI = f"{CDN}/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}"


def _inline_script_hashes(html: str) -> list[str]:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in scripts]


def install_api_docs(app: FastAPI, enabled: bool) -> None:
    """/docs when enabled; FastAPI's own /docs and /redoc are always off (they load
    unpinned scripts)."""
    app.state.api_docs = enabled
    if not enabled:
        return
    html = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url="data:,",
        # no badge from validator.swagger.io: the page loads nothing it does not need
        swagger_ui_parameters={**swagger_ui_default_parameters, "validatorUrl": None},
    ).body.decode()
    policy = (f"default-src 'none'; script-src {CDN} {' '.join(_inline_script_hashes(html))}; "
              f"style-src {CDN} 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})


__all__ = ["SWAGGER_UI_VERSION", "install_api_docs"]
