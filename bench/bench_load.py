"""Bulk-load throughput and peak memory, CSV and Parquet, in one run.

    python bench/bench_load.py [--events 5000000]

Each load runs in a fresh process so its peak RSS is its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent

CHILD = """
import json, resource, sys, time
from mailreport.ingest.loader import load_directory
from mailreport.settings import load_settings
from mailreport.store import open_store
store = open_store(sys.argv[1], load_settings())
t = time.perf_counter()
summary = load_directory(store, sys.argv[2], sys.argv[3])
seconds = time.perf_counter() - t
events = next(r for r in summary.tables if r.table == "events")
print(json.dumps({"seconds": seconds, "inserted": events.inserted, "rejected": summary.rejected,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(directory: Path, work: Path) -> dict:
    db = work / f"{directory.name}.duckdb"
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(directory),
                          str(work / f"{directory.name}-report")],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(HERE))
    from synthetic import write_dataset

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=5_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"{'format':8} {'events':>12} {'seconds':>8} {'events/s':>12} {'peak RSS MB':>12}")
        for fmt in ("csv", "parquet"):
            t = time.perf_counter()
            path = write_dataset(work / fmt, args.events, fmt)
            gen = time.perf_counter() - t
            r = measure(work / fmt, work)
            assert r["inserted"] == args.events and r["rejected"] == 0, r
            print(f"{fmt:8} {args.events:>12,} {r['seconds']:>8.1f} "
                  f"{args.events / r['seconds']:>12,.0f} {r['peak_rss_mb']:>12,.0f}"
                  f"   (file {path.stat().st_size / 1e6:,.0f} MB, written in {gen:.1f} s)")


if __name__ == "__main__":
    main()
