"""A role matrix over every endpoint of the app (DESIGN.md, "Security").

The endpoints are enumerated from ``app.routes``, so a new one is covered the day
it is added: it must either need a permission (``Depends(require(...))``), be one
of the few that authenticate otherwise, or be listed below with its own check."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.auth import ROLES, create_token

# Answer with their own authentication (the providers' signatures, a share link's
# secret), or to anyone (/i18n/<language>.js: the pages' strings and formats, no
# data). The account page (and its forms) checks its own session: signed out, it
# sends the visitor to the sign-in page; it offers nothing but the person's own account.
# Single sign-on's start and callback are a sign-in (api/oidc_signin.py).
OPEN = re.compile(r"^/(health|webhooks/.*|docs.*|redoc|openapi\.json|static.*|i18n/.*"
                  r"|signin(/oidc(/callback)?)?"
                  r"|signout|account(/.*)?|shared/.*)$")
# Endpoints that check permissions in their body instead of a dependency. /metrics
# also lets the metrics token through (api/metrics.py), which is no API token.
CHECKED_INLINE = {("POST", "/api/v1/loads"): "admin", ("GET", "/metrics"): "admin"}
PATH_VALUES = {"mailing_id": "m1", "campaign_id": "c1", "section": "efficiency",
               "variant_id": "A"}
# Query parameters that an endpoint validates before it checks the token (a filter
# dependency declared before the permission): without them, an anonymous request
# gets that 422 instead of the 401 the matrix checks.
QUERIES = {"/customers": {"stage": "sent"}, "/export": {"stage": "sent"}}


def required_permissions(dependant) -> set[str]:
    """The permissions that ``require(...)`` dependencies of a route ask for."""
    found = set()
    for dep in dependant.dependencies:
        call = dep.call
        names = getattr(getattr(call, "__code__", None), "co_freevars", ())
        if "permission" in names and call.__closure__:
            found.add(call.__closure__[names.index("permission")].cell_contents)
        if getattr(call, "__name__", "") == "current_principal":
            found.add("any")
        found |= required_permissions(dep)
    return found


def endpoints(app):
    """(method, path, permissions) of every route, included routers flattened."""
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI's included router
            contexts = route.effective_route_contexts
            for ctx in contexts() if callable(contexts) else contexts:
                for method in ctx.methods:
                    yield method, ctx.path, required_permissions(ctx.dependant)
        elif isinstance(route, APIRoute):
            for method in route.methods:
                yield method, route.path, required_permissions(route.dependant)
        elif isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    yield method, route.path, set()
        elif isinstance(route, Mount):
            yield "GET", route.path + "/css/app.css", set()


@pytest.fixture
def app(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1").journeys("m1", {"ann": [("opened", at(1))]}).load()
    app = create_app(store)
    from mailreport.web.pages import install_pages

    install_pages(app)  # the pages too, whether or not create_app installs them
    return app


def expected_permission(method: str, path: str, permissions: set[str]) -> str | None:
    """None for an open endpoint; else the permission the matrix expects."""
    if OPEN.match(path):
        return None
    if (method, path) in CHECKED_INLINE:
        return CHECKED_INLINE[(method, path)]
    real = permissions - {"any"}
    if real:
        assert len(real) == 1, (path, real)
        return real.pop()
    if not path.startswith("/api/") and method == "GET":
        return "reports"  # a page: behind the sign-in gate, any role may see it
    pytest.fail(f"{method} {path} needs no permission: add Depends(require(...)), or list "
                "it in OPEN or CHECKED_INLINE with a reason")


def call(client: TestClient, method: str, path: str, headers: dict, tmp_path):
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
    body = {"/api/v1/loads": {"directory": str(tmp_path / "no-such-dir")},
            "/api/v1/events": []}.get(path, {})
    params = next((q for end, q in QUERIES.items() if path.endswith(end)), None)
    return client.request(method, url, headers=headers, params=params,
                          json=body if method != "GET" else None)


def test_every_endpoint_is_covered(app):
    found = {(m, p) for m, p, _ in endpoints(app)}
    for must in [("POST", "/webhooks/sendgrid"), ("POST", "/api/v1/events"),
                 ("GET", "/api/v1/quarantine"), ("GET", "/api/v1/mailings/{mailing_id}/report"),
                 ("POST", "/signin"), ("GET", "/")]:
        assert must in found, must


def test_the_role_matrix(app, store, tmp_path):
    client = TestClient(app)
    tokens = {role: create_token(store, role) for role in ROLES}
    checked = 0
    for method, path, permissions in sorted(endpoints(app)):
        needs = expected_permission(method, path, permissions)
        anonymous = call(client, method, path, {}, tmp_path)
        assert anonymous.status_code < 500, (method, path, anonymous.text)
        if needs is None:
            continue
        assert anonymous.status_code == 401, (method, path, anonymous.status_code)
        for role, token in tokens.items():
            r = call(client, method, path, {"Authorization": f"Bearer {token}"}, tmp_path)
            # a PDF is drawn by Chromium from the server's pages, which it cannot reach at
            # the test client's "testserver": 503, said so (tests/test_pdf.py draws one
            # over a real server); what matters here is that it got past the permission
            drawn_elsewhere = path.endswith("report.pdf") and r.status_code == 503 \
                and "Chromium" in r.text
            assert r.status_code < 500 or drawn_elsewhere, (method, path, role, r.text)
            if needs in ROLES[role]:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                assert r.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked >= 10


def test_the_roles_are_those_of_the_design():
    assert ROLES["viewer"] == {"reports"}
    assert ROLES["analyst"] == {"reports", "customer_data", "exports"}
    assert ROLES["admin"] >= ROLES["analyst"] | {"admin"}


def test_webhooks_answer_401_without_their_signature_and_never_take_a_token(app, store):
    client = TestClient(app)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    for provider in ("sendgrid", "mailgun", "ses", "postmark", "twilio"):
        r = client.post(f"/webhooks/{provider}", content=b"[]", headers=admin)
        assert r.status_code in (400, 401), provider
    assert store.sql("SELECT count(*) FROM events")[0][0] == 1


def test_no_auth_lets_everything_through_only_when_asked(store):
    client = TestClient(create_app(store, auth=False), base_url="http://127.0.0.1")
    assert client.get("/api/v1/mailings").status_code == 200
    assert client.get("/api/v1/quarantine").status_code == 200
