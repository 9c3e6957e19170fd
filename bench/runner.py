"""``mailreport bench``: the report's speed at a demo scale, side by side with
PostgreSQL 15 on the same rows, in one run.

1. The demo store of the scale (``data.py``), made once and reused.
2. On the embedded DuckDB store, opened afresh after the OS page cache is dropped
   (where the system allows it): every report section and the full report for the
   largest mailing and a median one, the mailings list, a campaign report and a
   customer-list page, each once cold and then ``runs`` times warm.
3. Beside them, in child processes with their own peak memory: a bulk load of
   synthetic events, an export of about a million rows, and webhook ingestion.
4. A PostgreSQL 15 server started on loopback in the work folder: the store's
   contract tables copied into it, and the facts built there from their own
   definitions (``mailreport.store.postgres``), both timed as its load; then each
   measure answered from those facts, as ours are from our store's, and its answer
   must equal ours byte for byte (the sections are the same Ibis expressions,
   compiled to PostgreSQL's SQL) before it is timed.
5. results.json, results.md and results.png in ``out``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic_core

from bench import postgres
from bench.chart import write_chart
from bench.data import prepare
from bench.results import Record, Results, Target
from bench.timing import peak_rss_mb, timed
from mailreport import facts
from mailreport.contract import TABLES
from mailreport.reports import SECTIONS, ReportQuery, mailing_report
from mailreport.reports.campaign import CAMPAIGN_SECTIONS, campaign_report, get_campaign
from mailreport.reports.campaign_funnel import campaign_funnel
from mailreport.reports.campaign_groups import campaign_groups, campaign_volume
from mailreport.reports.customers import customer_list
from mailreport.reports.mailings import ListQuery, list_campaigns, list_mailings, list_page
from mailreport.reports.query import get_mailing
from mailreport.reports.report import run_section
from mailreport.reports.scope import Scope
from mailreport.reports.segments import Segment
from mailreport.settings import load_settings
from mailreport.store import open_store
from mailreport.store.postgres import PostgresStore

HERE = Path(__file__).parent
LIST_PAGE = {"segment": Segment(stage="delivered"), "page": 1, "page_size": 50,
             "sort": "revenue", "order": "desc"}
SCALE_RUNS = {"small": (20, 10), "medium": (20, 5), "million": (20, 5), "large": (10, 3)}
# what a load may use beyond the engine's memory limit: Python, Arrow chunks, the
# engine's own untracked allocations (docs/settings.md, memory_limit)
LOAD_MARGIN_MB = 1024  # (DuckDB, PostgreSQL)


class Mismatch(RuntimeError):
    """PostgreSQL's answer differs from ours: the run stops, naming the measure."""


def as_json(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


def drop_page_cache() -> bool:
    """Empty the OS page cache so the first run reads from disk; needs root."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} " \
           f"{platform.release()}, Python {platform.python_version()}"


class Bench:
    def __init__(self, scale: str, out: Path, work: Path, runs: int | None, pg_runs: int | None,
                 seed: int, command: str, log: Callable[[str], None], progress=None,
                 postgres: bool = True):
        default_runs, default_pg = SCALE_RUNS[scale]
        self.scale, self.out, self.work, self.seed = scale, out, work, seed
        self.runs, self.pg_runs = runs or default_runs, pg_runs or default_pg
        self.log, self.progress = log, progress
        self.postgres = postgres  # off: our side alone (PostgreSQL's build takes an hour)
        self.results = Results(run={
            "scale": scale, "seed": seed, "command": command, "machine": machine(),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "runs": self.runs, "pg_runs": self.pg_runs})
        self.plans: list[tuple[str, Callable]] = []  # (measure, fn(tables) -> result)
        self.answers: dict[str, str] = {}  # our answer to each measure, as JSON
        self.load_limit_mb: float | None = None  # the load's engine memory limit

    # -- the DuckDB side ------------------------------------------------------------
    def run(self) -> Results:
        prepared = prepare(self.work, self.scale, self.seed, self.progress)
        self.results.run["data"] = (f"demo --scale {self.scale} --seed {self.seed}, store "
                                    f"{prepared.db} ({prepared.db.stat().st_size / 2**30:.2f} GiB)")
        self.results.run["counts"] = prepared.load["counts"]
        self._record_load(prepared)
        settings = load_settings()
        cold_cache = drop_page_cache()
        self.results.run["cold"] = ("first run after the OS page cache was dropped and the "
                                    "store opened" if cold_cache else
                                    "first run in a fresh process (page cache not dropped)")
        store = open_store(prepared.db, settings, read_only=True)
        try:
            self._plan(store.tables())
            self._time_duckdb(store.tables())
            target_export = self._export_stage(store)
        finally:
            store.close()
        self.results.write(self.out)  # what is measured so far, should a later step fail
        self._child_measures(prepared.db, *target_export)
        self.results.write(self.out)
        if self.postgres:
            self._postgres(prepared.db, settings)
        else:
            self.results.run["postgres"] = "not run (--no-postgres)"
        self._targets()
        self.results.write(self.out)
        if self.postgres:  # the chart sets each measure beside PostgreSQL's
            write_chart(self.results, self.out / "results.png")
        return self.results

    def _plan(self, tables) -> None:
        mailings = sorted((m for m in list_mailings(tables) if m.recipients),
                          key=lambda m: (m.recipients, m.mailing_id))
        picks = {"largest": mailings[-1]}
        email = [m for m in mailings if m.channel == "email"]
        if email and email[-1] is not mailings[-1]:
            picks["largest email"] = email[-1]
        picks["median"] = mailings[len(mailings) // 2]
        self.results.run["mailings"] = {k: {"mailing_id": m.mailing_id, "channel": m.channel,
                                            "recipients": m.recipients}
                                        for k, m in picks.items()}
        query = ReportQuery()
        for label, summary in picks.items():
            mid = summary.mailing_id
            scope = Scope((get_mailing(tables, mid),))
            self.plans.append((f"{label} {mid}: full report",
                               lambda t, mid=mid: mailing_report(t, mid, query)))
            for section in SECTIONS:
                self.plans.append((f"{label} {mid}: {section}",
                                   lambda t, s=section, sc=scope: run_section(t, s, sc, query)))
        largest = picks["largest"].mailing_id
        self.plans.append((f"largest {largest}: customer-list page",
                           lambda t: customer_list(t, largest, query=query, **LIST_PAGE)))
        self.plans.append(("mailings list", lambda t: list_mailings(t)))
        # a page of the list as the page asks for it: newest first, and by a figure
        for sort in ("sent_at", "revenue_per_recipient"):
            page = ListQuery(sort=sort, limit=50)
            self.plans.append((f"mailings list page: 50 by {sort}",
                               lambda t, q=page: list_page(t, q)))
        campaigns = list_campaigns(tables)
        if campaigns:
            cid = max(campaigns, key=lambda c: (c.mailings, c.campaign_id)).campaign_id
            self.plans.append((f"campaign {cid}: full report",
                               lambda t: campaign_report(t, cid, query)))
            # its parts that count each customer once, and its sections
            mailings = get_campaign(tables, cid)[1]
            parts = {"funnel": lambda t: campaign_funnel(t, cid, mailings, query),
                     "volume": lambda t: campaign_volume(t, cid, mailings),
                     "groups": lambda t: campaign_groups(t, cid, mailings)}
            for part, fn in parts.items():
                self.plans.append((f"campaign {cid}: {part}", fn))
            scope = Scope(tuple(mailings), cid)
            for section in CAMPAIGN_SECTIONS:
                self.plans.append((f"campaign {cid}: {section}",
                                   lambda t, s=section: run_section(t, s, scope, query)))

    def _time_duckdb(self, tables) -> None:
        for name, fn in list(self.plans):
            if fn(tables) is None:  # e.g. open hours or the heatmap of an SMS mailing
                self.plans.remove((name, fn))
                continue
            t = timed(lambda fn=fn: fn(tables), self.runs)
            self.answers[name] = as_json(t.result)
            self.results.add(Record(name, "duckdb", t.p50_ms, t.p95_ms, t.cold_ms,
                                    _rows(t.result), peak_rss_mb()))
            self.log(f"duckdb   {name:45} p50 {t.p50_ms:9.1f} ms  p95 {t.p95_ms:9.1f}  "
                     f"cold {t.cold_ms:9.1f}")

    def _record_load(self, prepared) -> None:
        load = prepared.load
        counts = load["counts"]
        rows = sum(v for k, v in counts.items() if k not in facts.FACT_TABLES)
        when = (f"measured when the store was built, {load['loaded_at']}" if load["reused"]
                else "measured in this run")
        for up in load.get("upgrades", []):
            # a kept store brought up to a later schema or facts: the facts rebuilt,
            # timed then (earlier versions kept rollups, versioned by hand)
            name = (f"facts rebuilt on the kept store (schema {up['to_schema']}, facts "
                    f"{up['to_facts']})" if "to_facts" in up else
                    f"rollups built on the kept store (schema {up['to_schema']}, rollups "
                    f"{up['to_rollups']})")
            self.results.add(Record(name, "duckdb load", up["seconds"] * 1000, None, None,
                                    None, up["peak_rss_mb"], f"measured {up['at']}"))
        ms = load["seconds"] * 1000
        # the engine's memory limit the load ran under (loads before it was kept: unknown)
        self.load_limit_mb = load.get("memory_limit_mb")
        limit = (f", memory limit {self.load_limit_mb:,.0f} MB" if self.load_limit_mb
                 else "")
        self.results.add(Record(
            "bulk load: demo, all tables", "duckdb load", ms, ms, ms, rows, load["peak_rss_mb"],
            f"{counts['events'] / load['seconds']:,.0f} events/s overall, derived tables "
            f"{load['derived_seconds']:.0f} s{limit}; {when}"))

    def _export_stage(self, store) -> tuple[str, str, int]:
        """The (mailing, stage) whose customer list is nearest a million rows."""
        rows = store.sql("""SELECT r.mailing_id, m.channel, count(r.sent_at), count(r.delivered_at),
                                   count(r.opened_at), count(r.clicked_at)
                            FROM reach_times r JOIN mailings m USING (mailing_id)
                            GROUP BY ALL""")
        lists = [(mailing_id, stage, n) for mailing_id, channel, *counts in rows
                 for stage, n in zip(("sent", "delivered", "opened", "clicked"), counts,
                                     strict=True)
                 if n and not (channel == "sms" and stage == "opened")]
        return min(lists, key=lambda x: (abs(x[2] - 1_000_000), x[0], x[1]))

    # -- child processes ------------------------------------------------------------
    def _child_measures(self, db: Path, mailing_id: str, stage: str, rows: int) -> None:
        with tempfile.TemporaryDirectory(dir=self.work) as tmp:
            r = _child_json([sys.executable, "-c", EXPORT_CHILD, str(db), mailing_id, stage,
                             str(Path(tmp) / "export.csv")])
            self.results.add(Record(f"export CSV: {mailing_id} {stage} customers", "duckdb child",
                                    r["seconds"] * 1000, None, None, r["rows"], r["peak_rss_mb"],
                                    f"{r['rows'] / r['seconds']:,.0f} rows/s"))
            self.log(f"export   {r['rows']:,} rows in {r['seconds']:.1f} s")
            sys.path.insert(0, str(HERE))
            from bench_load import measure as load_measure
            from synthetic import write_dataset

            events = 5_000_000 if self.scale == "large" else 1_000_000
            write_dataset(Path(tmp) / "parquet", events, "parquet")
            r = load_measure(Path(tmp) / "parquet", Path(tmp))
            self.results.add(Record(f"bulk load: {events:,} synthetic events, Parquet",
                                    "duckdb child", r["seconds"] * 1000, None, None, events,
                                    r["peak_rss_mb"], f"{events / r['seconds']:,.0f} events/s"))
            self.log(f"load     {events:,} events in {r['seconds']:.1f} s")
        r = _child_json([sys.executable, str(HERE / "bench_webhooks.py"), "--json",
                         "--requests", "200"])
        self.results.add(Record(
            "webhooks: /webhooks/sendgrid, 1,000-event batches", "duckdb server",
            r["p50_ms"], r["p99_ms"], None, r["events"], r.get("peak_rss_mb"),
            f"{r['events_per_second']:,.0f} events/s sustained; p95 column holds the p99 "
            f"time to acknowledge, {r['concurrency']} connections"))
        self.log(f"webhooks {r['events_per_second']:,.0f} events/s, p99 {r['p99_ms']:.0f} ms")

    # -- PostgreSQL -----------------------------------------------------------------
    def _postgres(self, db: Path, settings) -> None:
        """PostgreSQL answering from the facts it built itself from their definitions,
        as our store answers from its own. The server, the copy and the facts are kept
        in the work folder for the next run on the same store."""
        keep = self.work / f"postgres-{db.stem}"
        marker = keep / "copied.json"
        duck = open_store(db, settings, read_only=True)
        # the copy is reused while the store's contract tables keep their row counts
        # (the answers are compared before timing anyway); the facts while the copy
        # is and their fingerprint (definitions and settings) is the same
        identity = {"store": str(db), "tables": [t.name for t in TABLES],
                    "rows": {t.name: duck.sql(f'SELECT count(*) FROM "{t.name}"')[0][0]
                             for t in TABLES}}
        fingerprint = facts.fingerprint(settings)
        with postgres.cluster(keep=keep) as cluster:
            postgres.wait_ready(cluster)
            store = PostgresStore(cluster.conninfo, settings)
            try:
                done = json.loads(marker.read_text()) if marker.exists() else {}
                if done.get("identity") != identity:
                    marker.unlink(missing_ok=True)
                    t0 = time.perf_counter()
                    counts = store.copy_store(duck.con, self.progress)
                    done = {"identity": identity, "counts": counts,
                            "copy_s": time.perf_counter() - t0, "at": _now()}
                    marker.write_text(json.dumps(done))
                    copied_when = "measured in this run"
                else:
                    copied_when = f"measured when copied, {done['at']}"
                built = done.get("facts") or {}
                if built.get("fingerprint") != fingerprint or not store.facts_current():
                    t0 = time.perf_counter()
                    per_fact = store.build_facts(self.progress)
                    built = {"fingerprint": fingerprint, "seconds": time.perf_counter() - t0,
                             "per_fact": per_fact, "at": _now(),
                             "rows": sum(store.sql(f'SELECT count(*) FROM "{n}"')[0][0]
                                         for n in facts.FACT_TABLES)}
                    marker.write_text(json.dumps({**done, "facts": built}))
                    built_when = "measured in this run"
                else:
                    built_when = f"measured when built, {built['at']}"
            finally:
                duck.close()
                store.close()
            rows = sum(done["counts"].values())
            self.results.add(Record(
                "bulk load: copy of the contract tables, indexed", "postgres load",
                done["copy_s"] * 1000, None, None, rows, None,
                f"COPY, indexes and VACUUM ANALYZE; {copied_when}"))
            slowest, slowest_s = max(built["per_fact"].items(), key=lambda kv: kv[1])
            self.results.add(Record(
                "facts built from their definitions, indexed", "postgres load",
                built["seconds"] * 1000, None, None, built["rows"], None,
                f"slowest {slowest} {slowest_s:.0f} s; {built_when}"))
            self.log(f"postgres holds {rows:,} rows ({copied_when}, {done['copy_s']:.0f} s) "
                     f"and {built['rows']:,} rows of facts ({built_when}, "
                     f"{built['seconds']:.0f} s)")
            cluster.restart()
            drop_page_cache()
            reader = PostgresStore(cluster.conninfo, settings)
            try:
                tables = reader.tables()
                for name, fn in self.plans:
                    t = self._timed_same(name, fn, tables, "PostgreSQL's answer")
                    self.results.add(Record(name, "postgres", t.p50_ms, t.p95_ms, t.cold_ms,
                                            _rows(t.result), None,
                                            "same answer, from its own facts"))
                    ours = self.results.find(name, "duckdb")
                    self.log(f"postgres {name:45} p50 {t.p50_ms:9.1f} ms  "
                             f"({t.p50_ms / ours.p50_ms:,.1f}x ours)")
            finally:
                reader.close()

    def _timed_same(self, name: str, fn: Callable, tables, what: str):
        """fn timed on PostgreSQL's tables; its answer must equal ours."""
        t = timed(lambda: fn(tables), self.pg_runs)
        if as_json(t.result) != self.answers[name]:
            raise Mismatch(f"{name}: {what} differs from DuckDB's\n"
                           f"duckdb:   {self.answers[name][:2000]}\n"
                           f"postgres: {as_json(t.result)[:2000]}")
        return t

    def _targets(self) -> None:
        r = self.results
        largest = r.run["mailings"]["largest"]["mailing_id"]
        full = r.find(f"largest {largest}: full report", "duckdb")
        pg_full = r.find(f"largest {largest}: full report", "postgres")
        # a mailing's sections and a campaign's
        sections = [x for x in r.records if x.engine == "duckdb" and ": " in x.name
                    and x.name.split(": ")[1] in SECTIONS]
        slowest = max(sections, key=lambda x: x.p50_ms)
        page = r.find(f"largest {largest}: customer-list page", "duckdb")
        peaks = [x.peak_rss_mb for x in r.records if x.peak_rss_mb is not None]
        campaign = next((x for x in r.records if x.engine == "duckdb"
                         and x.name.startswith("campaign ") and x.name.endswith(": full report")),
                        None)
        r.targets = [
            Target("full report, largest mailing, p50", 300, "ms", full.p50_ms),
            *([Target(f"{campaign.name.removesuffix(': full report')} (most mailings): "
                      "full report, p50", 300, "ms", campaign.p50_ms)] if campaign else []),
            Target(f"every section, p50 (slowest: {slowest.name})", 150, "ms", slowest.p50_ms),
            Target("customer-list page, p50", 200, "ms", page.p50_ms),
            Target("full report, PostgreSQL p50 / ours", 20, "x",
                   pg_full.p50_ms / full.p50_ms if pg_full else None),
            Target("peak memory of any mailreport process", 6144, "MB", max(peaks)),
        ]
        if self.load_limit_mb:
            # a load keeps within the engine's memory limit and a margin (docs/settings.md)
            load = r.find("bulk load: demo, all tables", "duckdb load")
            r.targets.append(Target(
                f"bulk load peak RSS, memory limit {self.load_limit_mb:,.0f} MB + "
                f"{LOAD_MARGIN_MB:,} MB", self.load_limit_mb + LOAD_MARGIN_MB, "MB",
                load.peak_rss_mb))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _rows(result: Any) -> int | None:
    if isinstance(result, list):
        return len(result)
    rows = getattr(result, "rows", None)
    return len(rows) if isinstance(rows, list) else None


def _child_json(args: list[str]) -> dict:
    out = subprocess.run(args, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


EXPORT_CHILD = r"""
import json, resource, sys, time
from mailreport.exports import ExportRequest, export_to_file
from mailreport.reports.segments import Segment
from mailreport.settings import load_settings
from mailreport.store import open_store
db, mailing_id, stage, out = sys.argv[1:5]
store = open_store(db, load_settings(), read_only=True)
t = time.perf_counter()
rows = export_to_file(store.tables(), ExportRequest(
    mailing_id=mailing_id, segment=Segment(stage=stage), entity="customers", format="csv"), out)
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
