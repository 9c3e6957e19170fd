"""Handing a load to a running server, which holds the database file.

DuckDB lets one process write a file. ``mailreport serve`` records its address in
``<db>.server.json``; when ``mailreport load`` finds the file locked it sends the
directory to that server, which loads it in its own process and transaction."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx


class ForwardError(RuntimeError):
    pass


def server_file(db: Path) -> Path:
    return db.with_name(db.name + ".server.json")


def announce(db: Path, url: str, secret: str) -> Path:
    """Record the server's address and a local secret, readable by this user only."""
    path = server_file(db)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"url": url, "pid": os.getpid(), "secret": secret}, fh)
    return path


def _server(db: Path) -> tuple[str, dict[str, str]]:
    path = server_file(db)
    if not path.exists():
        raise ForwardError(f"{db} is locked by another process and no server address is "
                           f"recorded in {path}")
    info = json.loads(path.read_text(encoding="utf-8"))
    return info["url"].rstrip("/"), {"X-Mailreport-Local": info.get("secret", "")}


def _call(db: Path, method: str, path: str, **kw) -> dict | list:
    url, headers = _server(db)
    try:
        resp = httpx.request(method, f"{url}{path}", headers=headers, timeout=None, **kw)
    except httpx.HTTPError as exc:
        raise ForwardError(f"{db} is locked and the server at {url} did not answer: {exc}"
                           ) from None
    if resp.status_code != 200:
        try:
            detail = resp.json().get("detail", resp.text)
        except ValueError:
            detail = resp.text
        raise ForwardError(f"the server at {url} answered {resp.status_code}: {detail}")
    return resp.json()


def forward_load(db: Path, directory: Path, report_dir: Path | None) -> dict:
    body = {"directory": str(Path(directory).resolve()),
            "report_dir": str(Path(report_dir).resolve()) if report_dir else None}
    return _call(db, "POST", "/api/v1/loads", json=body)


def forward_get(db: Path, path: str, params: dict | None = None) -> dict | list:
    """A report from the running server, as JSON (the same JSON the CLI prints)."""
    return _call(db, "GET", path, params={k: v for k, v in (params or {}).items()
                                          if v is not None})
