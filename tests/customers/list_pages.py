"""What the customer-list pages' browser tests share: a page signed in as a role
(test_page.py over the shop, test_campaign_page.py over the campaign shop), in the
web harness's one Chromium (its ``browser`` fixture)."""

from __future__ import annotations

from mailreport.auth import create_token
from web.harness import WIDE


def open_as(site, browser, store, role: str):
    """A page signed in (a session cookie, as a person would have) with a token of
    the role; and that token as a header, for asking the API directly."""
    token = create_token(store, role)
    context = browser.new_context(viewport=WIDE, locale="en-US", accept_downloads=True)
    signed = context.request.post(site.url + "/signin", form={"token": token, "next": "/"},
                                  max_redirects=0)
    assert signed.status == 303, signed.text()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.set_default_timeout(20_000)
    return page, {"Authorization": f"Bearer {token}"}
