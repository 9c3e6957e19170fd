"""Shared fixtures: a real DuckDB file per test, and small declarative datasets
loaded through the real loader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mailreport.ingest.loader import load_directory
from mailreport.settings import Settings
from mailreport.store import open_store

T0 = dt.datetime(2026, 3, 2, 9, 0, 0)  # a Monday, 09:00 UTC


def at(hours: float = 0, days: float = 0) -> str:
    """An ISO timestamp relative to T0."""
    return (T0 + dt.timedelta(hours=hours, days=days)).isoformat()


def write_jsonl(directory: Path, table: str, rows: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{table}.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


class Dataset:
    """Builds contract rows declaratively and loads them into a real store.

    ``journeys("m1", {"alice": [("delivered", at(0)), ("clicked", at(1))]})``
    adds alice to m1's audience (good, test) and her events."""

    def __init__(self, store, directory: Path):
        self.store = store
        self.directory = directory
        self.rows: dict[str, list[dict]] = {}
        self._event = 0
        self._order = 0
        self._loads = 0

    def add(self, table: str, *rows: dict) -> Dataset:
        self.rows.setdefault(table, []).extend(rows)
        return self

    def customer(self, customer_id: str, **kw) -> Dataset:
        return self.add("customers", {"customer_id": customer_id, **kw})

    def mailing(self, mailing_id: str, channel: str = "email", status: str = "sent",
                sent_at: str | None = None, **kw) -> Dataset:
        return self.add("mailings", {"mailing_id": mailing_id, "name": f"Mailing {mailing_id}",
                                     "channel": channel, "status": status,
                                     "sent_at": sent_at or at(0), **kw})

    def event(self, mailing_id: str, customer_id: str, type_: str, ts: str, **kw) -> Dataset:
        self._event += 1
        return self.add("events", {"event_id": kw.pop("event_id", f"e{self._event}"),
                                   "mailing_id": mailing_id, "customer_id": customer_id,
                                   "type": type_, "ts": ts, **kw})

    def journeys(self, mailing_id: str, people: dict[str, list[tuple]], group: str = "test",
                 variant_id: str | None = None, audience: bool = True) -> Dataset:
        known = {r["customer_id"] for r in self.rows.get("customers", [])}
        for name, events in people.items():
            if name not in known:
                self.customer(name)
                known.add(name)
            if audience:
                self.add("audience", {"mailing_id": mailing_id, "customer_id": name,
                                      "status": "good", "group": group,
                                      "variant_id": variant_id if group == "test" else None})
            for ev in events:
                type_, ts, *extra = ev
                self.event(mailing_id, name, type_, ts, **(extra[0] if extra else {}))
        return self

    def order(self, customer_id: str, ts: str, total: str = "100.00", kind: str = "receipt",
              status: str = "completed", lines: list[tuple] | None = None,
              order_id: str | None = None) -> Dataset:
        self._order += 1
        oid = order_id or f"o{self._order}"
        self.add("orders", {"order_id": oid, "kind": kind, "customer_id": customer_id,
                            "ts": ts, "total": total, "status": status})
        for n, (product_id, quantity, amount) in enumerate(lines or []):
            self.add("order_lines", {"order_id": oid, "line_no": n, "product_id": product_id,
                                     "quantity": quantity, "amount": amount})
        return self

    def load(self):
        self._loads += 1
        directory = self.directory / f"load{self._loads}"
        for table, rows in self.rows.items():
            write_jsonl(directory, table, rows)
        summary = load_directory(self.store, directory, directory / "_report")
        problems = [t for t in summary.tables if t.rejected or t.error] + summary.problems
        assert not problems, (problems, (directory / "_report" / "rejects.csv").read_text()
                              if summary.rejects_file else "")
        self.rows = {}
        return summary

    def tables(self):
        return self.store.tables()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def store(tmp_path, settings):
    s = open_store(tmp_path / "test.duckdb", settings)
    yield s
    s.close()


ENGINES = ("duckdb", "spark", "postgres")


def pytest_generate_tests(metafunc):
    """Each case of a module marked ``engines`` runs on every engine, or on those its
    own ``@pytest.mark.engines(...)`` names (with the reason for the gap)."""
    marker = metafunc.definition.get_closest_marker("engines")
    if marker is None or "engine" not in metafunc.fixturenames:
        return
    params = []
    for engine in ENGINES:
        marks = [getattr(pytest.mark, engine)] if engine != "duckdb" else []
        if marker.args and engine not in marker.args:
            marks.append(pytest.mark.skip(reason=marker.kwargs.get("reason", "")))
        params.append(pytest.param(engine, marks=marks, id=engine))
    metafunc.parametrize("engine", params, indirect=True)


@pytest.fixture
def engine(request) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture
def data(store, tmp_path, engine, request):
    """The case's rows, loaded into its DuckDB store, read through ``engine``."""
    if engine == "duckdb":
        yield Dataset(store, tmp_path / "data")
        return
    import engines

    d = engines.DATASETS[engine](store, tmp_path / "data", request.getfixturevalue(engine))
    yield d
    d.close()


def query(**kw):
    from mailreport.reports import ReportQuery

    return ReportQuery(**kw)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The small demo's contract files, generated once per test session."""
    from mailreport.demo import generate

    out = tmp_path_factory.mktemp("demo-small")
    generate(out, scale="small", seed=42)
    return out


@pytest.fixture(scope="session")
def demo_store(demo_dir, tmp_path_factory):
    """A store with the small demo loaded, shared read-only by the tests."""
    path = tmp_path_factory.mktemp("demo-db") / "demo.duckdb"
    s = open_store(path, Settings())
    summary = load_directory(s, demo_dir, tmp_path_factory.mktemp("demo-load"))
    assert summary.exit_code == 0, summary.to_dict()
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_db(demo_dir, tmp_path_factory) -> Path:
    """The small demo in a DuckDB file of its own, closed, as a command finds it
    (``engines.open_reader`` opens it read-only)."""
    path = tmp_path_factory.mktemp("demo-db-file") / "demo.duckdb"
    s = open_store(path, Settings())
    summary = load_directory(s, demo_dir, tmp_path_factory.mktemp("demo-db-load"))
    s.close()
    assert summary.exit_code == 0, summary.to_dict()
    return path


@pytest.fixture(scope="session")
def demo_lake(demo_db, tmp_path_factory) -> Path:
    """``demo_db`` exported with `lake export`: its tables and facts. Tests that
    change a lake change a copy."""
    from mailreport.store.engines import open_reader
    from mailreport.store.lake import export_lake

    lake = tmp_path_factory.mktemp("demo-lake")
    s = open_reader("duckdb", Settings(), db=demo_db)
    try:
        export_lake(s, lake)
    finally:
        s.close()
    return lake


@pytest.fixture
def demo_tables(engine, demo_store, request, tmp_path_factory):
    """The small demo's tables, read through ``engine``."""
    if engine == "duckdb":
        return demo_store.tables()
    import engines

    return engines.demo_tables(engine, demo_store, request.getfixturevalue(engine),
                               tmp_path_factory)


# the engines' session fixtures (Spark's one SparkSession), for ``data`` to ask for
from engines import postgres, spark, spark_data  # noqa: E402,F401
