"""Signing in with a name and password in a real browser, and the account's role
deciding what the report page offers: an analyst gets links to the customer
lists, a viewer none."""

# ruff: noqa: F811

from __future__ import annotations

import secrets

import pytest
from harness import WIDE, Server, browser, ready, watched  # noqa: F401 - fixtures

from mailreport import accounts

PASSWORD = "Spring sale 2026!"


@pytest.fixture(scope="module")
def server(demo_store):
    with Server(demo_store, auth=True) as running:
        yield running


def email_mailing(store) -> str:
    return store.sql("SELECT mailing_id FROM mailings WHERE channel = 'email' AND "
                     "status = 'sent' ORDER BY mailing_id LIMIT 1")[0][0]


@pytest.mark.parametrize("role, links", [("analyst", True), ("viewer", False)])
def test_a_person_signs_in_and_the_role_decides_the_links(server, demo_store, browser,
                                                          role, links):
    name = f"{role}-{secrets.token_hex(3)}"
    accounts.create_user(demo_store, name, role, password=PASSWORD)
    mid = email_mailing(demo_store)
    with watched(browser.new_context(viewport=WIDE, locale="en-US")) as page:
        page.goto(f"{server.url}/mailings/{mid}?lang=en")
        page.wait_for_url("**/signin?next=*")
        page.fill("#name", name.upper())  # names ignore case
        page.fill("#password", PASSWORD)
        page.click("#password-signin button[type=submit]")
        page.wait_for_url(f"**/mailings/{mid}?lang=en")
        ready(page)
        page.wait_for_selector("#efficiency[data-state='ready']")
        count = page.locator("#efficiency a[data-stage]").count()
        assert (count > 0) is links, (role, count)
        assert page.locator("a.account-link").count() == 1


def test_a_wrong_password_is_refused_on_the_page(server, demo_store, browser):
    name = f"maria-{secrets.token_hex(3)}"
    accounts.create_user(demo_store, name, "analyst", password=PASSWORD)
    with watched(browser.new_context(viewport=WIDE, locale="en-US")) as page:
        page.goto(f"{server.url}/signin?lang=en")
        page.fill("#name", name)
        page.fill("#password", PASSWORD + "x")
        page.click("#password-signin button[type=submit]")
        alert = page.locator("p.error[role=alert]")
        assert "name or password is not right" in alert.text_content()
        assert page.url.endswith("/signin")
