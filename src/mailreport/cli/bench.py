"""``mailreport bench``: the benchmark in the checkout's ``bench/`` folder, run
against a demo of the chosen scale and PostgreSQL 15.

The benchmark is not part of the installed package: this command runs
``python -m bench`` in a child process with the checkout on the child's
PYTHONPATH only, and in the caller's working directory, so --out, --work and
./mailreport.toml mean what they mean to every other command."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import fail

# src/mailreport/cli/bench.py -> the checkout; in an installed package there is no
# bench/ folder there
CHECKOUT = Path(__file__).resolve().parents[3]


def bench(
    scale: Annotated[str, typer.Option(
        help="Demo scale: small, medium, million or large.")] = "large",
    out: Annotated[Path, typer.Option(help="Where results.json, .md and .png go.")] =
        Path("bench/out"),
    work: Annotated[Path, typer.Option(
        help="Where the demo files, its store and PostgreSQL's data go (kept and reused; "
             "large needs about 40 GB free).")] = Path("demo-data/bench"),
    runs: Annotated[int | None, typer.Option(help="Warm runs per measure on DuckDB.")] = None,
    pg_runs: Annotated[int | None, typer.Option(
        help="Warm runs per measure on PostgreSQL.")] = None,
    seed: Annotated[int, typer.Option(help="The demo's seed.")] = 42,
    no_postgres: Annotated[bool, typer.Option(
        "--no-postgres", help="Time our side alone, without PostgreSQL's copy and "
                              "comparison.")] = False,
    lake: Annotated[bool, typer.Option(
        "--lake", help="Time the Spark lake instead: load, full and incremental refresh, "
                       "peak memory, reports from the lake (docs/spark.md).")] = False,
    masters: Annotated[str | None, typer.Option(
        help="With --lake: local[N] and/or cluster (two one-core workers on loopback), "
             "comma-separated; default both.")] = None,
) -> None:
    """Time every report section, lists, exports, loading and webhooks on a demo
    store, and the same reports on PostgreSQL 15 started on loopback; check both
    answer alike; write OUT/results.json, results.md and results.png."""
    from mailreport.demo import SCALES

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}")
    if not (CHECKOUT / "bench" / "__main__.py").is_file():
        fail("mailreport bench runs from a source checkout (its bench/ folder); install "
             "with pip install -e '.[bench]'")
    # -P: bench is imported from the checkout, never from a bench/ folder of the
    # working directory
    command = [sys.executable, "-P", "-m", "bench", "--scale", scale, "--out", str(out),
               "--work", str(work), "--seed", str(seed),
               "--command", "mailreport " + shlex.join(sys.argv[1:])]
    if runs is not None:
        command += ["--runs", str(runs)]
    if pg_runs is not None:
        command += ["--pg-runs", str(pg_runs)]
    if no_postgres:
        command += ["--no-postgres"]
    if lake:
        command += ["--lake"]
    if masters is not None:
        if not lake:
            fail("--masters is for --lake")
        command += ["--masters", masters]
    path = os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH")) if p)
    child = subprocess.run(command, env={**os.environ, "PYTHONPATH": path}, check=False)
    if child.returncode:
        raise typer.Exit(child.returncode if child.returncode > 0 else 1)  # < 0: a signal
