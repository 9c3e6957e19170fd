"""The one endpoint the pages add to the API: a variant's email HTML."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import Dataset
from mailreport.api.app import create_app
from mailreport.web.pages import install_pages

BODY = '<p><a href="https://shop/a">Sale</a></p>'
# as the endpoint serves it: cleaned, the link numbered as the heatmap numbers it
SERVED = '<p><a data-mr-link="0" href="https://shop/a">Sale</a></p>'


def client(store, tmp_path) -> TestClient:
    data = Dataset(store, tmp_path / "data")
    data.mailing("m1").mailing("m2")
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": 0.5, "body_html": BODY},
             {"mailing_id": "m1", "variant_id": "B", "share": 0.5})
    data.load()
    app = create_app(store, auth=False)
    install_pages(app)
    install_pages(app)  # a second call changes nothing
    return TestClient(app, base_url="http://127.0.0.1")


def test_body_of_a_variant(store, tmp_path):
    c = client(store, tmp_path)
    r = c.get("/api/v1/mailings/m1/variants/A/body")
    assert r.status_code == 200
    assert r.json() == {"mailing_id": "m1", "variant_id": "A", "body_html": SERVED}
    assert c.get("/api/v1/mailings/m1/variants/B/body").json()["body_html"] is None
    # no variants rows: the implicit variant A, without a body
    assert c.get("/api/v1/mailings/m2/variants/A/body").json()["body_html"] is None


def test_unknown_mailing_or_variant_is_a_problem(store, tmp_path):
    c = client(store, tmp_path)
    r = c.get("/api/v1/mailings/m1/variants/Z/body")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "mailing 'm1' has no variant 'Z'; its variants are A, B"
    r = c.get("/api/v1/mailings/nope/variants/A/body")
    assert r.status_code == 404 and "'nope'" in r.json()["detail"]


def test_pages_are_shells_and_static_files_are_served(store, tmp_path):
    c = client(store, tmp_path)
    for path in ("/", "/campaigns", "/mailings/m1", "/campaigns/c1"):
        r = c.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    report = c.get("/mailings/m1").text
    assert 'data-mailing-id="m1"' in report
    assert "/static/vendor/echarts/echarts.min.js" in report
    assert c.get("/static/js/report.js").status_code == 200
    assert "Apache License" in c.get("/static/vendor/echarts/LICENSE").text


def test_body_needs_a_token_when_auth_is_on(store, tmp_path):
    from mailreport.auth import create_token

    client(store, tmp_path)
    app = create_app(store)
    install_pages(app)
    c = TestClient(app)
    r = c.get("/api/v1/mailings/m1/variants/A/body")
    assert r.status_code == 401 and "token" in r.json()["detail"]
    token = create_token(store, "viewer")
    bearer = {"Authorization": f"Bearer {token}"}
    r = c.get("/api/v1/mailings/m1/variants/A/body", headers=bearer)
    assert r.status_code == 200 and r.json()["body_html"] == SERVED
    assert c.get("/mailings/m1", headers=bearer).status_code == 200
