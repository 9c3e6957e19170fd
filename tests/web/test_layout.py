"""Layout measured in the browser: large figures fit their tiles (abbreviated, the
exact value on hover), the top bar keeps every link on a phone, and a single product
category gets no ring chart."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import pytest
from harness import PHONE, browser, page, ready, screenshot, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

def busiest_email(site) -> str:
    rows = [m for m in site.get("/api/v1/mailings", channel="email") if m["status"] == "sent"]
    return max(rows, key=lambda m: m["recipients"])["mailing_id"]


def test_one_product_category_gets_no_ring(site, page):
    mid = busiest_email(site)
    base = f"/api/v1/mailings/{mid}/report/product_sales"
    categories = [r["category"] for r in site.get(base)["rows"]]
    word = next(c.lower() for c in categories if len(site.get(base, search=c.lower())["rows"]) == 1)
    ready(page, f"{site.url}/mailings/{mid}?search={word}")
    assert page.locator("#product_sales tbody tr").count() == 1
    assert page.locator("#product_sales .ring").count() == 0
    table = page.locator("#product_sales .table-wrap").bounding_box()
    body = page.locator("#product_sales .body").bounding_box()
    assert table["width"] > 0.95 * body["width"]  # the table takes the ring's place
    ready(page, f"{site.url}/mailings/{mid}")
    assert page.locator("#product_sales tbody tr").count() >= 2
    assert page.locator("#product_sales .ring").count() == 1
