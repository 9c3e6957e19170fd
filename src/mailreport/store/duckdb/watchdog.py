"""Stopping a DuckDB query that runs past its request's time budget.

``connection.interrupt()`` from another thread makes the running query raise
``InterruptException`` within milliseconds. Called with no query running it is
harmless: the next query runs. Called inside a write transaction it aborts the
transaction, so it is only ever aimed at a watched read: the store runs one query at
a time under its lock, and the interrupt is sent only while the watch that asked for
it is open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Watch:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.fired = False


class Watchdog:
    """One thread per store, started with the first watch, that sleeps until the
    deadline of the query being watched. A request's queries share one deadline, so
    the thread is woken only when it sleeps without one or a later watch's deadline
    comes sooner: a watch costs a query two uncontended lock takes."""

    def __init__(self, interrupt: Callable[[], None]):
        self._interrupt = interrupt
        self._cond = threading.Condition()
        self._watch: Watch | None = None
        self._waking_at: float | None = None  # None: asleep until notified
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        watch = Watch(seconds)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="query-watchdog",
                                                daemon=True)
                self._thread.start()
            self._watch = watch
            if self._waking_at is None or watch.deadline < self._waking_at:
                self._cond.notify()
        try:
            yield watch
        finally:
            with self._cond:  # once out, no interrupt can be meant for this query
                self._watch = None

    def _loop(self) -> None:
        with self._cond:
            while not self._closed:
                watch = self._watch
                now = time.monotonic()
                if watch is not None and watch.deadline <= now:
                    watch.fired = True
                    self._watch = None
                    self._interrupt()
                    continue
                self._waking_at = watch.deadline if watch else None
                self._cond.wait(watch.deadline - now if watch else None)
                self._waking_at = None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
