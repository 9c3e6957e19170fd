"""The OpenAPI document says what the server does: the timestamps' format, the
problem+json errors of each operation, and who may call it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.auth import create_token

SIGNED_IN = [{"bearerToken": []}, {"sessionCookie": []}]


@pytest.fixture
def app(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1", sent_at="2026-03-02T09:00:00+03:00")
    data.journeys("m1", {"ann": [("sent", at(0)), ("clicked", at(1))]}).load()
    return create_app(store)


def operations(doc):
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_timestamps_are_declared_as_written_utc_without_an_offset(app, store):
    """The document said date-time (RFC 3339, which requires an offset) for values
    written without one (#20)."""
    doc = app.openapi()
    sent_at = resolve(doc, {"$ref": "#/components/schemas/Mailing"})["properties"]["sent_at"]
    declared = next(s for s in sent_at["anyOf"] if s.get("type") == "string")
    assert "date-time" not in str(doc), "no timestamp is written with an offset"
    assert "UTC" in declared["description"]
    client = TestClient(app, headers={"Authorization": "Bearer " + create_token(store, "analyst")})
    # 09:00+03:00 is stored as 06:00 UTC and written without the offset
    value = client.get("/api/v1/mailings/m1").json()["sent_at"]
    assert value == "2026-03-02T06:00:00" and re.fullmatch(declared["pattern"], value)
    row = client.get("/api/v1/mailings/m1/customers", params={"stage": "clicked"}).json()
    reached = row["rows"][0]["reached_at"]
    pattern = next(s for s in resolve(doc, {"$ref": "#/components/schemas/CustomerRow"})
                   ["properties"]["reached_at"]["anyOf"] if s.get("type") == "string")["pattern"]
    assert reached == at(1) and re.fullmatch(pattern, reached)


def test_money_is_declared_as_written(app, store):
    doc = app.openapi()
    money = resolve(doc, {"$ref": "#/components/schemas/MailingSummary"})["properties"]["revenue"]
    client = TestClient(app, headers={"Authorization": "Bearer " + create_token(store, "viewer")})
    revenue = client.get("/api/v1/mailings").json()[0]["revenue"]
    assert revenue == "0.00" and re.fullmatch(money["pattern"], revenue)
    assert not re.fullmatch(money["pattern"], "12.3")


def test_every_error_an_operation_can_answer_is_problem_json(app):
    """The document listed FastAPI's 422 as application/json, and no 401, 403, 404,
    though every error is application/problem+json (#20)."""
    doc = app.openapi()
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"title", "status", "detail", "instance"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, method, op in operations(doc):
        responses = op["responses"]
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"] == {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}, (path, status)
        if op["security"]:
            assert {"401", "403"} <= set(responses), (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"]
        if "{" in path:
            assert "404" in responses, (method, path)
        if op.get("parameters") and path.startswith("/api/"):
            assert "422" in responses, (method, path)
    assert "403" in doc["paths"]["/api/v1/loads"]["post"]["responses"]  # from afar
    assert "413" in doc["paths"]["/webhooks/sendgrid"]["post"]["responses"]


def test_answers_match_the_documented_problems(app, store):
    doc = app.openapi()
    client = TestClient(app)
    viewer = {"Authorization": "Bearer " + create_token(store, "viewer")}
    for path, headers, status in [("/api/v1/mailings/m1/report", {}, 401),
                                  ("/api/v1/mailings/m1/customers?stage=sent", viewer, 403),
                                  ("/api/v1/mailings/zz/report", viewer, 404),
                                  ("/api/v1/mailings/m1/report?to=0", viewer, 422)]:
        r = client.get(path, headers=headers)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        template = path.split("?")[0].replace("/m1/", "/{mailing_id}/") \
            .replace("/zz/", "/{mailing_id}/")
        assert str(status) in doc["paths"][template]["get"]["responses"], path
        assert set(resolve(doc, {"$ref": "#/components/schemas/Problem"})["required"]) <= \
            set(r.json())


def test_security_schemes_are_declared_and_each_operation_says_which(app):
    """Neither the bearer token nor the session cookie was in the document (#20)."""
    from mailreport.api.openapi import OWN_AUTHENTICATION

    doc = app.openapi()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http",
                                      "scheme": "bearer"}
    assert schemes["sessionCookie"] == {**schemes["sessionCookie"], "type": "apiKey",
                                        "in": "cookie", "name": "mailreport_session"}
    assert doc["security"] == SIGNED_IN
    open_ops = set()
    for path, method, op in operations(doc):
        if op["security"] == []:
            open_ops.add(path)
            # how it is authenticated instead is written where a client reads
            assert OWN_AUTHENTICATION[path] in op["description"], path
        else:
            assert op["security"] == SIGNED_IN, (method, path)
    assert open_ops == {"/health", "/webhooks/sendgrid", "/webhooks/mailgun", "/webhooks/ses",
                        "/webhooks/postmark", "/webhooks/twilio"}


def test_a_server_without_sign_in_declares_no_credentials(store):
    doc = create_app(store, auth=False).openapi()
    assert "security" not in doc and "securitySchemes" not in doc.get("components", {})
    for path, method, op in operations(doc):
        assert op["security"] == [], (method, path)
        if path.startswith("/api/"):  # a webhook's signature is still checked
            assert "401" not in op["responses"], (method, path)


def test_health_and_one_section_have_their_schemas(app, store):
    """Both answered JSON the document gave no shape for."""
    doc = app.openapi()
    health = resolve(doc, doc["paths"]["/health"]["get"]["responses"]["200"]["content"]
                     ["application/json"]["schema"])
    assert set(health["required"]) == set(TestClient(app).get("/health").json())
    op = doc["paths"]["/api/v1/mailings/{mailing_id}/report/{section}"]["get"]
    section = next(p for p in op["parameters"] if p["name"] == "section")
    assert section["schema"]["enum"][:3] == ["volume", "efficiency", "orders"]
    shapes = op["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/Efficiency"} in shapes and {"type": "null"} in shapes


def test_a_period_end_is_declared_a_date_not_only_its_digits(app):
    """The pattern alone let 0000-00-00 and 2026-02-30 be valid for the document; the
    server answers 422 to them."""
    doc = app.openapi()
    for path, _, op in operations(doc):
        for param in op.get("parameters", []):
            if param["name"] in ("from", "to"):
                string = next(s for s in param["schema"]["anyOf"] if s.get("type") == "string")
                assert string["format"] == "date", (path, param["name"])


def test_the_events_body_is_documented(app):
    """The events API reads its body itself; the document says what it takes."""
    body = app.openapi()["paths"]["/api/v1/events"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert body["required"] and [s["type"] for s in schema["anyOf"]] == ["array", "object"]


def test_the_ses_topic_refusal_is_documented(app):
    ses = app.openapi()["paths"]["/webhooks/ses"]["post"]["responses"]
    assert "MAILREPORT_SNS_TOPIC_ARNS" in ses["403"]["description"]


def admin(app, store):
    client = TestClient(app)
    return client, {"Authorization": f"Bearer {create_token(store, 'admin')}"}


def test_a_wrong_method_names_every_method_of_the_path(app, store):
    client, headers = admin(app, store)
    # GET and POST /api/v1/tokens are two routes; Starlette's 405 named the first only
    resp = client.request("DELETE", "/api/v1/tokens", headers=headers)
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, POST"
    assert resp.headers["content-type"] == "application/problem+json"


def test_a_body_that_is_not_json_is_a_documented_400(app, store):
    client, headers = admin(app, store)
    resp = client.post("/api/v1/tokens", content=b"\x80{", headers={
        **headers, "content-type": "application/json"})
    assert resp.status_code == 400
    doc = client.get("/openapi.json", headers=headers).json()
    declared = doc["paths"]["/api/v1/tokens"]["post"]["responses"]["400"]
    assert "application/problem+json" in declared["content"]


def test_a_grant_is_true_or_false_as_declared(app, store):
    client, headers = admin(app, store)
    resp = client.post("/api/v1/tokens", json={"role": "admin", "product_sales": 0},
                       headers=headers)
    assert resp.status_code == 422 and "product_sales" in resp.json()["detail"]
    assert len(client.get("/api/v1/tokens", headers=headers).json()) == 1  # only admin's


def test_the_limits_middleware_answers_are_declared(app, store):
    client, headers = admin(app, store)
    doc = client.get("/openapi.json", headers=headers).json()
    assert {"400", "413", "503"} <= set(doc["paths"]["/api/v1/tokens"]["post"]["responses"])
    assert "503" in doc["paths"]["/api/v1/mailings"]["get"]["responses"]
    assert "503" not in doc["paths"]["/health"]["get"]["responses"]
