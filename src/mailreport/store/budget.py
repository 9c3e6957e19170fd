"""A time budget for the queries run on someone's behalf: the API opens one for each
request, and a store stops a query that would run past it (``QueryTimeout``).

The budget lives in a context variable, so the worker threads that run a request's
queries see it (anyio copies the context into them); it is one mutable object, so a
change made on the event loop (the response has started) reaches them too. Work
outside any budget (the command line, the live writer) runs unbounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.per_query = False

    def remaining(self) -> float:
        """Seconds the next query may take."""
        return self.seconds if self.per_query else self.deadline - time.monotonic()

    def each_query(self) -> None:
        """From now on each query gets the whole budget: for a response already on its
        way (a streamed export, whose slices follow the data's size), which can no
        longer be answered with an error, only cut short."""
        self.per_query = True


_current: ContextVar[Budget | None] = ContextVar("mailreport_budget", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[Budget]:
    budget = Budget(seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget() -> Budget | None:
    return _current.get()
