"""Starting the SparkSession a store reads with: local, a cluster or Spark Connect."""

from __future__ import annotations

import os
import socket
import urllib.parse

from mailreport.store.spark.errors import SparkStoreError

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

# Only for a session this module starts in local mode: a report's shuffles are
# small, and Spark's default of 200 partitions makes each one slow.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": str(max(2, 2 * (os.cpu_count() or 1))),
}


def spark_session(spark_master: str | None = None, conf: dict[str, str] | None = None):
    """A SparkSession: local by default; a master URL (spark://, k8s://, yarn) for a
    cluster; an sc:// URL for Spark Connect. An existing session is reused."""
    from pyspark.sql import SparkSession

    if spark_master and spark_master.startswith("sc://"):
        # Connect's own builder: the classic one refuses while a local session runs
        from pyspark.sql.connect.session import SparkSession as RemoteSession

        _check_reachable(spark_master)
        builder = RemoteSession.builder.remote(spark_master)
    else:
        master = spark_master or "local[*]"
        builder = SparkSession.builder.appName("mailreport").master(master)
        if master.startswith("local"):
            for key, value in LOCAL_CONF.items():
                builder = builder.config(key, value)
    for key, value in {**SESSION_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _check_reachable(url: str, timeout: float = 10.0) -> None:
    """Fail fast on a Spark Connect server that does not answer: the client would
    retry for minutes before saying so."""
    parsed = urllib.parse.urlsplit(url.split(";", 1)[0])
    try:
        socket.create_connection((parsed.hostname, parsed.port or 15002), timeout).close()
    except OSError as exc:
        raise SparkStoreError(f"no Spark Connect server answers at {url}: {exc}") from None
