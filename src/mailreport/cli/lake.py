"""``mailreport lake``: the Parquet lake that the Spark engine reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    opened_store,
    refuse_while_served,
)

lake_app = typer.Typer(help="The Parquet lake for the Spark engine.", no_args_is_help=True)


@lake_app.command("export")
def export(directory: Annotated[Path, typer.Argument(help="The lake folder to write.")],
           db: DbOption = None, config: ConfigOption = None) -> None:
    """Write the store's contract tables to DIRECTORY as Parquet (docs/spark.md)."""
    from mailreport.store import StoreLocked
    from mailreport.store.lake import export_lake

    try:
        with opened_store(db, config, reading=True) as store:
            counts = export_lake(store, directory)
    except StoreLocked:
        # Not sent to the server: copying a table out holds its store, and every
        # request waiting on it, for as long as the copy of the largest table takes.
        refuse_while_served(db, config, "stop it, then run `mailreport lake export` again")
    console.print(f"wrote the lake {directory}: "
                  + ", ".join(f"{name} {n}" for name, n in counts.items()))
