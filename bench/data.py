"""The benchmark's data: the demo of a scale, generated once and loaded into its
own DuckDB store, both kept in the work folder and reused by later runs (a large
demo takes minutes to write and to load). The load is timed in a child process
so its peak memory is its own, and its figures are kept beside the store."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mailreport.demo import generate

LOAD_CHILD = r"""
import json, resource, sys, time
from mailreport.progress import progress_bar, progress_callback
from mailreport.ingest.load_session import memory_bytes
from mailreport.ingest.loader import load_directory
from mailreport.settings import load_settings
from mailreport.store import open_store

db, directory, report_dir = sys.argv[1:4]
store = open_store(db, load_settings())
limit = memory_bytes(store.sql("SELECT current_setting('memory_limit')")[0][0])
t = time.perf_counter()
with progress_bar() as bar:
    summary = load_directory(store, directory, report_dir, progress_callback(bar))
seconds = time.perf_counter() - t
counts = store.counts()
print(json.dumps({"seconds": seconds, "derived_seconds": summary.derived_seconds,
                  "rejected": summary.rejected, "exit_code": summary.exit_code,
                  "counts": counts, "memory_limit_mb": limit / 2**20,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass
class Prepared:
    db: Path
    files: Path
    load: dict  # seconds, derived_seconds, counts, peak_rss_mb, loaded_at, reused
    generate_seconds: float | None


UPGRADE_CHILD = r"""
import json, resource, sys, time
from mailreport.settings import load_settings
from mailreport.store import open_store

t = time.perf_counter()
open_store(sys.argv[1], load_settings()).close()
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _upgrade(db: Path) -> dict | None:
    """Bring a kept store up to this version's schema and facts (opening it for
    writing migrates it, and rebuilds the facts when their fingerprint, kept in its
    ``meta``, differs), timed; None when it was current."""
    import duckdb

    from mailreport import facts
    from mailreport.settings import load_settings
    from mailreport.store.duckdb.schema import SCHEMA_VERSION

    con = duckdb.connect(str(db), read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    finally:
        con.close()
    fingerprint = facts.fingerprint(load_settings())
    if meta.get("schema_version") == str(SCHEMA_VERSION) and meta.get("facts") == fingerprint:
        return None
    out = subprocess.run([sys.executable, "-c", UPGRADE_CHILD, str(db)],
                         stdout=subprocess.PIPE, text=True, check=True)
    return {**json.loads(out.stdout.strip().splitlines()[-1]),
            "to_schema": SCHEMA_VERSION, "to_facts": fingerprint,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def prepare(work: Path, scale: str, seed: int, progress=None) -> Prepared:
    """The demo store of this scale and seed in ``work``: made when missing."""
    work.mkdir(parents=True, exist_ok=True)
    files = work / f"demo-{scale}-{seed}"
    db = work / f"{scale}-{seed}.duckdb"
    marker = work / f"{scale}-{seed}.load.json"
    if db.exists() and marker.exists():
        load = json.loads(marker.read_text())
        upgrade = _upgrade(db)
        if upgrade:
            load.setdefault("upgrades", []).append(upgrade)
            marker.write_text(json.dumps(load, indent=2))
        return Prepared(db, files, {**load, "reused": True}, None)
    gen_seconds = None
    done = files / ".complete"
    if not done.exists():
        t = time.perf_counter()
        generate(files, scale=scale, seed=seed, fmt="parquet", progress=progress)
        gen_seconds = time.perf_counter() - t
        done.write_text(json.dumps({"seconds": gen_seconds}))
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", LOAD_CHILD, str(db), str(files),
                          str(work / f"{scale}-{seed}.loads")],
                         stdout=subprocess.PIPE, text=True, check=True)
    load = json.loads(out.stdout.strip().splitlines()[-1])
    if load["exit_code"]:
        raise RuntimeError(f"loading the {scale} demo rejected rows: see {work}")
    load["loaded_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    marker.write_text(json.dumps(load, indent=2))
    return Prepared(db, files, {**load, "reused": False}, gen_seconds)
