"""PostgreSQL 15 for the side-by-side benchmark: a throwaway cluster on loopback,
loaded with the very rows of a mailreport store, indexed as a sending tool would
index its statistics, and read through Ibis so the report sections run their own
expressions on it, compiled to PostgreSQL's SQL.

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
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

from mailreport.store.tables import Tables

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

# What a sending tool keys its statistics by: a mailing's rows, a customer's orders,
# an order's lines, the dimensions by id.
INDEXES = {
    "reach_times": ["mailing_id, customer_id"],
    "events": ["mailing_id, type, customer_id"],
    "attributed_orders": ["mailing_id", "customer_id"],
    "attributed_lines": ["mailing_id", "product_id"],
    "orders": ["customer_id, ts", "order_id"],
    "order_lines": ["order_id"],
    "customers": ["customer_id"],
    "products": ["product_id"],
    "categories": ["category_id"],
    "mailings": ["mailing_id", "campaign_id"],
    "variants": ["mailing_id"],
    "campaigns": ["campaign_id"],
    # the rollups, for PostgreSQL answering from them as our store does
    "reach_counts": ["mailing_id"],
    "open_counts": ["mailing_id"],
    "click_counts": ["mailing_id"],
    "window_orders": ["mailing_id"],
    "category_sales": ["mailing_id"],
    "order_days": ["mailing_id"],
    "buyers": ["mailing_id, customer_id"],
    "complaints": ["mailing_id"],
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def ibis(self):
        return ibis.postgres.connect(host="127.0.0.1", port=self.port, user=self.user,
                                     database=self.database)


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
    port = _free_port()
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


def pg_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return t.replace("DECIMAL", "NUMERIC")
    return {"VARCHAR": "TEXT", "BIGINT": "BIGINT", "INTEGER": "INTEGER", "SMALLINT": "SMALLINT",
            "TINYINT": "SMALLINT", "UTINYINT": "SMALLINT", "USMALLINT": "INTEGER",
            "UINTEGER": "BIGINT", "HUGEINT": "NUMERIC(38,0)", "DOUBLE": "DOUBLE PRECISION",
            "FLOAT": "REAL", "BOOLEAN": "BOOLEAN", "DATE": "DATE",
            "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}[t]


def _copy_table(duck, pg, name: str, batch_rows: int, progress) -> int:
    cols = duck.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    ddl = ", ".join(f'"{c}" {pg_type(t)}' for c, t in cols)
    pg.execute(f'DROP TABLE IF EXISTS "{name}"')
    pg.execute(f'CREATE UNLOGGED TABLE "{name}" ({ddl})')
    total = duck.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
    reader = duck.sql(f'SELECT * FROM "{name}"').to_arrow_reader(batch_rows)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    done = 0
    with pg.cursor() as cur, cur.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
        for batch in reader:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(pa.Table.from_batches([batch]), sink, options)
            copy.write(sink.getvalue().to_pybytes())
            done += batch.num_rows
            if progress:
                progress(f"copy {name} to PostgreSQL", done, total)
    return done


def copy_store(duck, cluster_: Cluster, tables: list[str], progress=None,
               batch_rows: int = 500_000, workers: int = 2) -> dict[str, int]:
    """Create each table in PostgreSQL with the store's columns and copy its rows in
    the store's own order (sorted by mailing, so the heap is clustered alike), the
    largest tables first, ``workers`` tables at a time (PostgreSQL parses a COPY on
    one core). ``duck``: a DuckDB connection to the store. Returns rows per table."""
    sizes = {n: duck.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in tables}
    queue = sorted(tables, key=lambda n: -sizes[n])
    lock = threading.Lock()
    counts: dict[str, int] = {}

    def work() -> None:
        cursor = duck.cursor()
        with cluster_.connect() as pg:
            while True:
                with lock:
                    if not queue:
                        return
                    name = queue.pop(0)
                counts[name] = _copy_table(cursor, pg, name, batch_rows, progress)

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
    return {n: counts[n] for n in tables}


# What the reports read: the store's tables less the audience (reach_times holds
# its statuses), the tokens, the quarantine and the store's own bookkeeping.
REPORT_TABLES = ("categories", "products", "campaigns", "customers", "mailings", "variants",
                 "events", "orders", "order_lines", "reach_times", "attributed_orders",
                 "attributed_lines")


def index_and_analyze(pg, tables: list[str]) -> None:
    for name in tables:
        for i, columns in enumerate(INDEXES.get(name, [])):
            pg.execute(f'CREATE INDEX "{name}_{i}" ON "{name}" ({columns})')
        pg.execute(f'VACUUM ANALYZE "{name}"')


class PostgresReader:
    """A store-like reader over the copied tables: ``tables()`` for the reports."""

    engine = "postgres"

    def __init__(self, cluster_: Cluster, settings, names: list[str], rollups: bool = False):
        """rollups: the sections read the rollups (copied too) as on our store; else
        they compute each metric by its definition over the derived tables."""
        self.settings = settings
        self.rollups = rollups
        self.con = cluster_.ibis()
        self._tables = {n: self.con.table(n) for n in names}

    def tables(self) -> Tables:
        return Tables(self._tables, run=self._run, local_time=_local_time,
                      settings=self.settings, rollups=self.rollups)

    def _run(self, expr: ibis.Expr) -> list[dict[str, Any]]:
        return expr.to_pyarrow().to_pylist()

    def sql(self, expr: ibis.Expr) -> str:
        return ibis.to_sql(expr, dialect="postgres")

    def close(self) -> None:
        self.con.disconnect()


def _local_time(ts, zone):
    raise NotImplementedError("the reports read local times from reach_times")


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
