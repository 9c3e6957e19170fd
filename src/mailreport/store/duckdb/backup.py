"""A copy of the store that a crash cannot tear, taken while it is in use, and the
way back to it (docs/deployment.md, "Backups").

The copy is DuckDB's own: the store's database is copied into a new file attached
to the same database instance (``ATTACH`` + ``COPY FROM DATABASE``), in one read
transaction on a cursor of its own. So it is one snapshot of every table, and it
holds what is committed but still in the write-ahead log (``<db>.wal``), which a
copy of the ``.duckdb`` file alone would lose. Writers do not wait for it: the
cursor does not take the store's lock, and DuckDB's MVCC keeps the snapshot apart
from the commits that follow it. The file is written under a hidden temporary name
beside the destination, detached (which checkpoints it: no WAL of its own), synced,
then renamed: a crash leaves no half backup under the destination's name.

Everything a restore needs is in that one file: the data, the facts, tokens,
accounts, schedules, share links, the audit trail and the live events still waiting
for their refresh. What is not in it, on purpose: the server's address file (a new
one is made at each start), sessions (in memory: people sign in again), the
webhooks' and the mail server's secrets (the environment), the settings file.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mailreport.facts.sql import quote, sql_str
from mailreport.settings import Settings
from mailreport.store.duckdb.live_refresh import refresh_pending
from mailreport.store.duckdb.schema import SCHEMA_VERSION
from mailreport.store.durable import sync_dir, sync_file
from mailreport.store.errors import StoreError, StoreLocked

BACKUP_SUFFIX = ".duckdb"
BEFORE_RESTORE = ".before-restore-"  # DB.before-restore-<UTC time>: the store a restore replaced


class BackupError(StoreError):
    """A backup or a restore refused or failed; the message says what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    schema_version: int
    taken_at: dt.datetime  # UTC, without an offset, as the store keeps times


@dataclass(frozen=True)
class Restored:
    path: Path
    source: Path
    previous: Path | None  # where the store it replaced was kept; None: there was none
    schema_version_of_backup: int
    taken_at: str | None  # when the backup was taken, as the backup records it


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def backup_target(dest: str | os.PathLike, db: Path, now: dt.datetime) -> Path:
    """The backup's file: ``dest`` itself, or in a folder ``dest``, ``<db stem>-<UTC
    time>.duckdb``, so that a timer's backups each get their own name."""
    dest = Path(dest).expanduser().absolute()
    if dest.is_dir():
        return dest / f"{db.stem}-{now:%Y%m%dT%H%M%SZ}{BACKUP_SUFFIX}"
    return dest


def _check_target(target: Path, db: Path, replace: bool) -> None:
    if target.resolve() in {db.resolve(), _wal(db).resolve()}:
        raise BackupError(f"{target} is the store itself: give another file or a folder")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder: create it first")
    if target.exists() and not replace:
        raise BackupError(f"{target} exists: give --replace to overwrite it, a new name, "
                          f"or a folder (each backup is then named by its time)")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} exists and is not a file")


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A hidden name beside ``target`` (same file system, so the rename is atomic),
    and whatever DuckDB left beside it removed if the work did not finish."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        _wal(tmp).unlink(missing_ok=True)


def _publish(tmp: Path, target: Path) -> int:
    """``tmp``, complete and on disk, renamed to ``target``; its size."""
    if _wal(tmp).exists():  # DETACH and close checkpoint; a WAL left means they did not
        raise BackupError(f"DuckDB left a write-ahead log beside {tmp}: not published")
    os.chmod(tmp, 0o600)  # customers' data and credentials' hashes
    sync_file(tmp)
    size = tmp.stat().st_size
    os.replace(tmp, target)
    sync_dir(target.parent)
    return size


def _rollback(cur) -> None:
    with suppress(duckdb.Error):  # no transaction began
        cur.execute("ROLLBACK")


def backup(store, dest: str | os.PathLike, replace: bool = False) -> Backup:
    """Copy the open store ``store`` (a DuckDBStore opened for writing, in this
    process: the server's, or the command's own) to ``dest`` (a file, or a folder).
    An existing file is refused unless ``replace``."""
    db = Path(store.path)
    taken_at = _now()
    target = backup_target(dest, db, taken_at)
    _check_target(target, db, replace)
    alias = f"mailreport_backup_{secrets.token_hex(4)}"
    with _temporary(target) as tmp:
        cur = store.con.cursor()  # its own transaction; the store's lock is not taken
        try:
            source = cur.execute("SELECT current_database()").fetchall()[0][0]
            try:
                cur.execute(f"ATTACH {sql_str(str(tmp))} AS {quote(alias)}")
            except duckdb.Error as exc:
                raise BackupError(f"cannot create {tmp}: {exc}") from None
            try:
                cur.execute("BEGIN")
                cur.execute(f"COPY FROM DATABASE {quote(source)} TO {quote(alias)}")
                meta = f"{quote(alias)}.meta"
                cur.execute(f"INSERT OR REPLACE INTO {meta} VALUES ('backup_taken_at', ?), "
                            f"('backup_of', ?)", [taken_at.isoformat(), str(db)])
                version = int(cur.execute(f"SELECT value FROM {meta} WHERE key = "
                                          f"'schema_version'").fetchall()[0][0])
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(cur)
                raise BackupError(f"the copy of {db} to {target} failed: {exc}") from None
            finally:
                cur.execute(f"DETACH {quote(alias)}")
        finally:
            cur.close()
        size = _publish(tmp, target)
    return Backup(target, size, version, taken_at)


# -- restore --------------------------------------------------------------------------

def inspect(source: Path) -> tuple[int, str | None]:
    """The schema version of the store in ``source`` and when it was backed up (None:
    not by ``backup``); BackupError if it is no mailreport store this version can
    open."""
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise BackupError(f"{source} is open in another process: back it up with "
                              f"`mailreport backup` and restore that copy") from None
        raise BackupError(f"{source} is not a mailreport store: it is not a DuckDB "
                          f"database") from None
    try:
        rows = dict(con.execute("SELECT key, value FROM meta WHERE key IN "
                                "('schema_version', 'backup_taken_at')").fetchall())
    except duckdb.Error:
        rows = {}
    finally:
        con.close()
    if "schema_version" not in rows:
        raise BackupError(f"{source} is not a mailreport store: it has no schema version")
    version = int(rows["schema_version"])
    if version > SCHEMA_VERSION:
        raise BackupError(f"{source} has schema version {version}; this mailreport knows "
                          f"up to {SCHEMA_VERSION}: restore it with the version that made "
                          f"it, or upgrade mailreport")
    return version, rows.get("backup_taken_at")


def _checkpointed(db: Path) -> None:
    """Fold ``db``'s write-ahead log into it, so that the file kept aside is whole; a
    store held by a process is StoreLocked. A file DuckDB cannot open (a store a crash
    damaged, the reason for many a restore) is kept aside as it is, its WAL too."""
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(f"{db} is open in another process") from None
        return
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _aside_name(db: Path, now: dt.datetime) -> Path:
    """``DB.before-restore-<UTC time>``, not yet taken."""
    stem = f"{db.name}{BEFORE_RESTORE}{now:%Y%m%dT%H%M%SZ}"
    previous, n = db.with_name(stem), 1
    while previous.exists() or _wal(previous).exists():
        n += 1
        previous = db.with_name(f"{stem}-{n}")
    return previous


def _keep_aside(db: Path, previous: Path) -> None:
    """The store at ``db`` also under ``previous``: a second name for the same file
    (so that ``db`` never goes missing), or, where the file system has no hard
    links, the file itself renamed; a write-ahead log left beside it goes with it,
    or the restored store would replay it."""
    if _wal(db).exists():
        os.replace(_wal(db), _wal(previous))
    try:
        os.link(db, previous)
    except OSError:
        os.replace(db, previous)
    sync_dir(db.parent)


def restore(source: str | os.PathLike, db: str | os.PathLike, settings: Settings,
            on_restored=None) -> Restored:
    """Put the store backed up in ``source`` at ``db``: checked to be a mailreport
    store, copied beside ``db``, opened there as the server would open it (older
    schemas migrated, facts rebuilt if the settings or their definitions changed,
    live events left pending refreshed), ``on_restored(store, previous)`` called on
    it (the audit trail's record), closed, then renamed over ``db`` in one step. The
    store it replaces is kept as ``previous``, ``DB.before-restore-<UTC time>`` (None
    when there was none). StoreLocked if a process holds ``db``: a server must be
    stopped first."""
    from mailreport.store.duckdb.store import DuckDBStore

    source, db = Path(source).absolute(), Path(db).absolute()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if db.exists() and source.resolve() == db.resolve():
        raise BackupError(f"{source} is the store itself")
    if not db.parent.is_dir():
        raise BackupError(f"{db.parent} is not a folder: create it first")
    version, taken_at = inspect(source)
    previous = None
    if db.exists():
        _checkpointed(db)
        previous = _aside_name(db, _now())
    with _temporary(db) as tmp:
        shutil.copyfile(source, tmp)
        if _wal(source).exists():  # a copy taken with its log: DuckDB replays it
            shutil.copyfile(_wal(source), _wal(tmp))
        store = DuckDBStore(tmp, settings)
        try:
            with store.write() as con:
                refresh_pending(con, settings)
            if on_restored is not None:
                on_restored(store, previous)
        finally:
            store.close()
        if previous is not None:
            _keep_aside(db, previous)
        _publish(tmp, db)
    return Restored(db, source, previous, version, taken_at)
