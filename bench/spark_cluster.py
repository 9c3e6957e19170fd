"""A Spark standalone cluster on loopback, for the tests and the lake benchmark: a
master and workers, each a JVM started with the PySpark wheel's ``bin/spark-class``
as a child process (the wheel's ``sbin`` has no start scripts for them), on free
ports of 127.0.0.1.

Each process runs in a session of its own, so that stopping it stops what it started
(a worker's executors) too; its output and the workers' folders (the executors' logs
under ``work/``) stay in the cluster's folder for diagnosis.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.ports import free_port

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


class ClusterError(RuntimeError):
    pass


@dataclass
class Cluster:
    master_url: str  # spark://127.0.0.1:PORT
    web_url: str  # the master's web UI; /json lists the workers
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.web_url}/json/", timeout=5) as answer:
            return json.load(answer)

    def alive_workers(self) -> list[dict]:
        return [w for w in self.state()["workers"] if w["state"] == "ALIVE"]

    @property
    def conf_dir(self) -> Path:
        """The cluster's configuration, for a driver's SPARK_CONF_DIR."""
        return self.folder / "conf"

    def logs(self, last: int = 4000) -> str:
        """The end of every log of the cluster's processes, for a failure message."""
        return "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-last:]}"
                         for p in sorted(self.folder.rglob("*.log"))
                         + sorted(self.folder.rglob("stderr")))


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


@contextmanager
def standalone_cluster(folder: Path, workers: int = 2, cores: int = 1, memory: str = "1g",
                       defaults: dict[str, str] | None = None,
                       timeout: float = 300) -> Iterator[Cluster]:
    """A master and ``workers`` workers of ``cores`` cores and ``memory`` each,
    yielded once every worker has registered with the master; all stopped on the way
    out, whatever happened. ``defaults``: the cluster's spark-defaults.conf, in
    ``folder/conf``, which a driver reads when its SPARK_CONF_DIR points there."""
    folder.mkdir(parents=True, exist_ok=True)
    port, web_port = free_port(), free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}", folder)
    env = {**os.environ,
           "SPARK_LOCAL_IP": "127.0.0.1",  # bind and advertise loopback only
           "SPARK_DAEMON_MEMORY": "512m",  # the master's and workers' own heap
           "SPARK_LOCAL_DIRS": str(folder / "scratch"),
           "SPARK_CONF_DIR": str(folder / "conf")}  # the cluster's own configuration
    (folder / "conf").mkdir(exist_ok=True)
    (folder / "conf" / "spark-defaults.conf").write_text(
        "".join(f"{key} {value}\n" for key, value in (defaults or {}).items()))
    try:
        cluster.processes.append(_start(
            [MASTER, "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web_port)],
            folder / "master.log", env))
        for n in range(1, workers + 1):
            cluster.processes.append(_start(
                [WORKER, "--host", "127.0.0.1", "--port", str(free_port()),
                 "--webui-port", str(free_port()), "--cores", str(cores), "--memory", memory,
                 "--work-dir", str(folder / f"worker{n}"), cluster.master_url],
                folder / f"worker{n}.log", env))
        _wait_for_workers(cluster, workers, timeout)
        yield cluster
    finally:
        for process in reversed(cluster.processes):
            _stop(process)


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([str(spark_class()), *args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)


def _wait_for_workers(cluster: Cluster, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for process in cluster.processes:
            if process.poll() is not None:
                raise ClusterError(f"{process.args[1]} exited with status {process.returncode}"
                                   f"\n{cluster.logs()}")
        try:
            if len(cluster.alive_workers()) == workers:
                return
        except OSError:
            pass  # the master's web UI is not up yet
        if time.monotonic() > deadline:
            raise ClusterError(f"{workers} workers did not register in {timeout:.0f} s"
                               f"\n{cluster.logs()}")
        time.sleep(0.5)


def _stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the process's session (a worker and the executors it started),
    SIGKILL to what is left after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(grace)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()
    with contextlib.suppress(ProcessLookupError):  # what outlived it (a worker's executor)
        os.killpg(process.pid, signal.SIGKILL)
