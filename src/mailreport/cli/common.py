"""What every command of the ``mailreport`` command line shares: the Typer app,
the consoles, the common options, how a command fails and opens the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from mailreport import progress
from mailreport.settings import SettingsError, load_settings

T = TypeVar("T")
console = Console()
err = Console(stderr=True)


class App(typer.Typer):
    """The command group, with one net under every command: a store held by
    another process is a one-line error, never a traceback. Commands that can go
    through the running server catch it first and do."""

    def __call__(self, *args, **kwargs):
        from mailreport.store import StoreLocked

        try:
            return super().__call__(*args, **kwargs)
        except StoreLocked as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
            raise SystemExit(1) from None


app = App(help="Mailing reports for a retail company's mass messaging.",
          no_args_is_help=True, add_completion=False)

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="DuckDB file (default: $MAILREPORT_DB, else ./mailreport.duckdb).")]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default: ./mailreport.toml).")]
FromOption = Annotated[dt.datetime | None, typer.Option(
    "--from", formats=["%Y-%m-%d"], help="First date of the period (company time zone).")]
ToOption = Annotated[dt.datetime | None, typer.Option(
    "--to", formats=["%Y-%m-%d"], help="Last date of the period (company time zone).")]
LakeOption = Annotated[str | None, typer.Option(
    "--lake", help="Read the lake in this folder and its facts, in this process (no "
                   "Spark); with --engine spark, the lake's folder or URI on Spark.")]


def fail(message: str, code: int = 2) -> NoReturn:
    # escaped: a message's own brackets ('.[bench]', a value) are text, not markup;
    # one line whatever the terminal's width, for logs and grep
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def opened_store(db: Path | None, config: Path | None, reading: bool = False,
                 lake: str | None = None):
    """The DuckDB store for a command. ``reading``: opened read-only when the file
    exists, so the command works beside a loader. ``lake``: the lake's files read by
    DuckDB instead (reading), or for a server (not reading) with its tokens in the
    database file."""
    from mailreport.store import StoreError, StoreLocked, db_path, open_store
    from mailreport.store.engines import open_lake_server, open_reader

    try:
        settings = load_settings(config)
        if reading:
            store = open_reader("duckdb", settings, db=db, lake=lake)
        elif lake is not None:
            store = open_lake_server(lake, settings, db)
        else:
            store = open_store(db_path(db, settings), settings)
    except StoreLocked:
        raise
    except (SettingsError, StoreError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def through_server(db: Path | None, config: Path | None, call: Callable[[Path], T]) -> T:
    """For a command that found the store locked: ``call(database file)`` sends it to
    the server that holds the file (``mailreport.api.forward``). A server that is
    missing, unreachable or refuses is a one-line error and exit status 1."""
    from mailreport.api.forward import ForwardError
    from mailreport.store import db_path

    try:
        return call(db_path(db, load_settings(config)))
    except SettingsError as exc:
        fail(str(exc))
    except ForwardError as exc:
        fail(str(exc), 1)


def on_file_or_server(db: Path | None, config: Path | None, work: Callable[..., T],
                      forward: Callable[[Path], T], refused: tuple[type[Exception], ...] = (),
                      code: int = 2) -> T:
    """``work(store)`` on the database file; where a server holds it, ``forward(path)``
    through that server (through_server). An error of the ``refused`` kinds from
    ``work`` is a one-line refusal with exit status ``code``."""
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config) as store:
            try:
                return work(store)
            except refused as exc:
                fail(str(exc), code)
    except StoreLocked:
        return through_server(db, config, forward)


def refuse_while_served(db: Path | None, config: Path | None, what_to_do: str) -> NoReturn:
    """For a command that cannot go through the server: say who holds the store and
    what to do instead, in one line, and exit with status 1."""
    from mailreport.api.forward import ForwardError, running_server
    from mailreport.store import db_path

    try:
        path = db_path(db, load_settings(config))
    except SettingsError as exc:
        fail(str(exc))
    try:
        holder = str(running_server(path))
    except ForwardError:
        holder = "another process"
    fail(f"{path} is held by {holder}: {what_to_do}", 1)


def progress_bar() -> Progress:
    return progress.progress_bar(err)


CLI_ACTOR = "local command line"


def cli_actor() -> str:
    """Who the audit trail names for a change the command line makes on the file
    itself: this machine's user (it acts as admin, from "local")."""
    import getpass

    try:
        return f"{CLI_ACTOR} ({getpass.getuser()})"
    except (KeyError, OSError):
        return CLI_ACTOR


def record_change(store, action: str, entity: str, **details) -> None:
    """The audit trail's row of a change the command line made on the file itself
    (a user's, a token's): by this machine's user, as admin, from "local"."""
    from mailreport import audit

    audit.record(store, action, actor=cli_actor(), role="admin", address="local",
                 entity=entity, details=details)
