"""The benchmark's own machinery: the results files say what was measured and which
targets were met, and ``mailreport bench`` runs the checkout's ``python -m bench`` in
a child process. That PostgreSQL answers as our store does is ``test_postgres.py``'s
(the benchmark refuses to time a different answer)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from bench.chart import write_chart  # noqa: E402
from bench.results import Record, Results, Target  # noqa: E402

from mailreport.cli import app  # noqa: E402
from mailreport.cli import bench as bench_command  # noqa: E402


def test_results_files_name_each_measure_and_each_target(tmp_path):
    results = Results(run={"scale": "small", "seed": 42, "date": "2026-11-26T00:00:00+00:00",
                           "machine": "2 cores (test), 24 GiB RAM", "command": "mailreport bench",
                           "data": "demo", "runs": 3, "pg_runs": 2})
    results.add(Record("largest M07: full report", "duckdb", 100.0, 120.0, 150.0, None, 900.0))
    results.add(Record("largest M07: full report", "postgres", 2500.0, 2600.0, 4000.0, None,
                       None, "same answer"))
    results.add(Record("bulk load: demo, all tables", "duckdb load", 5000.0, 5000.0, 5000.0,
                       1_000, 1200.0, "200,000 events/s"))
    results.targets = [Target("full report p50", 300, "ms", 100.0),
                       Target("PostgreSQL / ours", 30, "x", 25.0),
                       Target("peak", 6144, "MB", None)]
    results.write(tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert [(m["name"], m["engine"]) for m in data["measures"]] == [
        ("largest M07: full report", "duckdb"), ("largest M07: full report", "postgres"),
        ("bulk load: demo, all tables", "duckdb load")]
    assert set(data["measures"][0]) >= {"name", "engine", "p50_ms", "p95_ms", "cold_ms", "rows",
                                        "peak_rss_mb"}
    assert [t["met"] for t in data["targets"]] == [True, False, None]
    md = (tmp_path / "results.md").read_text()
    assert "| largest M07: full report | 100.0 | 120.0 | 150.0 | 2,500.0 | 2,600.0 | " \
           "4,000.0 | 25× |" in md
    assert "| PostgreSQL / ours | ≥ 30 x | 25.0 x | **no** |" in md
    assert "| bulk load: demo, all tables | duckdb load | 5,000.0 | 1,000 | 200,000 events/s |" \
        in md
    write_chart(results, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mailreport_bench_runs_the_checkout_in_a_child(monkeypatch):
    calls = []
    monkeypatch.setattr(bench_command.subprocess, "run",
                        lambda args, **kw: calls.append((args, kw)) or
                        subprocess.CompletedProcess(args, 3))
    result = CliRunner().invoke(app, ["bench", "--scale", "small", "--runs", "2",
                                      "--out", "o"])
    assert result.exit_code == 3  # the child's
    [(args, kw)] = calls
    assert args[:4] == [sys.executable, "-P", "-m", "bench"]
    assert args[4:] == ["--scale", "small", "--out", "o", "--work", "demo-data/bench",
                        "--seed", "42", "--command", args[-3], "--runs", "2"]
    assert args[-3].startswith("mailreport ")
    # the checkout is on the child's path only, in the caller's working directory
    assert kw["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(CHECKOUT)
    assert "cwd" not in kw
    calls.clear()
    CliRunner().invoke(app, ["bench", "--scale", "million", "--no-postgres"])
    [(args, _)] = calls
    assert args[4:6] == ["--scale", "million"] and args[-1] == "--no-postgres"


def test_mailreport_bench_needs_a_source_checkout(monkeypatch, tmp_path):
    monkeypatch.setattr(bench_command, "CHECKOUT", tmp_path)
    result = CliRunner().invoke(app, ["bench", "--scale", "small"])
    assert result.exit_code == 2
    assert "runs from a source checkout" in result.output
    assert "pip install -e '.[bench]'" in " ".join(result.output.split())


def test_python_m_bench_starts_from_the_checkout_path_alone(tmp_path):
    # a bench package in the working directory is not the one that runs
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    (tmp_path / "bench" / "__main__.py").write_text("raise SystemExit('the wrong bench')")
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    out = subprocess.run([sys.executable, "-P", "-m", "bench", "--help"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, check=True)
    assert "--pg-runs" in out.stdout


def _bench_with_load(tmp_path, load: dict):
    from bench.data import Prepared
    from bench.runner import Bench

    b = Bench("small", tmp_path / "out", tmp_path, None, None, 42, "mailreport bench",
              log=lambda *_: None)
    b._record_load(Prepared(tmp_path / "s.duckdb", tmp_path, load, None))
    b.results.run["mailings"] = {"largest": {"mailing_id": "M1"}}
    for name, ms in [("largest M1: full report", 90.0), ("largest M1: efficiency", 40.0),
                     ("largest M1: customer-list page", 150.0)]:
        b.results.add(Record(name, "duckdb", ms, ms, ms, None, 300.0))
    b._targets()
    return b.results


def test_the_load_is_held_to_its_memory_limit_and_margin(tmp_path):
    load = {"seconds": 100.0, "derived_seconds": 20.0, "peak_rss_mb": 4234.2,
            "memory_limit_mb": 3814.7, "counts": {"events": 26_943_620, "customers": 10},
            "loaded_at": "2026-12-02T16:00:00+00:00", "reused": False}
    results = _bench_with_load(tmp_path, load)
    record = results.find("bulk load: demo, all tables", "duckdb load")
    assert "memory limit 3,815 MB" in record.note, record.note
    target = next(t for t in results.targets if t.name.startswith("bulk load peak RSS"))
    assert target.name == "bulk load peak RSS, memory limit 3,815 MB + 1,024 MB"
    assert (target.limit, target.value, target.met) == (3814.7 + 1024, 4234.2, True)
    over = _bench_with_load(tmp_path, {**load, "peak_rss_mb": 5770.0}).targets[-1]
    assert (over.value, over.met) == (5770.0, False)
    # a store loaded before the limit was kept: no such target, nothing invented
    old = _bench_with_load(tmp_path, {k: v for k, v in load.items() if k != "memory_limit_mb"})
    assert not any(t.name.startswith("bulk load peak RSS") for t in old.targets)
