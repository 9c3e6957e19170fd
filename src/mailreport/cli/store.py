"""``mailreport refresh`` and ``mailreport info``: the store itself, its derived
tables and its row counts; ``refresh --lake``: the facts of a Parquet lake, on Spark."""

from __future__ import annotations

import logging
import re
import signal
import threading
from typing import Annotated

import typer

from mailreport.cli import render
from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err,
    fail,
    opened_store,
    refuse_while_served,
    through_server,
)

LakeOption = Annotated[str | None, typer.Option(
    "--lake", help="Build the facts into this Parquet lake on Spark, incrementally, instead "
                   "of the DuckDB store (a local or mounted folder; docs/spark.md).")]
MasterOption = Annotated[str | None, typer.Option(
    "--spark-master", help="With --lake: Spark master URL (default local[*]).")]
EveryOption = Annotated[str | None, typer.Option(
    "--every", help="With --lake: refresh again every DURATION (30s, 5m, 1h) until Ctrl-C.")]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smh])")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_every(text: str) -> float:
    """A duration such as 30s, 5m or 1h, in seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match or float(match[1]) <= 0:
        raise ValueError(f"--every {text!r} is not a duration: give a number and a unit, "
                         f"s, m or h (30s, 5m, 1h)")
    return float(match[1]) * _SECONDS[match[2]]


def refresh(db: DbOption = None, config: ConfigOption = None, lake: LakeOption = None,
            spark_master: MasterOption = None, every: EveryOption = None) -> None:
    """Recompute the derived tables (reach times, attribution) from scratch; with
    --lake, bring a lake's facts up to date on Spark."""
    from mailreport.store import StoreLocked

    if lake is not None:
        if db is not None:
            fail("--db is the DuckDB store; --lake refreshes the lake's facts: give one")
        _refresh_lake(lake, config, spark_master, every)
        return
    if spark_master is not None or every is not None:
        fail("--spark-master and --every refresh a lake: add --lake LAKE")
    try:
        with opened_store(db, config) as store:
            store.rebuild_facts()
            _store_counts(store.path, store.counts(), getattr(store, "settings", None), config)
    except StoreLocked:
        # Not sent to the server: a rebuild holds its store for minutes on a large
        # one, and the server needs none; it brought its facts up to date when it
        # opened the store and keeps them so as it loads.
        refuse_while_served(db, config, "it keeps the derived tables current; stop it "
                                        "to rebuild them from scratch")


def _stop_on_ctrl_c(signum, frame):
    # the Py4J gateway logs the interrupted call's traceback as it unwinds; the
    # command is stopping, and says so in one line
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


def _refresh_lake(lake: str, config, spark_master: str | None, every: str | None) -> None:
    from mailreport.settings import SettingsError, load_settings

    try:
        import pyspark  # noqa: F401 -- the refresh imports it only once it runs

        from mailreport.ingest.lake_staging import merge_staged
        from mailreport.store.spark.errors import first_line
        from mailreport.store.spark.refresh import (
            RefreshError,
            keep_refreshing,
            lake_folder,
            refresh_lake,
        )
        from mailreport.store.spark.session import spark_session
    except ImportError as exc:
        fail(f"refresh --lake runs on Spark, which needs PySpark ({exc.name} is missing): "
             f"pip install 'mailreport[spark]'")

    try:
        settings = load_settings(config)
        interval = parse_every(every) if every is not None else None
        lake_folder(lake)  # before Spark starts: a URI or a missing folder is said at once
    except (SettingsError, ValueError, RefreshError) as exc:
        fail(str(exc))
    started = []

    def session():
        """Spark, started when a refresh first has work for it, then kept."""
        if not started:
            try:
                started.append(spark_session(spark_master, settings=settings))
            except Exception as exc:  # Java missing, a master unreachable, ...
                raise RefreshError(f"cannot start Spark ({spark_master or 'local'}): "
                                   f"{first_line(exc)}") from exc
            # PySpark's Ctrl-C handler cancels the jobs through the gateway while the
            # running call holds it, and fails with a Py4JError that reads as a failed
            # refresh; Python's own stops the refresh, and stopping the session (below)
            # cancels its jobs
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, _stop_on_ctrl_c)
        return started[0]

    def report(outcome) -> None:
        if isinstance(outcome, Exception):
            err.print(f"error: {outcome}", soft_wrap=True, markup=False)
        else:
            for line in outcome.lines():
                console.print(line, soft_wrap=True, markup=False)

    try:
        if interval is None:
            try:
                report(refresh_lake(lake, settings, session, merge_staged))
            except RefreshError as exc:
                fail(str(exc), 1)
            return
        console.print(f"refreshing {lake} every {every}; Ctrl-C stops", soft_wrap=True,
                      markup=False)
        keep_refreshing(lake, settings, session, interval, report, merge=merge_staged)
    except KeyboardInterrupt:
        # a refresh cut short leaves the lake's last complete facts (the manifest
        # is only replaced when a refresh ends)
        err.print("stopped: the lake keeps the facts of the last complete refresh",
                  markup=False)
    finally:
        if started:
            started[0].stop()


def info(db: DbOption = None, config: ConfigOption = None) -> None:
    """Row counts of every table of the store."""
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config, reading=True) as store:
            _store_counts(store.path, store.counts(), getattr(store, "settings", None), config)
    except StoreLocked:
        from mailreport.api.forward import forward_get, running_server

        def ask(path):
            return running_server(path), path, forward_get(path, "/api/v1/store")

        server, path, answer = through_server(db, config, ask)
        _store_counts(path, answer["counts"], None, config)
        err.print(f"counted by {server}")


def _store_counts(path, counts: dict[str, int], settings, config=None) -> None:
    """The store's row counts, titled in the reader's language."""
    from mailreport.cli.language import Speaker, language_for

    sp = Speaker.of(settings) if settings is not None else Speaker(language_for(config))
    render.counts(console, sp._("Store {path}", path=path), counts, sp)
