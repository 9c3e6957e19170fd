"""Single sign-on over real HTTP (api/oidc_signin.py, oidc.py, sso.py): the server
in a thread, a provider of our own on another loopback port (tests/oidc_provider.py)
and httpx as the browser, following each redirect by hand so that every step can
be looked at. What a provider says decides the role and the grant; each way the
trip can go wrong ends on the sign-in page with a sentence, an audit record and
no session, never a traceback."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass

import httpx
import pytest

from conftest import Dataset, at
from mailreport import accounts, audit, sso
from mailreport.api.app import create_app
from mailreport.api.oidc_signin import configure_sso
from mailreport.api.security import SESSION_COOKIE
from mailreport.auth import create_token
from mailreport.settings import Settings
from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from servers import free_port, serving

GROUPS = "groups"  # the roles claim of these tests (not the default "roles")
ROLE_MAP = "mr-viewer=viewer, mr-analyst=analyst, mr-admin=admin"
BROWSER = {"accept": "text/html", "accept-language": "en"}  # the pages default to Russian


def people() -> dict[str, dict]:
    return {
        "vera": {"sub": "sub-vera", "preferred_username": "vera", GROUPS: ["mr-viewer"]},
        "anna": {"sub": "sub-anna", "preferred_username": "anna",
                 GROUPS: ["staff", "mr-viewer", "mr-analyst"]},  # the widest: analyst
        "olga": {"sub": "sub-olga", "preferred_username": "olga",
                 GROUPS: ["mr-admin", "mr-product-sales"]},
        "nobody": {"sub": "sub-nobody", "preferred_username": "nobody", GROUPS: ["staff"]},
        "noclaim": {"sub": "sub-noclaim", "preferred_username": "noclaim"},
    }


def sso_settings(provider: OidcProvider, **kw) -> Settings:
    return Settings(oidc_issuer=provider.url, oidc_client_id=CLIENT_ID,
                    oidc_display_name="TestID", oidc_roles_claim=GROUPS,
                    oidc_role_map=ROLE_MAP, oidc_product_sales_value="mr-product-sales", **kw)


@dataclass
class Site:
    url: str
    app: object
    store: object
    provider: OidcProvider


@pytest.fixture
def provider():
    with OidcProvider(people()) as running:
        yield running


@pytest.fixture
def site(store, tmp_path, provider, monkeypatch):
    Dataset(store, tmp_path / "d").mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}) \
        .load()
    monkeypatch.delenv("MAILREPORT_PUBLIC_URL", raising=False)
    monkeypatch.setenv(sso.SECRET_VARIABLE, CLIENT_SECRET)  # the secret: environment only
    app = create_app(store)
    configure_sso(app, sso.SsoConfig.from_settings(sso_settings(provider)))
    with serving(app) as served:
        yield Site(served.url, app, store, provider)
        assert not served.tracebacks(), served.tracebacks()


def start(site: Site, client: httpx.Client, next_: str = "/") -> str:
    """Begin a sign-in; returns the provider's authorization URL it redirects to."""
    r = client.get(f"{site.url}/signin/oidc", params={"next": next_})
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith(site.provider.url + "/authorize?")
    return r.headers["location"]


def at_provider(site: Site, authorize: str, username: str, decision: str = "allow") -> str:
    """The person at the provider's login form; returns where it sends them back."""
    form = httpx.get(authorize)
    assert form.status_code == 200 and 'name="username"' in form.text
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    r = httpx.post(site.provider.url + "/authorize",
                   data={**params, "username": username, "decision": decision})
    assert r.status_code == 302
    return r.headers["location"]


def sign_in(site: Site, username: str, next_: str = "/", decision: str = "allow"):
    """The whole trip, in one new browser; returns (browser, callback's response)."""
    client = httpx.Client(timeout=30, headers=BROWSER)
    back = at_provider(site, start(site, client, next_), username, decision)
    return client, client.get(back)


def last(store, action: str) -> audit.AuditRecord:
    return audit.query(store, action=action, limit=1)[0]


def test_a_first_sign_in_makes_an_sso_account_with_the_mapped_role(site):
    client, r = sign_in(site, "vera", "/campaigns")
    assert r.status_code == 303 and r.headers["location"] == "/campaigns"
    assert SESSION_COOKIE in client.cookies
    # the account: the provider's subject keys it, and it has no password
    user = accounts.user_info(site.store, "vera")
    assert (user.role, user.product_sales, user.must_change_password) == ("viewer", False,
                                                                           False)
    assert site.store.sql("SELECT password_hash FROM users WHERE name_key = 'vera'") == [(None,)]
    assert site.store.sql("SELECT issuer, subject, user_id FROM sso_identities") == [
        (site.provider.url, "sub-vera", user.user_id)]
    # the session is a viewer's: reports yes, customer data no
    assert client.get(f"{site.url}/api/v1/mailings").status_code == 200
    assert client.get(f"{site.url}/api/v1/mailings/m1/customers",
                      params={"stage": "opened"}).status_code == 403
    record = last(site.store, "signin")
    assert (record.actor, record.role, record.details["method"]) == ("user:vera", "viewer",
                                                                     "oidc")
    # the request asked for a nonce and PKCE S256; the token request sent the verifier
    asked = site.provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["nonce"]
    assert asked["redirect_uri"] == f"{site.url}/signin/oidc/callback"
    verifier = site.provider.token_requests[-1]["code_verifier"]
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode() == asked["code_challenge"]
    # the flow cookie is gone, and the state cannot be used twice
    assert "mailreport_oidc" not in client.cookies
    again = client.get(f"{site.url}/signin/oidc/callback",
                       params={"state": asked["state"], "code": "x"})
    assert again.status_code == 400


def test_the_widest_mapped_role_wins_and_the_grant_follows_the_claim(site):
    client, r = sign_in(site, "anna")
    assert r.status_code == 303
    assert client.get(f"{site.url}/api/v1/mailings/m1/customers",
                      params={"stage": "opened"}).status_code == 200  # analyst
    assert client.get(f"{site.url}/api/v1/audit").status_code == 403  # not an admin
    client, r = sign_in(site, "olga")
    assert r.status_code == 303
    olga = accounts.user_info(site.store, "olga")
    assert (olga.role, olga.product_sales) == ("admin", True)
    assert client.get(f"{site.url}/api/v1/audit").status_code == 200


def test_a_later_sign_in_finds_the_same_account_and_takes_the_new_claims(site):
    sign_in(site, "vera")
    first = accounts.user_info(site.store, "vera")
    site.provider.users["vera"] = {**site.provider.users["vera"],
                                   "preferred_username": "vera.renamed",
                                   GROUPS: ["mr-analyst", "mr-product-sales"]}
    client, r = sign_in(site, "vera")
    assert r.status_code == 303
    again = accounts.user_info(site.store, "vera")  # the name it was made with stays
    assert again.user_id == first.user_id
    assert (again.role, again.product_sales) == ("analyst", True)
    assert len(accounts.list_users(site.store)) == 1


@pytest.mark.parametrize("username, why, says", [
    ("nobody", "no role", "gives you no role in mailreport"),
    ("noclaim", "no role", "gives you no role in mailreport"),
])
def test_a_person_whose_claims_map_to_no_role_is_refused(site, username, why, says):
    client, r = sign_in(site, username)
    assert r.status_code == 403
    assert says in r.text and "Traceback" not in r.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get(f"{site.url}/api/v1/mailings").status_code == 401
    record = last(site.store, "signin_failed")
    assert (record.details["method"], record.details["why"]) == ("oidc", why)
    assert record.actor == f"user:{username}"
    assert accounts.list_users(site.store) == []  # no account made


@pytest.mark.parametrize("tamper, why, detail", [
    ({"nonce": "not-the-nonce"}, "invalid id token", "nonce"),
    ({"aud": "another-client"}, "invalid id token", "aud"),
    ({"iss": "http://127.0.0.1:1"}, "invalid id token", "iss"),
    ({"exp": 1_000_000_000}, "invalid id token", "exp"),
    ({"foreign_key": True}, "invalid id token", "signature"),
    ({"token_status": 500}, "token refused", "500"),
])
def test_an_id_token_that_does_not_check_out_signs_nobody_in(site, tamper, why, detail):
    site.provider.tamper = tamper
    client, r = sign_in(site, "olga")
    assert r.status_code == 401
    assert "did not confirm who you are" in r.text
    assert SESSION_COOKIE not in client.cookies
    record = last(site.store, "signin_failed")
    assert record.details["why"] == why
    assert detail in record.details["detail"].lower()
    assert accounts.list_users(site.store) == []


def test_a_state_not_started_in_this_browser_is_refused(site):
    # the trip is started in one browser, and its callback opened in another (login CSRF)
    attacker = httpx.Client(timeout=30)
    back = at_provider(site, start(site, attacker), "olga")
    victim = httpx.Client(timeout=30, headers=BROWSER)
    r = victim.get(back)
    assert r.status_code == 400 and "did not finish" in r.text
    assert SESSION_COOKIE not in victim.cookies
    assert last(site.store, "signin_failed").details["why"] == "unknown or expired state"
    # a made-up state, with a real flow cookie
    client = httpx.Client(timeout=30)
    start(site, client)
    r = client.get(f"{site.url}/signin/oidc/callback",
                   params={"state": secrets.token_urlsafe(32), "code": "abc"})
    assert r.status_code == 400 and SESSION_COOKIE not in client.cookies
    assert site.provider.token_requests == []  # no code was ever exchanged


def test_the_provider_saying_no_gives_a_clear_page(site):
    client, r = sign_in(site, "vera", decision="deny")
    assert r.status_code == 403
    assert "TestID did not sign you in (access_denied)" in r.text
    record = last(site.store, "signin_failed")
    assert record.details["why"] == "provider: access_denied"


def test_a_disabled_account_stays_refused(site):
    sign_in(site, "olga")
    accounts.set_disabled(site.store, "olga", True)
    client, r = sign_in(site, "olga")
    assert r.status_code == 403 and "account is disabled" in r.text
    assert SESSION_COOKIE not in client.cookies
    record = last(site.store, "signin_failed")
    assert (record.actor, record.details["why"]) == ("user:olga", "disabled")
    assert accounts.user_info(site.store, "olga").disabled  # the claims did not enable it


def test_disabling_ends_a_single_sign_on_session_at_once(site):
    client, r = sign_in(site, "vera")
    assert client.get(f"{site.url}/api/v1/mailings").status_code == 200
    accounts.set_disabled(site.store, "vera", True)
    assert client.get(f"{site.url}/api/v1/mailings").status_code == 401


def test_a_name_another_account_has_is_not_taken_over(site):
    accounts.create_user(site.store, "vera", "viewer", password="correct horse 42")
    client, r = sign_in(site, "vera")
    assert r.status_code == 403 and "exists already" in r.text
    assert last(site.store, "signin_failed").details["why"] == "name taken"
    assert site.store.sql("SELECT count(*) FROM sso_identities") == [(0,)]


def test_an_sso_account_has_no_password_to_sign_in_with(site):
    sign_in(site, "vera")
    result = accounts.authenticate(site.store, "vera", "")
    assert result.user is None and result.why == "single sign-on only"
    r = httpx.post(f"{site.url}/signin", data={"name": "vera", "password": "anything 12345"},
                   headers=BROWSER)
    assert r.status_code == 401


def test_an_sso_account_gets_no_password_by_a_reset(site):
    sign_in(site, "vera")
    with pytest.raises(accounts.SingleSignOnOnly, match="single sign-on"):
        accounts.reset_password(site.store, "vera")
    admin = {"Authorization": f"Bearer {create_token(site.store, 'admin')}"}
    r = httpx.post(f"{site.url}/api/v1/users/vera/reset-password", headers=admin)
    assert r.status_code == 409 and "identity provider" in r.json()["detail"]
    assert site.store.sql("SELECT password_hash FROM users WHERE name = 'vera'") == [(None,)]
    # an account with a password of its own still gets a new one
    accounts.create_user(site.store, "ivan", "viewer", password="correct horse 42")
    r = httpx.post(f"{site.url}/api/v1/users/ivan/reset-password", headers=admin)
    assert r.status_code == 200 and r.json()["password"]


def test_an_unreachable_provider_gives_a_clear_page(store, monkeypatch):
    monkeypatch.setenv(sso.SECRET_VARIABLE, CLIENT_SECRET)
    app = create_app(store)
    nowhere = Settings(oidc_issuer=f"http://127.0.0.1:{free_port()}", oidc_client_id=CLIENT_ID,
                       oidc_display_name="TestID")
    configure_sso(app, sso.SsoConfig.from_settings(nowhere))
    with serving(app) as served:
        r = httpx.get(f"{served.url}/signin/oidc", headers=BROWSER)
        assert r.status_code == 502
        assert "TestID cannot be reached just now" in r.text
        assert not served.tracebacks()
    assert last(store, "signin_failed").details["why"] == "provider unreachable"


def test_the_callback_follows_the_public_url(site, monkeypatch):
    site.app.state.public_url = "https://reports.example.com"
    location = start(site, httpx.Client(timeout=30))
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert asked["redirect_uri"] == "https://reports.example.com/signin/oidc/callback"
    monkeypatch.setenv("MAILREPORT_PUBLIC_URL", "https://other.example.com/")
    location = start(site, httpx.Client(timeout=30))
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert asked["redirect_uri"] == "https://other.example.com/signin/oidc/callback"


def test_the_sign_in_page_offers_sso_only_when_it_is_set(site, store):
    page = httpx.get(f"{site.url}/signin", params={"next": "/campaigns", "lang": "en"}).text
    assert "Sign in with TestID" in page
    assert 'href="/signin/oidc?next=%2Fcampaigns"' in page
    configure_sso(site.app, None)
    page = httpx.get(f"{site.url}/signin", params={"lang": "en"}).text
    assert "Sign in with TestID" not in page and 'id="sso-signin"' not in page
    assert 'id="password-signin"' in page
    assert httpx.get(f"{site.url}/signin/oidc").status_code == 303  # back to /signin


def test_the_role_map_and_claims():
    config = sso.SsoConfig.from_settings(Settings(
        oidc_issuer="https://sso.example.com/realms/shop/", oidc_client_id="mr",
        oidc_roles_claim="realm_access.roles", oidc_role_map="a=viewer, b=admin"))
    assert config.issuer == "https://sso.example.com/realms/shop"
    assert sso.role_of(config, {"realm_access": {"roles": ["x", "a", "b"]}}) == "admin"
    assert sso.role_of(config, {"realm_access": {"roles": "a"}}) == "viewer"
    assert sso.role_of(config, {"realm_access": {"roles": ["x"]}}) is None
    assert sso.role_of(config, {"roles": ["b"]}) is None  # the configured claim only
    assert sso.product_sales_of(config, {"realm_access": {
        "roles": ["mailreport-product-sales"]}}) is True
    assert sso.account_name(config, {"sub": "s1", "email": "m@example.com"}) == "m@example.com"
    with pytest.raises(ValueError, match="not a role"):
        Settings(oidc_issuer="https://sso.example.com", oidc_client_id="mr",
                 oidc_role_map="a=superuser")
    with pytest.raises(ValueError, match="https"):
        Settings(oidc_issuer="http://sso.example.com", oidc_client_id="mr")
