"""What every command of the ``mailreport`` command line shares: the Typer app,
the consoles, the common options, how a command fails and opens the store."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from mailreport import progress
from mailreport.settings import SettingsError, load_settings

app = typer.Typer(help="Mailing reports for a retail company's mass messaging.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="DuckDB file (default: $MAILREPORT_DB, else ./mailreport.duckdb).")]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default: ./mailreport.toml).")]
FromOption = Annotated[dt.datetime | None, typer.Option(
    "--from", formats=["%Y-%m-%d"], help="First date of the period (company time zone).")]
ToOption = Annotated[dt.datetime | None, typer.Option(
    "--to", formats=["%Y-%m-%d"], help="Last date of the period (company time zone).")]


def fail(message: str, code: int = 2) -> None:
    # escaped: a message's own brackets ('.[bench]', a value) are text, not markup
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


@contextmanager
def opened_store(db: Path | None, config: Path | None, reading: bool = False):
    """The DuckDB store for a command. ``reading``: opened read-only when the file
    exists, so the command works beside a loader."""
    from mailreport.store import StoreError, StoreLocked, db_path, open_store
    from mailreport.store.engines import open_reader

    try:
        settings = load_settings(config)
        store = (open_reader("duckdb", settings, db=db) if reading
                 else open_store(db_path(db, settings), settings))
    except StoreLocked:
        raise
    except (SettingsError, StoreError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def progress_bar() -> Progress:
    return progress.progress_bar(err)
