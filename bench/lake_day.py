"""The lake benchmark's data: the demo's files cut into a base and one new day.

The new day is what a company's nightly run brings: the last mailing sent that has
events (its row, variants, audience and events) and the last day of orders (their lines too). The
base is everything else. Loading the base and then the day gives the lake every row
of the demo, so the lake's reports must then equal the demo's DuckDB store's.

Both folders are written once, beside the demo, and reused."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mailreport.contract import TABLES

# the tables whose rows belong to one mailing, and those of one day of orders
BY_MAILING = ("mailings", "variants", "audience", "events")
BY_ORDER = ("orders", "order_lines")


@dataclass
class Split:
    base: Path
    day: Path
    mailing_id: str  # the new day's mailing
    order_date: str  # its day of orders (the orders' ts, as given)
    rows: dict[str, dict[str, int]]  # {"base"|"day": {table: rows}}


def split_day(files: Path, folder: Path) -> Split:
    """``files`` (the demo's Parquet files) cut into ``folder/base`` and
    ``folder/day``; made when missing."""
    done = folder / "split.json"
    if done.exists():
        said = json.loads(done.read_text())
        return Split(folder / "base", folder / "day", said["mailing_id"], said["order_date"],
                     said["rows"])
    shutil.rmtree(folder, ignore_errors=True)
    base, day = folder / "base", folder / "day"
    base.mkdir(parents=True)
    day.mkdir()
    con = duckdb.connect()
    try:
        def source(table: str) -> str:
            return f"read_parquet('{files / f'{table}.parquet'}')"

        mailing_id = con.execute(
            f"SELECT mailing_id FROM {source('mailings')} WHERE mailing_id IN "
            f"(SELECT mailing_id FROM {source('events')}) "
            "ORDER BY sent_at DESC NULLS LAST, mailing_id DESC LIMIT 1").fetchone()[0]
        order_date = str(con.execute(f"SELECT max(ts)::DATE FROM {source('orders')}").fetchone()[0])
        new_orders = (f"SELECT order_id FROM {source('orders')} "
                      f"WHERE ts::DATE = DATE '{order_date}'")
        rows: dict[str, dict[str, int]] = {"base": {}, "day": {}}
        for table in (t.name for t in TABLES):
            if table in BY_MAILING:
                in_day = f"mailing_id = '{mailing_id}'"
            elif table in BY_ORDER:
                in_day = f"order_id IN ({new_orders})"
            else:
                in_day = None
            parts = {"base": "true" if in_day is None else f"NOT ({in_day})"}
            if in_day is not None:
                parts["day"] = in_day
            for part, where in parts.items():
                target = folder / part / f"{table}.parquet"
                # COPY answers with the number of rows it wrote
                rows[part][table] = con.execute(
                    f"COPY (SELECT * FROM {source(table)} WHERE {where}) "
                    f"TO '{target}' (FORMAT parquet)").fetchone()[0]
    finally:
        con.close()
    done.write_text(json.dumps({"mailing_id": mailing_id, "order_date": order_date,
                                "rows": rows}, indent=2))
    return Split(base, day, mailing_id, order_date, rows)
