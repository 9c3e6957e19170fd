"""The schedules' API: who may do what, what is refused and why, and a run made
through it arriving at a real SMTP server (the workbook only: a PDF needs the
page served over HTTP, tests/schedules/test_schedule_serving.py)."""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from smtp_server import SmtpServer, free_port

from mailreport.api.app import create_app
from mailreport.auth import create_token
from mailreport.settings import Settings
from mailreport.store import open_store

WEEKLY = {"kind": "mailing", "target_id": "M08", "cadence": "weekly", "weekday": "monday",
          "at": "09:00", "period": "previous_week", "recipients": ["crm@example.com"],
          "attachments": ["xlsx"]}
DROP = "(left out)"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def served(demo_db, tmp_path, port):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings(smtp_host="127.0.0.1", smtp_port=port,
                                      smtp_security="none", smtp_from="reports@example.com",
                                      public_url="https://reports.example.com"))
    tokens = {role: {"Authorization": f"Bearer {create_token(store, role, name=role)}"}
              for role in ("viewer", "analyst", "admin")}
    yield TestClient(create_app(store)), tokens
    store.close()


def test_an_analyst_adds_runs_and_removes_a_schedule(served, port):
    client, tokens = served
    made = client.post("/api/v1/schedules", json=WEEKLY, headers=tokens["analyst"])
    assert made.status_code == 201, made.text
    schedule = made.json()
    assert schedule["created_by"] == "analyst" and schedule["language"] == "ru"
    assert schedule["product_sales"] is False  # the analyst's token has no such grant
    assert schedule["next_due_at"].endswith("T09:00:00")  # UTC, written without an offset
    sid = schedule["schedule_id"]
    listed = client.get("/api/v1/schedules", headers=tokens["viewer"]).json()
    assert [s["schedule_id"] for s in listed] == [sid]
    with SmtpServer(port) as inbox:
        run = client.post(f"/api/v1/schedules/{sid}/run", headers=tokens["analyst"])
    assert run.status_code == 200, run.text
    assert run.json()["outcome"] == "sent" and run.json()["recipients"] == ["crm@example.com"]
    [message] = inbox.messages
    assert message["To"] == "crm@example.com"
    assert "https://reports.example.com/mailings/M08?" in message.get_body(
        ("plain",)).get_content()
    history = client.get(f"/api/v1/schedules/{sid}/deliveries", headers=tokens["viewer"])
    assert [d["message_id"] for d in history.json()] == [message["Message-ID"]]
    gone = client.delete(f"/api/v1/schedules/{sid}", headers=tokens["admin"])
    assert gone.status_code == 200 and gone.json()["schedule_id"] == sid
    assert client.get(f"/api/v1/schedules/{sid}", headers=tokens["viewer"]).status_code == 404
    assert client.get("/api/v1/schedules", headers=tokens["viewer"]).json() == []


def test_a_viewer_reads_but_may_not_add_run_or_remove(served):
    client, tokens = served
    sid = client.post("/api/v1/schedules", json=WEEKLY,
                      headers=tokens["admin"]).json()["schedule_id"]
    viewer = tokens["viewer"]
    assert client.post("/api/v1/schedules", json=WEEKLY, headers=viewer).status_code == 403
    assert client.post(f"/api/v1/schedules/{sid}/run", headers=viewer).status_code == 403
    assert client.delete(f"/api/v1/schedules/{sid}", headers=viewer).status_code == 403
    assert client.get(f"/api/v1/schedules/{sid}", headers=viewer).status_code == 200
    assert client.get("/api/v1/schedules").status_code == 401


@pytest.mark.parametrize(("change", "why"), [
    ({"target_id": "NOPE"}, "'NOPE' does not exist"),
    ({"recipients": ["crm@example.com", "not an address"]}, "should match pattern"),
    ({"recipients": ["a@example.com\r\nBcc: all@example.com"]}, "should match pattern"),
    ({"recipients": []}, "at least 1"),
    ({"weekday": None}, "weekday"),
    ({"day_of_month": 31}, "day_of_month is only for the monthly"),
    ({"days_after": None}, "days_after is only for the after_send"),
    ({"at": "9am"}, "should match pattern"),
    ({"at": "24:00"}, "should match pattern"),
    ({"period": "forever"}, "since_sending"),
    ({"kind": "campaign", "target_id": "CMP1", "cadence": "after_send", "days_after": 1,
      "weekday": DROP}, "after_send counts from a mailing"),
    ({"attachments": ["docx"]}, "'pdf' or 'xlsx'"),
    ({"smtp_password": "x"}, "Extra inputs are not permitted"),
])
def test_a_wrong_schedule_is_refused_saying_why(served, change, why):
    client, tokens = served
    body = {k: v for k, v in {**WEEKLY, **change}.items() if v != DROP}
    answer = client.post("/api/v1/schedules", json=body, headers=tokens["admin"])
    assert answer.status_code in (404, 422), answer.text
    assert why in answer.text
    assert client.get("/api/v1/schedules", headers=tokens["admin"]).json() == []


def test_the_openapi_document_has_the_examples_and_the_cadences(served):
    client, _ = served
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/api/v1/schedules"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"weekly", "after_send", "monthly"}
    assert examples["weekly"]["value"]["cadence"] == "weekly"
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/schedules"])
    assert "delete" in doc["paths"]["/api/v1/schedules/{schedule_id}"]
    assert "post" in doc["paths"]["/api/v1/schedules/{schedule_id}/run"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "cadence"
    assert sorted(v["$ref"].rsplit("/", 1)[1] for v in body["oneOf"]) == [
        "AfterSendSchedule", "DailySchedule", "MonthlySchedule", "WeeklySchedule"]
    schemas = doc["components"]["schemas"]
    assert schemas["WeeklySchedule"]["properties"]["weekday"]["enum"][0] == "monday"
    assert "weekday" in schemas["WeeklySchedule"]["required"]
    assert "days_after" not in schemas["WeeklySchedule"]["properties"]
    assert schemas["AfterSendSchedule"]["properties"]["kind"]["const"] == "mailing"
    address = schemas["WeeklySchedule"]["properties"]["recipients"]["items"]["pattern"]
    assert re.fullmatch(address, "crm@example.com") and not re.fullmatch(address, "crm@x")
