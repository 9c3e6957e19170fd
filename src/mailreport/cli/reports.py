"""``mailreport report``, ``campaign-report`` and ``mailings``: the reports in the
terminal, from the database, from a lake (on DuckDB or Spark), or asked of the
server that holds the database."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli import render
from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    FromOption,
    LakeOption,
    ToOption,
    console,
    fail,
    opened_store,
)
from mailreport.cli.language import Speaker
from mailreport.settings import SettingsError, load_settings


def _query(date_from, date_to, **kw):
    from pydantic import ValidationError

    from mailreport.reports import ReportQuery

    try:
        return ReportQuery(**{"from": date_from.date() if date_from else None,
                              "to": date_to.date() if date_to else None}, **kw)
    except ValidationError as exc:
        fail("; ".join((f"--{str(e['loc'][0]).replace('_', '-')}: " if e["loc"] else "")
                       + e["msg"].removeprefix("Value error, ") for e in exc.errors()))


EngineOption = Annotated[str, typer.Option(
    "--engine", help="duckdb (the database file, or the lake with --lake) or spark (a "
                     "Parquet lake on Spark, see --lake).")]
MasterOption = Annotated[str | None, typer.Option(
    "--spark-master", help="With --engine spark: master URL (default local[*]); sc:// for "
                           "Spark Connect.")]


PdfOption = Annotated[Path | None, typer.Option(
    "--pdf", help="Print the report page to a PDF (A4) as the browser draws it, charts "
                  "included; needs mailreport[pdf] and Chromium.")]
XlsxOption = Annotated[Path | None, typer.Option(
    "--xlsx", help="Write the whole report as an Excel workbook: a sheet per section, "
                   "typed cells, and a sheet of definitions and settings.")]


def _reports(db, config, engine: str, lake: str | None, spark_master: str | None,
             compute, api_path: str, params: dict, model):
    """Run a report on the chosen engine; when the database file is held by a
    running server, ask that server instead. Returns (result, currency)."""
    from mailreport.reports import ReportError
    from mailreport.store import StoreError, StoreLocked, db_path
    from mailreport.store.engines import open_reader
    from mailreport.store.spark.errors import SparkStoreError

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
    except SparkStoreError as exc:  # Spark could not start or open the lake
        fail(str(exc), 1)
    except StoreError as exc:
        fail(str(exc))
    try:
        return compute(store.tables()), settings.currency
    except (ReportError, StoreError) as exc:  # e.g. Spark ran out of memory
        fail(str(exc), 1)
    finally:
        store.close()


def _speaker(config) -> Speaker:
    """The reader's language and the company's currency and zone (the settings were
    read once already: they load)."""
    return Speaker.of(load_settings(config))


def _print_json(result) -> None:
    if isinstance(result, list):
        text = json.dumps([r.model_dump(mode="json", by_alias=True) for r in result], indent=2)
    else:
        text = result.model_dump_json(by_alias=True, indent=2)
    sys.stdout.write(text + "\n")


def _params(query) -> dict:
    return {"from": query.date_from, "to": query.date_to,
            "include_machine": query.include_machine or None,
            "open_hours_zone": query.open_hours_zone, "sort": query.sort, "unit": query.unit}


def _page_params(query) -> dict:
    """The report page's URL parameters for a query (the page's own state keys)."""
    params = {"from": query.date_from, "to": query.date_to,
              "open_hours_zone": None if query.open_hours_zone == "recipient"
              else query.open_hours_zone,
              "sort": None if query.sort == "units" else query.sort, "unit": query.unit}
    return {k: str(v) for k, v in params.items() if v is not None}


def print_pdf(db, config, lake, page: str, params: dict, out: Path, *, title: str,
              period) -> None:
    """The report page printed to ``out`` by Chromium: served by the server that holds
    the database, or by one started for the while."""
    from urllib.parse import urlencode

    from mailreport.api.forward import ForwardError, running_server
    from mailreport.api.pdf import PdfError, Site, local_site, render_pdf
    from mailreport.store import StoreLocked, db_path

    settings = load_settings(config)
    sp = Speaker.of(settings)
    # the page, and so the PDF, in the command line's language
    path = page + "?" + urlencode({**params, "lang": sp.language})
    when = (sp._("{start} to {end}", start=sp.f.day(period.from_) if period.from_ else "…",
                 end=sp.f.day(period.to) if period.to else "…")
            if period.from_ or period.to else sp._("all time"))
    started = time.monotonic()
    try:
        try:
            with opened_store(db, config, reading=True, lake=lake) as store, \
                    local_site(store) as site:
                render_pdf(site, path, out, title=title, period=when,
                           zone=settings.company_timezone)
        except StoreLocked:
            server = running_server(db_path(db, settings))
            render_pdf(Site(server.url, server.secret), path, out, title=title, period=when,
                       zone=settings.company_timezone)
    except (PdfError, ForwardError) as exc:
        fail(str(exc), 1)
    console.print(sp._("wrote {path} in {seconds} s", path=out,
                       seconds=sp.f.number(round(time.monotonic() - started, 1), 1)))


def report(mailing_id: str, date_from: FromOption = None, date_to: ToOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
           include_machine: Annotated[bool, typer.Option(
               help="Count machine opens and clicks as human.")] = False,
           company_time: Annotated[bool, typer.Option(
               help="Open hours in company time instead of recipients' local time.")] = False,
           sort: Annotated[str, typer.Option(help="Product sales by units, revenue or receipts."
                                             )] = "units",
           unit: Annotated[str | None, typer.Option(
               help="Product sales by units in this unit of measure (pcs, kg, l, m), "
                    "where several were sold.")] = None,
           xlsx: XlsxOption = None, pdf: PdfOption = None,
           engine: EngineOption = "duckdb", lake: LakeOption = None,
           spark_master: MasterOption = None,
           db: DbOption = None, config: ConfigOption = None) -> None:
    """The mailing report of MAILING_ID: every section."""
    from mailreport.reports import mailing_report
    from mailreport.reports.models import MailingReport

    query = _query(date_from, date_to, include_machine=include_machine, sort=sort, unit=unit,
                   open_hours_zone="company" if company_time else "recipient")
    result, currency = _reports(
        db, config, engine, lake, spark_master,
        lambda t: mailing_report(t, mailing_id, query),
        f"/api/v1/mailings/{mailing_id}/report", _params(query), MailingReport)
    if pdf is not None:
        print_pdf(db, config, lake, f"/mailings/{mailing_id}", _page_params(query), pdf,
                  title=_speaker(config)._("Mailing report: {name}", name=result.mailing.name),
                  period=result.period)
    if xlsx is not None:
        from mailreport.exports.workbook import write_mailing_workbook

        speaker = _speaker(config)
        write_mailing_workbook(result, xlsx, load_settings(config), language=speaker.language)
        console.print(speaker._("wrote {path}", path=xlsx))
    if as_json:
        _print_json(result)
    elif xlsx is None and pdf is None:
        render.mailing_report(console, result, currency, _speaker(config))


def campaign_report_cmd(campaign_id: str, date_from: FromOption = None, date_to: ToOption = None,
                        as_json: Annotated[bool, typer.Option("--json")] = False,
                        xlsx: XlsxOption = None, pdf: PdfOption = None,
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
    if pdf is not None:
        print_pdf(db, config, lake, f"/campaigns/{campaign_id}", _page_params(query), pdf,
                  title=_speaker(config)._("Campaign report: {name}",
                                           name=result.campaign.name),
                  period=result.period)
    if xlsx is not None:
        from mailreport.exports.workbook import write_campaign_workbook

        speaker = _speaker(config)
        write_campaign_workbook(result, xlsx, load_settings(config), language=speaker.language)
        console.print(speaker._("wrote {path}", path=xlsx))
    if as_json:
        _print_json(result)
    elif xlsx is None and pdf is None:
        render.campaign_report(console, result, currency, _speaker(config))


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
                       "/api/v1/mailings", {"channel": channel, "limit": 500}, MailingSummary)
    if as_json:
        _print_json(rows)
    else:
        render.mailing_list(console, rows, _speaker(config))
