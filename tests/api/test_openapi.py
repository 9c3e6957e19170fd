"""The OpenAPI document says what the server does: the timestamps' format, the
problem+json errors of each operation, and who may call it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.auth import create_token


@pytest.fixture
def app(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1", sent_at="2026-03-02T09:00:00+03:00")
    data.journeys("m1", {"ann": [("sent", at(0)), ("clicked", at(1))]}).load()
    return create_app(store)


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
