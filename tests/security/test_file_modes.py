"""Files that hold customers' data are readable by their owner only (0600), and the
folders made for them 0700: the database and its WAL, a load's rejects and
summary, exports, whether the command line or the server writes them. They were
world-readable (0644) under the usual umask (#20).

The commands run as real processes started with umask 022, so the modes checked
are those the command sets, not the test runner's."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailreport.exports import Export, ExportRequest
from mailreport.ingest.loader import load_directory
from mailreport.reports import ReportQuery
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import ServeProcess

CUSTOMERS = "customer_id,email\nc1,a@x.ru\nc2,b@x.ru\nc3,c@x.ru\n"
MAILINGS = "mailing_id,name,channel,status,sent_at\nm1,Spring,email,sent,2026-03-02T09:00:00\n"
EVENTS = ("event_id,mailing_id,customer_id,type,ts\n"
          "e1,m1,c1,sent,2026-03-02T09:00:00\ne2,m1,c1,opened,2026-03-02T10:00:00\n"
          "e3,m1,c2,sent,2026-03-02T09:00:00\ne4,m1,ghost,sent,2026-03-02T09:00:00\n")
MORE_EVENTS = ("event_id,mailing_id,customer_id,type,ts\n"
               "e5,m1,c3,sent,2026-03-02T09:00:00\ne6,m1,ghost,opened,2026-03-02T09:00:00\n")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def data(directory: Path, **files: str) -> Path:
    directory.mkdir()
    for name, text in files.items():
        (directory / f"{name}.csv").write_text(text)
    return directory


def shell_umask() -> None:
    os.umask(0o022)  # what most shells give: files 0644, readable by every user


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mailreport", *args], capture_output=True,
                          text=True, env=env, timeout=180, preexec_fn=shell_umask)


def test_what_the_commands_and_the_server_write_is_private(tmp_path):
    db = tmp_path / "private.duckdb"
    env = {**os.environ, "MAILREPORT_DB": str(db)}
    first = data(tmp_path / "first", customers=CUSTOMERS, mailings=MAILINGS, events=EVENTS)
    loaded = cli("load", str(first), "--report-dir", str(tmp_path / "r1" / "load"), env=env)
    assert loaded.returncode == 1, loaded.stderr  # one row rejected: the ghost customer
    assert mode(db) == 0o600
    assert mode(tmp_path / "r1" / "load" / "rejects.csv") == 0o600
    assert mode(tmp_path / "r1" / "load" / "summary.json") == 0o600
    assert mode(tmp_path / "r1" / "load") == 0o700 and mode(tmp_path / "r1") == 0o700

    out = tmp_path / "sent.csv"  # XLSX too: see the test below
    exported = cli("export", "m1", "--stage", "sent", "--out", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    assert mode(out) == 0o600

    with ServeProcess(env=env, preexec_fn=shell_umask):
        second = data(tmp_path / "second", events=MORE_EVENTS)
        # the database is the server's: the load goes through it, and it writes
        forwarded = cli("load", str(second), "--report-dir", str(tmp_path / "r2"), env=env)
        assert forwarded.returncode == 1, forwarded.stderr
        wal = db.with_name(db.name + ".wal")
        assert wal.exists(), "the server's committed load is in the WAL until a checkpoint"
        assert mode(wal) == 0o600
        assert mode(tmp_path / "r2" / "rejects.csv") == 0o600
        assert mode(tmp_path / "r2" / "summary.json") == 0o600
        assert mode(db.with_name(db.name + ".server.json")) == 0o600


@pytest.fixture
def shell_umask_here():
    """This process under umask 022, as a program importing mailreport may be."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_library_writes_reports_and_exports_0600_whatever_the_umask(tmp_path,
                                                                         shell_umask_here):
    store = open_store(tmp_path / "lib.duckdb", Settings())
    try:
        first = data(tmp_path / "first", customers=CUSTOMERS, mailings=MAILINGS, events=EVENTS)
        (tmp_path / "report").mkdir()
        (tmp_path / "report" / "summary.json").write_text("{}")  # an older one, 0644
        summary = load_directory(store, first, tmp_path / "report")
        assert mode(Path(summary.rejects_file)) == 0o600
        assert mode(Path(summary.summary_file)) == 0o600
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"sent.{fmt}"
            out.with_name(out.name + ".part").write_text("left by a crash")  # 0644
            request = ExportRequest(mailing_id="m1", segment={"stage": "sent"},
                                    query=ReportQuery(), format=fmt)
            assert Export(store.tables(), request).write(out) == 2
            assert mode(out) == 0o600, fmt
    finally:
        store.close()
