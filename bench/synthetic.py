"""Synthetic, valid contract files of any size for load benchmarks and tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TYPES = np.array(["sent", "delivered", "opened", "clicked"])


def base_tables(n_customers: int = 1000, n_mailings: int = 10) -> dict[str, pa.Table]:
    return {
        "customers": pa.table({"customer_id": [f"c{i}" for i in range(n_customers)]}),
        "mailings": pa.table({
            "mailing_id": [f"m{i}" for i in range(n_mailings)],
            "name": [f"Mailing {i}" for i in range(n_mailings)],
            "channel": ["email"] * n_mailings, "status": ["sent"] * n_mailings,
        }),
    }


def events_table(start: int, n: int, n_customers: int = 1000, n_mailings: int = 10,
                 seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed + start)
    ids = np.arange(start, start + n)
    ts = (np.datetime64("2026-03-01T00:00:00") + rng.integers(0, 90 * 86400, n)
          .astype("timedelta64[s]")).astype("datetime64[us]")
    return pa.table({
        "event_id": pa.array(np.char.add("e", ids.astype(str))),
        "mailing_id": pa.array(np.char.add("m", rng.integers(0, n_mailings, n).astype(str))),
        "customer_id": pa.array(np.char.add("c", rng.integers(0, n_customers, n).astype(str))),
        "type": pa.array(TYPES[rng.integers(0, 4, n)]),
        "ts": pa.array(ts),
        "is_machine": pa.array(rng.random(n) < 0.05),
    })


def write_dataset(out: Path, n_events: int, fmt: str, chunk: int = 500_000) -> Path:
    """Write customers, mailings and n_events events as <table>.<fmt> into out."""
    out.mkdir(parents=True, exist_ok=True)
    for name, table in base_tables().items():
        pacsv.write_csv(table, out / f"{name}.csv")
    path = out / f"events.{fmt}"
    writer = None
    for start in range(0, n_events, chunk):
        t = events_table(start, min(chunk, n_events - start))
        if fmt == "parquet":
            writer = writer or pq.ParquetWriter(path, t.schema)
            writer.write_table(t)
        else:
            writer = writer or pacsv.CSVWriter(path, t.schema)
            writer.write_table(t)
    if writer:
        writer.close()
    return path
