"""``python -m bench``: the whole benchmark (``runner.py``), run from a checkout with
the checkout on the import path. ``mailreport bench`` runs this in a child process
with the same options, so the installed package never imports the checkout."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bench.lake import MASTERS, LakeBench, LakeBenchError, markdown
from bench.postgres import PostgresError
from bench.runner import Bench, Mismatch
from mailreport.demo import SCALES
from mailreport.progress import progress_bar, progress_callback
from mailreport.store.postgres import PostgresStoreError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time every report section, lists, exports, loading and webhooks on a "
                    "demo store, and the same reports on PostgreSQL 15 started on loopback; "
                    "check both answer alike; write OUT/results.json, results.md and "
                    "results.png.")
    ap.add_argument("--scale", choices=SCALES, default="large", help="Demo scale.")
    ap.add_argument("--out", type=Path, default=Path("bench/out"),
                    help="Where results.json, .md and .png go.")
    ap.add_argument("--work", type=Path, default=Path("demo-data/bench"),
                    help="Where the demo files, its store and PostgreSQL's data go (kept and "
                         "reused; large needs about 40 GB free).")
    ap.add_argument("--runs", type=int, help="Warm runs per measure on DuckDB.")
    ap.add_argument("--pg-runs", type=int, help="Warm runs per measure on PostgreSQL.")
    ap.add_argument("--seed", type=int, default=42, help="The demo's seed.")
    ap.add_argument("--no-postgres", action="store_true",
                    help="Time our side alone, without PostgreSQL's copy and comparison.")
    ap.add_argument("--lake", action="store_true",
                    help="Time the Spark lake instead: load, full and incremental refresh, "
                         "reports from the lake (lake-results.json and .md in OUT).")
    ap.add_argument("--masters", default=",".join(MASTERS),
                    help="With --lake: the masters to run on, of local[N] and cluster "
                         "(two one-core workers on loopback).")
    # what results.json records as the command: mailreport bench passes its own
    ap.add_argument("--command", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    command = args.command or "python -m bench " + shlex.join(argv)

    err = Console(stderr=True)
    if args.lake:
        return _lake(args, command, err)
    with progress_bar(err) as bar:
        try:
            results = Bench(args.scale, args.out, args.work, args.runs, args.pg_runs, args.seed,
                            command, log=bar.console.print,
                            progress=progress_callback(bar),
                            postgres=not args.no_postgres).run()
        except (Mismatch, PostgresError, PostgresStoreError) as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            return 1
    print((args.out / "results.md").read_text(), file=sys.stderr)
    missed = [t.name for t in results.targets if t.met is False]
    if missed:
        err.print(f"[yellow]targets missed:[/yellow] {'; '.join(missed)}")
    return 0


def _lake(args, command: str, err: Console) -> int:
    masters = tuple(m.strip() for m in args.masters.split(",") if m.strip())
    wrong = [m for m in masters if m != "cluster" and not re.fullmatch(r"local\[\d+\]", m)]
    if wrong or not masters:
        err.print(f"[red]error:[/red] --masters: {escape(', '.join(wrong) or 'none')}: give "
                  "local[N] or cluster")
        return 2
    try:
        summary = LakeBench(args.scale, args.out, args.work, args.seed, command,
                            log=lambda text: err.print(text, soft_wrap=True, markup=False),
                            masters=masters, runs=args.runs).run()
    except LakeBenchError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return 1
    print(markdown(summary), file=sys.stderr)
    missed = [f"{m['master']}: {t['name']}" for m in summary["masters"]
              for t in m["targets"] if t["met"] is False]
    if missed:
        err.print(f"[yellow]targets missed:[/yellow] {'; '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
