"""The Spark standalone cluster of the tests (``bench/spark_cluster.py`` starts it):
a master and two workers on loopback for the whole session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for bench

from bench.spark_cluster import Cluster, ClusterError, standalone_cluster  # noqa: E402

__all__ = ["Cluster", "ClusterError", "TEST_DEFAULTS", "spark_cluster", "standalone_cluster"]

# The cluster's own configuration (its spark-defaults.conf, which the driver's
# spark-submit reads too): tiny test data, so few partitions, no adaptive re-planning
# and no code generation; JVMs that do not spend the run compiling (as
# tests/engines.py's TEST_CONF); and a failed task is not tried again, so that the
# out-of-memory a test provokes is not provoked four times.
TEST_DEFAULTS = {
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.task.maxFailures": "1",
    "spark.executor.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory) -> Iterator[Cluster]:
    """A master and two workers of one core and 1 GB each, for the whole test session
    (its folder, logs included, in pytest's temporary folder)."""
    from engines import _require_spark

    _require_spark()
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster"),
                            defaults=TEST_DEFAULTS) as cluster:
        yield cluster
