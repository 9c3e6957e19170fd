"""Real servers on a free loopback port, for the tests that must see what a client
sees: ``serving`` runs an app in a thread and keeps the error records it logs (the
tracebacks a 500 leaves); ``ServeProcess`` runs ``mailreport serve`` in a process
of its own (its own memory, its own hold on the database file)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
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


class ServeProcess:
    """``mailreport serve --port P ARGS`` with ``env`` over this environment (its
    MAILREPORT_CONFIG left out), up once /health answers; a context manager that
    stops it. Its stderr goes to a file (a pipe nobody reads would fill and stall
    the server), read for the error when it does not start."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd=None,
                 preexec_fn=None, timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, **(env or {})}
        environ.pop("MAILREPORT_CONFIG", None)
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailreport", "serve", "--port", str(self.port), *args],
            cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=self.stderr,
            preexec_fn=preexec_fn)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                self.stderr.seek(0)
                raise RuntimeError(self.stderr.read().decode())
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
