"""``mailreport load`` and ``mailreport demo``: contract files into the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli import render
from mailreport.cli.common import ConfigOption, DbOption, console, fail, opened_store, progress_bar
from mailreport.progress import progress_callback
from mailreport.settings import SettingsError, load_settings


def load(directory: Annotated[str, typer.Argument(
             help="The folder of contract files (with --lake also a URI Spark reads).")],
         db: DbOption = None, config: ConfigOption = None,
         report_dir: Annotated[Path | None, typer.Option(
             help="Where summary.json and rejects.csv go (default: DIR/.loads/<time>).")] = None,
         as_json: Annotated[bool, typer.Option(
             "--json", help="Print the summary as JSON.")] = False,
         lake: Annotated[str | None, typer.Option(
             "--lake", help="Load into this Parquet lake on Spark instead of the DuckDB "
                            "store (docs/spark.md).")] = None,
         spark_master: Annotated[str | None, typer.Option(
             "--spark-master", help="With --lake: Spark's master URL (default local[*]).")]
         = None,
         ) -> None:
    """Load every contract file of DIRECTORY (<table>.csv, .parquet or .jsonl).

    Exit status: 0 all loaded, 1 some rows rejected, 2 nothing could be loaded."""
    from mailreport.ingest.loader import LoadSummary, load_directory
    from mailreport.store import StoreLocked

    if lake is not None:
        summary = _load_lake(directory, lake, db, config, spark_master, report_dir)
    elif spark_master is not None:
        fail("--spark-master is for --lake: the DuckDB store loads without Spark")
    else:
        try:
            with opened_store(db, config) as store, progress_bar() as bar:
                summary = load_directory(store, Path(directory), report_dir,
                                         progress_callback(bar))
        except StoreLocked:
            from mailreport.api.forward import ForwardError, forward_load

            settings = load_settings(config)
            try:
                data = forward_load(Path(db or settings.db), Path(directory), report_dir)
            except ForwardError as exc:
                fail(str(exc))
            summary = LoadSummary.from_dict(data)
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
    elif summary.directory_problem:
        fail(summary.directory_problem)  # exit 2: nothing could be loaded
    else:
        render.load_summary(console, summary, _speaker(config))
    raise typer.Exit(summary.exit_code)


def _load_lake(directory: str, lake: str, db: Path | None, config: Path | None,
               spark_master: str | None, report_dir: Path | None):
    """``load --lake``: the directory into the lake, on a Spark session of this process."""
    if db is not None:
        fail("--db is the DuckDB store; --lake loads the lake instead: give one")
    if spark_master and spark_master.startswith("sc://"):
        fail("`load --lake` runs Spark's driver here: give a master URL (local[N], "
             "spark://, k8s://, yarn), not a Spark Connect sc:// URL")
    try:
        from pyspark.sql import SparkSession

        from mailreport.ingest.lake_load import LakeLoadError, lake_folder, load_lake
        from mailreport.store.lake_swap import LakeSwapError
        from mailreport.store.spark.errors import SparkStoreError, first_line, spark_errors
        from mailreport.store.spark.session import spark_session
    except ImportError as exc:
        fail(f"`load --lake` needs PySpark ({exc.name} is missing): "
             "pip install 'mailreport[spark]'")
    try:
        settings = load_settings(config)
        folder = lake_folder(lake)
    except (SettingsError, LakeLoadError) as exc:
        fail(str(exc))
    active = SparkSession.getActiveSession()
    try:
        spark = spark_session(spark_master, settings=settings)
    except Exception as exc:  # Java missing, a master unreachable, ...
        fail(f"cannot start Spark ({spark_master or 'local'}): {first_line(exc)}")
    try:
        with progress_bar() as bar, spark_errors(settings):
            return load_lake(spark, folder, directory, report_dir, progress_callback(bar))
    except LakeSwapError as exc:
        fail(str(exc))
    except SparkStoreError as exc:  # whatever Spark raised, in one line (spark_errors)
        fail(f"the load stopped and left the lake as it was: {exc}")
    finally:
        if spark is not active:  # a session this command started
            spark.stop()


def demo(scale: Annotated[str, typer.Option(help="small, medium, million or large.")] = "medium",
         seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 42,
         out: Annotated[Path | None, typer.Option(help="Where the files go.")] = None,
         fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
         db: DbOption = None, config: ConfigOption = None,
         no_load: Annotated[bool, typer.Option(help="Only write the files.")] = False) -> None:
    """Generate a realistic retail dataset as contract files and load it."""
    from mailreport.demo import SCALES, generate
    from mailreport.ingest.loader import load_directory

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}")
    out = out or Path(f"demo-data/{scale}-{seed}")
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar() as bar:
        counts = generate(out, scale=scale, seed=seed, fmt=fmt, progress=progress_callback(bar))
    sp = _speaker(config)
    render.counts(console, sp._("Generated {scale} demo in {path}", scale=scale, path=out),
                  counts, sp)
    if no_load:
        return
    with opened_store(db, config) as store, progress_bar() as bar:
        summary = load_directory(store, out, None, progress_callback(bar))
        render.load_summary(console, summary, sp)
        render.counts(console, sp._("Store {path}", path=store.path), store.counts(), sp)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


def _speaker(config: Path | None):
    from mailreport.cli.language import Speaker
    from mailreport.settings import Settings

    try:
        return Speaker.of(load_settings(config))
    except SettingsError:
        return Speaker.of(Settings())
