"""Export throughput and peak memory: customers of one mailing to CSV and XLSX.

    python bench/bench_export.py [--customers 1000000] [--work DIR]

Builds one email mailing with N customers in its audience (all sent and
delivered, a fifth opened, some clicks and attributed orders) as contract files,
loads them through the real loader, then exports the opened customers (N/5 rows)
and the sent customers (N rows) to CSV and to XLSX. Each export runs in a fresh
process, so its peak RSS is its own: flat memory means the N/5 and N rows
exports peak alike. CPU seconds (all threads) and the load average beside the
wall time tell a slow machine from a busy one. With --work the store is kept and
reused between runs."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

MAILING = "m1"
T0 = np.datetime64("2026-03-02T09:00:00", "s")

CHILD = """
import json, resource, sys, time
from mailreport.exports import ExportRequest, export_to_file
from mailreport.reports.segments import Segment
from mailreport.settings import Settings
from mailreport.store import open_store
db, stage, fmt, out = sys.argv[1:5]
store = open_store(db, Settings(), read_only=True)
def cpu():
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime
start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t, c = time.perf_counter(), cpu()
rows = export_to_file(store.tables(), ExportRequest(mailing_id="m1", segment=Segment(stage=stage),
                      entity="customers", format=fmt), out)
seconds, cpu_seconds = time.perf_counter() - t, cpu() - c
print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds,
                  "start_rss_mb": start_rss,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def contract_files(out: Path, n: int, seed: int = 7) -> dict[str, int]:
    """Write the mailing's contract files (Parquet) into out; return row counts."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("c", np.char.zfill(np.arange(n).astype(str), 7))
    digits = np.char.zfill(rng.integers(0, 10**7, n).astype(str), 7)
    tables = {
        "customers": pa.table({
            "customer_id": ids,
            "email": np.char.add(np.char.add("user", np.arange(n).astype(str)), "@example.com"),
            "phone": np.char.add("+7916", digits),
            "region": np.array(["Moscow", "Kazan", "Omsk", "Tula"])[rng.integers(0, 4, n)],
        }),
        "mailings": pa.table({"mailing_id": [MAILING], "name": ["Spring sale"],
                              "channel": ["email"], "status": ["sent"],
                              "sent_at": pa.array([T0.astype("datetime64[us]")])}),
        "audience": pa.table({"mailing_id": np.full(n, MAILING), "customer_id": ids,
                              "status": np.full(n, "good"), "group": np.full(n, "test")}),
    }
    opened = rng.random(n) < 0.2
    clicked = opened & (rng.random(n) < 0.25)
    sent_ts = T0 + rng.integers(0, 3600, n).astype("timedelta64[s]")
    parts = [("sent", np.ones(n, bool), sent_ts),
             ("delivered", np.ones(n, bool), sent_ts + 30),
             ("opened", opened, sent_ts + rng.integers(60, 86400, n).astype("timedelta64[s]")),
             ("clicked", clicked, sent_ts + 90000)]
    event_cols: dict[str, list] = {"mailing_id": [], "customer_id": [], "type": [], "ts": []}
    for type_, mask, ts in parts:
        k = int(mask.sum())
        event_cols["mailing_id"].append(np.full(k, MAILING))
        event_cols["customer_id"].append(ids[mask])
        event_cols["type"].append(np.full(k, type_))
        event_cols["ts"].append(ts[mask].astype("datetime64[us]"))
    events = {k: np.concatenate(v) for k, v in event_cols.items()}
    events["event_id"] = np.char.add("e", np.arange(len(events["type"])).astype(str))
    tables["events"] = pa.table(events)
    buyers = np.flatnonzero(opened & (rng.random(n) < 0.3))
    order_ts = (sent_ts[buyers] + 100000).astype("datetime64[us]")
    tables["orders"] = pa.table({
        "order_id": np.char.add("o", np.arange(len(buyers)).astype(str)), "kind": np.where(
            rng.random(len(buyers)) < 0.7, "receipt", "order"),
        "customer_id": ids[buyers], "ts": order_ts,
        "total": pa.array([Decimal(int(c)).scaleb(-2) for c in rng.integers(
            100, 500000, len(buyers))], pa.decimal128(18, 2)),
    })
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
    return {name: t.num_rows for name, t in tables.items()}


def build_store(work: Path, n: int) -> Path:
    from mailreport.ingest.loader import load_directory
    from mailreport.settings import Settings
    from mailreport.store import open_store

    db = work / f"export-{n}.duckdb"
    if db.exists():
        return db
    t = time.perf_counter()
    counts = contract_files(work / f"files-{n}", n)
    store = open_store(work / f"building-{n}.duckdb", Settings())
    summary = load_directory(store, work / f"files-{n}", work / f"load-{n}")
    store.close()
    assert summary.exit_code == 0, summary.to_dict()
    (work / f"building-{n}.duckdb").rename(db)
    print(f"built {db} in {time.perf_counter() - t:.0f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return db


def measure(db: Path, stage: str, fmt: str, out: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", CHILD, str(db), stage, fmt, str(out)],
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(run.stderr)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, help="Keep the store here and reuse it.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = build_store(work, args.customers)
        print(f"{'format':6} {'stage':8} {'rows':>10} {'seconds':>8} {'rows/s':>10} "
              f"{'CPU s':>7} {'RSS before MB':>14} {'peak RSS MB':>12} {'file MB':>8} "
              f"{'load':>5}")
        for fmt in ("csv", "xlsx"):
            for stage in ("opened", "sent"):
                out = Path(tmp) / f"{stage}.{fmt}"
                r = measure(db, stage, fmt, out)
                print(f"{fmt:6} {stage:8} {r['rows']:>10,} {r['seconds']:>8.1f} "
                      f"{r['rows'] / r['seconds']:>10,.0f} {r['cpu_seconds']:>7.1f} "
                      f"{r['start_rss_mb']:>14,.0f} {r['peak_rss_mb']:>12,.0f} "
                      f"{out.stat().st_size / 1e6:>8,.1f} {os.getloadavg()[0]:>5.1f}")
                out.unlink()


if __name__ == "__main__":
    main()
