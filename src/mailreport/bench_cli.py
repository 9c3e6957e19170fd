"""``mailreport bench``: the benchmark in the checkout's ``bench/`` folder
(``bench/runner.py``), run against a demo of the chosen scale and PostgreSQL 15."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

CHECKOUT = Path(__file__).resolve().parents[2]


def bench_command(
    scale: Annotated[str, typer.Option(help="Demo scale: small, medium or large.")] = "large",
    out: Annotated[Path, typer.Option(help="Where results.json, .md and .png go.")] =
        Path("bench/out"),
    work: Annotated[Path, typer.Option(
        help="Where the demo files, its store and PostgreSQL's data go (kept and reused; "
             "large needs about 40 GB free).")] = Path("demo-data/bench"),
    runs: Annotated[int | None, typer.Option(help="Warm runs per measure on DuckDB.")] = None,
    pg_runs: Annotated[int | None, typer.Option(
        help="Warm runs per measure on PostgreSQL.")] = None,
    seed: Annotated[int, typer.Option(help="The demo's seed.")] = 42,
) -> None:
    """Time every report section, lists, exports, loading and webhooks on a demo
    store, and the same reports on PostgreSQL 15 started on loopback; check both
    answer alike; write OUT/results.json, results.md and results.png."""
    from mailreport.cli import err, fail, progress_bar
    from mailreport.demo import SCALES
    from mailreport.progress import progress_callback

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}")
    if not (CHECKOUT / "bench" / "runner.py").exists():
        fail("mailreport bench runs from a source checkout (its bench/ folder); install "
             "with pip install -e '.[bench]'")
    sys.path.insert(0, str(CHECKOUT))
    from bench.postgres import PostgresError
    from bench.runner import Bench, Mismatch

    command = "mailreport " + shlex.join(sys.argv[1:])
    with progress_bar() as bar:
        try:
            results = Bench(scale, out, work, runs, pg_runs, seed, command,
                            log=bar.console.print, progress=progress_callback(bar)).run()
        except (Mismatch, PostgresError) as exc:
            fail(str(exc), code=1)
    print((out / "results.md").read_text(), file=sys.stderr)
    missed = [t.name for t in results.targets if t.met is False]
    if missed:
        err.print(f"[yellow]targets missed:[/yellow] {'; '.join(missed)}")
