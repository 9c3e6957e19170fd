"""The ``mailreport`` command: thin commands that parse, call one library function
and format the result."""

from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mailreport import render
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
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@contextmanager
def opened_store(db: Path | None, config: Path | None, read_only: bool = False):
    from mailreport.store import StoreError, StoreLocked, db_path, open_store

    try:
        settings = load_settings(config)
        store = open_store(db_path(db, settings), settings, read_only=read_only)
    except StoreLocked:
        raise
    except (SettingsError, StoreError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    console=err, transient=False)


def _progress_callback(bar: Progress):
    tasks: dict[str, int] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total)
        bar.update(tasks[label], completed=done, total=total)

    return update


@app.command()
def load(directory: Path, db: DbOption = None, config: ConfigOption = None,
         report_dir: Annotated[Path | None, typer.Option(
             help="Where summary.json and rejects.csv go (default: DIR/.loads/<time>).")] = None,
         as_json: Annotated[bool, typer.Option(
             "--json", help="Print the summary as JSON.")] = False,
         ) -> None:
    """Load every contract file of DIRECTORY (<table>.csv, .parquet or .jsonl).

    Exit status: 0 all loaded, 1 some rows rejected, 2 nothing could be loaded."""
    from mailreport.ingest.loader import LoadSummary, load_directory
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config) as store, progress_bar() as bar:
            summary = load_directory(store, directory, report_dir, _progress_callback(bar))
    except StoreLocked:
        from mailreport.api.forward import ForwardError, forward_load

        settings = load_settings(config)
        try:
            data = forward_load(Path(db or settings.db), directory, report_dir)
        except ForwardError as exc:
            fail(str(exc))
        summary = LoadSummary(**{k: v for k, v in data.items() if k != "exit_code"})
        from mailreport.ingest.loader import TableResult

        summary.tables = [TableResult(**t) for t in data["tables"]]
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
    else:
        render.load_summary(console, summary)
    raise typer.Exit(summary.exit_code)


@app.command()
def demo(scale: Annotated[str, typer.Option(help="small, medium or large.")] = "medium",
         seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 42,
         out: Annotated[Path | None, typer.Option(help="Where the files go.")] = None,
         fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
         db: DbOption = None, config: ConfigOption = None,
         no_load: Annotated[bool, typer.Option(help="Only write the files.")] = False) -> None:
    """Generate a realistic retail dataset as contract files and load it."""
    from mailreport.demo import SCALES, generate
    from mailreport.ingest.loader import load_directory

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}")
    out = out or Path(f"demo-data/{scale}-{seed}")
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar() as bar:
        counts = generate(out, scale=scale, seed=seed, fmt=fmt, progress=_progress_callback(bar))
    render.counts(console, f"Generated {scale} demo in {out}", counts)
    if no_load:
        return
    with opened_store(db, config) as store, progress_bar() as bar:
        summary = load_directory(store, out, None, _progress_callback(bar))
        render.load_summary(console, summary)
        render.counts(console, f"Store {store.path}", store.counts())
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


def _query(date_from, date_to, **kw):
    from pydantic import ValidationError

    from mailreport.reports import ReportQuery

    try:
        return ReportQuery(**{"from": date_from.date() if date_from else None,
                              "to": date_to.date() if date_to else None}, **kw)
    except ValidationError as exc:
        fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))


@app.command()
def report(mailing_id: str, date_from: FromOption = None, date_to: ToOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
           include_machine: Annotated[bool, typer.Option(
               help="Count machine opens and clicks as human.")] = False,
           company_time: Annotated[bool, typer.Option(
               help="Open hours in company time instead of recipients' local time.")] = False,
           sort: Annotated[str, typer.Option(help="Product sales by units, revenue or receipts."
                                             )] = "units",
           db: DbOption = None, config: ConfigOption = None) -> None:
    """The mailing report of MAILING_ID: every section."""
    from mailreport.reports import ReportError, mailing_report

    query = _query(date_from, date_to, include_machine=include_machine, sort=sort,
                   open_hours_zone="company" if company_time else "recipient")
    with opened_store(db, config, read_only=_read_only(db, config)) as store:
        try:
            result = mailing_report(store.tables(), mailing_id, query)
        except ReportError as exc:
            fail(str(exc), 1)
    if as_json:
        sys.stdout.write(result.model_dump_json(by_alias=True, indent=2) + "\n")
    else:
        render.mailing_report(console, result, store.settings.currency)


@app.command("campaign-report")
def campaign_report_cmd(campaign_id: str, date_from: FromOption = None, date_to: ToOption = None,
                        as_json: Annotated[bool, typer.Option("--json")] = False,
                        db: DbOption = None, config: ConfigOption = None) -> None:
    """The report of all mailings of CAMPAIGN_ID together."""
    from mailreport.reports import ReportError, campaign_report

    query = _query(date_from, date_to)
    with opened_store(db, config, read_only=_read_only(db, config)) as store:
        try:
            result = campaign_report(store.tables(), campaign_id, query)
        except ReportError as exc:
            fail(str(exc), 1)
    if as_json:
        sys.stdout.write(result.model_dump_json(by_alias=True, indent=2) + "\n")
    else:
        render.campaign_report(console, result, store.settings.currency)


@app.command()
def mailings(channel: Annotated[str | None, typer.Option(help="email, sms or push.")] = None,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             db: DbOption = None, config: ConfigOption = None) -> None:
    """List mailings with their key figures."""
    from mailreport.reports.mailings import list_mailings

    if channel and channel not in ("email", "sms", "push"):
        fail("--channel must be email, sms or push")
    with opened_store(db, config, read_only=_read_only(db, config)) as store:
        rows = list_mailings(store.tables(), channel=channel)
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2) + "\n")
    else:
        render.mailing_list(console, rows)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          db: DbOption = None, config: ConfigOption = None) -> None:
    """Serve the API and the report pages."""
    import uvicorn

    from mailreport.api.app import create_app
    from mailreport.api.forward import announce

    with opened_store(db, config) as store:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        app_ = create_app(store, public_url=url)
        marker = announce(store.path, url)
        console.print(f"mailreport serving {store.path} on {url}/ (API docs at /docs)")
        try:
            uvicorn.run(app_, host=host, port=port, log_level="warning")
        finally:
            marker.unlink(missing_ok=True)


@app.command()
def refresh(db: DbOption = None, config: ConfigOption = None) -> None:
    """Recompute the derived tables (reach times, attribution) from scratch."""
    with opened_store(db, config) as store:
        store.rebuild_derived()
        render.counts(console, f"Store {store.path}", store.counts())


@app.command()
def info(db: DbOption = None, config: ConfigOption = None) -> None:
    """Row counts of every table of the store."""
    with opened_store(db, config, read_only=_read_only(db, config)) as store:
        render.counts(console, f"Store {store.path}", store.counts())


@app.command("contract-doc")
def contract_doc(out: Annotated[Path, typer.Option(help="Docs folder.")] = Path("docs")) -> None:
    """Write docs/data-contract.md and docs/settings.md from the declarations."""
    from mailreport import contract, settings

    out.mkdir(parents=True, exist_ok=True)
    (out / "data-contract.md").write_text(contract.render_markdown() + "\n", encoding="utf-8")
    (out / "settings.md").write_text(settings.render_markdown(), encoding="utf-8")
    console.print(f"wrote {out / 'data-contract.md'} and {out / 'settings.md'}")


def _read_only(db: Path | None, config: Path | None) -> bool:
    """Reports open an existing store read-only, so they work beside a loader."""
    try:
        path = Path(db or load_settings(config).db)
    except SettingsError:
        return False
    return path.exists()


if __name__ == "__main__":
    app()

