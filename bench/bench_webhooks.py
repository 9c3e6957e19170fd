"""Sustained throughput of ``POST /webhooks/sendgrid`` on a real server.

Starts ``mailreport serve`` on loopback over a store with one email mailing whose
audience is ``--customers`` customers, then sends ``--requests`` signed batches of
``--batch`` SendGrid events (a realistic mix: processed, delivered, opens, clicks,
a few bounces and unsubscribes) from ``--concurrency`` connections, and prints the
events per second and the time to acknowledge (p50, p99, max). Bodies are built
and signed before the clock starts. At the end it checks that every event sent is
stored.

Concurrency: a connection sends its next batch only once the last is answered, so
the throughput it can carry is its batch size over the time to acknowledge. A
provider keeping up with 20,000 events a second in batches of 1,000 has 20 POSTs a
second in flight for as long as each takes to answer: SendGrid posts from each of
its sending servers at once ("the webhook URL may receive tens of POSTs per
second"). The default, 8 connections, is what that load keeps open at an answer
time of about 0.4 s; ``--concurrency 2`` measures the latency-bound case.

Freshness: meanwhile a probe sends one more event every ``--probe-every`` seconds
to a small second mailing and reads that mailing's report through the API until it
counts the event, and the time from the acknowledgement to then is printed (the
bound is ``ingest.live.FRESHNESS_BOUND_SECONDS``).

    python bench/bench_webhooks.py                  # 200 requests of 1,000 events
    python bench/bench_webhooks.py --requests 500 --customers 1000000
    python bench/bench_webhooks.py --concurrency 2
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

MIX = (("processed", 0.30), ("delivered", 0.30), ("open", 0.25), ("click", 0.10),
       ("bounce", 0.02), ("spamreport", 0.01), ("unsubscribe", 0.02))


PROBE_CUSTOMERS = 1000


def write_store_files(directory: Path, customers: int) -> None:
    """Mailing m1 to ``customers`` customers, and the freshness probe's own small
    mailing."""
    ids = [f"c{i:08d}" for i in range(customers)]
    probes = [f"p{i:05d}" for i in range(PROBE_CUSTOMERS)]
    pq.write_table(pa.table({"customer_id": ids + probes,
                             "email": [f"{c}@example.com" for c in ids + probes]}),
                   directory / "customers.parquet")
    pq.write_table(pa.table({"mailing_id": ["m1", "probe"], "name": ["Spring sale", "Probe"],
                             "channel": ["email", "email"], "status": ["sent", "sent"],
                             "sent_at": ["2026-03-02T09:00:00"] * 2}),
                   directory / "mailings.parquet")
    n = customers + PROBE_CUSTOMERS
    pq.write_table(pa.table({"mailing_id": ["m1"] * customers + ["probe"] * PROBE_CUSTOMERS,
                             "customer_id": ids + probes,
                             "status": ["good"] * n, "group": ["test"] * n}),
                   directory / "audience.parquet")


def make_batches(requests: int, batch: int, customers: int, seed: int = 1) -> list[list[dict]]:
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    now = int(time.time())
    out = []
    for r in range(requests):
        events = []
        for i in range(batch):
            kind = rng.choices(kinds, weights)[0]
            event = {"email": "x@example.com", "timestamp": now - rng.randint(0, 86_400),
                     "event": kind, "sg_event_id": f"b{r}-{i}-{rng.getrandbits(40):x}",
                     "sg_message_id": f"msg{rng.getrandbits(48):x}", "mailing_id": "m1",
                     "customer_id": f"c{rng.randrange(customers):08d}"}
            if kind in ("open", "click"):
                event.update(useragent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                             "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
                             ip=f"93.184.{rng.randrange(256)}.{rng.randrange(256)}",
                             sg_machine_open=False)
            if kind == "click":
                index = rng.randrange(12)
                event.update(url=f"https://shop.example.com/p/{index}",
                             url_offset={"index": index, "type": "html"})
            events.append(event)
        out.append(events)
    return out


def peak_rss_mb(pid: int) -> float | None:
    """A running process's peak resident memory (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def signed(key, events: list[dict]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(events).encode()
    ts = str(int(time.time()))
    sig = key.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return body, {"Content-Type": "application/json",
                  "X-Twilio-Email-Event-Webhook-Timestamp": ts,
                  "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode()}


class FreshnessProbe(threading.Thread):
    """Every ``every`` seconds: one delivery to the probe mailing, then the probe
    mailing's report read until it counts it; the lags from the acknowledgement."""

    def __init__(self, url: str, key, token: str, every: float):
        super().__init__(daemon=True)
        self.url, self.key, self.every = url, key, every
        self.headers = {"Authorization": f"Bearer {token}"}
        self.stop = threading.Event()
        self.lags: list[float] = []
        self.sent = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.stop.wait(self.every) and self.sent < PROBE_CUSTOMERS:
                event = {"email": "p@example.com", "timestamp": int(time.time()),
                         "event": "delivered", "sg_event_id": f"probe-{self.sent}",
                         "mailing_id": "probe", "customer_id": f"p{self.sent:05d}"}
                body, headers = signed(self.key, [event])
                r = client.post(self.url + "/webhooks/sendgrid", content=body, headers=headers)
                acked = time.perf_counter()
                if r.status_code != 200:
                    self.failures.append(f"probe {r.status_code} {r.text[:200]}")
                    return
                self.sent += 1
                # the lag is when the first report that counts it was asked for: how
                # long the report takes to answer under load is another matter
                while (asked := time.perf_counter()) - acked < 30:
                    report = client.get(self.url + "/api/v1/mailings/probe/report/efficiency",
                                        headers=self.headers).json()
                    if report["stages"]["delivered"] >= self.sent:
                        self.lags.append(asked - acked)
                        break
                    time.sleep(0.02)
                else:
                    self.failures.append(f"probe {self.sent} not in the report after 30 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--probe-every", type=float, default=1.0,
                    help="seconds between freshness probes (0: none)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--json", action="store_true",
                    help="End with one JSON line of the figures (for mailreport bench).")
    args = ap.parse_args()

    key = ec.generate_private_key(ec.SECP256R1())
    public = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    data = work / "data"
    data.mkdir()
    write_store_files(data, args.customers)
    db = work / "bench.duckdb"
    env = {**os.environ, "MAILREPORT_SENDGRID_PUBLIC_KEY": public}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mailreport", "load", str(data), "--db", str(db)],
                   env=env, cwd=work, check=True, stdout=subprocess.DEVNULL)
    print(f"store: {args.customers:,} customers in mailing m1, loaded in "
          f"{time.perf_counter() - started:.1f} s")
    token = subprocess.run([sys.executable, "-m", "mailreport", "token", "create", "--role",
                            "viewer", "--name", "bench", "--db", str(db)], env=env, cwd=work,
                           check=True, capture_output=True, text=True).stdout.strip()

    batches = make_batches(args.warmup + args.requests, args.batch, args.customers)
    bodies = [signed(key, events) for events in batches]
    size = sum(len(b) for b, _ in bodies) / len(bodies)
    print(f"{args.requests} requests of {args.batch:,} events ({size / 1024:.0f} KiB each), "
          f"{args.concurrency} connections")

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mailreport", "serve", "--db", str(db),
                               "--port", str(port)], env=env, cwd=work,
                              stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(timeout=120) as client:
            for body, headers in bodies[:args.warmup]:
                client.post(url + "/webhooks/sendgrid", content=body,
                            headers=headers).raise_for_status()

        jobs: queue.Queue = queue.Queue()
        for item in bodies[args.warmup:]:
            jobs.put(item)
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def sender() -> None:
            with httpx.Client(timeout=120) as client:
                while True:
                    try:
                        body, headers = jobs.get_nowait()
                    except queue.Empty:
                        return
                    t0 = time.perf_counter()
                    r = client.post(url + "/webhooks/sendgrid", content=body, headers=headers)
                    took = time.perf_counter() - t0
                    with lock:
                        if r.status_code == 200:
                            latencies.append(took)
                        else:
                            failures.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=sender) for _ in range(args.concurrency)]
        probe = FreshnessProbe(url, key, token, args.probe_every)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        if args.probe_every > 0:
            probe.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        probe.stop.set()
        if probe.is_alive():
            probe.join()
        server_peak_mb = peak_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)

    events = len(latencies) * args.batch
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    print(f"sustained: {events / elapsed:,.0f} events/s ({len(latencies)} requests in "
          f"{elapsed:.1f} s; {len(failures)} failed)")
    print(f"time to acknowledge: p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")
    if probe.lags:
        lags = sorted(probe.lags)
        print(f"a report asked for this long after the acknowledgement counts the event: "
              f"median "
              f"{lags[len(lags) // 2] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms "
              f"({len(lags)} probes during the run)")
    failures += probe.failures
    if failures:
        print("first failure:", failures[0])

    from mailreport.settings import Settings
    from mailreport.store import open_store

    store = open_store(db, Settings())
    try:
        stored = store.sql("SELECT count(*) FROM events")[0][0]
    finally:
        store.close()
    sent = (args.warmup + args.requests) * args.batch + probe.sent
    print(f"stored: {stored:,} of {sent:,} events sent")
    if args.json:
        print(json.dumps({"events": events, "events_per_second": events / elapsed,
                          "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000,
                          "max_ms": max(latencies) * 1000, "concurrency": args.concurrency,
                          "failures": len(failures), "stored": stored, "sent": sent,
                          "peak_rss_mb": server_peak_mb}))
    if stored != sent:
        sys.exit(f"lost {sent - stored} events")


if __name__ == "__main__":
    main()
