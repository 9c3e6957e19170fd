"""The server's peak memory under the worst requests each role can send.

Generates a demo store (``--scale``, default small) in a temporary directory, creates
a token per role, and for each role (no credentials, viewer, analyst, admin) starts
``mailreport serve`` afresh, sends that role's worst requests one at a time and
prints for each: the status, the time to the last byte, the answer's size, and the
server's peak resident memory while it ran (VmHWM, reset before each request
through /proc/<pid>/clear_refs; where the kernel refuses that, the peak since the
server started). Large bodies are made as they are sent, so this process never
holds them.

    python bench/bench_hostile.py                   # the small demo
    python bench/bench_hostile.py --scale medium
    python bench/bench_hostile.py --json            # one JSON line of the figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MB = 1 << 20
WEBHOOK_MAX_BYTES = 16 * MB  # MAILREPORT_WEBHOOK_MAX_BYTES's default
LONGEST_PERIOD_DAYS = 1096  # max_period_days's default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def filler(size: int, block: bytes = b"a" * MB) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        piece = block[:size - sent]
        sent += len(piece)
        yield piece


def json_array(size: int, item: bytes) -> Iterator[bytes]:
    """A JSON array of copies of item, as close to size bytes as whole items go."""
    per_block = max(1, MB // (len(item) + 1))
    block = b",".join([item] * per_block)
    count = (size - 2) // (len(item) + 1)
    yield b"["
    left = count
    while left > 0:
        n = min(per_block, left)
        yield (block if n == per_block else b",".join([item] * n))
        left -= n
        if left:
            yield b","
    yield b"]"


@dataclass
class Hostile:
    what: str
    method: str
    path: str
    params: dict = field(default_factory=dict)
    body: object = None  # bytes, or a callable making an iterator of bytes
    chunked: bool = False
    json_body: object = None
    size: int | None = None  # the body's declared length


@dataclass
class Outcome:
    role: str
    what: str
    status: int | str
    seconds: float
    answer_bytes: int
    peak_mb: float
    rss_after_mb: float


class Server:
    def __init__(self, db: Path, work: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "MAILREPORT_CONFIG"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailreport", "serve", "--db", str(db),
             "--port", str(self.port)], cwd=work, env=env, stdout=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("the server did not start")
        self.resettable = True

    def reset_peak(self) -> None:
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        except OSError:
            self.resettable = False

    def peak_mb(self) -> float:
        return status_kb(self.proc.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return status_kb(self.proc.pid, "VmRSS") / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def send(server: Server, h: Hostile, headers: dict) -> tuple[int | str, int]:
    """The status and the answer's size, read as it streams."""
    headers = dict(headers)
    content = None
    if h.body is not None:
        content = h.body() if callable(h.body) else h.body
        if h.size is not None and not h.chunked:
            headers["Content-Length"] = str(h.size)
    try:
        with httpx.Client(timeout=600) as client, client.stream(
                h.method, server.url + h.path, params=h.params, headers=headers,
                content=content, json=h.json_body) as r:
            size = sum(len(chunk) for chunk in r.iter_raw())
            return r.status_code, size
    except httpx.HTTPError as exc:
        return type(exc).__name__, 0


def demo_facts(db: Path) -> dict:
    """What the worst requests aim at: the largest mailing and campaign, the data's
    dates, a directory of contract files."""
    from mailreport.settings import Settings
    from mailreport.store import open_store

    store = open_store(db, Settings(), read_only=True)
    try:
        [(mailing,)] = store.sql("SELECT mailing_id FROM audience GROUP BY 1 "
                                 "ORDER BY count(*) DESC, 1 LIMIT 1")
        [(campaign,)] = store.sql("SELECT campaign_id FROM mailings WHERE campaign_id IS "
                                  "NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        [(first, last)] = store.sql("SELECT min(ts)::DATE, max(ts)::DATE FROM events")
        customers = [c for (c,) in store.sql(
            "SELECT customer_id FROM audience WHERE mailing_id = ? LIMIT 1000", [mailing])]
    finally:
        store.close()
    middle = first + (last - first) / 2
    start = middle - dt.timedelta(days=LONGEST_PERIOD_DAYS // 2)
    period = {"from": start.isoformat(),
              "to": (start + dt.timedelta(days=LONGEST_PERIOD_DAYS - 1)).isoformat()}
    return {"mailing": mailing, "campaign": campaign, "period": period,
            "customers": customers, "first": first, "last": last}


def events_body(facts: dict, size: int) -> Iterator[bytes]:
    """Contract events for the largest mailing, about size bytes of JSON."""
    yield b"["
    sent, n = 1, 0
    customers = facts["customers"]
    while True:
        event = json.dumps({"event_id": f"hostile-{n}", "mailing_id": facts["mailing"],
                            "customer_id": customers[n % len(customers)], "type": "clicked",
                            "ts": f"{facts['last']}T12:00:00", "url": "https://x.example/a"})
        piece = (b"," if n else b"") + event.encode()
        if sent + len(piece) + 1 > size:
            break
        yield piece
        sent += len(piece)
        n += 1
    yield b"]"


def worst(facts: dict, data_dir: Path) -> dict[str, list[Hostile]]:
    m, period = facts["mailing"], facts["period"]
    sendgrid_event = json.dumps({"email": "x@example.com", "timestamp": 1767225600,
                                 "event": "delivered", "sg_event_id": "x" * 22,
                                 "mailing_id": m, "customer_id": "c1"}).encode()
    webhook_body = WEBHOOK_MAX_BYTES - 16
    none = [
        Hostile("POST /signin, 400 MB, Content-Length", "POST", "/signin",
                body=lambda: filler(400 * MB), size=400 * MB),
        Hostile("POST /signin, 400 MB, chunked", "POST", "/signin",
                body=lambda: filler(400 * MB), chunked=True),
        Hostile("POST /api/v1/loads, 300 MB, Content-Length", "POST", "/api/v1/loads",
                body=lambda: filler(300 * MB), size=300 * MB),
        Hostile("POST /api/v1/loads, 300 MB, chunked", "POST", "/api/v1/loads",
                body=lambda: filler(300 * MB), chunked=True),
    ]
    for provider in ("sendgrid", "mailgun", "ses", "postmark"):
        none.append(Hostile(f"POST /webhooks/{provider}, 16 MiB JSON, unsigned", "POST",
                            f"/webhooks/{provider}",
                            body=lambda: json_array(webhook_body, sendgrid_event)))
    none += [
        Hostile("POST /webhooks/twilio, 16 MiB form, unsigned", "POST", "/webhooks/twilio",
                body=lambda: filler(webhook_body, b"MessageStatus=delivered&" * 40000)),
        Hostile("POST /webhooks/sendgrid, 17 MiB (over the limit)", "POST",
                "/webhooks/sendgrid", body=lambda: filler(17 * MB), chunked=True),
        Hostile("GET report 0001-01-01..9999-12-31", "GET", f"/api/v1/mailings/{m}/report",
                params={"from": "0001-01-01", "to": "9999-12-31"}),
    ]
    longest = {**period, "include_machine": "true", "limit": 1000}
    viewer = [
        Hostile(f"GET report {m}, {LONGEST_PERIOD_DAYS} days, limit 1000", "GET",
                f"/api/v1/mailings/{m}/report", params=longest),
        Hostile(f"GET campaign report {facts['campaign']}, {LONGEST_PERIOD_DAYS} days",
                "GET", f"/api/v1/campaigns/{facts['campaign']}/report", params=longest),
        Hostile(f"GET report {m}, all time", "GET", f"/api/v1/mailings/{m}/report",
                params={"include_machine": "true", "limit": 1000}),
        Hostile("GET report 0001-01-01..9999-12-31 (refused)", "GET",
                f"/api/v1/mailings/{m}/report",
                params={"from": "0001-01-01", "to": "9999-12-31"}),
        Hostile("GET /api/v1/mailings", "GET", "/api/v1/mailings"),
    ]
    analyst = [
        Hostile(f"GET customers {m} sent, page_size 500 by contact", "GET",
                f"/api/v1/mailings/{m}/customers",
                params={"stage": "sent", "page_size": 500, "sort": "contact",
                        "order": "desc"}),
        Hostile(f"GET customers {m} sent, page 10^9", "GET", f"/api/v1/mailings/{m}/customers",
                params={"stage": "sent", "page_size": 500, "page": 1_000_000_000}),
    ]
    for entity, fmt in (("customers", "xlsx"), ("audience", "csv"), ("order_lines", "csv"),
                        ("order_lines", "xlsx"), ("receipt_lines", "xlsx")):
        analyst.append(Hostile(f"GET export {m} sent {entity} {fmt}", "GET",
                               f"/api/v1/mailings/{m}/export",
                               params={"stage": "sent", "entity": entity, "format": fmt}))
    admin = [
        Hostile("GET /api/v1/quarantine?limit=1000", "GET", "/api/v1/quarantine",
                params={"limit": 1000}),
        Hostile("POST /api/v1/events, 16 MiB of events", "POST", "/api/v1/events",
                body=lambda: events_body(facts, webhook_body), chunked=True),
        Hostile("POST /api/v1/loads, the whole demo again", "POST", "/api/v1/loads",
                json_body={"directory": str(data_dir),
                           "report_dir": str(data_dir.parent / "hostile-load")}),
    ]
    return {"none": none, "viewer": viewer, "analyst": analyst, "admin": admin}


def token(db: Path, work: Path, role: str, *extra: str) -> str:
    return subprocess.run([sys.executable, "-m", "mailreport", "token", "create", "--role",
                           role, "--name", f"hostile {role}", *extra, "--db", str(db)],
                          cwd=work, check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="small", choices=["small", "medium", "million", "large"])
    ap.add_argument("--json", action="store_true", help="End with one JSON line.")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    db, data = work / "demo.duckdb", work / "demo"
    subprocess.run([sys.executable, "-m", "mailreport", "demo", "--scale", args.scale,
                    "--out", str(data), "--db", str(db)], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tokens = {"none": None, "viewer": token(db, work, "viewer"),
              "analyst": token(db, work, "analyst", "--product-sales"),
              "admin": token(db, work, "admin", "--product-sales")}
    facts = demo_facts(db)
    plan = worst(facts, data)
    print(f"{args.scale} demo in {work}; largest mailing {facts['mailing']}, campaign "
          f"{facts['campaign']}, data {facts['first']} to {facts['last']}")
    outcomes: list[Outcome] = []
    for role, requests in plan.items():
        server = Server(db, work)
        try:
            started_mb = server.rss_mb()
            print(f"\n{role}: the server starts at {started_mb:.0f} MB")
            print(f"  {'request':<56} {'status':>6} {'s':>6} {'answer':>10} {'peak MB':>8}")
            headers = {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {}
            for h in requests:
                server.reset_peak()
                t0 = time.perf_counter()
                status, size = send(server, h, headers)
                seconds = time.perf_counter() - t0
                outcome = Outcome(role, h.what, status, seconds, size, server.peak_mb(),
                                  server.rss_mb())
                outcomes.append(outcome)
                print(f"  {h.what:<56} {status!s:>6} {seconds:6.2f} {size:10,} "
                      f"{outcome.peak_mb:8.0f}")
            if not server.resettable:
                print("  (peaks are since the server started: clear_refs was refused)")
        finally:
            server.stop()
    print("\npeak per role (MB): " + ", ".join(
        f"{role} {max(o.peak_mb for o in outcomes if o.role == role):.0f}" for role in plan))
    if args.json:
        print(json.dumps([o.__dict__ for o in outcomes]))


if __name__ == "__main__":
    main()
