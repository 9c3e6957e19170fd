"""A real uvicorn server on a free loopback port, with the error records it logs, for
the tests that must see what a client sees: status lines, headers, and the
tracebacks a 500 leaves in the log."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Served:
    url: str
    errors: list[logging.LogRecord] = field(default_factory=list)

    def tracebacks(self) -> list[str]:
        """What was logged at ERROR or with a traceback, formatted."""
        fmt = logging.Formatter("%(name)s: %(message)s")
        return [fmt.format(r) for r in self.errors]


@contextmanager
def serving(app) -> Iterator[Served]:
    """Serve ``app`` until the block ends. Its loggers propagate to the root logger
    (``log_config=None``), where every ERROR record is kept in ``errors``."""
    errors = _Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and thread.is_alive() and time.time() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    try:
        yield Served(f"http://127.0.0.1:{port}", errors.records)
    finally:
        server.should_exit = True
        thread.join(30)
        root.removeHandler(errors)
