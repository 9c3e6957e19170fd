"""Single sign-on in a real browser: the sign-in page's button, the provider's own
login form on another loopback port (tests/oidc_provider.py) and back, and the
roles the provider's claims map to deciding what the report page shows; and a
refusal shown as a sentence on the sign-in page."""

# ruff: noqa: F811

from __future__ import annotations

import secrets

import pytest
from harness import WIDE, browser, ready, watched  # noqa: F401 - fixtures

from mailreport import audit, sso
from mailreport.api.app import create_app
from mailreport.api.oidc_signin import configure_sso
from mailreport.settings import Settings
from mailreport.web.pages import install_pages
from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from servers import serving

SUFFIX = secrets.token_hex(3)  # the demo store is the session's: names of this module's own
VIEWER, ADMIN, NOBODY = f"vera-{SUFFIX}", f"olga-{SUFFIX}", f"nobody-{SUFFIX}"


@pytest.fixture(scope="module")
def provider():
    users = {VIEWER: {"sub": "s-viewer", "preferred_username": VIEWER, "groups": ["mr-viewer"]},
             ADMIN: {"sub": "s-admin", "preferred_username": ADMIN,
                     "groups": ["mr-admin", "mr-product-sales"]},
             NOBODY: {"sub": "s-nobody", "preferred_username": NOBODY, "groups": ["staff"]}}
    with OidcProvider(users) as running:
        yield running


@pytest.fixture(scope="module")
def server(demo_store, provider):
    with pytest.MonkeyPatch.context() as env:
        env.setenv(sso.SECRET_VARIABLE, CLIENT_SECRET)
        env.delenv("MAILREPORT_PUBLIC_URL", raising=False)
        app = create_app(demo_store, auth=True)
        install_pages(app)
        configure_sso(app, sso.SsoConfig.from_settings(Settings(
            oidc_issuer=provider.url, oidc_client_id=CLIENT_ID, oidc_display_name="TestID",
            oidc_roles_claim="groups", oidc_role_map="mr-viewer=viewer, mr-admin=admin",
            oidc_product_sales_value="mr-product-sales")))
    with serving(app) as served:
        yield served
        assert not served.tracebacks(), served.tracebacks()


def email_mailing(store) -> str:
    """The first sent email mailing (the demo's have product sales)."""
    rows = store.sql("SELECT mailing_id FROM mailings WHERE channel = 'email' AND "
                     "status = 'sent' ORDER BY mailing_id LIMIT 1")
    return rows[0][0]


def through_provider(page, server, provider, username: str, target: str) -> None:
    """From a page that needs a sign-in, through the provider's form, as ``username``."""
    page.goto(server.url + target)
    page.wait_for_url("**/signin?next=*")
    page.get_by_role("link", name="Sign in with TestID").click()
    page.wait_for_url(provider.url + "/authorize?*")
    page.fill("#username", username)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_single_sign_on_and_the_claims_decide_what_the_page_shows(server, provider,
                                                                  demo_store, browser, who):
    username = {"viewer": VIEWER, "admin": ADMIN}[who]
    mid = email_mailing(demo_store)
    with watched(browser.new_context(viewport=WIDE, locale="en-US")) as page:
        through_provider(page, server, provider, username, f"/mailings/{mid}?lang=en")
        page.wait_for_url(f"{server.url}/mailings/{mid}?lang=en")
        ready(page)
        page.wait_for_selector("#efficiency[data-state='ready']")
        admin = who == "admin"
        # product sales only with the grant the admin's claims carry
        page.wait_for_selector("#product_sales", state="visible" if admin else "hidden")
        assert page.locator("#product_sales").is_visible() is admin
        # customer lists: the admin is offered them, the viewer not
        assert (page.locator("#efficiency a[data-stage]").count() > 0) is admin
        # the audit trail is the admins' (over the same session cookie)
        trail = page.request.get(f"{server.url}/api/v1/audit?action=signin")
        assert trail.status == (200 if admin else 403)
        if admin:
            assert any(r["actor"] == f"user:{ADMIN}" and r["details"]["method"] == "oidc"
                       for r in trail.json())


def test_a_person_without_a_role_is_told_so_on_the_sign_in_page(server, provider,
                                                                 demo_store, browser):
    with watched(browser.new_context(viewport=WIDE, locale="en-US")) as page:
        through_provider(page, server, provider, NOBODY, "/campaigns?lang=en")
        page.wait_for_url(f"{server.url}/signin/oidc/callback?*")
        alert = page.locator("p.error[role=alert]")
        assert "gives you no role in mailreport" in alert.inner_text()
        # still signed out: the page that was asked for sends back to the sign-in
        page.goto(f"{server.url}/campaigns")
        page.wait_for_url("**/signin?next=*")
    refusals = audit.query(demo_store, actor=f"user:{NOBODY}", action="signin_failed")
    assert [r.details["why"] for r in refusals] == ["no role"]


def test_the_sign_in_page_in_russian_offers_the_provider(server, browser):
    with watched(browser.new_context(viewport=WIDE, locale="ru-RU")) as page:
        page.goto(f"{server.url}/signin?lang=ru")
        assert page.locator("#sso-signin").inner_text() == "Войти через TestID"
