"""What the Spark store raises, so callers need not know Spark's own exceptions,
and ``spark_errors``: the one place where a failure of Spark's becomes a line a
user can act on. Loading, refreshing and reporting on Spark run inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from mailreport.settings import Settings
from mailreport.store.errors import StoreError


class SparkStoreError(StoreError):
    """The lake cannot be read or Spark cannot start or failed; the message says
    which, and what to change."""


# How Spark says that a JVM ran out of memory: the error itself (in a task's failure
# on the driver's side too), Spark's own, or an executor that died of it (exit code
# 52 is Spark's for an out-of-memory; YARN and Kubernetes kill an executor that
# outgrows its container).
_OUT_OF_MEMORY = re.compile(
    r"java\.lang\.OutOfMemoryError[^\n]*|SparkOutOfMemoryError[^\n]*"
    r"|exited with (?:exit )?code 52|Exit status: 52|exceeding memory limits|OOMKilled")
# A task's failure, as opposed to the driver's own: it ran on an executor.
_TASK_FAILURE = re.compile(r"Lost task|ExecutorLostFailure|stage failure")
_UNIT_MIB = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 ** 2}


@contextmanager
def spark_errors(settings: Settings) -> Iterator[None]:
    """Turn what Spark raises inside into a one-line :class:`SparkStoreError`: an
    out-of-memory names the memory setting to raise and its value; anything else of
    Spark's or Py4J's is its first line and the JVM's log. Our own errors pass."""
    try:
        yield
    except SparkStoreError:
        raise
    except Exception as exc:
        # a JVM this process started exits when out of memory: Python then sees only
        # a lost connection, and the JVM's log says why
        died = _jvm_out_of_memory() if isinstance(exc, OSError | EOFError) or _is_sparks(
            exc) else None
        if died:
            raise SparkStoreError(_out_of_memory(settings, "", died)) from exc
        if not _is_sparks(exc):
            raise
        text = _text(exc)
        oom = _OUT_OF_MEMORY.search(text)
        if oom:
            raise SparkStoreError(_out_of_memory(settings, text, oom[0])) from exc
        raise SparkStoreError(f"Spark failed: {first_line(exc)}{_log_hint()}") from exc


def _out_of_memory(settings: Settings, text: str, reason: str) -> str:
    # in local mode the tasks run in the driver: their executor is called "driver"
    on_executors = bool(_TASK_FAILURE.search(text)) and "executor driver" not in text
    name = "spark_executor_memory" if on_executors else "spark_driver_memory"
    where = "its executors" if on_executors else "the driver (where local mode runs tasks)"
    value = getattr(settings, name)
    now = f"now {value}" if value else "unset, so Spark's own configuration's, 1g by default"
    return (f"Spark ran out of memory in {where} ({reason.strip()}): raise {name} ({now}), "
            f"e.g. MAILREPORT_{name.upper()}={_doubled(value)} or {name} in mailreport.toml"
            f"{_log_hint()}")


def _doubled(value: str) -> str:
    match = re.fullmatch(r"(\d+)([kmgt])", value or "1g", re.IGNORECASE)
    if not match:
        return "2g"
    mib = int(match[1]) * _UNIT_MIB[match[2].lower()] * 2
    return f"{mib / 1024:g}g" if mib >= 1024 and mib % 1024 == 0 else f"{mib:.0f}m"


def _is_sparks(exc: BaseException) -> bool:
    """Raised by PySpark or Py4J (a JVM's error), rather than by our own code."""
    return any(type(e).__module__.split(".")[0] in ("pyspark", "py4j")
               for e in (exc, exc.__cause__, exc.__context__) if e is not None)


def _text(exc: BaseException) -> str:
    """All an exception says, the Java side's stack and causes included. A dead JVM
    cannot say more than Python holds."""
    try:
        return str(exc)
    except Exception:
        return repr(exc)


def first_line(exc: BaseException) -> str:
    """The Java exception's own line for a Py4J error (its Python message only names
    the Java method called), else the exception's first line."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            return str(java.toString()).strip().splitlines()[0]
        except Exception:  # the JVM is gone
            pass
    lines = _text(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# session.py imports this module: these two ask it at run time

def _log_hint() -> str:
    from mailreport.store.spark.session import log_hint

    return log_hint()


def _jvm_out_of_memory() -> str | None:
    from mailreport.store.spark.session import jvm_out_of_memory

    return jvm_out_of_memory()
