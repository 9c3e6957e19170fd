"""The request log over real HTTP: one JSON line per request with its fields, the
request id's round trip, hostile ids replaced, the id on a 500's error lines; and
`mailreport serve` writing it, without uvicorn's access log."""

from __future__ import annotations

import io
import json
import logging
import os
import socket

import httpx
import pytest

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.request_log import configure_logging
from mailreport.auth import create_token
from servers import ServeProcess, serving

REPORT = "/api/v1/mailings/{mailing_id}/report"


@pytest.fixture
def log_lines():
    """The server's log as `serve` sets it up, in JSON, into a buffer; the lines so far."""
    buffer = io.StringIO()
    root, ours = logging.getLogger(), logging.getLogger("mailreport")
    levels = root.level, ours.level
    handler = configure_logging("json", buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


@pytest.fixture
def server(store, tmp_path):
    data = Dataset(store, tmp_path / "data")
    data.customer("ann", email="ann@example.com").mailing("m1", sent_at=at(0))
    data.load()
    app = create_app(store)

    @app.get("/api/v1/boom", include_in_schema=False)
    def boom():
        raise RuntimeError("boom went the handler")

    with serving(app) as served:
        yield served


def requests_of(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "mailreport.request"]


def test_each_request_is_one_line_with_its_fields(server, store, log_lines):
    token = create_token(store, "admin", "ops")
    token_id = token.split("_")[1]
    r = httpx.get(f"{server.url}/api/v1/mailings/m1/report",
                  headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42.a:b_c"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42.a:b_c"
    [line] = requests_of(log_lines())
    assert line["request_id"] == "req-42.a:b_c"
    assert (line["method"], line["route"], line["status"]) == ("GET", REPORT, 200)
    assert line["principal"] == f"token:{token_id}"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("Z")
    assert line["message"].startswith(f"GET {REPORT} 200 ")
    raw = json.dumps(line)
    secret = token.split("_", 2)[2]  # the secret may hold "_" itself, even first
    assert secret not in raw and "/mailings/m1" not in raw


def test_a_request_without_an_id_gets_a_new_one_each_time(server, log_lines):
    ids = [httpx.get(f"{server.url}/health").headers["x-request-id"] for _ in range(2)]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    lines = requests_of(log_lines())
    assert [line["request_id"] for line in lines] == ids
    assert [line["principal"] for line in lines] == [None, None]  # health asks no one


def raw_get(url: str, request_id: bytes) -> bytes:
    """A GET with an X-Request-ID byte for byte as given (httpx refuses bad ones)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"X-Request-ID: " + request_id + b"\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("hostile", [
    b"a" * 129,  # one past the bound
    b'x", "level": "CRITICAL',  # quotes and spaces, to forge a field
    b"abc\tdef",  # a tab (the server refuses a newline or another control byte: 400)
    b"caf\xc3\xa9",  # not ASCII
    b"a b",
])
def test_a_hostile_request_id_is_replaced(server, log_lines, hostile):
    answer = raw_get(server.url, hostile)
    assert answer.startswith(b"HTTP/1.1 200")
    header = next(line for line in answer.split(b"\r\n")
                  if line.lower().startswith(b"x-request-id:"))
    given = header.split(b":", 1)[1].strip()
    assert given != hostile and len(given) == 32
    [line] = requests_of(log_lines())
    assert line["request_id"] == given.decode()


def test_an_id_at_the_bound_is_kept(server, log_lines):
    longest = "a" * 128
    assert httpx.get(f"{server.url}/health",
                     headers={"X-Request-ID": longest}).headers["x-request-id"] == longest


def test_a_500_names_its_request_in_the_answer_and_the_error_lines(server, log_lines):
    r = httpx.get(f"{server.url}/api/v1/boom", headers={"X-Request-ID": "trace-500"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "trace-500"
    lines = log_lines()
    errors = [line for line in lines if line["level"] == "ERROR"
              and "boom went the handler" in line.get("exception", "")]
    assert errors and all(line["request_id"] == "trace-500" for line in errors)
    [request] = requests_of(lines)
    assert (request["route"], request["status"], request["request_id"]) == (
        "/api/v1/boom", 500, "trace-500")


def test_the_text_format_has_the_id_and_the_line(server):
    buffer = io.StringIO()
    handler = configure_logging("text", buffer)
    try:
        httpx.get(f"{server.url}/health", headers={"X-Request-ID": "t-1"})
    finally:
        logging.getLogger().removeHandler(handler)
    [line] = [x for x in buffer.getvalue().splitlines() if "mailreport.request" in x]
    assert " INFO mailreport.request [t-1] GET /health 200 " in line and line.endswith("ms -")


def test_serve_writes_json_lines_and_no_access_log(store):
    db = store.path
    store.close()
    env = {**os.environ, "MAILREPORT_DB": str(db), "MAILREPORT_LOG_FORMAT": "json"}
    server = ServeProcess("--no-auth", env=env)  # up once /health answered
    try:
        httpx.get(f"{server.url}/api/v1/mailings/nope", headers={"X-Request-ID": "serve-1"})
    finally:
        server.proc.terminate()
        server.proc.wait(10)
        server.stderr.seek(0)
        err = server.stderr.read().decode()
        server.stderr.close()
    lines = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert len(lines) == len(err.splitlines())  # every line JSON, uvicorn's too
    wanted = [x for x in lines if x.get("request_id") == "serve-1"]
    assert [(x["route"], x["status"]) for x in wanted] == [("/api/v1/mailings/{mailing_id}", 404)]
    assert not [x for x in lines if x["logger"] == "uvicorn.access"]
    assert "/api/v1/mailings/nope" not in err
