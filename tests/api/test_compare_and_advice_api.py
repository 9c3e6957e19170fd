"""GET /api/v1/compare and /api/v1/send-time-advice over HTTP: mailings side by
side are each one's own report's figures, in the order asked; 2 to 4, distinct,
existing; the advice endpoint's parameters are checked and named."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.settings import Settings
from mailreport.store import open_store


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    store = open_store(tmp / "compare.duckdb", Settings())
    d = Dataset(store, tmp / "data")
    d.mailing("e1", sent_at=at(0)).mailing("e2", sent_at=at(5)).mailing("s1", channel="sms")
    d.journeys("e1", {p: [("sent", at(0)), ("delivered", at(0.1))]
                      + ([("opened", at(1))] if p in "ab" else []) for p in "abcd"})
    d.journeys("e2", {p: [("sent", at(5)), ("delivered", at(5.1)), ("opened", at(7))]
                      for p in "ab"})
    d.journeys("s1", {"a": [("sent", at(0)), ("delivered", at(0.1)), ("clicked", at(2))]})
    d.order("a", at(3), total="80.00")  # a's latest touch before it: e1's open at 1 h
    d.load()
    with TestClient(create_app(store, auth=False), base_url="http://localhost") as c:
        yield c
    store.close()


def compared(client, *ids, **params):
    return client.get("/api/v1/compare",
                      params=[("mailing_id", i) for i in ids] + list(params.items()))


def test_side_by_side_are_the_reports_figures(client):
    r = compared(client, "e2", "e1", "s1")
    assert r.status_code == 200, r.text
    rows = r.json()["mailings"]
    assert [m["mailing"]["mailing_id"] for m in rows] == ["e2", "e1", "s1"]  # as asked
    for m in rows:
        report = client.get(f"/api/v1/mailings/{m['mailing']['mailing_id']}/report").json()
        assert m["stages"] == report["efficiency"]["stages"]
        assert m["transitions"] == report["efficiency"]["transitions"]
        assert m["revenue"] == report["orders"]["revenue"]
        assert m["revenue_per_recipient"] == report["headline"]["revenue_per_recipient"]
        assert m["open_hours"] == report["open_hours"]
    e1 = rows[1]
    assert (e1["stages"]["delivered"], e1["stages"]["opened"]) == (4, 2)
    assert (e1["revenue"], e1["revenue_per_recipient"]) == ("80.00", "20.00")
    assert rows[2]["open_hours"] is None  # SMS has no opens
    # the period applies to all of them
    later = compared(client, "e1", "e2", **{"from": "2026-03-03"}).json()["mailings"]
    assert [m["stages"]["sent"] for m in later] == [0, 0]


@pytest.mark.parametrize("ids, said", [
    (("e1",), "mailing_id"), (("e1", "e2", "s1", "e1", "e2"), "mailing_id"),
    (("e1", "e1"), "compared once"), (("e1", "nope"), "nope"),
])
def test_a_wrong_choice_is_named(client, ids, said):
    r = compared(client, *ids)
    assert r.status_code in (404, 422), r.text
    assert said in r.text


def test_send_time_advice_endpoint(client):
    r = client.get("/api/v1/send-time-advice",
                   params={"channel": "email", "by": "zone", "as_of": "2026-03-10"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["date_from"], body["date_to"]) == ("2025-09-12", "2026-03-10")
    [zone] = body["advice"]
    # e1 at 09:00 UTC (4 delivered, 2 opened), e2 at 14:00 (2 and 2): UTC customers
    assert zone["key"] == "UTC"
    assert [(h["hour"], h["delivered"], h["responded"]) for h in zone["hours"]] == [
        (9, 4, 2), (14, 2, 2)]
    assert zone["best"]["hour"] == 14 and zone["low_confidence"]
    assert zone["why_low"] == ["few_observations", "overlaps_next_best"]
    bad = client.get("/api/v1/send-time-advice", params={"channel": "fax"})
    assert bad.status_code == 422 and "channel" in bad.text
