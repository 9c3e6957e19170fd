"""``mailreport export``: a customer list's entity to a CSV or XLSX file. A person
runs this command, so the file is for people by default (``--headers human``: the
fields' titles in ``--lang``); ``--headers machine`` gives the field names, as the
API does by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    FromOption,
    LakeOption,
    ToOption,
    console,
    err,
    fail,
    opened_store,
    progress_bar,
    through_server,
)


def export_command(
    mailing_id: Annotated[str | None, typer.Argument(
        help="The mailing whose list to export (or give --campaign).")] = None,
    campaign_id: Annotated[str | None, typer.Option(
        "--campaign", help="Instead of a mailing, a campaign: the distinct customers of a "
                           "funnel stage in any of its mailings (sent, delivered, opened, "
                           "clicked, ordered).")] = None,
    stage: Annotated[str | None, typer.Option(
        help="sent, delivered, opened, clicked, ordered, spam or unsubscribed.")] = None,
    status: Annotated[str | None, typer.Option(
        help="Instead of a stage, a volume status: good, address_issue, unsubscribed_channel, "
             "unsubscribed_category, blocked_by_policy, control_group, actual_recipients."
    )] = None,
    entity: Annotated[str, typer.Option(
        help="customers, receipts, receipt_lines, orders, order_lines or audience.")
    ] = "customers",
    fmt: Annotated[str, typer.Option(
        "--format", help="csv, csv-excel-ru (for a Russian Excel: ';', decimal comma, "
                         "local dates, UTF-8 with BOM) or xlsx.")] = "csv",
    headers: Annotated[str, typer.Option(
        help="human: the fields' titles head the columns (and an XLSX is made for "
             "people); machine: their names.")] = "human",
    lang: Annotated[str | None, typer.Option(
        help="en or ru: the titles' language (default: --lang before the command, else "
             "the locale setting).")] = None,
    fields: Annotated[str | None, typer.Option(
        help="Comma-separated fields, in order (default: the entity's usual set).")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    group: Annotated[str | None, typer.Option(help="Only the test or control group.")] = None,
    variant_id: Annotated[str | None, typer.Option("--variant", help="Only one variant.")
                          ] = None,
    include_machine: Annotated[bool, typer.Option(
        help="Count machine opens and clicks as human.")] = False,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="The file to write (default: a name that says what it holds).")
    ] = None,
    lake: LakeOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Export the customers of one stage (or volume status) of MAILING_ID, or of one
    funnel stage of a --campaign, or their attributed receipts, orders, lines or
    audience rows, to a CSV or XLSX file."""
    from pydantic import ValidationError

    from mailreport.cli.language import chosen_language
    from mailreport.exports import Export, ExportRequest
    from mailreport.reports import ReportError, ReportQuery

    if (mailing_id is None) == (campaign_id is None):
        fail("give either MAILING_ID or --campaign ID, not both and not neither")
    try:
        request = ExportRequest(
            mailing_id=mailing_id, campaign_id=campaign_id,
            segment={"stage": stage, "status": status},
            query=ReportQuery(**{"from": date_from.date() if date_from else None,
                                 "to": date_to.date() if date_to else None},
                              include_machine=include_machine, group=group,
                              variant_id=variant_id),
            entity=entity, format=fmt,
            fields=fields.split(",") if fields else None, headers=headers,
            lang=lang or chosen_language())
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(str(p) for p in e['loc'][-1:]) or 'input'}: "
                       + e["msg"].removeprefix("Value error, ") for e in exc.errors()))
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config, reading=True, lake=lake) as store:
            try:
                export = Export(store.tables(), request)
            except ReportError as exc:
                fail(str(exc), 1)
            path = out or Path(export.file_name)
            with progress_bar() as bar:
                task = bar.add_task(f"{export.entity.name} of {export.customers:,} customers",
                                    total=max(export.customers, 1))
                rows = export.write(path, lambda done, total: bar.update(task, completed=done))
                bar.update(task, completed=max(export.customers, 1))
    except StoreLocked:
        _export_through_server(request, out, db, config)
        return
    from mailreport.cli.language import Speaker
    from mailreport.settings import load_settings

    sp = Speaker.of(load_settings(config))
    console.print(sp.ngettext("wrote {count} row of {entity} to {path}",
                              "wrote {count} rows of {entity} to {path}", rows,
                              count=sp.f.integer(rows), entity=export.entity.name, path=path))


def _export_through_server(request, out: Path | None, db, config) -> None:
    """The same export, made by the server that holds the store and streamed here
    (GET /api/v1/mailings/{id}/export, or /api/v1/campaigns/{id}/export)."""
    from urllib.parse import quote

    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn

    from mailreport.api.forward import forward_download, running_server
    from mailreport.exports.export import file_name

    q = request.query
    params = {"stage": request.segment.stage, "status": request.segment.status,
              "from": q.date_from, "to": q.date_to,
              "include_machine": q.include_machine or None, "group": q.group,
              "variant_id": q.variant_id, "entity": request.entity, "format": request.format,
              "fields": ",".join(request.fields) if request.fields else None,
              "headers": request.headers, "lang": request.lang}
    if request.campaign_id is not None:  # a campaign's list: a stage and the period only
        params = {k: v for k, v in params.items()
                  if k not in ("status", "group", "variant_id")}
        api_path = f"/api/v1/campaigns/{quote(request.campaign_id, safe='')}/export"
    else:
        api_path = f"/api/v1/mailings/{quote(request.mailing_id or '', safe='')}/export"
    path = out or Path(file_name(request))
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), DownloadColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(f"{request.entity} from the server", total=None)

        def download(db_file: Path) -> tuple[str, int]:
            server = running_server(db_file)
            size = forward_download(db_file, api_path, params, path,
                                    lambda done: bar.update(task, completed=done))
            return server.url, size

        url, size = through_server(db, config, download)
    console.print(f"wrote {path} ({size:,} bytes), exported by the server at {url}")
