"""The Deliverability section on the report page: its figures are the API's, its
lists open the customers behind a count, its tables download as CSV, and it is
not drawn where it has nothing to show (or, for SMS, no domains)."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from harness import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    busiest_sent,
    fmt_int,
    fmt_pct,
    page,
    ready,
    site,
    text,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def email(site):
    mailing = busiest_sent(site, "email")
    return mailing, site.get(f"/api/v1/mailings/{mailing['mailing_id']}/report")


def test_an_email_shows_bounces_domains_and_unsubscribe_reasons(site, page, email):
    mailing, report = email
    d = report["deliverability"]
    assert d["bounced"] and d["unsubscribed"], "the demo's busiest email has both"
    ready(page, f"{site.url}/mailings/{mailing['mailing_id']}")
    assert page.locator("#deliverability").is_visible()
    assert text(page, "deliverability.bounced") == fmt_int(d["bounced"])
    for row in d["classes"]:
        assert text(page, f"deliverability.class.{row['bounce_class']}") == \
            fmt_int(row["customers"])
    domains = page.locator(".deliverability-domains tbody tr")
    assert domains.count() == len(d["domains"])
    first = d["domains"][0]
    assert text(page, f"deliverability.domain.{first['domain']}.sent") == fmt_int(first["sent"])
    reasons = page.locator(".deliverability-unsubscribes tbody th").all_text_contents()
    assert [r.strip() for r in reasons] == [r["reason"] for r in d["unsubscribe_reasons"]]
    # the glossary labels the figures
    assert page.locator("#deliverability [data-term='bounce_class']").count() >= 1
    assert fmt_pct(d["bounced_share"]) in page.locator("#deliverability .tiles").inner_text()


def test_a_class_opens_the_customers_behind_it(site, page, email):
    mailing, report = email
    hard = next(r for r in report["deliverability"]["classes"] if r["bounce_class"] == "hard")
    ready(page, f"{site.url}/mailings/{mailing['mailing_id']}")
    page.locator("[data-key='deliverability.class.hard'] a").click()
    ready(page)
    assert "bounce_class=hard" in page.url
    assert text(page, "pager").endswith(f"of {fmt_int(hard['customers'])} · page 1 of "
                                        f"{-(-hard['customers'] // 50)}")
    # every customer of the list bounced hard last, so each carries the flag
    assert page.locator(".chip-hard-bounce").count() == page.locator(
        "table.customer-list tbody tr").count()


def test_the_classes_download_as_csv(site, page, email):
    mailing, report = email
    ready(page, f"{site.url}/mailings/{mailing['mailing_id']}")
    with page.expect_download() as info:
        page.locator("button[data-csv='deliverability.classes']").click()
    raw = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert rows[0] == ["Bounce class", "Customers", "Share of sent"]
    assert [(r[0], int(r[1])) for r in rows[1:]] == [
        (c["bounce_class"], c["customers"]) for c in report["deliverability"]["classes"]]


def test_sms_has_no_domains_and_a_quiet_period_no_section(site, browser):
    sms = busiest_sent(site, "sms")
    d = site.get(f"/api/v1/mailings/{sms['mailing_id']}/report")["deliverability"]
    context = browser.new_context(viewport=PHONE, locale="en-US")
    pg = context.new_page()
    try:
        ready(pg, f"{site.url}/mailings/{sms['mailing_id']}")
        assert pg.locator("#deliverability").is_visible() is bool(d["bounced"] or
                                                                  d["unsubscribed"])
        assert pg.locator(".deliverability-domains").count() == 0
        # the day before sending: nothing bounced or left, nothing to show
        before = dt.date.fromisoformat(sms["sent_at"][:10]) - dt.timedelta(days=1)
        ready(pg, f"{site.url}/mailings/{sms['mailing_id']}?from={before}&to={before}")
        assert pg.locator("#deliverability").is_hidden()
    finally:
        context.close()
