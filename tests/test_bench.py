"""The benchmark's own machinery: the results files say what was measured and which
targets were met. That PostgreSQL answers as our store does is
``test_postgres.py``'s (the benchmark refuses to time a different answer)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.chart import write_chart  # noqa: E402
from bench.results import Record, Results, Target  # noqa: E402


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
