"""The ``mailreport`` command: thin commands that parse, call one library function
and format the result. One module per command group, named after what it holds;
``common`` has the app, the shared options and helpers.

Nothing else in mailreport imports this package (but ``python -m mailreport``):
an import contract in pyproject.toml, checked by tests/test_layers.py."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from mailreport.cli import (
    backup,
    bench,
    docs,
    erasure,
    exports,
    lake,
    load,
    quarantine,
    reports,
    schedules,
    serve,
    store,
    tokens,
    users,
)
from mailreport.cli.common import app, fail
from mailreport.cli.language import choose
from mailreport.i18n import LanguageError

# Files the commands and the server create (the database and its WAL, exports, load
# reports) hold customers' data: readable by this user only, whatever the shell's
# umask. Set when a command runs, not on import, so a program importing the
# package keeps its own.
PRIVATE_UMASK = 0o077


@app.callback()
def private_files(lang: Annotated[str | None, typer.Option(
        "--lang", help="en or ru: the language of the human output and of exports' "
                       "titles (default: the locale setting, $MAILREPORT_LOCALE).")
        ] = None) -> None:
    os.umask(PRIVATE_UMASK)
    try:
        choose(lang)
    except LanguageError as exc:
        fail(str(exc))


# In the order `mailreport --help` lists them (groups come after commands there).
app.command()(load.load)
app.command()(load.demo)
app.command()(reports.report)
app.command("campaign-report")(reports.campaign_report_cmd)
app.command()(reports.mailings)
app.command()(serve.serve)
app.command()(store.refresh)
app.command()(store.info)
app.command("contract-doc")(docs.contract_doc)
app.command()(bench.bench)
app.command("export")(exports.export_command)
app.command()(quarantine.quarantine)
app.command("audit")(users.audit_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)
app.command()(erasure.forget)
app.add_typer(tokens.token_app, name="token")
app.add_typer(users.user_app, name="user")
app.add_typer(lake.lake_app, name="lake")
app.add_typer(schedules.schedule_app, name="schedule")

__all__ = ["app"]
