"""`mailreport backup` while `mailreport serve` holds the store, and `mailreport
restore` (docs/deployment.md, "Backups"): the backup holds what the server committed
but had not yet folded from its write-ahead log into the file, and the restored
store answers as the server did before it was killed.

Real processes on real files: the server is a `mailreport serve` process, the
commands run as processes, and the server is stopped with SIGKILL, as a crash or an
OOM kill would stop it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx

from conftest import Dataset, at, write_jsonl
from mailreport.api.forward import server_file
from mailreport.auth import create_token
from mailreport.settings import Settings
from mailreport.store import open_store
from mailreport.store.duckdb.schema import SCHEMA_VERSION
from servers import ServeProcess

LIVE_EVENTS = [  # written through the running server, just before the backup
    {"event_id": f"live-{n}", "mailing_id": "m1", "customer_id": who, "type": type_,
     "ts": at(hours)}
    for n, (who, type_, hours) in enumerate([("bob", "opened", 2), ("bob", "clicked", 3),
                                             ("cat", "delivered", 1), ("cat", "opened", 4)])]


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mailreport", "--lang", "en", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def one_line(text: str) -> str:
    return " ".join(text.split())


def make_store(path: Path, data_dir: Path) -> str:
    """A store with a sent mailing, its first events and an order; its admin token."""
    store = open_store(path, Settings())
    data = Dataset(store, data_dir)
    data.customer("ann").customer("bob").customer("cat")
    data.mailing("m1").journeys("m1", {"ann": [("sent", at(0)), ("delivered", at(0.1)),
                                               ("opened", at(1))],
                                       "bob": [("sent", at(0)), ("delivered", at(0.1))],
                                       "cat": [("sent", at(0))]})
    data.order("ann", at(5), total="250.00")
    data.load()
    token = create_token(store, "admin", name="admin")
    store.close()
    return token


def reports(url: str, token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    return {path: httpx.get(url + path, headers=headers, timeout=30).json()
            for path in ("/api/v1/mailings/m1/report",
                         "/api/v1/mailings/m1/report?from=2026-03-02&to=2026-03-02",
                         "/api/v1/mailings")}


def wait_for_opened(url: str, token: str, opened: int) -> None:
    """The live events reach the report within the writer's freshness bound."""
    deadline = time.time() + 30
    while time.time() < deadline:
        got = reports(url, token)["/api/v1/mailings/m1/report"]["efficiency"]["stages"]
        if got["opened"] == opened:
            return
        time.sleep(0.2)
    raise AssertionError(f"the report never showed {opened} openers: {got}")


def live_events(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM events WHERE event_id LIKE 'live-%'"
                           ).fetchall()[0][0]
    finally:
        con.close()


def audit_actions(path: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute('SELECT action, details FROM audit ORDER BY "at"').fetchall()
    finally:
        con.close()


def test_a_backup_of_a_running_server_restores_what_it_answered(tmp_path):
    db = tmp_path / "live" / "store.duckdb"
    db.parent.mkdir()
    token = make_store(db, tmp_path / "data")
    env = {**os.environ, "MAILREPORT_DB": str(db)}
    backups = tmp_path / "backups"
    backups.mkdir()
    with ServeProcess(env=env) as server:
        headers = {"Authorization": f"Bearer {token}"}
        r = httpx.post(f"{server.url}/api/v1/events", json=LIVE_EVENTS, headers=headers,
                       timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["inserted"] == len(LIVE_EVENTS)
        # and a load through the server: a second order, for bob
        write_jsonl(tmp_path / "more", "orders", [
            {"order_id": "o-live", "kind": "order", "customer_id": "bob", "ts": at(6),
             "total": "80.00"}])
        loaded = cli("load", str(tmp_path / "more"), env=env)
        assert loaded.returncode == 0, loaded.stderr
        wait_for_opened(server.url, token, 3)
        before = reports(server.url, token)
        assert before["/api/v1/mailings/m1/report"]["orders"]["orders"] == 1  # bob's
        # what the server wrote is in the write-ahead log, not yet in the file
        assert Path(f"{db}.wal").stat().st_size > 0

        made = cli("backup", str(backups), env=env)
        assert made.returncode == 0, made.stderr
        assert "the copy was made by the running server" in made.stderr
        [backup] = list(backups.iterdir())  # one file, no temporary left beside it
        assert backup.name.startswith("store-") and backup.suffix == ".duckdb"
        assert str(backup) in one_line(made.stdout)
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600

        # a named file that exists is refused, left as it was, and replaced on request
        named = backups / "named.duckdb"
        assert cli("backup", str(named), env=env).returncode == 0
        inode = named.stat().st_ino
        again = cli("backup", str(named), env=env)
        assert again.returncode == 1
        assert "exists: give --replace" in one_line(again.stderr), again.stderr
        assert "Traceback" not in again.stderr
        assert named.stat().st_ino == inode
        replaced = cli("backup", str(named), "--replace", env=env)
        assert replaced.returncode == 0, replaced.stderr
        assert named.stat().st_ino != inode and live_events(named) == len(LIVE_EVENTS)

        # restore refuses while the server holds the store, and says which server
        refused = cli("restore", str(backup), env=env)
        assert refused.returncode == 1
        assert f"is held by the server at {server.url} (pid {server.proc.pid})" \
            in one_line(refused.stderr), refused.stderr
        assert not list(db.parent.glob("*before-restore*"))

        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(30)
    # nothing is written after the kill; the log was never folded into the file
    assert Path(f"{db}.wal").exists()
    bare = tmp_path / "bare.duckdb"
    shutil.copyfile(db, bare)  # what copying the .duckdb file alone would have kept
    assert live_events(bare) == 0

    fresh = tmp_path / "restored" / "store.duckdb"
    fresh.parent.mkdir()
    restored = cli("restore", str(backup), "--db", str(fresh), env=env)
    assert restored.returncode == 0, restored.stderr
    assert f"restored {fresh} from {backup}" in one_line(restored.stdout)
    assert live_events(fresh) == len(LIVE_EVENTS)
    assert [a for a, _ in audit_actions(fresh)][-1] == "restore"
    # the live store (its log replayed on opening) recorded each backup
    backups_recorded = [json.loads(d)["path"] for a, d in audit_actions(db) if a == "backup"]
    assert str(backup) in backups_recorded and str(named) in backups_recorded

    with ServeProcess(env={**os.environ, "MAILREPORT_DB": str(fresh)}) as again_served:
        after = reports(again_served.url, token)  # the token came back with the store
    assert after == before


def test_restore_refuses_what_is_not_a_mailreport_store(tmp_path):
    env = {**os.environ}
    target = tmp_path / "store.duckdb"
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (i INTEGER)")
    con.close()
    for source, why in [(text, "it is not a DuckDB database"),
                        (other, "it has no schema version"),
                        (tmp_path / "missing.duckdb", "is not a file")]:
        result = cli("restore", str(source), "--db", str(target), env=env)
        assert result.returncode == 1, (source, result.stderr)
        assert why in one_line(result.stderr), result.stderr
        assert "Traceback" not in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == \
            ["notes.txt", "other.duckdb"], "a refused restore leaves no file"


def test_restore_migrates_an_older_backup_and_keeps_the_store_it_replaces(tmp_path):
    env = {**os.environ}
    old = tmp_path / "old.duckdb"
    make_store(old, tmp_path / "data")
    con = duckdb.connect(str(old))  # as mailreport of schema 10 left it
    con.execute("DROP TABLE shares")
    con.execute("DROP TABLE audit")
    con.execute("DROP TABLE users")
    con.execute("DROP TABLE sso_identities")
    con.execute("DROP TABLE forgotten")
    con.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
    con.close()
    target = tmp_path / "store.duckdb"
    first = cli("restore", str(old), "--db", str(target), env=env)
    assert first.returncode == 0, first.stderr
    assert "backed up at an unknown time" in one_line(first.stdout)  # not made by backup
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                       ).fetchall() == [(str(SCHEMA_VERSION),)]
    assert con.execute("SELECT count(*) FROM shares").fetchall() == [(0,)]
    con.close()
    assert [a for a, _ in audit_actions(target)] == ["restore"]
    server_file(target).write_text("{}")  # left by a server that died

    # again: the same store, and the one it replaced kept beside it
    second = cli("restore", str(old), "--db", str(target), env=env)
    assert second.returncode == 0, second.stderr
    [kept] = list(tmp_path.glob("store.duckdb.before-restore-*"))
    assert f"kept as {kept}" in one_line(second.stdout)
    assert [a for a, _ in audit_actions(kept)] == ["restore"]
    assert [a for a, _ in audit_actions(target)] == ["restore"]
    assert not server_file(target).exists()
    for path in (target, kept):
        con = duckdb.connect(str(path), read_only=True)
        assert con.execute("SELECT count(*) FROM events").fetchall() == [(6,)]
        con.close()
    assert not Path(f"{target}.wal").exists()
