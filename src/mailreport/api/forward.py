"""Handing a command to a running server, which holds the database file.

DuckDB lets one process write a file, and while it does no other process may
open it, not even to read. ``mailreport serve`` records its address and a local
secret in ``<db>.server.json`` (readable by its user only); a command that finds
the file locked sends its request to that server with the secret, and the server
does the work in its own process: loads, reports, exports, tokens, row counts."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from mailreport.api.security import LOCAL_HEADER
from mailreport.private_files import open_private

# Connecting is quick or the server is gone; answering may take as long as a load.
TIMEOUT = httpx.Timeout(None, connect=10)


class ForwardError(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    url: str
    pid: int | None
    secret: str
    file: Path

    @property
    def headers(self) -> dict[str, str]:
        return {LOCAL_HEADER: self.secret}

    def __str__(self) -> str:
        return f"the server at {self.url}" + (f" (pid {self.pid})" if self.pid else "")


def server_file(db: Path) -> Path:
    return db.with_name(db.name + ".server.json")


def announce(db: Path, url: str, secret: str) -> Path:
    """Record the server's address and a local secret, readable by this user only."""
    path = server_file(db)
    with open_private(path, encoding="utf-8") as fh:
        json.dump({"url": url, "pid": os.getpid(), "secret": secret}, fh)
    return path


def running_server(db: Path) -> Server:
    """The server that recorded itself beside db; ForwardError if none did."""
    path = server_file(db)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return Server(str(info["url"]).rstrip("/"), info.get("pid"),
                      str(info.get("secret") or ""), path)
    except FileNotFoundError:
        raise ForwardError(f"{db} is locked by another process and no server address is "
                           f"recorded in {path}") from None
    except OSError as exc:
        raise ForwardError(f"{db} is locked and {path} cannot be read ({exc.strerror}): "
                           f"run the command as the user who runs `mailreport serve`"
                           ) from None
    except (ValueError, KeyError, TypeError):
        raise ForwardError(f"{db} is locked and {path} is not a server address file"
                           ) from None


def _refusal(server: Server, resp: httpx.Response) -> ForwardError:
    try:
        detail = resp.json().get("detail", resp.text)
    except (ValueError, AttributeError):
        detail = resp.text[:200]
    if resp.status_code == 401:
        return ForwardError(f"{server} refused the local secret in {server.file} (401): "
                            f"the file is stale, or the server does not listen on "
                            f"127.0.0.1, where it takes commands")
    return ForwardError(f"{server} answered {resp.status_code}: {detail}")


def _unreachable(db: Path, server: Server, exc: httpx.HTTPError) -> ForwardError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ForwardError(f"{db} is locked and {server} did not answer: {exc}")
    return ForwardError(f"the exchange with {server} broke off: {exc}")


def _call(db: Path, method: str, path: str, **kw) -> dict | list:
    server = running_server(db)
    try:
        resp = httpx.request(method, f"{server.url}{path}", headers=server.headers,
                             timeout=TIMEOUT, **kw)
    except httpx.HTTPError as exc:
        raise _unreachable(db, server, exc) from None
    if not resp.is_success:
        raise _refusal(server, resp)
    try:
        return resp.json()
    except ValueError:
        raise ForwardError(f"{server} answered {resp.status_code} without JSON") from None


def forward_load(db: Path, directory: Path, report_dir: Path | None) -> dict:
    body = {"directory": str(Path(directory).resolve()),
            "report_dir": str(Path(report_dir).resolve()) if report_dir else None}
    return _call(db, "POST", "/api/v1/loads", json=body)


def _present(params: dict | None) -> dict:
    return {k: v for k, v in (params or {}).items() if v is not None}


def forward_get(db: Path, path: str, params: dict | None = None) -> dict | list:
    """A report (or any JSON) from the running server, as the CLI would compute it."""
    return _call(db, "GET", path, params=_present(params))


def forward_post(db: Path, path: str, body: dict | None = None) -> dict | list:
    """A change made by the running server, in its own transaction."""
    return _call(db, "POST", path, json=body)


def forward_download(db: Path, path: str, params: dict | None, out: Path,
                     progress: Callable[[int], None] | None = None) -> int:
    """Stream a file the running server makes (an export) to ``out``; returns its
    size in bytes. As with a local export the file appears only when complete, and
    it is readable by this user only: it holds customer data."""
    server = running_server(db)
    part = out.with_name(out.name + ".part")
    size = 0
    try:
        with httpx.stream("GET", f"{server.url}{path}", params=_present(params),
                          headers=server.headers, timeout=TIMEOUT) as resp:
            if not resp.is_success:
                resp.read()
                raise _refusal(server, resp)
            with open_private(part, "wb") as fh:
                for chunk in resp.iter_bytes():
                    fh.write(chunk)
                    size += len(chunk)
                    if progress:
                        progress(size)
        part.replace(out)
    except httpx.HTTPError as exc:
        raise _unreachable(db, server, exc) from None
    except OSError as exc:
        raise ForwardError(f"cannot write {exc.filename or out}: {exc.strerror}") from None
    finally:
        part.unlink(missing_ok=True)
    return size


def forward_delete(db: Path, path: str) -> dict | list:
    """A removal made by the running server."""
    return _call(db, "DELETE", path)
