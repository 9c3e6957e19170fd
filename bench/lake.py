"""``mailreport bench --lake``: the Spark lake at a demo scale, as a company runs it.

1. The demo of the scale and its DuckDB store (``data.py``), and the demo's files
   cut into a base and one new day (``lake_day.py``).
2. On each master, ``local[2]`` and a standalone cluster of two one-core workers
   started on loopback (``spark_cluster.py``), a new lake made by the commands a
   company runs, each timed in its own process with the peak memory of the driver's
   processes and of each worker's (``process_memory.py``): ``load`` of the base,
   a full ``refresh``, ``load`` of the new day and the incremental ``refresh``.
3. Reports from the lake by DuckDB, without Spark (``serve --lake`` answers so), in
   a child process: every mailing's and campaign's report and the mailing list must
   equal the DuckDB store's JSON, then the largest mailing's full report is timed.
4. lake-results.json and lake-results.md in ``out``.

Mailreport's settings are its defaults (or ./mailreport.toml's): the point is what
a company gets without tuning.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.data import prepare
from bench.lake_day import split_day
from bench.process_memory import PeakSampler
from bench.runner import machine
from bench.spark_cluster import standalone_cluster
from mailreport.settings import jvm_memory_mib, load_settings

CHECKOUT = Path(__file__).resolve().parents[1]
MASTERS = ("local[2]", "cluster")
WORKERS, WORKER_CORES = 2, 1
# a worker offers its executor the settings' executor memory and a margin
WORKER_MEMORY_MARGIN_MB = 1024
REPORT_RUNS = {"small": 20, "medium": 20, "million": 20, "large": 10}
# the targets on the large demo (docs/spark.md)
TARGETS = {"full refresh": (30 * 60, "s"), "incremental refresh": (2 * 60, "s"),
           "report p50 from the lake": (100, "ms"), "driver peak RSS": (4096, "MB")}


class LakeBenchError(RuntimeError):
    """A step failed or the lake answered differently from the store."""


@dataclass
class Step:
    name: str  # load base, full refresh, load day, incremental refresh
    seconds: float
    driver_peak_mb: float
    worker_peak_mb: list[float]  # each worker's tree (the worker and its executors)
    said: str  # the command's last lines

    def to_dict(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 1)
        d["driver_peak_mb"] = round(self.driver_peak_mb, 1)
        d["worker_peak_mb"] = [round(w, 1) for w in self.worker_peak_mb]
        return d


@dataclass
class MasterRun:
    master: str
    cores: int
    steps: list[Step] = field(default_factory=list)
    report: dict = field(default_factory=dict)  # the report child's answer

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


REPORT_CHILD = r"""
import json, sys, time
import pydantic_core
from bench.timing import timed
from mailreport.reports import ReportQuery, mailing_report
from mailreport.reports.campaign import campaign_report
from mailreport.reports.mailings import list_campaigns, list_mailings
from mailreport.settings import jvm_memory_mib, load_settings
from mailreport.store import open_store
from mailreport.store.lake_store import LakeStore

lake, db, runs, copy = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
settings = load_settings()
files, store = LakeStore(lake, settings), open_store(db, settings, read_only=True)
started = time.perf_counter()
served = LakeStore(lake, settings, cache=copy)  # as `serve --lake` reads: its local copy
if not served.wait_for_copy(4 * 3600):
    sys.exit(f"the local copy of the lake's facts failed: {served.copy_error}")
copy_s = time.perf_counter() - started
t, f, s = served.tables(), files.tables(), store.tables()
as_json = lambda value: pydantic_core.to_json(value).decode()
checks = {"mailing list": lambda x: list_mailings(x)}
for m in list_mailings(s):
    checks[f"mailing {m.mailing_id}"] = (
        lambda x, i=m.mailing_id: mailing_report(x, i, ReportQuery()))
for c in list_campaigns(s):
    checks[f"campaign {c.campaign_id}"] = (
        lambda x, i=c.campaign_id: campaign_report(x, i, ReportQuery()))
differ = [f"{name} ({how})" for name, fn in checks.items() for how, x in
          (("copy", t), ("files", f)) if as_json(fn(x)) != as_json(fn(s))]
largest = max(list_mailings(s), key=lambda m: (m.recipients, m.mailing_id)).mailing_id
timing = timed(lambda: mailing_report(t, largest, ReportQuery()), runs)
# the same report from the Parquet files and from the store, in the same process:
# ratios of one run
files_timing = timed(lambda: mailing_report(f, largest, ReportQuery()), runs)
store_timing = timed(lambda: mailing_report(s, largest, ReportQuery()), runs)
served.close()
print(json.dumps({"compared": len(checks), "differ": differ, "mailing_id": largest,
                  "cold_ms": timing.cold_ms, "p50_ms": timing.p50_ms,
                  "p95_ms": timing.p95_ms, "files_p50_ms": files_timing.p50_ms,
                  "store_p50_ms": store_timing.p50_ms, "copy_s": round(copy_s, 1),
                  "runs": runs}))
"""


class LakeBench:
    def __init__(self, scale: str, out: Path, work: Path, seed: int, command: str,
                 log: Callable[[str], None], masters: tuple[str, ...] = MASTERS,
                 runs: int | None = None):
        self.scale, self.out, self.work, self.seed = scale, out, work, seed
        self.masters, self.log = masters, log
        self.runs = runs or REPORT_RUNS[scale]
        self.settings = load_settings()
        self.run_info = {"scale": scale, "seed": seed, "command": command,
                         "machine": machine(),
                         "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                         "settings": {k: getattr(self.settings, k) for k in (
                             "spark_driver_memory", "spark_executor_memory",
                             "spark_local_shuffle_partitions")}}
        self.runs_by_master: list[MasterRun] = []

    def run(self) -> dict:
        prepared = prepare(self.work, self.scale, self.seed)
        folder = self.work / f"lake-{self.scale}-{self.seed}"
        split = split_day(prepared.files, folder)
        self.run_info.update(
            store=str(prepared.db), new_day={"mailing_id": split.mailing_id,
                                             "order_date": split.order_date,
                                             "rows": split.rows["day"]},
            events=sum(split.rows[p]["events"] for p in ("base", "day")))
        self.log(f"new day: mailing {split.mailing_id} and the orders of {split.order_date}")
        for master in self.masters:
            lake = folder / master.replace("[", "-").replace("]", "") / "lake"
            shutil.rmtree(lake.parent, ignore_errors=True)
            lake.parent.mkdir(parents=True)
            with self._master(master, lake.parent) as (url, cores, workers):
                run = MasterRun(master, cores)
                self.runs_by_master.append(run)
                for name, args in (
                        ("load base", ["load", str(split.base), "--lake", str(lake),
                                       "--report-dir", str(lake.parent / "rejects-base")]),
                        ("full refresh", ["refresh", "--lake", str(lake)]),
                        ("load day", ["load", str(split.day), "--lake", str(lake),
                                      "--report-dir", str(lake.parent / "rejects-day")]),
                        ("incremental refresh", ["refresh", "--lake", str(lake)])):
                    step = self._step(name, [*args, "--spark-master", url], workers,
                                      lake.parent)
                    run.steps.append(step)
                    self._write()
                run.report = self._report(lake, prepared.db)
                self._write()
        return self.summary()

    @contextmanager
    def _master(self, master: str, folder: Path) -> Iterator[tuple[str, int, list[int]]]:
        """(master URL, cores, the worker processes' pids) for the run's commands."""
        if master != "cluster":
            yield master, int(master[len("local["):-1]), []
            return
        # an empty setting leaves it to Spark, whose default is 1g
        executor_mb = int(jvm_memory_mib(self.settings.spark_executor_memory or "1g"))
        with standalone_cluster(folder / "cluster", workers=WORKERS, cores=WORKER_CORES,
                                memory=f"{executor_mb + WORKER_MEMORY_MARGIN_MB}m") as cluster:
            self.cluster_conf = cluster.conf_dir
            yield cluster.master_url, WORKERS * WORKER_CORES, \
                [p.pid for p in cluster.processes[1:]]

    def _step(self, name: str, args: list[str], workers: list[int], folder: Path) -> Step:
        env = {**_child_env(), "SPARK_LOCAL_IP": "127.0.0.1"}
        if workers:
            env["SPARK_CONF_DIR"] = str(self.cluster_conf)
        log = folder / f"{name.replace(' ', '-')}.log"
        self.log(f"{folder.name}: {name}: mailreport {' '.join(args)}")
        started = time.perf_counter()
        with open(log, "w") as out:
            child = subprocess.Popen([sys.executable, "-m", "mailreport", *args], stdout=out,
                                     stderr=subprocess.STDOUT, env=env)
            roots = {"driver": child.pid, **{f"worker{n}": pid for n, pid in
                                             enumerate(workers, 1)}}
            with PeakSampler(roots) as sampler:
                status = child.wait()
        seconds = time.perf_counter() - started
        said = log.read_text(errors="replace")
        if status:
            raise LakeBenchError(f"{name} exited with status {status}; see {log}:\n"
                                 f"{said[-3000:]}")
        lines = [line for line in said.splitlines() if line.strip()]
        step = Step(name, seconds, sampler.peaks_mb["driver"],
                    [sampler.peaks_mb[f"worker{n}"] for n in range(1, len(workers) + 1)],
                    "\n".join(lines[-3:]))
        self.log(f"{folder.name}: {name}: {seconds:,.1f} s, driver peak "
                 f"{step.driver_peak_mb:,.0f} MB"
                 + (f", workers {', '.join(f'{w:,.0f}' for w in step.worker_peak_mb)} MB"
                    if workers else ""))
        return step

    def _report(self, lake: Path, db: Path) -> dict:
        copy = lake.parent / "server.lake-facts.duckdb"
        copy.unlink(missing_ok=True)  # a server's first start: the whole copy
        child = subprocess.run([sys.executable, "-c", REPORT_CHILD, str(lake), str(db),
                                str(self.runs), str(copy)], stdout=subprocess.PIPE,
                               text=True, env=_child_env(), check=True)
        answer = json.loads(child.stdout.strip().splitlines()[-1])
        if answer["differ"]:
            raise LakeBenchError(f"the lake's answers differ from the store's: "
                                 f"{', '.join(answer['differ'])}")
        self.log(f"report from the lake ({answer['mailing_id']}): p50 "
                 f"{answer['p50_ms']:,.1f} ms; {answer['compared']} answers equal the store's")
        return answer

    # -- the results ------------------------------------------------------------------
    def summary(self) -> dict:
        runs = []
        for run in self.runs_by_master:
            full, load = run.step("full refresh"), run.step("load base")
            per_core = {}
            if load:
                per_core["load"] = self.run_info["events"] / load.seconds / run.cores
            if full:
                per_core["full refresh"] = self.run_info["events"] / full.seconds / run.cores
            runs.append({"master": run.master, "cores": run.cores,
                         "steps": [s.to_dict() for s in run.steps],
                         "events_per_second_per_core": {k: round(v) for k, v in
                                                        per_core.items()},
                         "report": run.report,
                         "targets": self._targets(run) if self.scale == "large" else []})
        return {"run": self.run_info, "masters": runs}

    def _targets(self, run: MasterRun) -> list[dict]:
        values = {"full refresh": getattr(run.step("full refresh"), "seconds", None),
                  "incremental refresh": getattr(run.step("incremental refresh"), "seconds",
                                                 None),
                  "report p50 from the lake": run.report.get("p50_ms"),
                  "driver peak RSS": max((s.driver_peak_mb for s in run.steps), default=None)}
        return [{"name": name, "limit": limit, "unit": unit, "value": values[name],
                 "met": None if values[name] is None else values[name] <= limit}
                for name, (limit, unit) in TARGETS.items()]

    def _write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        (self.out / "lake-results.json").write_text(json.dumps(summary, indent=2) + "\n")
        (self.out / "lake-results.md").write_text(markdown(summary))


def _child_env() -> dict[str, str]:
    """This environment with the checkout (bench) and its src (mailreport) first on
    the import path of a child process."""
    path = [str(CHECKOUT), str(CHECKOUT / "src"), os.environ.get("PYTHONPATH")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}


def markdown(summary: dict) -> str:
    run = summary["run"]
    day = run.get("new_day", {})
    lines = [f"# mailreport bench --lake: {run['scale']} demo", "",
             f"- date: {run['date']}", f"- machine: {run['machine']}",
             f"- command: `{run['command']}`",
             f"- events: {run.get('events', 0):,}; the new day: mailing "
             f"{day.get('mailing_id')} ({day.get('rows', {}).get('events', 0):,} events, "
             f"{day.get('rows', {}).get('audience', 0):,} audience rows) and the "
             f"{day.get('rows', {}).get('orders', 0):,} orders of {day.get('order_date')}",
             f"- settings: {', '.join(f'{k} = {v}' for k, v in run['settings'].items())}",
             ""]
    for m in summary["masters"]:
        lines += [f"## {m['master']} ({m['cores']} cores)", "",
                  "| step | time s | driver peak MB | worker peak MB |", "|---|---:|---:|---:|"]
        for s in m["steps"]:
            workers = ", ".join(f"{w:,.0f}" for w in s["worker_peak_mb"]) or "—"
            lines.append(f"| {s['name']} | {s['seconds']:,.1f} | "
                         f"{s['driver_peak_mb']:,.0f} | {workers} |")
        rate = m["events_per_second_per_core"]
        lines += ["", "events per second per core: " + ", ".join(
            f"{k} {v:,}" for k, v in rate.items()), ""]
        r = m["report"]
        if r:
            files = (f"; from the lake's Parquet files instead of the server's local copy "
                     f"(made in {r['copy_s']:,.1f} s): p50 {r['files_p50_ms']:,.1f} ms"
                     if "files_p50_ms" in r else "")
            store = (f" (the DuckDB store: p50 {r['store_p50_ms']:,.1f} ms, same process"
                     f"{files})" if "store_p50_ms" in r else "")
            lines += [f"report from the lake (DuckDB, no Spark), largest mailing "
                      f"{r['mailing_id']}: p50 {r['p50_ms']:,.1f} ms, p95 {r['p95_ms']:,.1f} "
                      f"ms, cold {r['cold_ms']:,.1f} ms over {r['runs']} runs{store}; "
                      f"{r['compared']} answers equal the DuckDB store's", ""]
        if m["targets"]:
            lines += ["| target | limit | measured | met |", "|---|---:|---:|---|"]
            for t in m["targets"]:
                shown = "—" if t["value"] is None else f"{t['value']:,.1f} {t['unit']}"
                met = {True: "yes", False: "**no**", None: "—"}[t["met"]]
                lines.append(f"| {t['name']} | ≤ {t['limit']:,} {t['unit']} | {shown} | {met} |")
            lines.append("")
    return "\n".join(lines) + "\n"
