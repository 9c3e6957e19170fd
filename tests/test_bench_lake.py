"""The lake benchmark's own machinery (``bench/lake*.py``): the new day it cuts from
the demo, the process-tree memory it samples, and the table it writes. The run
itself (Spark on local[2] and a loopback cluster) is the benchmark's: its figures
are in bench/README.md."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from bench.lake import TARGETS, LakeBench, MasterRun, Step, markdown  # noqa: E402
from bench.lake_day import split_day  # noqa: E402
from bench.process_memory import PeakSampler, _rss, shares_memory, tree_rss  # noqa: E402


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory) -> Path:
    from mailreport.demo import generate

    out = tmp_path_factory.mktemp("demo-parquet")
    generate(out, scale="small", seed=7, fmt="parquet")
    return out


def rows(con, path: Path) -> int:
    return con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]


def test_the_new_day_and_the_base_make_the_whole_demo(demo_parquet, tmp_path):
    split = split_day(demo_parquet, tmp_path / "split")
    con = duckdb.connect()
    # every table: base and day together hold each row of the demo once
    for source in sorted(demo_parquet.glob("*.parquet")):
        parts = [split.base / source.name, split.day / source.name]
        together = " UNION ALL ".join(f"SELECT * FROM read_parquet('{p}')"
                                      for p in parts if p.exists())
        assert con.execute(f"SELECT count(*) FROM (SELECT * FROM read_parquet('{source}') "
                           f"EXCEPT ALL ({together}))").fetchone()[0] == 0, source.name
        assert sum(rows(con, p) for p in parts if p.exists()) == rows(con, source)
    # the day's mailing is the last sent of those with events, and brings them all
    last = con.execute(f"""SELECT mailing_id FROM read_parquet('{demo_parquet}/mailings.parquet')
        WHERE mailing_id IN (SELECT mailing_id FROM read_parquet('{demo_parquet}/events.parquet'))
        ORDER BY sent_at DESC LIMIT 1""").fetchone()[0]
    assert split.mailing_id == last
    assert split.rows["day"]["events"] > 0 and split.rows["day"]["audience"] > 0
    assert con.execute(f"SELECT count(*) FROM read_parquet('{split.base}/events.parquet') "
                       f"WHERE mailing_id = '{last}'").fetchone()[0] == 0
    # the day's orders are those of the last order date, with their lines
    dates = con.execute(f"SELECT DISTINCT ts::DATE FROM read_parquet('{split.day}/orders.parquet')"
                        ).fetchall()
    assert [str(d) for d, in dates] == [split.order_date]
    assert con.execute(f"""SELECT count(*) FROM read_parquet('{split.day}/order_lines.parquet')
        WHERE order_id NOT IN (SELECT order_id FROM read_parquet('{split.day}/orders.parquet'))
        """).fetchone()[0] == 0
    # made once: a second call reads what the first wrote
    (split.day / "events.parquet").unlink()
    again = split_day(demo_parquet, tmp_path / "split")
    assert (again.mailing_id, again.rows) == (split.mailing_id, split.rows)


def test_a_tree_peak_counts_the_grandchildren_and_nothing_else(tmp_path):
    # a child that starts a grandchild holding 300 MB for a moment, and beside them
    # a process of 300 MB outside the tree
    hold = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; " \
           "time.sleep(1.5)"
    child = textwrap.dedent(f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {hold!r}], check=True)
    """)
    outside = subprocess.Popen([sys.executable, "-c", hold])
    tree = subprocess.Popen([sys.executable, "-c", child])
    with PeakSampler({"tree": tree.pid}, interval=0.05) as sampler:
        tree.wait()
    outside.wait()
    assert 300 < sampler.peaks_mb["tree"] < 600


def test_a_process_in_its_parents_memory_is_counted_once():
    # a process cloned into this one's address space (as posix_spawn starts a program
    # from the JVM), waiting there; 300 MB held, so that counting it twice shows
    held = bytearray(300 * 2**20)
    held[::4096] = b"x" * len(held[::4096])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    stack = ctypes.create_string_buffer(1 << 16)
    top = (ctypes.addressof(stack) + len(stack) - 64) & ~15
    clone_vm = 0x100
    shared = libc.clone(ctypes.cast(libc.pause, ctypes.c_void_p), top,
                        clone_vm | signal.SIGCHLD, None)
    assert shared > 0, os.strerror(ctypes.get_errno())
    forked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    me = os.getpid()
    try:
        assert shares_memory(shared, me) and shares_memory(me, me)
        assert not shares_memory(forked.pid, me)
        tree = tree_rss(me, {me: [shared]})
        assert _rss(me) / tree > 0.9  # not twice
        assert tree_rss(me, {me: [forked.pid]}) > tree  # a process of its own adds
    finally:
        os.kill(shared, signal.SIGKILL)
        os.waitpid(shared, 0)
        forked.kill()
        forked.wait()


def test_the_table_says_which_large_targets_were_missed():
    summary = {"run": {"scale": "large", "date": "2026-12-01T00:00:00+00:00",
                       "machine": "2 cores (test)", "command": "mailreport bench --lake",
                       "events": 135_000_000,
                       "new_day": {"mailing_id": "M19", "order_date": "2026-09-07",
                                   "rows": {"events": 9_000_000, "audience": 3_000_000,
                                            "orders": 40_000}},
                       "settings": {"spark_driver_memory": "3g"}},
               "masters": [{"master": "local[2]", "cores": 2,
                            "steps": [{"name": "full refresh", "seconds": 2400.0,
                                       "driver_peak_mb": 3900.0, "worker_peak_mb": [],
                                       "said": ""}],
                            "events_per_second_per_core": {"full refresh": 28125},
                            "report": {"mailing_id": "M07", "p50_ms": 131.1, "p95_ms": 137.1,
                                       "cold_ms": 147.0, "runs": 10, "store_p50_ms": 90.2,
                                       "files_p50_ms": 151.3, "copy_s": 219.1,
                                       "compared": 24, "differ": []},
                            "targets": [{"name": "full refresh", "limit": TARGETS[
                                "full refresh"][0], "unit": "s", "value": 2400.0,
                                "met": False}]}]}
    text = markdown(summary)
    assert "| full refresh | 2,400.0 | 3,900 | — |" in text
    assert "| full refresh | ≤ 1,800 s | 2,400.0 s | **no** |" in text
    assert "full refresh 28,125" in text
    assert "9,000,000 events" in text
    assert ("largest mailing M07: p50 131.1 ms, p95 137.1 ms, cold 147.0 ms over 10 runs "
            "(the DuckDB store: p50 90.2 ms, same process; from the lake's Parquet files "
            "instead of the server's local copy (made in 219.1 s): p50 151.3 ms); "
            "24 answers equal") in text


def test_rates_per_core_and_the_large_targets_from_the_steps(tmp_path):
    bench = LakeBench("large", tmp_path, tmp_path, 42, "mailreport bench --lake", log=print)
    bench.run_info["events"] = 1_000_000
    bench.runs_by_master.append(MasterRun("local[2]", 2, [
        Step("load base", 50.0, 3_000.0, [], ""),
        Step("full refresh", 25.0, 4_200.0, [], ""),
        Step("incremental refresh", 150.0, 2_000.0, [], "")], {"p50_ms": 99.0}))
    run = bench.summary()["masters"][0]
    # 1,000,000 events / 50 s / 2 cores, and / 25 s / 2 cores
    assert run["events_per_second_per_core"] == {"load": 10_000, "full refresh": 20_000}
    judged = {t["name"]: (t["value"], t["met"]) for t in run["targets"]}
    assert judged == {"full refresh": (25.0, True), "incremental refresh": (150.0, False),
                      "report p50 from the lake": (99.0, True),
                      "driver peak RSS": (4_200.0, False)}  # the largest of the steps'
