"""Peak resident memory of process trees, sampled from /proc while they run.

A Spark driver is a Python process and the JVM it starts; a standalone worker is a
JVM and the executor JVMs it starts. ``getrusage`` gives the largest single process
reaped, not a tree's sum, and never a process that is still running (a worker), so
the benchmark samples: each tree's RSS is the sum of its processes' at one moment,
and its peak the largest such sum seen.

A process that shares its parent's address space is counted once, as its parent:
the JVM starts programs (Hadoop's file system runs ``chmod`` and ``stat``) through
``posix_spawn``, whose child runs in the JVM's own memory until it becomes the
program, and ``/proc`` gives that child the JVM's whole RSS. Sampled at such a
moment, the driver's tree came out as twice its JVM (7,305 MB, against 3,886 MB
for the driver and its JVM alone, in the same refresh of the large demo)."""

from __future__ import annotations

import ctypes
import os
import threading
from collections import defaultdict
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
# kcmp(2), which tells whether two processes share an address space (KCMP_VM)
_KCMP = {"x86_64": 312, "aarch64": 272}.get(os.uname().machine)
_KCMP_VM = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def shares_memory(pid: int, other: int) -> bool:
    """Whether the two processes run in one address space (False where the kernel
    cannot say: then both are counted, as before)."""
    return _KCMP is not None and _LIBC.syscall(_KCMP, pid, other, _KCMP_VM, 0, 0) == 0


def _children() -> dict[int, list[int]]:
    by_parent: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone since the listing
        # the command name is in parentheses and may hold spaces: the fields follow it
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        by_parent[ppid].append(int(entry.name))
    return by_parent


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int, children: dict[int, list[int]]) -> int:
    """The resident bytes of ``root`` and all its descendants now."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss(pid)
        for child in children.get(pid, ()):
            if shares_memory(child, pid):  # pid's memory, counted: only its children
                todo.extend(children.get(child, ()))
            else:
                todo.append(child)
    return total


class PeakSampler:
    """Samples the trees of named root processes every ``interval`` seconds in a
    thread, between ``with`` and its end: ``peaks_mb[name]`` is each tree's peak."""

    def __init__(self, roots: dict[str, int], interval: float = 0.25):
        self.roots, self.interval = dict(roots), interval
        self.peaks_mb: dict[str, float] = dict.fromkeys(roots, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, name: str, pid: int) -> None:
        self.roots[name] = pid
        self.peaks_mb.setdefault(name, 0.0)

    def _sample(self) -> None:
        children = _children()
        for name, pid in list(self.roots.items()):
            mb = tree_rss(pid, children) / 2**20
            if mb > self.peaks_mb[name]:
                self.peaks_mb[name] = mb

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
