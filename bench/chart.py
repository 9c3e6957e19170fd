"""The results as a PNG: p50 of each report measure on DuckDB and PostgreSQL, on a
log scale, with the speed-up written beside each pair."""

from __future__ import annotations

from pathlib import Path

from bench.results import Results


def write_chart(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = [(r, results.find(r.name, "postgres")) for r in results.records
             if r.engine == "duckdb" and r.p50_ms]
    pairs = [(ours, pg) for ours, pg in pairs if pg and pg.p50_ms]
    names = [ours.name for ours, _ in pairs]
    height = max(3.0, 0.32 * len(pairs) + 1.5)
    fig, ax = plt.subplots(figsize=(11, height), dpi=110)
    ys = range(len(pairs))
    ax.barh([y + 0.2 for y in ys], [pg.p50_ms for _, pg in pairs], height=0.4,
            label="PostgreSQL 15", color="#9aa5b1")
    ax.barh([y - 0.2 for y in ys], [ours.p50_ms for ours, _ in pairs], height=0.4,
            label="mailreport (DuckDB)", color="#2f6fdb")
    for y, (ours, pg) in zip(ys, pairs, strict=True):
        ax.text(pg.p50_ms * 1.08, y + 0.2, f"{pg.p50_ms / ours.p50_ms:,.0f}×", va="center",
                fontsize=8)
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("p50 milliseconds, warm (log scale)")
    run = results.run
    ax.set_title(f"mailreport bench --scale {run['scale']}: {run['date'][:10]}, "
                 f"{run['machine'].split(' (')[0]}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
