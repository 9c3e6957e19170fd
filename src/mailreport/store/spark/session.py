"""Starting the SparkSession a store reads with: local, a cluster or Spark Connect.

A session this module starts takes its memory and scratch folder from mailreport's
settings (``spark_*``), and what can stop it from starting is checked first, so that
it fails in one line naming what to change: Java missing, a master that does not
answer. The JVM's own output (Spark's log, its stack traces) goes to a log file in
the scratch folder, not to the terminal; the file is removed when the process ends,
unless an error named it (``log_hint``).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from mailreport.settings import Settings
from mailreport.store.spark.errors import SparkStoreError, first_line

# Set on every session a store uses: Spark's TIMESTAMP then behaves as the
# store's naive UTC timestamps (Ibis sets it too; the store must not depend on that).
REQUIRED_CONF = {"spark.sql.session.timeZone": "UTC"}

# Defaults for a session this module starts (a cluster's own settings may override
# them through ``conf``). Arrow makes results cross to Python without pickling.
SESSION_CONF = {
    **REQUIRED_CONF,
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

# Only for a session this module starts in local mode: no web UI, no progress bar.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

# For the JVM this module starts. Out of memory, a JVM goes on in a state no one can
# trust, and Spark lets a thread that serves results to Python die of it, leaving the
# command waiting forever: the JVM exits instead, its log says why, and errors.py
# finds it there. (Prepended to spark.driver.extraJavaOptions, which stays free.)
JVM_CONF = {"spark.driver.defaultJavaOptions": "-XX:+ExitOnOutOfMemoryError"}
# What the JVM writes to its log as it exits so.
JVM_OUT_OF_MEMORY = "Terminating due to java.lang.OutOfMemoryError"

INSTALL_JAVA = "apt-get install -y openjdk-17-jre-headless"
CONNECT_TIMEOUT_SECONDS = 5.0



class _JvmLog:
    """Where this process's JVM writes, and whether an error has named the file."""
    path: Path | None = None
    keep = False


def settings_conf(settings: Settings, master: str) -> dict[str, str]:
    """The Spark configuration that mailreport's settings give a session it starts
    on ``master``; an empty setting leaves Spark's own configuration in charge."""
    conf = {}
    if settings.spark_driver_memory:
        conf["spark.driver.memory"] = settings.spark_driver_memory
    if settings.spark_executor_memory:  # local mode has no executors: ignored
        conf["spark.executor.memory"] = settings.spark_executor_memory
    if settings.spark_local_dir:
        conf["spark.local.dir"] = settings.spark_local_dir
    if master.startswith("local"):
        conf["spark.sql.shuffle.partitions"] = str(settings.spark_local_shuffle_partitions)
    return conf


def spark_session(spark_master: str | None = None, conf: dict[str, str] | None = None,
                  settings: Settings | None = None):
    """A SparkSession: local by default; a master URL (spark://, k8s://, yarn) for a
    cluster; an sc:// URL for Spark Connect. An existing session is reused if it runs
    on the same master. ``settings``: the memory, partitions and scratch folder of a
    session started here (``conf`` overrides them). Whatever keeps Spark from
    starting is a :class:`SparkStoreError` of one line."""
    if spark_master and spark_master.startswith("sc://"):
        # Connect's own builder: the classic one refuses while a local session runs.
        # The server's memory is its own configuration's, not these settings'.
        from pyspark.sql.connect.session import SparkSession as RemoteSession

        _check_reachable(spark_master, "Spark Connect server", 15002)
        builder = RemoteSession.builder.remote(spark_master)
        for key, value in {**SESSION_CONF, **(conf or {})}.items():
            builder = builder.config(key, value)
        return _started(builder.getOrCreate, spark_master)
    master = spark_master or "local[*]"
    options = {"spark.master": master, "spark.app.name": "mailreport", **JVM_CONF,
               **(LOCAL_CONF if master.startswith("local") else {}), **SESSION_CONF,
               **(settings_conf(settings, master) if settings else {}), **(conf or {})}
    if master.startswith("spark://"):
        _check_reachable(master, "Spark master", 7077)
    return _started(lambda: _classic_session(options, spark_master is not None), master)


def _started(start, master: str):
    try:
        return start()
    except SparkStoreError:
        raise
    except Exception as exc:  # a message of Spark's or the JVM's, with the log to read
        raise SparkStoreError(f"cannot start Spark ({master}): {first_line(exc)}{log_hint()}"
                              ) from None


def _classic_session(options: dict[str, str], master_asked: bool):
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    master = options["spark.master"]
    active = SparkContext._active_spark_context
    if master_asked and active is not None and active.master != master:
        raise SparkStoreError(f"this process already runs Spark on {active.master}; it "
                              f"cannot also run on {master}: use one --spark-master per process")
    if SparkContext._gateway is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        # No JVM yet: start it here, with its output in the log file. The settings'
        # driver memory reaches it as --conf spark.driver.memory, before it starts.
        from pyspark.java_gateway import launch_gateway

        _require_java()
        _quiet_py4j()
        conf = SparkConf().setAll(options.items())
        log = _open_log(options.get("spark.local.dir"))
        try:
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
        except Exception as exc:
            raise SparkStoreError(_why_jvm_exited(exc)) from None
        finally:
            os.close(log)
        _quiet_when_the_jvm_is_gone(SparkContext(conf=conf, gateway=gateway))
    builder = SparkSession.builder
    for key, value in options.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _require_java() -> None:
    """Spark's launcher runs $JAVA_HOME/bin/java, else the java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        if not os.access(os.path.join(home, "bin", "java"), os.X_OK):
            raise SparkStoreError(
                f"JAVA_HOME is {home}, which has no bin/java: set JAVA_HOME to a Java 17 "
                f"installation (or unset it), or install Java 17: {INSTALL_JAVA}")
    elif shutil.which("java") is None:
        raise SparkStoreError(f"Spark needs Java 17 and there is no java on PATH: install it "
                              f"({INSTALL_JAVA}) or set JAVA_HOME")


def _why_jvm_exited(exc: Exception) -> str:
    """The JVM exited before it started: an old Java is the usual reason."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get(
        "JAVA_HOME") else shutil.which("java") or "java"
    try:
        said = subprocess.run([java, "-version"], capture_output=True, text=True,
                              timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        said = ""
    found = re.search(r'version "(1\.)?(\d+)', said)
    if found and int(found[2]) < 17:
        return (f"Spark needs Java 17 or later and {java} is Java {found[2]}: install Java 17 "
                f"({INSTALL_JAVA}) and set JAVA_HOME to it")
    return f"Spark's JVM exited before it started ({exc}){log_hint()}"


def _open_log(local_dir: str | None) -> int:
    """The JVM's log file, created 0600 (Spark may log values of the data) in the
    scratch folder and removed at exit unless an error named it."""
    folder = Path((local_dir or "").split(",")[0] or tempfile.gettempdir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"mailreport-spark-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise SparkStoreError(f"cannot write Spark's scratch folder {folder} ({exc.strerror}): "
                              "set spark_local_dir to a writable folder") from None
    if _JvmLog.path is None:
        atexit.register(_remove_log)
    _JvmLog.path = path
    return fd


def jvm_out_of_memory() -> str | None:
    """The line in which the JVM this process started said it ran out of memory and
    exited (``JVM_CONF``), if it did."""
    if _JvmLog.path is None:
        return None
    try:
        with open(_JvmLog.path, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 65536))
            tail = log.read().decode(errors="replace")
    except OSError:
        return None
    found = re.search(re.escape(JVM_OUT_OF_MEMORY) + r"[^\n]*", tail)
    return found[0].removeprefix("Terminating due to ").strip() if found else None


def log_hint() -> str:
    """' (Spark's log: PATH)' for an error message, keeping that log; '' if none."""
    if _JvmLog.path is None:
        return ""
    _JvmLog.keep = True
    return f" (Spark's log: {_JvmLog.path})"


def _remove_log() -> None:
    if _JvmLog.path is not None and not _JvmLog.keep:
        _JvmLog.path.unlink(missing_ok=True)


class _Py4JTraceback(logging.Filter):
    """Py4J logs a traceback on the root logger when the JVM is gone in mid-call; the
    caller gets an exception all the same, which errors.py explains in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR
                    and Path(record.pathname).parent.name == "py4j")


def _quiet_py4j() -> None:
    root = logging.getLogger()
    if not any(isinstance(f, _Py4JTraceback) for f in root.filters):
        root.addFilter(_Py4JTraceback())
    logging.getLogger("py4j").setLevel(logging.CRITICAL)


def _quiet_when_the_jvm_is_gone(context) -> None:
    """PySpark's accumulator server prints a traceback when the JVM's connection to it
    ends (the JVM exited): that is the JVM's error to tell, not a second one. (A
    private attribute of PySpark's, which the spark extra pins.)"""
    server = getattr(context, "_accumulatorServer", None)
    if server is None:
        return
    print_error = server.handle_error

    def handle_error(request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], EOFError | ConnectionError):
            print_error(request, client_address)

    server.handle_error = handle_error


def _check_reachable(url: str, what: str, default_port: int) -> None:
    """Fail in seconds on a master or Connect server that does not answer: Spark's
    client would retry for minutes before saying so. A spark:// URL may list several
    masters (high availability): one answering is enough."""
    parsed = urllib.parse.urlsplit(url.split(";", 1)[0])
    problems = []
    for address in parsed.netloc.split(","):
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
        try:
            socket.create_connection((host.strip("[]"), int(port or default_port)),
                                     CONNECT_TIMEOUT_SECONDS).close()
            return
        except (OSError, ValueError) as exc:
            problems.append(getattr(exc, "strerror", None) or str(exc))
    raise SparkStoreError(f"no {what} answers at {url} ({'; '.join(problems)}): start it, or "
                          "give --spark-master the URL of one that runs")
