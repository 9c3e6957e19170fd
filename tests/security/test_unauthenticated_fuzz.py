"""Hostile bytes from a stranger, at every endpoint (#20): whatever arrives without
credentials, the server answers below 500 and logs no traceback.

The endpoints are enumerated from the app's routes, so a new one is fuzzed the day it
is added: the API (which answers 401), the pages (which send a browser to sign in),
sign-in and sign-out, health, the API documents, the providers' webhooks (configured,
so their signature checks run) and the static files. Requests are written to a real
server's socket byte by byte, so nothing a client library would refuse to send is out
of reach: percent-encoded garbage and overlong path segments, any byte in a header
value, bodies nested past the JSON parser, wrong content types.

tests/webhooks/test_fuzz.py fuzzes the webhooks' bodies signed, and
tests/webhooks/test_hostile_bytes.py keeps the crashes found by hand."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import time
import urllib.parse

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from conftest import Dataset, at
from mailreport.api.app import create_app
from mailreport.api.signin import AttemptLimiter
from mailreport.ingest import live
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import serving

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
WEBHOOK_MAX_BYTES = 65536


def endpoints(app) -> list[tuple[str, str]]:
    """(method, path template) of every route, included routers flattened; a mount
    (the static files) as its path with a {file} below it."""
    found = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)  # an included router
        for candidate in contexts() if callable(contexts) else [route]:
            original = getattr(candidate, "original_route", candidate)
            if isinstance(original, APIRoute | Route):
                found |= {(m, candidate.path_format) for m in candidate.methods or ()}
            elif isinstance(original, Mount):
                found.add(("GET", original.path + "/{file}"))
    return sorted(found)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A server with sign-in on and every webhook configured, over two mailings."""
    store = open_store(tmp_path_factory.mktemp("db") / "fuzz.duckdb", Settings())
    data = Dataset(store, tmp_path_factory.mktemp("data"))
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"})
    data.mailing("m1", campaign_id="c1").mailing("s1", channel="sms")
    data.journeys("m1", {"ann": [("sent", at(0)), ("clicked", at(1))]}).load()
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    secrets = {"MAILREPORT_SENDGRID_PUBLIC_KEY": base64.b64encode(key).decode(),
               "MAILREPORT_MAILGUN_SIGNING_KEY": "key-" + "m" * 32,
               "MAILREPORT_SNS_CERT_DIR": str(tmp_path_factory.mktemp("sns")),
               "MAILREPORT_SNS_TOPIC_ARNS": "arn:aws:sns:us-east-1:123456789012:ses",
               "MAILREPORT_POSTMARK_USER": "hooks", "MAILREPORT_POSTMARK_PASSWORD": "pw",
               "MAILREPORT_TWILIO_AUTH_TOKEN": "t" * 32,
               "MAILREPORT_WEBHOOK_MAX_BYTES": str(WEBHOOK_MAX_BYTES)}
    with pytest.MonkeyPatch.context() as env:
        for name, value in secrets.items():
            env.setenv(name, value)
        app = create_app(store, public_url="http://127.0.0.1:8000",
                         local_secret="a-local-secret")
        # every sign-in body reaches the parser instead of the limit's 429
        app.state.signin_attempts = AttemptLimiter(limit=10**9)
        with serving(app) as served:
            yield served, endpoints(app), parameter_names(app)
    live.stop(store)
    store.close()


def parameter_names(app) -> list[str]:
    names = {p["name"] for methods in app.openapi()["paths"].values()
             for op in methods.values() for p in op.get("parameters", [])}
    return sorted(names | {"next", "token"})  # the sign-in page's


# -- the request, as bytes ---------------------------------------------------------

def send(url: str, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
         body: bytes, length: bytes | None = None) -> tuple[int, bytes]:
    """(status, first bytes of the answer); status 0 if the server closed without
    an answer. ``length`` is the Content-Length to declare instead of the body's;
    when it promises more than the body, the client hangs up after the body."""
    host, port = url.removeprefix("http://").split(":")
    head = [method + b" " + target + b" HTTP/1.1", b"Host: " + f"{host}:{port}".encode()]
    head += [name + b": " + value for name, value in headers]
    head += [b"Content-Length: " + (str(len(body)).encode() if length is None else length),
             b"Connection: close"]
    request = b"\r\n".join(head) + b"\r\n\r\n" + body
    cut_short = length is not None and length.isdigit() and len(length) < 12 \
        and int(length) > len(body)
    answer = b""
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        # refused before the body was read (a 413): the answer is still there
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(request)
        if cut_short:
            # the server may have answered and closed already: then nothing to end
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else 0), answer[:600]


def quoted(value: str | bytes) -> str:
    return urllib.parse.quote(value, safe="")


TRICKS = ["..", "%2e%2e", "%2F", "%2f..%2f..%2fetc%2fpasswd", "%00", "%", "%zz", "%%",
          "%C0%AF", "%FF%FE", "%E2%80%AE", "%0D%0ASet-Cookie:%20x=1", ";", "a;b=c", "~",
          "%F0%9F%92%A9", "\\", "%5C..%5C", "//", "%20", "+"]
LONG = st.integers(1_000, 20_000).map(lambda n: "a" * n)
# a path segment or a query value: percent-encoded text and bytes, tricks, or too long
hostile_piece = st.one_of(
    st.text(max_size=40).map(quoted), st.binary(max_size=40).map(quoted),
    st.sampled_from(TRICKS), LONG,
    st.sampled_from(["-1", "0", "9223372036854775808", "1e400", "nan", "inf", "0x10",
                     "0000-00-00", "9999-12-31", "2026-02-30", "true", "null", "[]"]),
)
# raw bytes in the request line: not HTTP, the server's parser must say so
raw_piece = st.binary(min_size=1, max_size=20).filter(lambda b: not set(b) & set(b" \r\n"))


@st.composite
def targets(draw, template: str, names: list[str]) -> bytes:
    def segment(match) -> str:
        return draw(hostile_piece | st.sampled_from(["m1", "c1", "A", "efficiency", "css"]))

    path = re.sub(r"\{[^}]+\}", segment, template).encode()
    if draw(st.integers(0, 9)) == 0:
        path += b"/" + draw(raw_piece)
    pairs = draw(st.lists(st.tuples(st.sampled_from(names) | hostile_piece, hostile_piece),
                          max_size=6))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    if draw(st.booleans()):
        query += draw(st.sampled_from(["", "&", "&&=", "=", "a", "a=1=2", "%", "&a[]=1",
                                       "a=%FF%FE"]))
    return path + (b"?" + query.encode() if query else b"")


HEADER_NAMES = [b"Authorization", b"Cookie", b"X-Mailreport-Local", b"Content-Type", b"Accept",
                b"Origin", b"Referer", b"X-Forwarded-For", b"X-Forwarded-Proto",
                b"X-Forwarded-Host", b"X-Twilio-Email-Event-Webhook-Signature",
                b"X-Twilio-Email-Event-Webhook-Timestamp", b"X-Twilio-Signature",
                b"X-Amz-Sns-Message-Type", b"Range", b"If-None-Match", b"If-Modified-Since",
                b"Accept-Encoding", b"Accept-Language", b"User-Agent"]
# any byte but CR and LF (which would end the header: request framing, not a value)
header_bytes = st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
header_value = st.one_of(
    header_bytes,
    st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")
                             .replace(b"\r", b"").replace(b"\n", b"")),
    header_bytes.map(lambda b: b"Bearer " + b), header_bytes.map(lambda b: b"Basic " + b),
    header_bytes.map(lambda b: b"Bearer mr_" + b + b"_" + b),
    header_bytes.map(lambda b: b"mailreport_session=" + b),
    st.sampled_from([b"Bearer", b"Bearer ", b"bytes=0-0,-1", b"bytes=9999999999999999999-",
                     b"bytes=a-b", b"null", b"text/html", b"text/html, */*",
                     b"application/json; charset=\xff", b"multipart/form-data; boundary=",
                     b"application/x-www-form-urlencoded", b"1e400", b"nan", b"-inf",
                     b"\xe9\xff", b"1.2.3.4, ::1, \xff, garbage", b"http://evil.example",
                     b"\x00\x01\x7f"]),
    st.integers(2_000, 30_000).map(lambda n: b"x" * n),
)
known_name = st.sampled_from(HEADER_NAMES)
any_name = st.from_regex(rb"\A[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}\Z")
headers = st.lists(st.tuples(st.one_of(known_name, known_name, known_name, any_name),
                             header_value), max_size=6)
# a Content-Length other than the body's: malformed, overlong, or promising more
# (then the client hangs up) or less than is sent
lengths = st.none() | st.none() | st.none() | st.sampled_from(
    [b"-1", b"+1", b"1e3", b"0x10", b" 1", b"\xb2", b"1, 1", b"", b"9" * 5000,
     b"0" * 5000 + b"1", b"99999999999999999999"]) | st.integers(0, 3000).map(
    lambda n: str(n).encode())
bodies = st.one_of(
    st.just(b""), st.binary(max_size=2_000),
    st.sampled_from([b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
                     b'{"events": [{"ts": 1e400}]}', b"[NaN, Infinity, -Infinity]",
                     b"token=%FF%FE&next=%0d%0a", b"token=" + b"t" * 9000,
                     b'{"signature": {"timestamp": "nan", "token": "\xff", "signature": 1}}',
                     b"\xef\xbb\xbf[]", b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--",
                     b"x" * (WEBHOOK_MAX_BYTES + 1)]),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
)


def exchange(served, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
             body: bytes, length: bytes | None = None, label: str = "") -> tuple[int, bytes]:
    """Send the request; fail on a 5xx, no answer, or a traceback it logged. A client
    that hangs up before its body is complete gets no answer, of course."""
    logged = len(served.errors)
    status, head = send(served.url, method, target, headers, body, length)
    request = f"{label}{method!r} {target[:300]!r} {headers!r} {body[:100]!r} {length!r}"
    hung_up = status == 0 and length is not None
    time.sleep(0.05 if hung_up else 0)  # the server notices after the client has gone
    assert 100 <= status < 500 or hung_up, (request, status, head)
    assert served.tracebacks()[logged:] == [], request
    return status, head


@FUZZ
@given(data=st.data())
def test_no_request_without_credentials_makes_a_5xx(world, data):
    served, routes, names = world
    method, template = data.draw(st.sampled_from(routes))
    if data.draw(st.integers(0, 9)) < 2:  # mostly the route's own, to get past the 405
        method = data.draw(st.sampled_from([*OTHER_METHODS, "GET\x01", "M" * 100]))
    target = data.draw(targets(template, names))
    exchange(served, method.encode(), target, data.draw(headers), data.draw(bodies),
             data.draw(lengths))


WORST = {
    "overlong segment": (lambda path: re.sub(r"\{[^}]+\}", "a" * 20_000, path), [], b""),
    "bytes that are no UTF-8": (lambda path: re.sub(r"\{[^}]+\}", "%FF%FE%00", path) + "?a=%FF",
                                [(b"Cookie", b"mailreport_session=\xff\xfe")], b"\xff\xfe"),
    "non-ASCII credentials": (lambda path: path.replace("{", "").replace("}", ""),
                              [(b"Authorization", b"Bearer \xe9\xff"),
                               (b"X-Mailreport-Local", b"\xe9t\xe9"),
                               (b"X-Twilio-Signature", b"sig\xe9\xff")], b"{}"),
    "a JSON nested past the parser": (lambda path: path.replace("{", "").replace("}", ""),
                                      [(b"Content-Type", b"application/json")],
                                      b"[" * 5000 + b"]" * 5000),
    "a huge header": (lambda path: path.replace("{", "").replace("}", ""),
                      [(b"Cookie", b"mailreport_session=" + b"c" * 60_000)], b""),
    "a body cut short": (lambda path: path.replace("{", "").replace("}", ""),
                         [(b"Content-Type", b"application/json")], b"[{}", b"100"),
}


@pytest.mark.parametrize("case", list(WORST))
def test_every_endpoint_takes_the_worst_cases(world, case):
    """Each route at least once with each of the worst inputs found so far, whatever
    the generated cases above happened to draw."""
    served, routes, _ = world
    shape, sent_headers, body, *length = WORST[case]
    for method, template in routes:
        target = shape(template).encode()
        for accept in (b"text/html", b"application/json"):
            exchange(served, method.encode(), target, [(b"Accept", accept), *sent_headers],
                     body, *length, label=f"{case}: ")


def test_the_endpoints_are_all_there(world):
    """The enumeration sees every kind of endpoint (else the fuzz above misses some)."""
    _, routes, _ = world
    paths = {path for _, path in routes}
    assert {"/health", "/signin", "/signout", "/openapi.json", "/static/{file}", "/",
            "/api/v1/mailings/{mailing_id}/report", "/webhooks/sendgrid",
            "/webhooks/twilio", "/mailings/{mailing_id}/customers"} <= paths
    assert ("POST", "/signin") in routes and ("GET", "/signin") in routes


def test_the_answers_say_why(world):
    """Not only no 5xx: a stranger gets the answer the endpoint documents."""
    served, _, _ = world
    api = exchange(served, b"GET", b"/api/v1/mailings/%FF/report", [], b"")
    assert api[0] == 401 and b"application/problem+json" in api[1]
    page = exchange(served, b"GET", b"/mailings/%FF", [(b"Accept", b"text/html")], b"")
    assert page[0] == 303 and b"location: /signin?next=" in page[1].lower()
    deep = exchange(served, b"POST", b"/webhooks/mailgun",
                    [(b"Content-Type", b"application/json")], b"[" * 5000 + b"]" * 5000)
    assert deep[0] == 400 and b"JSON" in deep[1]
    large = exchange(served, b"POST", b"/webhooks/sendgrid", [], b"x" * (WEBHOOK_MAX_BYTES + 1))
    assert large[0] == 413
    health = exchange(served, b"GET", b"/health", [], b"")[1].split(b"\r\n\r\n")[1]
    assert json.loads(health)["status"] == "ok"
