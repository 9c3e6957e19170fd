"""GET /api/v1/mailings on hand-made mailings: every sort key with its ties and
nulls, the filters (the sent period in the company's zone), search, pages and the
total, and a 422 naming each wrong parameter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.settings import Settings
from mailreport.store import open_store

# T0 is 2026-03-02 09:00 UTC: 19:00 in Vladivostok (UTC+10). 11 hours later is still
# 2 March in UTC but 3 March in the company's zone.
ZONE = "Asia/Vladivostok"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One store for the module: the cases only read it."""
    tmp = tmp_path_factory.mktemp("mailing-list")
    store = open_store(tmp / "list.duckdb", Settings(company_timezone=ZONE))
    d = Dataset(store, tmp / "data")
    d.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    d.mailing("e1", sent_at=at(0), campaign_id="c1", category="promo", name="Spring sale")
    d.mailing("e2", sent_at=at(11), category="news", name="Weekly news")
    d.mailing("e3", sent_at=at(11), campaign_id="c1", category="promo", name="Spring treats")
    d.mailing("s1", channel="sms", sent_at=at(days=2), name="Flash sale")
    d.add("mailings", {"mailing_id": "d1", "name": "Draft", "channel": "email",
                       "status": "draft"})  # never sent: no sent_at

    def reach(mailing_id, ts, people, openers):
        d.journeys(mailing_id, {p: [("delivered", ts)] + ([("opened", ts)] if p in openers
                                                            else []) for p in people})
    reach("e1", at(0.1), "abcd", "ab")     # open rate 50
    reach("e2", at(11.1), "ab", "ab")      # 100
    reach("e3", at(11.1), "efgh", "e")     # 25
    d.journeys("s1", {"a": [("delivered", at(days=2))], "b": [("delivered", at(days=2))]})
    d.order("b", at(1), total="50.00")     # after b's open of e1: e1's, 1 buyer of 4
    d.load()
    with TestClient(create_app(store, auth=False), base_url="http://localhost") as c:
        yield c
    store.close()


def ids(client, **params) -> list[str]:
    r = client.get("/api/v1/mailings", params=params)
    assert r.status_code == 200, r.text
    return [m["mailing_id"] for m in r.json()]


def test_sorts_with_ties_by_mailing_id_and_nulls_last(client):
    # e2 and e3 share sent_at; the draft has none
    assert ids(client) == ["s1", "e2", "e3", "e1", "d1"]
    assert ids(client, order="asc") == ["e1", "e2", "e3", "s1", "d1"]
    # SMS has no open rate, the draft nothing delivered: both last, by mailing_id
    assert ids(client, sort="open_rate") == ["e2", "e1", "e3", "d1", "s1"]
    assert ids(client, sort="open_rate", order="asc") == ["e3", "e1", "e2", "d1", "s1"]
    # revenue: e1's 50.00, then the zeros by mailing_id
    assert ids(client, sort="revenue") == ["e1", "d1", "e2", "e3", "s1"]
    assert ids(client, sort="revenue", order="asc") == ["d1", "e2", "e3", "s1", "e1"]
    assert ids(client, sort="revenue_per_recipient") == ["e1", "e2", "e3", "s1", "d1"]
    assert ids(client, sort="conversion", order="asc") == ["e2", "e3", "s1", "e1", "d1"]
    assert ids(client, sort="recipients") == ["e1", "e3", "e2", "s1", "d1"]
    assert ids(client, sort="delivered", order="asc") == ["d1", "e2", "s1", "e1", "e3"]
    assert ids(client, sort="name", order="asc") == ["d1", "s1", "e1", "e3", "e2"]


def test_figures_are_the_reports(client):
    e1 = client.get("/api/v1/mailings", params={"search": "spring sale"}).json()[0]
    assert (e1["delivered"], e1["opened"], e1["buyers"]) == (4, 2, 1)
    assert (e1["open_rate"], e1["click_rate"], e1["conversion"]) == (50.0, 0.0, 25.0)
    assert (e1["revenue"], e1["revenue_per_recipient"]) == ("50.00", "12.50")
    report = client.get("/api/v1/mailings/e1/report").json()
    assert report["efficiency"]["transitions"]["conversion"] == e1["conversion"]
    assert report["headline"]["revenue_per_recipient"] == e1["revenue_per_recipient"]
    draft = client.get("/api/v1/mailings", params={"status": "draft"}).json()[0]
    assert (draft["open_rate"], draft["revenue_per_recipient"]) == (None, None)


def test_filters_and_search(client):
    assert ids(client, channel="sms") == ["s1"]
    assert ids(client, status="draft") == ["d1"]
    assert ids(client, campaign_id="c1") == ["e3", "e1"]
    assert ids(client, category="news") == ["e2"]
    assert ids(client, search="SALE") == ["s1", "e1"]  # any case, any part of the name
    assert ids(client, search="no such") == []
    # e2 and e3 went out at 20:00 UTC on 2 March: 3 March in the company's zone
    assert ids(client, sent_to="2026-03-02") == ["e1"]
    assert ids(client, sent_from="2026-03-03") == ["s1", "e2", "e3"]
    assert ids(client, sent_from="2026-03-03", sent_to="2026-03-03") == ["e2", "e3"]
    assert ids(client, channel="email", campaign_id="c1", sent_from="2026-03-03") == ["e3"]


def test_pages_and_the_total(client):
    def page(**params):
        r = client.get("/api/v1/mailings", params=params)
        assert r.status_code == 200, r.text
        return [m["mailing_id"] for m in r.json()], int(r.headers["X-Total-Count"])
    assert page(limit=2) == (["s1", "e2"], 5)
    assert page(limit=2, offset=2) == (["e3", "e1"], 5)
    assert page(limit=2, offset=4) == (["d1"], 5)          # the last page, part full
    assert page(limit=2, offset=5) == ([], 5)              # past the end: empty, same total
    assert page(limit=2, offset=500, channel="email") == ([], 4)
    assert page(search="no such") == ([], 0)
    assert page(channel="email", limit=1) == (["e2"], 4)


@pytest.mark.parametrize(("params", "named"), [
    ({"sort": "opens"}, "'sort'"),
    ({"order": "up"}, "'order'"),
    ({"channel": "fax"}, "'channel'"),
    ({"status": "done"}, "'status'"),
    ({"sent_from": "2026-02-30"}, "'sent_from'"),
    ({"sent_to": "3 March"}, "'sent_to'"),
    ({"sent_from": "2026-03-04", "sent_to": "2026-03-03"}, "'sent_from'"),
    ({"limit": "0"}, "'limit'"),
    ({"limit": "501"}, "'limit'"),
    ({"offset": "-1"}, "'offset'"),
])
def test_a_wrong_parameter_is_a_422_naming_it(client, params, named):
    r = client.get("/api/v1/mailings", params=params)
    assert r.status_code == 422
    assert named in r.json()["detail"]


def test_a_trend_is_the_lists_figure_of_each_sent_mailing_oldest_first(client):
    r = client.get("/api/v1/mailing-trend", params={"figure": "open_rate"})
    assert r.status_code == 200, r.text
    body = r.json()
    # the draft has no sent_at: not on a time axis; e2 and e3 tie, by mailing_id
    assert [(p["mailing_id"], p["value"]) for p in body["points"]] == [
        ("e1", 50.0), ("e2", 100.0), ("e3", 25.0), ("s1", None)]
    assert (body["total"], body["truncated"]) == (4, False)
    # the list's filters, and money as a number
    r = client.get("/api/v1/mailing-trend", params={
        "figure": "revenue_per_recipient", "campaign_id": "c1", "sent_to": "2026-03-02"})
    assert [(p["mailing_id"], p["value"]) for p in r.json()["points"]] == [("e1", 12.5)]
    r = client.get("/api/v1/mailing-trend", params={"figure": "opens"})
    assert r.status_code == 422 and "'figure'" in r.json()["detail"]
