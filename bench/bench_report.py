"""Report timings on a loaded store: every section and the full report for the
largest mailing (by recipients) and a median one; cold first run, then p50/p95
over warm runs.

    python bench/bench_report.py --db mailreport.duckdb [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mailreport.reports import SECTIONS, ReportQuery, mailing_report
from mailreport.reports.mailings import ListQuery, list_mailings, list_page
from mailreport.reports.query import get_mailing
from mailreport.reports.report import run_section
from mailreport.reports.scope import Scope
from mailreport.settings import load_settings
from mailreport.store import open_store

sys.path.insert(0, str(Path(__file__).parent))
from timing import timed  # noqa: E402


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
        scope = Scope((get_mailing(tables, m.mailing_id),))
        t = timed(lambda m=m: mailing_report(tables, m.mailing_id, query), args.runs)
        print(f"{name:22} {'full report':15} {t.cold_ms:9.1f} {t.p50_ms:9.1f} {t.p95_ms:9.1f}")
        for section in SECTIONS:
            t = timed(lambda s=section, sc=scope: run_section(tables, s, sc, query), args.runs)
            print(f"{'':22} {section:15} {t.cold_ms:9.1f} {t.p50_ms:9.1f} {t.p95_ms:9.1f}")
    t = timed(lambda: list_mailings(tables), args.runs)
    print(f"{'all':22} {'mailings list':15} {t.cold_ms:9.1f} {t.p50_ms:9.1f} {t.p95_ms:9.1f}")
    for sort in ("sent_at", "revenue_per_recipient"):
        q = ListQuery(sort=sort, limit=50)
        t = timed(lambda q=q: list_page(tables, q), args.runs)
        print(f"{'page of 50':22} {'by ' + sort:15} {t.cold_ms:9.1f} {t.p50_ms:9.1f} "
              f"{t.p95_ms:9.1f}")


if __name__ == "__main__":
    main()
