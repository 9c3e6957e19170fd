"""Replacing folders of a lake (a table, a mailing's partition) atomically, with a
journal that makes a swap of many folders finish even when its writer dies.

A writer builds each new folder under a hidden folder of the lake (``_loading/``,
which Spark and the lake's readers skip), then swaps it in: the old folder is
renamed into ``_trash/``, the new one into its place. One rename is atomic on a
POSIX file system; two are not, and a load swaps many folders. So before the first
rename the writer writes the list of swaps to ``LAKE/_swap.json``, durably, and
removes it after the last one. Whoever opens the lake next (a load, a refresh, a
reader) and finds the journal finishes the swaps (:func:`recover`): each swap is a
pair of renames that can be redone from any point, so the lake ends as after the
writer's load, never as a mix of before and after in one folder. A writer that
dies before the journal is written leaves the lake as before.

Replaced folders stay in ``_trash/`` until the next writer starts, so that a reader
that listed their files just before a swap can still read them.

This needs rename: a local or POSIX-mounted lake (NFS included), not an object
store (docs/spark.md, "Loading into the lake").
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mailreport.store.durable import replace_json, sync_dir, sync_tree

JOURNAL = "_swap.json"
LOCK = "_lake.lock"
STAGING = "_loading"
TRASH = "_trash"
JOURNAL_FORMAT = 1


class LakeSwapError(Exception):
    """A swap cannot be made or finished; the message says what and where."""


class LakeBusy(LakeSwapError):
    """Another process is writing the lake."""


@dataclass(frozen=True)
class Move:
    """Put ``new`` at ``target``, keeping what was there at ``old``: paths relative
    to the lake."""

    new: str
    target: str
    old: str


@contextmanager
def writing(lake: str | os.PathLike) -> Iterator[None]:
    """Hold the lake's write lock: one writer at a time. Refuses at once (LakeBusy)
    when another process holds it. A journal a dead writer left is rolled forward,
    and the folders of earlier writers are removed, before the caller writes."""
    lake = Path(lake)
    lake.mkdir(parents=True, exist_ok=True)
    with _locked(lake, wait=False):
        _roll_forward(lake)
        for leftover in (STAGING, TRASH):
            shutil.rmtree(lake / leftover, ignore_errors=True)
        yield


def recover(lake: str | os.PathLike) -> bool:
    """Finish the swaps a writer began and did not end (it died): call before reading
    the lake's tables. True when there was one to finish. Costs one stat when there
    is none; waits for a writer that is still swapping to end."""
    text = os.fspath(lake)
    if "://" in text and not text.startswith("file://"):
        return False  # an object store: loads do not write it (lake_load.lake_folder)
    lake = Path(text.removeprefix("file://"))
    if not (lake / JOURNAL).exists():
        return False
    try:
        with _locked(lake, wait=True):
            return _roll_forward(lake)
    except PermissionError as exc:
        raise LakeSwapError(
            f"{lake / JOURNAL}: a load's swap was cut short and this process cannot finish "
            f"it ({exc.strerror}); run `mailreport load --lake {lake}` (any directory) as "
            "a user who may write the lake") from None


def swap(lake: str | os.PathLike, moves: list[Move]) -> None:
    """Make every move, all or (after a crash, once :func:`recover` ran) all of them.
    The caller holds :func:`writing`; the new folders are complete."""
    lake = Path(lake)
    if not moves:
        return
    for move in moves:
        sync_tree(lake / move.new)
    _write_journal(lake, moves)
    _apply(lake, moves)
    _remove_journal(lake)


# -- the journal ----------------------------------------------------------------------

def _write_journal(lake: Path, moves: list[Move]) -> None:
    data = {"format": JOURNAL_FORMAT,
            "moves": [{"new": m.new, "target": m.target, "old": m.old} for m in moves]}
    replace_json(lake / JOURNAL, data)


def _read_journal(lake: Path) -> list[Move] | None:
    path = lake / JOURNAL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LakeSwapError(f"cannot read {path}: {exc}") from None
    if data.get("format") != JOURNAL_FORMAT:
        raise LakeSwapError(f"{path} is of format {data.get('format')!r}; this mailreport "
                            f"finishes format {JOURNAL_FORMAT}: finish it with the mailreport "
                            "that wrote it")
    return [Move(m["new"], m["target"], m["old"]) for m in data["moves"]]


def _remove_journal(lake: Path) -> None:
    (lake / JOURNAL).unlink()
    sync_dir(lake)


def _roll_forward(lake: Path) -> bool:
    moves = _read_journal(lake)
    if moves is None:
        return False
    _apply(lake, moves)
    _remove_journal(lake)
    return True


def _apply(lake: Path, moves: list[Move]) -> None:
    """Each move from wherever it stopped: while ``new`` is still there, the move is
    not done (the old folder may already be in the trash)."""
    parents = set()
    for move in moves:
        new, target, old = lake / move.new, lake / move.target, lake / move.old
        if not new.exists():
            continue
        if target.exists():
            old.parent.mkdir(parents=True, exist_ok=True)
            _move(target, old)
            parents.add(old.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        _move(new, target)
        parents.add(target.parent)
    for folder in parents:
        sync_dir(folder)


def _move(source: Path, destination: Path) -> None:
    os.rename(source, destination)


# -- locking and durability -------------------------------------------------------------

@contextmanager
def _locked(lake: Path, wait: bool) -> Iterator[None]:
    """flock on LAKE/_lake.lock: released by the kernel when its holder dies."""
    fd = os.open(lake / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise LakeBusy(f"another process is writing the lake {lake} (it holds "
                           f"{lake / LOCK}); wait for it to end, then run this again") from None
        yield
    finally:
        os.close(fd)  # releases the lock
