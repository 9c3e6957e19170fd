"""Whom a request comes from: X-Forwarded-For counts only from a proxy listed in
trusted_proxies, and a forwarded request is never from "this machine". Against
`mailreport serve`, since uvicorn's own reading of the header is what changed."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from starlette.requests import Request
from test_limits import Served

from mailreport.api.security import client_address, is_loopback
from mailreport.auth import create_token
from mailreport.settings import Settings
from mailreport.store import open_store

MAILINGS = "mailing_id,name,channel,status,sent_at\nm1,Spring,email,sent,2026-03-02T09:00:00\n"


def store_with_admin(db) -> str:
    store = open_store(db, Settings())
    token = create_token(store, "admin")
    store.close()
    return token


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A store with an admin token, and a directory to load into it."""
    root = tmp_path_factory.mktemp("proxies")
    db = root / "proxies.duckdb"
    token = store_with_admin(db)
    (root / "load").mkdir()
    (root / "load" / "mailings.csv").write_text(MAILINGS)
    return SimpleNamespace(db=db, token=token, directory=str(root / "load"))


@pytest.fixture(scope="module")
def direct(prepared):
    served = Served(prepared.db)
    yield served
    served.stop()


def sign_in(url: str, forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return httpx.post(f"{url}/signin", data={"token": "mr_nope_nope"}, headers=headers)


def test_a_rotating_forwarded_for_from_loopback_is_still_throttled(direct):
    answers = [sign_in(direct.url, f"198.51.100.{i}").status_code for i in range(20)]
    assert answers == [401] * 10 + [429] * 10


def test_a_forwarded_load_is_not_from_this_machine(direct, prepared):
    admin = {"Authorization": f"Bearer {prepared.token}"}
    body = {"directory": prepared.directory}
    for header in ({"X-Forwarded-For": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"},
                   {"X-Real-IP": "127.0.0.1"}):
        r = httpx.post(f"{direct.url}/api/v1/loads", json=body, headers={**admin, **header})
        assert r.status_code == 403, header
        assert r.json()["detail"] == "loads are accepted from this machine only"
    assert httpx.get(f"{direct.url}/api/v1/mailings", headers=admin).json() == []
    r = httpx.post(f"{direct.url}/api/v1/loads", json=body, headers=admin, timeout=60)
    assert r.status_code == 200 and r.json()["exit_code"] == 0
    assert [m["mailing_id"] for m in
            httpx.get(f"{direct.url}/api/v1/mailings", headers=admin).json()] == ["m1"]


def test_behind_a_trusted_proxy_the_limit_keys_on_the_forwarded_client(prepared, tmp_path):
    token = store_with_admin(tmp_path / "behind.duckdb")
    served = Served(tmp_path / "behind.duckdb", env={"MAILREPORT_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        for _ in range(10):
            assert sign_in(served.url, "203.0.113.7").status_code == 401
        # what the client wrote left of the proxy's own entry changes nothing
        assert sign_in(served.url, "192.0.2.99, 203.0.113.7").status_code == 429
        assert sign_in(served.url, "203.0.113.8").status_code == 401
        # the proxy's own requests, with no forwarded client, are a client of their own
        assert sign_in(served.url).status_code == 401
        r = httpx.post(f"{served.url}/api/v1/loads", json={"directory": prepared.directory},
                       headers={"Authorization": f"Bearer {token}",
                                "X-Forwarded-For": "127.0.0.1"})
        assert r.status_code == 403  # a listed proxy is still a proxy
    finally:
        served.stop()


def request(peer: str, *forwarded: str, proxies: str = "", **headers: str) -> Request:
    settings = Settings(trusted_proxies=proxies)
    app = SimpleNamespace(state=SimpleNamespace(store=SimpleNamespace(settings=settings)))
    raw = [(b"x-forwarded-for", f.encode()) for f in forwarded]
    raw += [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "app": app, "client": (peer, 50000), "headers": raw,
                    "method": "GET", "path": "/"})


@pytest.mark.parametrize("peer,forwarded,proxies,client", [
    ("127.0.0.1", ["198.51.100.1"], "", "127.0.0.1"),  # no proxy listed: the peer
    ("203.0.113.1", ["198.51.100.1"], "10.0.0.0/8", "203.0.113.1"),  # peer not listed
    ("10.0.0.2", ["198.51.100.1, 10.0.0.3"], "10.0.0.0/8", "198.51.100.1"),
    ("10.0.0.2", ["1.1.1.1, 198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
    ("10.0.0.2", ["1.1.1.1", "198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),  # two lines
    ("10.0.0.2", ["198.51.100.1:4711"], "10.0.0.0/8", "198.51.100.1"),
    ("10.0.0.2", ["[2001:db8::1]:443"], "10.0.0.0/8", "2001:db8::1"),
    ("10.0.0.2", ["not-an-address, 10.0.0.3"], "10.0.0.0/8", "10.0.0.3"),
    ("10.0.0.2", ["10.0.0.4, 10.0.0.3"], "10.0.0.0/8", "10.0.0.4"),  # all listed
    ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),
    ("::ffff:10.0.0.2", ["198.51.100.1"], "10.0.0.2", "198.51.100.1"),
])
def test_client_address(peer, forwarded, proxies, client):
    assert client_address(request(peer, *forwarded, proxies=proxies)) == client


def test_this_machine_is_loopback_without_a_proxy():
    assert is_loopback(request("127.0.0.1"))
    assert is_loopback(request("::1"))
    assert is_loopback(request("::ffff:127.0.0.1"))
    assert not is_loopback(request("192.0.2.1"))
    assert not is_loopback(request("127.0.0.1", "127.0.0.1"))
    assert not is_loopback(request("127.0.0.1", "127.0.0.1", proxies="127.0.0.1"))
    assert not is_loopback(request("127.0.0.1", forwarded="for=127.0.0.1"))


@pytest.mark.parametrize("host,status", [
    ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("LOCALHOST", 200),
    ("[::1]:8000", 200), ("127.0.0.2", 200),
    ("rebound.example:8000", 421), ("127.0.0.1.rebound.example", 421),
    ("localhost.rebound.example", 421), ("[::1].example", 421), ("", 421),
])
def test_with_sign_in_off_only_requests_addressed_to_this_machine_are_answered(
        store, host, status):
    from fastapi.testclient import TestClient

    from mailreport.api.app import create_app

    client = TestClient(create_app(store, auth=False))
    r = client.get("/api/v1/mailings", headers={"Host": host})
    assert r.status_code == status
    if status == 421:
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == ("with sign-in off this server answers only requests "
                                      "addressed to localhost, 127.0.0.1 or [::1], not "
                                      f"{host!r}")
    # with sign-in on, the token decides, whatever the name
    signed = TestClient(create_app(store))
    assert signed.get("/api/v1/mailings", headers={"Host": host}).status_code == 401


def test_no_auth_serves_no_page_to_a_rebound_name(tmp_path):
    store_with_admin(tmp_path / "open.duckdb")
    served = Served(tmp_path / "open.duckdb", "--no-auth")
    try:
        rebound = {"Host": f"rebound.example:{served.port}"}
        for path in ("/api/v1/mailings", "/", "/api/v1/mailings/m1/export?stage=sent"):
            r = httpx.get(served.url + path, headers=rebound)
            assert r.status_code == 421, path
        assert httpx.get(f"{served.url}/api/v1/mailings").status_code == 200
    finally:
        served.stop()
