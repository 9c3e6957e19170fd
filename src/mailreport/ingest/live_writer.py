"""The one thread per store that writes live events: group commit, then the derived
refresh off the acknowledgement path, on a schedule that bounds how stale a report
can be.

Request threads hand their batch to the writer and wait for its commit (a 2xx
is sent only after it). The writer takes every batch waiting, up to
``GROUP_MAX_EVENTS``, into one transaction: a transaction costs about the same
dozen statements whatever its size, so under load this is what keeps up with the
providers. A request announces its batch as soon as it comes in
(:meth:`LiveWriter.announce`), and the writer waits for announced batches up to
``GROUP_WAIT_SECONDS`` before it starts a group, and for as many batches as the
last group had: with connections that each send their next batch only once the
last one is answered, this is what puts their batches in one transaction instead
of taking turns. A lone sender's batch goes in at once.

The derived tables are refreshed for the (mailing, customer) pairs that the
commits noted in ``live_pending``, all of them in one transaction:

* ``IDLE_REFRESH_SECONDS`` after the last commit when no batch is waiting, so on a
  quiet server a report reflects an event a moment after it was acknowledged;
* under load, once the oldest unrefreshed commit is ``REFRESH_INTERVAL_SECONDS``
  old, before the next group.

So a report reflects an acknowledged event within ``FRESHNESS_BOUND_SECONDS``:
the interval, plus the group commit running when it falls due (bounded by
``GROUP_MAX_EVENTS``), plus the refresh itself (``bench/bench_webhooks.py``
measures it). A bulk load through the server holds the store for its whole
transaction and delays the refresh by as much.

The writer starts with the server (or with the first batch) and first refreshes
whatever ``live_pending`` holds: pairs committed before a crash are refreshed then,
never lost. It holds the store weakly and ends with it, or with :func:`stop`, which
must come before the store's connection is closed (DuckDB refuses to close a
connection that another thread is using): the server's lifespan calls it, and the
writer registers it with ``store.on_close`` so that closing the store calls it too.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import duckdb

log = logging.getLogger(__name__)

REFRESH_INTERVAL_SECONDS = 0.5
IDLE_REFRESH_SECONDS = 0.2
GROUP_MAX_EVENTS = 10_000
# how long a group may wait for batches that requests have announced (being received,
# verified and parsed), so that they go in the same transaction
GROUP_WAIT_SECONDS = 0.05
FRESHNESS_BOUND_SECONDS = 2.0


class Job:
    """A batch waiting for its commit, or (``batch`` None) a request to refresh the
    derived tables now."""

    def __init__(self, batch: Any = None, size: int = 0):
        self.batch = batch
        self.size = size
        self.done = threading.Event()
        self.queued_at = 0.0
        self.result: Any = None
        self.error: BaseException | None = None

    def wait(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.result


class Arrival:
    """A batch announced to the writer: submitted with it, or cancelled (the request
    failed before it had events to store)."""

    def __init__(self, writer: LiveWriter):
        self._writer = writer
        self._open = True

    def arrived_locked(self) -> None:  # under the writer's condition
        if self._open:
            self._open = False
            self._writer._announced -= 1

    def cancel(self) -> None:
        with self._writer._cond:
            self.arrived_locked()
            self._writer._cond.notify()


# commit(store, jobs): stores the jobs' batches in one transaction, sets each job's
# result; returns whether it noted pairs in live_pending.
Commit = Callable[[Any, list[Job]], bool]
# refresh(store): refreshes the derived rows of the pending pairs in one transaction.
Refresh = Callable[[Any], None]
# pending(store): whether live_pending holds pairs.
Pending = Callable[[Any], bool]


class LiveWriter:
    def __init__(self, store, commit: Commit, refresh: Refresh, pending: bool):
        """``pending``: whether live_pending holds pairs (left by a crash): they are
        refreshed first."""
        self._store = weakref.ref(store)
        self._commit_fn, self._refresh_fn = commit, refresh
        self._cond = threading.Condition()
        self._queue: deque[Job] = deque()
        self._announced = 0  # batches on their way: received, not yet submitted
        self._last_group = 1  # batches in the last group committed
        self._stopping = False
        # the oldest unrefreshed commit; pairs left pending are due at once
        self._dirty_since: float | None = (
            time.monotonic() - REFRESH_INTERVAL_SECONDS if pending else None)
        self._last_commit = 0.0
        self._retry_at = 0.0  # after a failed refresh, not before this
        self.refreshes = 0
        self.max_lag = 0.0  # seconds from a commit to the refresh that covered it
        self._thread = threading.Thread(target=self._run, name="mailreport-live-writer",
                                        daemon=True)
        self._thread.start()

    # -- called by other threads --------------------------------------------------
    def submit(self, job: Job, arrival: Arrival | None = None) -> Job:
        with self._cond:
            if arrival is not None:
                arrival.arrived_locked()
            if self._stopping:
                raise RuntimeError("the live writer of this store has stopped")
            job.queued_at = time.monotonic()
            self._queue.append(job)
            self._cond.notify()
        return job

    def announce(self) -> Arrival:
        """Note that a batch is on its way; the group being formed may wait for it."""
        with self._cond:
            self._announced += 1
        return Arrival(self)

    def stop(self, timeout: float | None = None) -> None:
        """Commit what is queued, refresh what is pending, and end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def lag(self) -> float:
        """Seconds since the oldest commit whose events are not yet in the derived
        tables (0 when all are): how stale a report may be now, for the operator's
        metrics. Read without the lock: a float the writer replaces whole."""
        since = self._dirty_since
        return max(0.0, time.monotonic() - since) if since is not None else 0.0

    # -- the writer thread --------------------------------------------------------
    def _due(self, now: float) -> bool:
        if self._dirty_since is None or now < self._retry_at:
            return False
        if now >= self._dirty_since + REFRESH_INTERVAL_SECONDS:
            return True
        return not self._queue and now >= self._last_commit + IDLE_REFRESH_SECONDS

    def _timeout(self, now: float) -> float | None:
        if self._dirty_since is None:
            return None
        at = min(self._dirty_since + REFRESH_INTERVAL_SECONDS,
                 self._last_commit + IDLE_REFRESH_SECONDS)
        return max(at, self._retry_at) - now + 0.001

    def _waiting_for_more(self, now: float, ready: float) -> float | None:
        """How long to wait for more batches before taking the group, if at all: for
        those announced, and for as many as the last group had (their senders, just
        answered, are sending the next ones)."""
        if self._stopping or self._queue[0].batch is None:
            return None
        if not self._announced and len(self._queue) >= self._last_group:
            return None
        if sum(job.size for job in self._queue) >= GROUP_MAX_EVENTS:
            return None
        left = ready + GROUP_WAIT_SECONDS - now  # from when the writer became free
        return left if left > 0 else None

    def _take(self) -> list[Job]:
        """The next group: batches up to GROUP_MAX_EVENTS, or one refresh request."""
        if self._queue and self._queue[0].batch is None:
            return [self._queue.popleft()]
        jobs, size = [], 0
        while self._queue and self._queue[0].batch is not None and (
                not jobs or size + self._queue[0].size <= GROUP_MAX_EVENTS):
            job = self._queue.popleft()
            jobs.append(job)
            size += job.size
        return jobs

    def _run(self) -> None:
        while True:
            with self._cond:
                ready = time.monotonic()
                while True:
                    now = time.monotonic()
                    if self._queue and not self._due(now):
                        wait = self._waiting_for_more(now, max(ready, self._queue[0].queued_at))
                        if wait is None:
                            break
                        self._cond.wait(wait)
                    elif self._queue or self._stopping or self._due(now):
                        break
                    else:
                        self._cond.wait(self._timeout(now))
                jobs = self._take()
                flush = bool(jobs) and jobs[0].batch is None
                last = self._stopping and not self._queue and not jobs
                refresh = self._dirty_since is not None and (
                    flush or last or self._due(time.monotonic()))
            store = self._store()
            if store is None:
                self._fail(jobs, RuntimeError("the store was closed"))
                return
            error = self._refresh(store) if refresh else None
            if isinstance(error, duckdb.ConnectionException):  # the store was closed
                self._fail([*jobs, *self._drain()], error)
                return
            if flush:
                jobs[0].error = error
                jobs[0].done.set()
            elif jobs:
                self._commit(store, jobs)
            del store
            if last:
                return

    def _refresh(self, store) -> BaseException | None:
        try:
            self._refresh_fn(store)
        except duckdb.ConnectionException as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 -- kept pending, tried again later
            log.exception("live writer: the derived refresh failed; it will be retried")
            self._retry_at = time.monotonic() + REFRESH_INTERVAL_SECONDS
            return exc
        lag = time.monotonic() - (self._dirty_since or time.monotonic())
        self.max_lag = max(self.max_lag, lag)
        self.refreshes += 1
        self._dirty_since = None
        return None

    def _commit(self, store, jobs: list[Job]) -> None:
        noted = False
        try:
            noted = self._commit_fn(store, jobs)
        except BaseException as exc:  # noqa: BLE001 -- handed to the callers
            if len(jobs) == 1:
                jobs[0].error = exc
            else:  # one bad batch must not fail the others: each on its own
                for job in jobs:
                    try:
                        noted = self._commit_fn(store, [job]) or noted
                    except BaseException as one:  # noqa: BLE001
                        job.error = one
        now = time.monotonic()
        self._last_commit = now
        self._last_group = len(jobs)
        if noted and self._dirty_since is None:
            self._dirty_since = now
        for job in jobs:
            job.done.set()

    def _drain(self) -> list[Job]:
        with self._cond:
            self._stopping = True
            jobs = list(self._queue)
            self._queue.clear()
        return jobs

    @staticmethod
    def _fail(jobs: list[Job], error: BaseException) -> None:
        for job in jobs:
            job.error = error
            job.done.set()


_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer_for(store, commit: Commit, refresh: Refresh, pending: Pending) -> LiveWriter:
    """The store's writer, started if it has none (or its last one stopped)."""
    with _writers_lock:
        writer = _writers.get(store)
        if writer is None or writer._stopping:
            # asked here, in the caller's thread: the writer itself touches the store
            # only for the work it is given and the refreshes that follow it
            writer = _writers[store] = LiveWriter(store, commit, refresh, pending(store))
            weakref.finalize(store, writer.stop, 0)
            # closing the store first commits what is queued and ends this thread
            store.on_close(stop)
        return writer


def running(store) -> LiveWriter | None:
    """The store's writer if one runs; never starts one (a scrape of the metrics
    must not)."""
    with _writers_lock:
        writer = _writers.get(store)
    return None if writer is None or writer._stopping else writer


def stop(store, timeout: float | None = 60) -> None:
    """Commit what is queued, refresh the derived tables, and end the store's writer
    (before closing the store)."""
    with _writers_lock:
        writer = _writers.pop(store, None)
    if writer is not None:
        writer.stop(timeout)
