"""Bounded work per request: a body over its route's limit is refused before it is
read or authenticated, against a real server whose memory is read from /proc; a
request's queries stop at its time budget."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import ibis
import pytest
from fastapi.testclient import TestClient

from conftest import Dataset, at
from mailreport.api import app as api_app
from mailreport.api.app import create_app
from mailreport.auth import create_token, list_tokens
from mailreport.settings import Settings
from mailreport.store import QueryTimeout, open_store
from mailreport.store.budget import time_budget
from servers import ServeProcess

CHECKOUT = Path(__file__).resolve().parents[2]
MB = 1 << 20


def status_kb(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in kB: VmRSS (resident now), VmHWM (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Served(ServeProcess):
    """`mailreport serve` in a process of its own, so that its memory is its own."""

    def __init__(self, db: Path, *args: str, env: dict[str, str] | None = None):
        super().__init__("--db", str(db), *args, env=env, cwd=db.parent)

    def rss_mb(self) -> float:
        return status_kb(self.proc.pid, "VmRSS") / 1024


def empty_store(tmp_path: Path) -> Path:
    db = tmp_path / "limits.duckdb"
    open_store(db, Settings()).close()
    return db


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(empty_store(tmp_path_factory.mktemp("limits")))
    yield served
    served.stop()


class Body:
    """A body of ``size`` bytes made as it is sent, counting what the client sent."""

    def __init__(self, size: int):
        self.size, self.sent = size, 0

    def __iter__(self):
        block = b"a" * MB
        while self.sent < self.size:
            self.sent += len(block)
            yield block


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path,size,setting", [
    ("/api/v1/loads", 300 * MB, "json_max_bytes"),
    ("/signin", 400 * MB, "form_max_bytes"),
])
def test_a_huge_body_without_credentials_is_refused_before_it_is_read(
        server, path, size, setting, chunked):
    before = server.rss_mb()
    body = Body(size)
    headers = {} if chunked else {"Content-Length": str(size)}
    r = httpx.post(server.url + path, content=body, headers=headers, timeout=120)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert setting in r.json()["detail"] and path in r.json()["detail"]
    # the connection closed: the client stopped sending long before the end
    assert body.sent < 64 * MB
    assert server.rss_mb() - before < 50


@pytest.fixture(scope="module")
def impatient(tmp_path_factory):
    """A server whose request_seconds is 1."""
    served = Served(empty_store(tmp_path_factory.mktemp("impatient")),
                    env={"MAILREPORT_REQUEST_SECONDS": "1"})
    yield served
    served.stop()


@pytest.mark.parametrize("path", ["/api/v1/loads", "/signin", "/webhooks/sendgrid"])
def test_a_body_that_stops_arriving_is_answered_408_and_let_go(impatient, path):
    """A client that promises 100 bytes, sends 10 and waits: the server answers once
    nothing has come for request_seconds, and closes, instead of holding the
    connection for as long as the client likes."""
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{impatient.port}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                     "[{\"a\": 1,".encode())
        started = time.monotonic()
        answer = b""
        while chunk := conn.recv(65536):  # until the server closes
            answer += chunk
        waited = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b"content-type: application/problem+json" in head.lower()
    assert b"connection: close" in head.lower()
    assert json.loads(body)["detail"] == (
        f"the body of POST {path} stopped arriving: nothing came for 1 s "
        "(setting request_seconds)")
    assert 0.9 < waited < 20


def test_a_slow_body_that_keeps_arriving_is_read_whole(impatient):
    """Parts 0.4 s apart, each within request_seconds of the last but 2 s in all: not
    a stall. The sign-in form is read whole before the token in it is judged."""
    body = b"token=" + b"x" * 44
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=30) as conn:
        conn.sendall(f"POST /signin HTTP/1.1\r\nHost: 127.0.0.1:{impatient.port}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Accept-Language: en\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        for i in range(0, len(body), 10):
            time.sleep(0.4)
            conn.sendall(body[i:i + 10])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:300]
    assert b"not valid" in answer


def client(store, **settings) -> TestClient:
    store.settings = Settings(**settings)
    return TestClient(create_app(store))


def test_the_limit_comes_before_authentication(store):
    c = client(store, json_max_bytes=1000)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    small = json.dumps({"directory": "/nowhere", "pad": "x" * 900})
    assert len(small) <= 1000
    assert c.post("/api/v1/loads", content=small).status_code == 401
    big = json.dumps({"directory": "/nowhere", "pad": "x" * 1000})
    for headers in ({}, admin):  # refused alike, with or without a token
        r = c.post("/api/v1/loads", content=big, headers=headers)
        assert r.status_code == 413 and r.headers["connection"] == "close"
        assert r.json()["detail"] == (f"the body of POST /api/v1/loads is {len(big):,} bytes; "
                                      "it may be at most 1,000 (setting json_max_bytes)")


def test_a_chunked_body_is_counted_as_it_arrives(store):
    c = client(store, form_max_bytes=100)
    r = c.post("/signin", content=iter([b"token=" + b"a" * 60, b"a" * 60]),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert r.json()["detail"] == ("the body of POST /signin is larger than 100 bytes, the "
                                  "most it may be (setting form_max_bytes)")
    r = c.post("/signin", content=iter([b"token=mr_", b"nope"]),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401


def test_events_over_the_webhook_limit_store_nothing(store, monkeypatch):
    monkeypatch.setenv("MAILREPORT_WEBHOOK_MAX_BYTES", "2000")
    c = client(store)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    events = [{"event_id": f"e{i}", "mailing_id": "m1", "customer_id": "ann",
               "type": "sent", "ts": "2026-03-02T09:00:00"} for i in range(40)]
    body = json.dumps(events)
    assert len(body) > 2000
    for chunks in (body, iter([body[:1500].encode(), body[1500:].encode()])):
        r = c.post("/api/v1/events", content=chunks, headers=admin)
        assert r.status_code == 413 and "MAILREPORT_WEBHOOK_MAX_BYTES" in r.json()["detail"]
    assert store.sql("SELECT count(*) FROM events")[0][0] == 0
    assert store.sql("SELECT count(*) FROM quarantine")[0][0] == 0


def test_a_providers_batch_of_1000_events_fits_the_webhook_limit(store):
    sys.path.insert(0, str(CHECKOUT))
    from bench.bench_webhooks import make_batches

    [batch] = make_batches(1, 1000, 1000)
    body = json.dumps(batch).encode()
    assert len(body) > 100_000
    r = client(store).post("/webhooks/sendgrid", content=body)
    assert r.status_code != 413  # on to the signature check


def slow_query(tables):
    """A count over 10^10 pairs: far longer than any budget here."""
    numbers = ibis.memtable({"a": list(range(100_000))})
    pairs = numbers.cross_join(numbers.view().rename(b="a"))
    kept = pairs.filter((pairs.a + pairs.b) % 7 == 3)
    return tables.run(kept.aggregate(n=kept.count()))


def test_a_report_past_the_time_budget_is_stopped_with_a_503(store, tmp_path, monkeypatch):
    Dataset(store, tmp_path / "d").mailing("m1").journeys("m1", {"ann": [("sent", at(0))]}) \
        .load()
    monkeypatch.setattr(api_app, "mailing_report", lambda tables, *a, **kw: slow_query(tables))
    # long enough for what comes before the query (signing in, compiling) on a slow
    # machine, so that the query itself is what the watchdog stops
    c = client(store, request_seconds=3)
    viewer = {"Authorization": f"Bearer {create_token(store, 'viewer')}"}
    r = c.get("/api/v1/mailings/m1/report", headers=viewer)
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == (
        "GET /api/v1/mailings/m1/report was stopped: a query ran past the budget of 3 s "
        "(setting request_seconds); ask for less (a shorter period, a smaller page) or try "
        "again later")
    # the store goes on: reads, and a write whose transaction the interrupt must not reach
    assert c.get("/api/v1/mailings", headers=viewer).status_code == 200
    create_token(store, "analyst", name="after")
    assert "after" in [t.name for t in list_tokens(store)]


def test_a_request_that_waits_out_its_budget_for_the_store_gets_a_503(store):
    c = client(store, request_seconds=1)
    viewer = {"Authorization": f"Bearer {create_token(store, 'viewer')}"}
    writing = threading.Event()

    def long_write():
        with store.write():
            writing.set()
            time.sleep(2.5)

    writer = threading.Thread(target=long_write)
    writer.start()
    writing.wait()
    r = c.get("/api/v1/mailings", headers=viewer)
    writer.join()
    assert r.status_code == 503
    assert "the database was busy for the whole budget of 1 s" in r.json()["detail"]


def test_once_an_answer_streams_each_query_gets_the_whole_budget(store):
    tables = store.tables()
    one = ibis.memtable({"a": [1]})
    with time_budget(1) as budget:
        time.sleep(1.1)
        with pytest.raises(QueryTimeout, match="the request used up its budget of 1 s"):
            tables.run(one)
        budget.each_query()
        assert tables.run(one) == [{"a": 1}]
    assert tables.run(one) == [{"a": 1}]  # outside a budget: unbounded


def test_the_watchdog_interrupts_only_the_watch_it_was_set_for():
    from mailreport.store.duckdb.watchdog import Watchdog

    calls: list[float] = []
    dog = Watchdog(lambda: calls.append(time.monotonic()))
    try:
        with dog.watch(0.2) as done_in_time:
            pass
        with dog.watch(30):  # the thread now sleeps towards a far deadline
            pass
        start = time.monotonic()
        with dog.watch(0.3) as overrun:  # a sooner one must wake it
            time.sleep(1.0)
        time.sleep(0.3)
        assert not done_in_time.fired and overrun.fired
        assert len(calls) == 1 and calls[0] - start > 0.25  # not before its deadline
    finally:
        dog.close()
