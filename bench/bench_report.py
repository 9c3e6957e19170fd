"""Report timings on a loaded store: every section and the full report for the
largest mailing (by recipients) and a median one; cold first run, then p50/p95
over warm runs.

    python bench/bench_report.py --db mailreport.duckdb [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from mailreport.reports import SECTIONS, ReportQuery, mailing_report
from mailreport.reports.mailings import list_mailings
from mailreport.reports.query import get_mailing
from mailreport.settings import load_settings
from mailreport.store import open_store


def timed(fn, runs: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    warm.sort()
    return cold * 1000, statistics.median(warm) * 1000, warm[int(0.95 * (len(warm) - 1))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    store = open_store(args.db, load_settings(), read_only=True)
    tables = store.tables()
    mailings = sorted((m for m in list_mailings(tables) if m.recipients),
                      key=lambda m: m.recipients)
    picks = {"largest": mailings[-1], "median": mailings[len(mailings) // 2]}
    query = ReportQuery()
    print(f"{'mailing':22} {'measure':15} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9}")
    for label, m in picks.items():
        name = f"{label} {m.mailing_id} ({m.channel}, {m.recipients:,})"
        mailing = get_mailing(tables, m.mailing_id)
        cold, p50, p95 = timed(lambda m=m: mailing_report(tables, m.mailing_id, query),
                               args.runs)
        print(f"{name:22} {'full report':15} {cold:9.1f} {p50:9.1f} {p95:9.1f}")
        for section, fn in SECTIONS.items():
            cold, p50, p95 = timed(lambda fn=fn, mailing=mailing: fn(tables, mailing, query),
                                   args.runs)
            print(f"{'':22} {section:15} {cold:9.1f} {p50:9.1f} {p95:9.1f}")
    cold, p50, p95 = timed(lambda: list_mailings(tables), args.runs)
    print(f"{'all':22} {'mailings list':15} {cold:9.1f} {p50:9.1f} {p95:9.1f}")


if __name__ == "__main__":
    main()
