"""``mailreport backup`` and ``mailreport restore``: a consistent copy of the whole
store, made while ``mailreport serve`` runs (by that server, which holds the file),
and the way back to one (docs/deployment.md, "Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err,
    fail,
    on_file_or_server,
    record_change,
    refuse_while_served,
)


def _speaker(config):
    from mailreport.cli.language import Speaker, language_for

    return Speaker(language_for(config))


def _store_path(db: Path | None, config: Path | None) -> Path:
    from mailreport.settings import SettingsError, load_settings
    from mailreport.store import db_path

    try:
        return db_path(db, load_settings(config))
    except SettingsError as exc:
        fail(str(exc))


def backup_command(
        dest: Annotated[Path, typer.Argument(
            help="The backup's file, or a folder: the file is then named "
                 "<store>-<UTC time>.duckdb.")],
        replace: Annotated[bool, typer.Option(
            "--replace", help="Overwrite DEST if it is a file that exists.")] = False,
        db: DbOption = None, config: ConfigOption = None) -> None:
    """Copy the whole store to DEST, consistent while `mailreport serve` runs (the
    server makes the copy then): data, facts, tokens, accounts, schedules, share links
    and the audit trail; not the settings file or the environment's secrets."""
    from mailreport.api.forward import forward_post
    from mailreport.store.duckdb.backup import BackupError, backup

    sp = _speaker(config)
    path = _store_path(db, config)
    if not path.exists():
        fail(sp._("there is no store at {path}", path=path))
    destination = dest.expanduser().absolute()

    def work(store):
        made = backup(store, destination, replace)
        record_change(store, "backup", "store", path=str(made.path), size=made.size,
                      schema_version=made.schema_version)
        return {"path": str(made.path), "size": made.size,
                "schema_version": made.schema_version, "by_server": False}

    def forward(db_file: Path):
        return {**forward_post(db_file, "/api/v1/store/backup",
                               {"destination": str(destination), "replace": replace}),
                "by_server": True}

    made = on_file_or_server(path, config, work, forward, refused=(BackupError,), code=1)
    size = sp.ngettext("{count} byte", "{count} bytes", made["size"],
                       count=sp.f.integer(made["size"]))
    console.print(sp._("backed up {store} to {path} ({size}, schema version {version})",
                       store=path, path=made["path"], size=size,
                       version=made["schema_version"]), soft_wrap=True, markup=False)
    if made["by_server"]:
        err.print(sp._("the copy was made by the running server"), markup=False)


def restore_command(
        src: Annotated[Path, typer.Argument(help="A backup made by `mailreport backup`.")],
        db: DbOption = None, config: ConfigOption = None) -> None:
    """Replace the store with the backup SRC, with `mailreport serve` stopped. SRC is
    checked to be a mailreport store and upgraded as opening a store would; the
    store it replaces is kept as DB.before-restore-<UTC time>."""
    from mailreport.api.forward import server_file
    from mailreport.settings import SettingsError, load_settings
    from mailreport.store import StoreError, StoreLocked, db_path
    from mailreport.store.duckdb.backup import restore

    sp = _speaker(config)
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        fail(str(exc))
    path = db_path(db, settings)

    def record(store, previous: Path | None) -> None:
        record_change(store, "restore", "store", source=str(src.absolute()),
                      previous=str(previous) if previous else None)

    try:
        done = restore(src, path, settings, record)
    except StoreLocked:
        refuse_while_served(db, config, sp._(
            "stop it first (e.g. `systemctl stop mailreport`), then restore"))
    except StoreError as exc:  # BackupError too: not a store, a newer schema, ...
        fail(str(exc), 1)
    # nobody held the store: an address file beside it was left by a server that died
    server_file(done.path).unlink(missing_ok=True)
    taken = done.taken_at or sp._("at an unknown time")
    console.print(sp._("restored {store} from {source} (backed up {taken})",
                       store=done.path, source=done.source, taken=taken),
                  soft_wrap=True, markup=False)
    if done.previous is not None:
        console.print(sp._("the store it replaced is kept as {previous}: delete it once "
                           "the restored one is checked", previous=done.previous),
                      soft_wrap=True, markup=False)
