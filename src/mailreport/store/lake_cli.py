"""``mailreport lake``: the Parquet lake that the Spark engine reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

lake_app = typer.Typer(help="The Parquet lake for the Spark engine.", no_args_is_help=True)

# the same options as mailreport's other commands (cli.py imports this module, so
# it cannot import cli's annotations at import time)
_Db = Annotated[Path | None, typer.Option(
    "--db", help="DuckDB file (default: $MAILREPORT_DB, else ./mailreport.duckdb).")]
_Config = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default: ./mailreport.toml).")]


@lake_app.command("export")
def export(directory: Annotated[Path, typer.Argument(help="The lake folder to write.")],
           db: _Db = None, config: _Config = None) -> None:
    """Write the store's contract tables to DIRECTORY as Parquet (docs/spark.md)."""
    from mailreport.cli import console, opened_store
    from mailreport.store.lake import export_lake

    with opened_store(db, config, reading=True) as store:
        counts = export_lake(store, directory)
    console.print(f"wrote the lake {directory}: "
                  + ", ".join(f"{name} {n}" for name, n in counts.items()))
