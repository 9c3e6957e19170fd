"""``mailreport quarantine``: the CLI twin of GET /api/v1/quarantine (and, with
--replay, of POST /api/v1/quarantine/replay)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import console, fail, opened_store


def quarantine(
    limit: Annotated[int, typer.Option(help="How many events to show, newest first.")] = 50,
    provider: Annotated[str | None, typer.Option(help="Only this provider's events.")] = None,
    replay: Annotated[bool, typer.Option(
        "--replay", help="Ingest them again first (after loading their mailings or "
                         "customers); those that pass leave the quarantine.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: Annotated[str | None, typer.Option(
        "--db", help="DuckDB file (default: $MAILREPORT_DB, else ./mailreport.duckdb).")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", help="Settings file (default: ./mailreport.toml).")] = None,
) -> None:
    """Live events kept in quarantine (no known mailing or customer...), with why."""
    from rich.table import Table

    from mailreport.ingest import live
    from mailreport.store import StoreLocked

    db_path, config_path = (Path(db) if db else None), (Path(config) if config else None)
    try:
        with opened_store(db_path, config_path, reading=not replay) as store:
            if replay:
                result = live.replay_quarantine(store)
                live.stop(store)
                console.print(f"replayed {result.received}: {result.inserted} stored, "
                              f"{result.duplicates} already stored, "
                              f"{result.quarantined} still in quarantine")
            total, rows = live.list_quarantine(store, limit, 0, provider)
    except StoreLocked:
        fail("the server holds the database: use GET /api/v1/quarantine (and POST "
             "/api/v1/quarantine/replay) with an admin token")
    if as_json:
        sys.stdout.write(json.dumps({"total": total, "events": rows}, default=str, indent=2)
                         + "\n")
        return
    shown = f", newest {len(rows)} shown" if len(rows) < total else ""
    table = Table(title=f"Quarantine: {total} event(s){shown}")
    for col in ("last received", "provider", "event_id", "mailing", "customer", "type",
                "times", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(f"{r['last_received_at']:%Y-%m-%d %H:%M:%S}", r["provider"] or "",
                      r["event_id"] or "", r["mailing_id"] or "", r["customer_id"] or "",
                      r["type"] or "", str(r["deliveries"]), r["reason"] or "")
    console.print(table)
