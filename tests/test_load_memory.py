"""A load's memory is bounded by the engine's memory limit and the reader's batch
size, not by the file: a 5x larger file peaks at about the same RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"

CHILD = """
import json, resource, sys
from mailreport.ingest.loader import load_directory
from mailreport.settings import load_settings
from mailreport.store import open_store
store = open_store(sys.argv[1], load_settings())
summary = load_directory(store, sys.argv[2], sys.argv[3])
events = next(r for r in summary.tables if r.table == "events")
print(json.dumps({"inserted": events.inserted,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def peak(tmp_path: Path, n: int) -> dict:
    sys.path.insert(0, str(BENCH))
    from synthetic import write_dataset

    d = tmp_path / f"d{n}"
    write_dataset(d, n, "csv", chunk=100_000)
    env = {**os.environ, "MAILREPORT_MEMORY_LIMIT": "200MB"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / f"{n}.duckdb"), str(d),
                          str(tmp_path / f"r{n}")], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_memory_stays_flat_as_the_file_grows(tmp_path):
    small, large = peak(tmp_path, 300_000), peak(tmp_path, 1_500_000)
    assert (small["inserted"], large["inserted"]) == (300_000, 1_500_000)
    assert large["peak_rss_mb"] < small["peak_rss_mb"] * 1.35 + 60, (small, large)
