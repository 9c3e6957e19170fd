"""What a user sees when Spark cannot run: one line naming what to change, exit
status 1, never a stack trace. Java missing, a master that does not answer and
PySpark not installed go through the real command line in a process of its own;
an out-of-memory is provoked for real in a small JVM of its own (the small demo
fits in any heap Spark accepts, so no report can run out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailreport.cli import app
from mailreport.settings import Settings, SettingsError
from mailreport.store import open_store
from mailreport.store.spark.errors import SparkStoreError
from mailreport.store.spark.session import settings_conf
from servers import free_port

pytestmark = pytest.mark.spark

SRC = str(Path(__file__).resolve().parents[2] / "src")


def mailreport(args: list[str], env: dict[str, str] | None = None, prelude: str = ""):
    """``mailreport ARGS`` in a child process: (exit status, stdout, stderr lines).
    ``prelude``: Python run before the command line starts."""
    code = f"{prelude}\nfrom mailreport.cli import app\napp({args!r})\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": SRC, **(env or {})})
    return run.returncode, run.stdout, run.stderr.strip().splitlines()


def assert_one_line_error(status: int, stderr: list[str], *needles: str) -> None:
    assert status == 1 and len(stderr) == 1, stderr
    assert stderr[0].startswith("error: "), stderr
    for needle in needles:
        assert needle in stderr[0], stderr[0]


def test_spark_memory_settings_refuse_what_spark_cannot_use():
    assert settings_conf(Settings(spark_driver_memory="1g", spark_local_dir="/scratch"),
                         "local[2]") == {
        "spark.driver.memory": "1g", "spark.executor.memory": "4g",
        "spark.local.dir": "/scratch", "spark.sql.shuffle.partitions": "16"}
    on_cluster = settings_conf(Settings(spark_driver_memory="", spark_executor_memory=""),
                               "spark://h:7077")
    assert on_cluster == {}  # empty: Spark's own configuration decides
    for value, why in (("256m", "below the 512m"), ("4", "not a memory size"),
                       ("1.5g", "not a memory size"), ("2gb", "not a memory size")):
        with pytest.raises(SettingsError, match=f"spark_executor_memory: '{value}' is {why}"):
            Settings(spark_executor_memory=value)
    with pytest.raises(SettingsError, match="spark_local_shuffle_partitions"):
        Settings(spark_local_shuffle_partitions=0)


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("empty-lake")  # no table folders: every table empty


@pytest.mark.parametrize("java_home", [True, False], ids=["JAVA_HOME-empty", "no-java-on-PATH"])
def test_java_missing_is_one_line_naming_java_17(tmp_path, tiny_lake, java_home):
    no_java = tmp_path / "jdk"
    (no_java / "bin").mkdir(parents=True)
    env = {"PATH": str(Path(sys.executable).parent)}  # this Python's folder: no java there
    if java_home:
        env["JAVA_HOME"] = str(no_java)
    prelude = "" if java_home else "import os; os.environ.pop('JAVA_HOME', None)"
    status, _, stderr = mailreport(["mailings", "--engine", "spark", "--lake", str(tiny_lake)],
                                   env, prelude)
    assert_one_line_error(status, stderr, "Java 17", "openjdk-17-jre-headless", "JAVA_HOME")
    if java_home:
        assert str(no_java) in stderr[0]


def test_an_unreachable_master_is_named_before_spark_starts(tiny_lake):
    master = f"spark://127.0.0.1:{free_port()}"  # nothing listens there
    status, _, stderr = mailreport(["report", "M01", "--engine", "spark", "--lake",
                                    str(tiny_lake), "--spark-master", master])
    # this line comes from the check before Spark starts; Spark's own client would
    # retry for a minute and a half, then say "All masters are unresponsive"
    assert_one_line_error(status, stderr, f"no Spark master answers at {master}",
                          "--spark-master")


def test_an_unusable_scratch_folder_names_spark_local_dir(tmp_path, tiny_lake):
    (tmp_path / "a-file").write_text("")
    scratch = tmp_path / "a-file" / "scratch"  # cannot be made, even by root
    status, _, stderr = mailreport(["mailings", "--engine", "spark", "--lake", str(tiny_lake)],
                                   {"MAILREPORT_SPARK_LOCAL_DIR": str(scratch)})
    assert_one_line_error(status, stderr, f"cannot write Spark's scratch folder {scratch}",
                          "set spark_local_dir")


BLOCK_PYSPARK = """
import importlib.abc, sys
class NoPySpark(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pyspark":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoPySpark())
"""


def test_the_spark_engine_without_pyspark_says_what_to_install(tiny_lake):
    status, _, stderr = mailreport(["report", "M01", "--engine", "spark", "--lake",
                                    str(tiny_lake)], prelude=BLOCK_PYSPARK)
    assert_one_line_error(status, stderr, "pyspark is missing", "pip install 'mailreport[spark]'")


def test_a_spark_failure_while_a_report_runs_is_one_line(tmp_path, monkeypatch):
    """The command line's side of an out-of-memory: what SparkStore raises while a
    report computes is printed as its one line, exit status 1."""
    import mailreport.reports

    def out_of_memory(*args, **kwargs):
        raise SparkStoreError("Spark ran out of memory in its executors: raise "
                              "spark_executor_memory (now 4g)")

    open_store(tmp_path / "empty.duckdb", Settings()).close()
    monkeypatch.setattr(mailreport.reports, "mailing_report", out_of_memory)
    result = CliRunner().invoke(app, ["report", "M01", "--db", str(tmp_path / "empty.duckdb")])
    assert result.exit_code == 1 and not isinstance(result.exception, SparkStoreError)
    assert result.stderr.strip() == ("error: Spark ran out of memory in its executors: raise "
                                     "spark_executor_memory (now 4g)")


OUT_OF_MEMORY = """
import json, sys
import ibis
from mailreport.settings import Settings
from mailreport.store.engines import open_reader
from mailreport.store.spark.errors import SparkStoreError

store = open_reader("spark", Settings(spark_driver_memory="512m"), lake=sys.argv[1],
                    spark_master="local[1]")
out = {"max_memory": store.session.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()}
rows = ibis.memtable({"n": [1_500_000_000]})  # a 1.5 GB string: cannot fit
try:
    store._run(rows.select(size=ibis.literal("x").repeat(rows.n).length()))
except SparkStoreError as exc:
    out["error"] = str(exc)
store.close()  # the JVM is gone: nothing to close, no error
print(json.dumps(out))
"""


def test_an_out_of_memory_names_the_setting_and_its_value(tiny_lake, tmp_path):
    """spark_driver_memory reaches the JVM (read back from it); a query that cannot
    fit makes the JVM exit (rather than leave a thread dead and the command waiting),
    and the report's error is one line naming that setting, its value and the log."""
    run = subprocess.run([sys.executable, "-c", OUT_OF_MEMORY, str(tiny_lake)],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": SRC, "TMPDIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stderr.strip() == ""  # no traceback of Py4J's, the JVM's went to its log
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert 0.8 * 512 * 2**20 <= out["max_memory"] <= 512 * 2**20, out
    message = out["error"]
    assert "\n" not in message
    assert message.startswith("Spark ran out of memory in the driver (where local mode runs "
                              "tasks) (java.lang.OutOfMemoryError: Java heap space): raise "
                              "spark_driver_memory (now 512m), e.g. "
                              "MAILREPORT_SPARK_DRIVER_MEMORY=1g"), message
    log = Path(message.rsplit("(Spark's log: ", 1)[1].rstrip(")"))
    assert log.parent == tmp_path and "java.lang.OutOfMemoryError" in log.read_text()


def java_error(spark, exception):
    """The Py4J error of a JVM call that throws ``exception`` (a Java Throwable)."""
    jvm = spark.sparkContext._jvm
    jvm.java.util.concurrent.CompletableFuture.failedFuture(exception).get()


def test_out_of_memory_messages_name_the_driver_or_the_executors(spark, monkeypatch):
    """How Spark reports an out-of-memory that leaves the driver's JVM running, as
    real Py4J errors: in the driver, in a task of an executor of a cluster (its
    failure or its death, exit code 52), and in a task of local mode (the driver)."""
    from mailreport.store.spark import session
    from mailreport.store.spark.errors import spark_errors

    # the messages name the session's log, which is then kept: not for these
    monkeypatch.setattr(session._JvmLog, "keep", False)

    jvm = spark.sparkContext._jvm
    settings = Settings(spark_driver_memory="2g", spark_executor_memory="6g")
    stage = "Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times, most " \
            "recent failure: Lost task 3.3 in stage 7.0 (TID 40) ({}): {}"
    cases = {
        jvm.java.lang.OutOfMemoryError("Java heap space"): "spark_driver_memory (now 2g), "
                                                           "e.g. MAILREPORT_SPARK_DRIVER_MEMORY=4g",
        jvm.org.apache.spark.SparkException(stage.format(
            "10.0.0.7 executor 2", "java.lang.OutOfMemoryError: Java heap space")):
            "spark_executor_memory (now 6g), e.g. MAILREPORT_SPARK_EXECUTOR_MEMORY=12g",
        jvm.org.apache.spark.SparkException(stage.format(
            "10.0.0.7 executor 2", "ExecutorLostFailure (executor 2 exited caused by one of "
            "the running tasks) Reason: Command exited with code 52")):
            "spark_executor_memory (now 6g)",
        jvm.org.apache.spark.SparkException(stage.format(
            "127.0.0.1 executor driver", "java.lang.OutOfMemoryError: GC overhead limit")):
            "spark_driver_memory (now 2g)",
    }
    for exception, advice in cases.items():
        with pytest.raises(SparkStoreError) as raised, spark_errors(settings):
            java_error(spark, exception)
        assert str(raised.value).startswith("Spark ran out of memory in "), raised.value
        assert f"raise {advice}" in str(raised.value) and "\n" not in str(raised.value)
    other = r"^Spark failed: java.util.concurrent.ExecutionException: java.lang.Illegal"
    with pytest.raises(SparkStoreError, match=other), spark_errors(settings):
        java_error(spark, jvm.java.lang.IllegalStateException("not memory"))
    with pytest.raises(KeyError), spark_errors(settings):  # ours: not Spark's to explain
        raise KeyError("x")
