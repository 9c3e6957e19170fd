"""A throwaway PostgreSQL 15 server for the benchmark and the tests: a cluster on
loopback that a :class:`mailreport.store.postgres.PostgresStore` connects to (the
store copies a DuckDB store's rows into it and builds the facts there).

The cluster lives in a temporary data directory and is stopped and removed when
the context ends. It is tuned as a dedicated analytics box of this size would be
(shared buffers, work memory, parallel workers); durability is off while loading
(``fsync``, ``synchronous_commit``, ``full_page_writes``), which only speeds the
load and changes nothing that a read measures.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.ports import free_port

BINARIES = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_buffers": "4GB",
    "effective_cache_size": "16GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "2GB",
    "max_parallel_workers_per_gather": "2",
    "max_parallel_maintenance_workers": "2",
    "random_page_cost": "1.1",
    "max_wal_size": "16GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
}


class PostgresError(RuntimeError):
    pass


def binary(name: str) -> str:
    for folder in BINARIES:
        path = Path(folder) / name
        if path.exists():
            return str(path)
    raise PostgresError(f"{name} not found in {', '.join(BINARIES)}: install PostgreSQL 15 "
                        f"(apt-get install postgresql-15)")


def _as_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as 'postgres' then."""
    if os.geteuid() != 0:
        return args
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresError("running as root needs a 'postgres' user to run the server "
                            "(the postgresql-15 package creates it)") from None
    return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *args]


@dataclass
class Cluster:
    data_dir: Path
    port: int
    user: str = "postgres"
    database: str = "postgres"

    def connect(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=self.user,
                               dbname=self.database, autocommit=True)

    def restart(self) -> None:
        """Stop and start the server: its own caches start empty."""
        # -l: without a log file the server would hold our pipe open
        subprocess.run(_as_user([binary("pg_ctl"), "-D", str(self.data_dir), "-l",
                                 str(self.data_dir.parent / "server.log"), "-m", "fast", "-w",
                                 "restart"]), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wait_ready(self)

    @property
    def conninfo(self) -> str:
        """What a :class:`mailreport.store.postgres.PostgresStore` connects with."""
        return (f"host=127.0.0.1 port={self.port} user={self.user} "
                f"dbname={self.database}")


@contextlib.contextmanager
def cluster(parent: str | os.PathLike | None = None, settings: dict[str, str] | None = None,
            keep: str | os.PathLike | None = None) -> Iterator[Cluster]:
    """A PostgreSQL 15 server on 127.0.0.1, trusted local connections as 'postgres'.

    In a fresh data directory under ``parent``, stopped and removed afterwards; or,
    with ``keep``, in that folder: made when missing, started again as it was left
    otherwise, and only stopped afterwards (a large copy takes half an hour)."""
    root = (Path(keep) if keep else Path(tempfile.mkdtemp(prefix="mailreport-pg-",
                                                         dir=parent))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if os.geteuid() == 0:  # the server runs as 'postgres' (see _as_user)
        shutil.chown(root, "postgres")
        if subprocess.run(_as_user(["test", "-w", str(root)])).returncode:
            if not keep:
                shutil.rmtree(root, ignore_errors=True)
            raise PostgresError(f"the 'postgres' user cannot reach {root}: give the folders "
                                f"above it o+x, or choose another work folder")
    port = free_port()
    log = root / "server.log"
    try:
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            subprocess.run(_as_user([binary("initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "--encoding=UTF8", "--locale=C"]),
                           check=True, capture_output=True, text=True)
        # later lines win: a kept cluster gets this run's port
        conf = {**SERVER_SETTINGS, **(settings or {}), "port": str(port),
                "unix_socket_directories": f"'{root}'"}
        with open(data / "postgresql.auto.conf", "a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        subprocess.run(_as_user([binary("pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                                 "-t", "300", "start"]), check=True, capture_output=True,
                       text=True)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "") + (log.read_text() if log.exists() else "")
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        raise PostgresError(f"PostgreSQL did not start: {detail.strip()[-2000:]}") from None
    try:
        yield Cluster(data, port)
    finally:
        subprocess.run(_as_user([binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                 "stop"]), capture_output=True)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def wait_ready(c: Cluster, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with c.connect():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
