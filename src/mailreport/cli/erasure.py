"""``mailreport forget``: erase customers' personal data (mailreport.erasure,
docs/personal-data.md), in the store or, while ``mailreport serve`` holds it,
through that server (``POST /api/v1/customers/forget``)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    cli_actor,
    console,
    err,
    fail,
    on_file_or_server,
)


def forget(customer_ids: Annotated[list[str], typer.Argument(
               help="The customers to erase, by customer_id.")],
           as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
           db: DbOption = None, config: ConfigOption = None) -> None:
    """Erase customers' personal data: contacts (the email but its domain, phone, push
    token) and their events' ip and user agents (their parsed device kept), everywhere
    the store keeps them; every report figure stays as it was, and a later load does
    not bring the contacts back. Running it again changes nothing. Exit status 1 when
    some ids are not customers of the store (the others are erased)."""
    from mailreport import erasure
    from mailreport.api.forward import forward_post
    from mailreport.cli.language import Speaker
    from mailreport.settings import SettingsError, load_settings

    try:
        ids = erasure.check_ids(customer_ids)
    except erasure.ErasureError as exc:
        fail(str(exc))

    def work(store) -> dict:
        return erasure.forget(store, ids, actor=cli_actor(), role="admin",
                              address="local").to_dict()

    result = on_file_or_server(db, config, work, lambda path: forward_post(
        path, "/api/v1/customers/forget", {"customer_ids": ids}),
        refused=(erasure.ErasureError,), code=1)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        try:
            sp = Speaker.of(load_settings(config))
        except SettingsError:
            sp = Speaker("en")
        _say(sp, result)
    if result["unknown"]:
        raise typer.Exit(1)


def _say(sp, result: dict) -> None:
    erased, already, unknown = result["erased"], result["already_erased"], result["unknown"]
    if erased:
        console.print(sp.ngettext("Erased the personal data of {count} customer.",
                                  "Erased the personal data of {count} customers.",
                                  len(erased), count=sp.f.integer(len(erased))))
    if already:
        console.print(sp.ngettext(
            "{count} customer was erased before: nothing left to do.",
            "{count} customers were erased before: nothing left to do.",
            len(already), count=sp.f.integer(len(already))))
    changed = [f"{table} {sp.f.integer(n)}" for table, n in result["rows"].items() if n]
    if changed:
        console.print(sp._("Rows changed: {tables}", tables=", ".join(changed)))
    if unknown:
        err.print("[red]" + sp.ngettext(
            "Not a customer of the store, nothing done: {ids}",
            "Not customers of the store, nothing done: {ids}",
            len(unknown), ids=escape(", ".join(unknown))) + "[/red]", soft_wrap=True)
