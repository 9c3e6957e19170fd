"""The benchmark's records, the targets they are held to, and the files they are
written to: results.json (one record per measure) and results.md (a table)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Record:
    name: str
    engine: str
    p50_ms: float | None
    p95_ms: float | None
    cold_ms: float | None
    rows: int | None
    peak_rss_mb: float | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("p50_ms", "p95_ms", "cold_ms", "peak_rss_mb"):
            if d[k] is not None:
                d[k] = round(d[k], 1)
        return d


@dataclass
class Target:
    """A limit on one measure's p50 (or its peak memory, or its speed-up)."""

    name: str
    limit: float
    unit: str  # "ms", "MB" or "x" (PostgreSQL p50 over ours, at least)
    value: float | None = None

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.unit == "x" else self.value <= self.limit

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


@dataclass
class Results:
    run: dict[str, Any]
    records: list[Record] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def add(self, record: Record) -> Record:
        self.records.append(record)
        return record

    def find(self, name: str, engine: str) -> Record | None:
        return next((r for r in self.records if r.name == name and r.engine == engine), None)

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({
            "run": self.run,
            "measures": [r.to_dict() for r in self.records],
            "targets": [t.to_dict() for t in self.targets],
        }, indent=2) + "\n")
        (out / "results.md").write_text(self.markdown())

    def markdown(self) -> str:
        run = self.run
        lines = [f"# mailreport bench: {run['scale']} demo", "",
                 f"- date: {run['date']}", f"- machine: {run['machine']}",
                 f"- command: `{run['command']}`", f"- data: {run['data']}",
                 f"- runs: {run['runs']} warm runs per measure on DuckDB, "
                 f"{run['pg_runs']} on PostgreSQL, after one cold run", ""]
        if self.targets:
            lines += ["## Targets", "", "| target | limit | measured | met |",
                      "|---|---:|---:|---|"]
            for t in self.targets:
                shown = "—" if t.value is None else f"{t.value:,.1f} {t.unit}"
                met = {True: "yes", False: "**no**", None: "—"}[t.met]
                op = "≥" if t.unit == "x" else "≤"
                lines.append(f"| {t.name} | {op} {t.limit:,.0f} {t.unit} | {shown} | {met} |")
            lines.append("")
        lines += ["## Measures", "",
                  "| measure | DuckDB p50 ms | p95 ms | cold ms | PostgreSQL p50 ms | p95 ms "
                  "| cold ms | PostgreSQL / DuckDB | rows | peak RSS MB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in self.records:
            if r.engine != "duckdb":
                continue
            pg = self.find(r.name, "postgres")
            ratio = (f"{pg.p50_ms / r.p50_ms:,.0f}×" if pg and pg.p50_ms and r.p50_ms else "")
            lines.append("| " + " | ".join([
                r.name + (f" ({r.note})" if r.note else ""), _ms(r.p50_ms), _ms(r.p95_ms),
                _ms(r.cold_ms), _ms(pg and pg.p50_ms), _ms(pg and pg.p95_ms),
                _ms(pg and pg.cold_ms), ratio, f"{r.rows:,}" if r.rows is not None else "",
                _ms(r.peak_rss_mb)]) + " |")
        others = [r for r in self.records if r.engine not in ("duckdb", "postgres")
                  or (r.engine == "postgres" and not self.find(r.name, "duckdb"))]
        if others:
            lines += ["", "| other measure | engine | time ms | rows | note |",
                      "|---|---|---:|---:|---|"]
            lines += [f"| {r.name} | {r.engine} | {_ms(r.p50_ms)} | "
                      f"{'' if r.rows is None else f'{r.rows:,}'} | {r.note} |" for r in others]
        return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"
