"""GET .../report.pdf over a real server: the report page printed by the server's
Chromium as the reader asking may see it (api/pdf_route.py)."""

from __future__ import annotations

import io

import httpx
import pytest
from harness import Server
from pypdf import PdfReader

from mailreport.auth import create_token

pytestmark = pytest.mark.browser


def test_the_api_prints_what_the_reader_may_see(demo_store):
    """GET report.pdf: Chromium carries the reader's own token, so a viewer without
    the product-sales grant gets no product sales, and one with it does; the page's
    language as asked."""
    plain = create_token(demo_store, "viewer", "pdf reader")
    seller = create_token(demo_store, "viewer", "pdf seller", product_sales=True)
    with Server(demo_store, auth=True) as site:
        url = site.url

        def pdf_text(token: str, **params) -> str:
            r = httpx.get(f"{url}/api/v1/mailings/M08/report.pdf", timeout=180,
                          headers={"Authorization": f"Bearer {token}"},
                          params={"from": "2026-07-01", "to": "2026-07-10", **params})
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/pdf"
            assert 'filename="M08-report.pdf"' in r.headers["content-disposition"]
            return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)

        seen = pdf_text(seller, lang="en")
        assert "Product sales" in seen and "Mailing volume" in seen
        hidden = pdf_text(plain, lang="en")
        assert "Mailing volume" in hidden and "Product sales" not in hidden
        russian = pdf_text(plain, lang="ru")
        assert "Объём рассылки" in russian
        anonymous = httpx.get(f"{url}/api/v1/mailings/M08/report.pdf")
        assert anonymous.status_code == 401
        # the compare page of two mailings, each named in it
        r = httpx.get(f"{url}/api/v1/compare/report.pdf", timeout=180,
                      headers={"Authorization": f"Bearer {plain}"},
                      params=[("mailing_id", "M08"), ("mailing_id", "M01"), ("lang", "en")])
        assert r.status_code == 200, r.text
        compared = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        assert "July deals" in compared and "Summer sale" in compared
