"""The ``mailreport`` command: thin commands that parse, call one library function
and format the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mailreport import render
from mailreport.cli import bench, exports, lake, load, quarantine
from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    FromOption,
    ToOption,
    app,
    console,
    err,
    fail,
    opened_store,
)
from mailreport.settings import SettingsError, load_settings

app.command()(load.load)
app.command()(load.demo)


def _query(date_from, date_to, **kw):
    from pydantic import ValidationError

    from mailreport.reports import ReportQuery

    try:
        return ReportQuery(**{"from": date_from.date() if date_from else None,
                              "to": date_to.date() if date_to else None}, **kw)
    except ValidationError as exc:
        fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))


EngineOption = Annotated[str, typer.Option(
    "--engine", help="duckdb (the database file) or spark (a Parquet lake, see --lake).")]
LakeOption = Annotated[str | None, typer.Option(
    "--lake", help="With --engine spark: the lake's directory or URI.")]
MasterOption = Annotated[str | None, typer.Option(
    "--spark-master", help="With --engine spark: master URL (default local[*]); sc:// for "
                           "Spark Connect.")]


def _reports(db, config, engine: str, lake: str | None, spark_master: str | None,
             compute, api_path: str, params: dict, model):
    """Run a report on the chosen engine; when the database file is held by a
    running server, ask that server instead. Returns (result, currency)."""
    from mailreport.reports import ReportError
    from mailreport.store import StoreError, StoreLocked, db_path
    from mailreport.store.engines import open_reader

    try:
        settings = load_settings(config)
    except SettingsError as exc:
        fail(str(exc))
    try:
        store = open_reader(engine, settings, db=db, lake=lake, spark_master=spark_master)
    except StoreLocked:
        from mailreport.api.forward import ForwardError, forward_get

        try:
            data = forward_get(db_path(db, settings), api_path, params)
        except ForwardError as exc:
            fail(str(exc), 1)
        if isinstance(data, list):
            return [model.model_validate(d) for d in data], settings.currency
        return model.model_validate(data), settings.currency
    except StoreError as exc:
        fail(str(exc))
    try:
        return compute(store.tables()), settings.currency
    except ReportError as exc:
        fail(str(exc), 1)
    finally:
        store.close()


def _print_json(result) -> None:
    if isinstance(result, list):
        text = json.dumps([r.model_dump(mode="json", by_alias=True) for r in result], indent=2)
    else:
        text = result.model_dump_json(by_alias=True, indent=2)
    sys.stdout.write(text + "\n")


def _params(query) -> dict:
    return {"from": query.date_from, "to": query.date_to,
            "include_machine": query.include_machine or None,
            "open_hours_zone": query.open_hours_zone, "sort": query.sort}


@app.command()
def report(mailing_id: str, date_from: FromOption = None, date_to: ToOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
           include_machine: Annotated[bool, typer.Option(
               help="Count machine opens and clicks as human.")] = False,
           company_time: Annotated[bool, typer.Option(
               help="Open hours in company time instead of recipients' local time.")] = False,
           sort: Annotated[str, typer.Option(help="Product sales by units, revenue or receipts."
                                             )] = "units",
           engine: EngineOption = "duckdb", lake: LakeOption = None,
           spark_master: MasterOption = None,
           db: DbOption = None, config: ConfigOption = None) -> None:
    """The mailing report of MAILING_ID: every section."""
    from mailreport.reports import mailing_report
    from mailreport.reports.models import MailingReport

    query = _query(date_from, date_to, include_machine=include_machine, sort=sort,
                   open_hours_zone="company" if company_time else "recipient")
    result, currency = _reports(
        db, config, engine, lake, spark_master,
        lambda t: mailing_report(t, mailing_id, query),
        f"/api/v1/mailings/{mailing_id}/report", _params(query), MailingReport)
    if as_json:
        _print_json(result)
    else:
        render.mailing_report(console, result, currency)


@app.command("campaign-report")
def campaign_report_cmd(campaign_id: str, date_from: FromOption = None, date_to: ToOption = None,
                        as_json: Annotated[bool, typer.Option("--json")] = False,
                        engine: EngineOption = "duckdb", lake: LakeOption = None,
                        spark_master: MasterOption = None,
                        db: DbOption = None, config: ConfigOption = None) -> None:
    """The report of all mailings of CAMPAIGN_ID together."""
    from mailreport.reports import campaign_report
    from mailreport.reports.models import CampaignReport

    query = _query(date_from, date_to)
    result, currency = _reports(
        db, config, engine, lake, spark_master,
        lambda t: campaign_report(t, campaign_id, query),
        f"/api/v1/campaigns/{campaign_id}/report", _params(query), CampaignReport)
    if as_json:
        _print_json(result)
    else:
        render.campaign_report(console, result, currency)


@app.command()
def mailings(channel: Annotated[str | None, typer.Option(help="email, sms or push.")] = None,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             engine: EngineOption = "duckdb", lake: LakeOption = None,
             spark_master: MasterOption = None,
             db: DbOption = None, config: ConfigOption = None) -> None:
    """List mailings with their key figures."""
    from mailreport.reports.mailings import list_mailings
    from mailreport.reports.models import MailingSummary

    if channel and channel not in ("email", "sms", "push"):
        fail("--channel must be email, sms or push")
    rows, _ = _reports(db, config, engine, lake, spark_master,
                       lambda t: list_mailings(t, channel=channel),
                       "/api/v1/mailings", {"channel": channel}, MailingSummary)
    if as_json:
        _print_json(rows)
    else:
        render.mailing_list(console, rows)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          no_auth: Annotated[bool, typer.Option(
              "--no-auth", help="Let every request do everything: only for a local demo.")
          ] = False,
          db: DbOption = None, config: ConfigOption = None) -> None:
    """Serve the API and the report pages."""
    import secrets

    import uvicorn

    from mailreport.api.app import create_app
    from mailreport.api.forward import announce

    with opened_store(db, config) as store:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        local_secret = secrets.token_urlsafe(32)
        app_ = create_app(store, public_url=url, auth=not no_auth, local_secret=local_secret)
        marker = announce(store.path, url, local_secret)
        app_.state.on_shutdown.append(lambda: marker.unlink(missing_ok=True))
        console.print(f"mailreport serving {store.path} on {url}/ (API docs at /docs)")
        if no_auth:
            console.print("[yellow]--no-auth: anyone who can reach this address can read "
                          "every report and customer list. Use it only for a local demo."
                          "[/yellow]")
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
    with opened_store(db, config, reading=True) as store:
        render.counts(console, f"Store {store.path}", store.counts())


token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(role: Annotated[str, typer.Option(help="viewer, analyst or admin.")],
                 name: Annotated[str, typer.Option(help="Who or what it is for.")] = "",
                 product_sales: Annotated[bool, typer.Option(
                     "--product-sales", help="Also grant the product sales section.")] = False,
                 db: DbOption = None, config: ConfigOption = None) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from mailreport.auth import AuthError, create_token

    with opened_store(db, config) as store:
        try:
            token = create_token(store, role, name, product_sales)
        except AuthError as exc:
            fail(str(exc))
    err.print("Store this token now; it cannot be shown again:")
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(db: DbOption = None, config: ConfigOption = None) -> None:
    """List tokens (never their secrets)."""
    from rich.table import Table

    from mailreport.auth import list_tokens

    with opened_store(db, config) as store:
        tokens = list_tokens(store)
    t = Table(title="Tokens")
    for col in ("id", "name", "role", "product sales", "created", "revoked"):
        t.add_column(col)
    for tk in tokens:
        t.add_row(tk.token_id, tk.name, tk.role, "yes" if tk.product_sales else "no",
                  f"{tk.created_at:%Y-%m-%d %H:%M}",
                  f"{tk.revoked_at:%Y-%m-%d %H:%M}" if tk.revoked_at else "")
    console.print(t)


@token_app.command("revoke")
def token_revoke(token_id: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Revoke a token by its id (the part after mr_)."""
    from mailreport.auth import AuthError, revoke_token

    with opened_store(db, config) as store:
        try:
            revoke_token(store, token_id)
        except AuthError as exc:
            fail(str(exc))
    console.print(f"revoked {token_id}")


@app.command("contract-doc")
def contract_doc(out: Annotated[Path, typer.Option(help="Docs folder.")] = Path("docs")) -> None:
    """Write docs/data-contract.md and docs/settings.md from the declarations."""
    from mailreport import contract, settings

    out.mkdir(parents=True, exist_ok=True)
    (out / "data-contract.md").write_text(contract.render_markdown() + "\n", encoding="utf-8")
    (out / "settings.md").write_text(settings.render_markdown(), encoding="utf-8")
    console.print(f"wrote {out / 'data-contract.md'} and {out / 'settings.md'}")


app.command()(bench.bench)
app.command("export")(exports.export_command)
app.command()(quarantine.quarantine)
app.add_typer(lake.lake_app, name="lake")


if __name__ == "__main__":
    app()

