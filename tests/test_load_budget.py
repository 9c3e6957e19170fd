"""A load's Arrow chunks share the engine's memory limit instead of adding to it:
the engine gives up a quarter of its limit while files are staged and merged, and a
chunk is cut by its bytes as well as its rows (ingest/load_session.py)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mailreport.ingest import load_session
from mailreport.ingest.loader import EXIT_OK, load_directory
from mailreport.settings import Settings
from mailreport.store.duckdb import fact_refresh
from mailreport.store.duckdb.store import DuckDBStore


def limit_now(store) -> str:
    return store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def customers(directory, n: int, width: int = 0):
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"customer_id": [f"c{i:07d}" for i in range(n)],
                             "region": [f"{i:07d}" + "r" * width for i in range(n)]}),
                   directory / "customers.parquet")
    return directory


def test_the_engine_gives_up_a_quarter_of_its_limit_until_the_facts(tmp_path, monkeypatch):
    """400MB shows as 381.4 MiB: 381.4 x 2^20 x 0.75 = 299,948,236 bytes, 286.05 MiB,
    which DuckDB shows as 286.0 MiB."""
    store = DuckDBStore(tmp_path / "s.duckdb", Settings(), memory_limit="400MB")
    seen: dict[str, str] = {}
    refresh = fact_refresh.refresh

    def watched(con, settings):
        seen["facts"] = limit_now(store)
        refresh(con, settings)

    monkeypatch.setattr(fact_refresh, "refresh", watched)
    summary = load_directory(store, customers(tmp_path / "d", 10), tmp_path / "r",
                             lambda label, done, total: seen.setdefault("staging",
                                                                        limit_now(store)))
    assert summary.exit_code == EXIT_OK
    assert seen == {"staging": "286.0 MiB", "facts": "381.4 MiB"}
    assert limit_now(store) == "381.4 MiB"
    store.close()


def test_a_failed_load_gives_the_engine_its_limit_back(tmp_path, monkeypatch):
    store = DuckDBStore(tmp_path / "s.duckdb", Settings(), memory_limit="400MB")

    def boom(self):
        raise RuntimeError("the facts could not be refreshed")

    monkeypatch.setattr(load_session.LoadSession, "refresh_facts", boom)
    with pytest.raises(RuntimeError):
        load_directory(store, customers(tmp_path / "d", 10), tmp_path / "r")
    assert limit_now(store) == "381.4 MiB"
    store.close()


def test_a_chunk_of_wide_rows_is_cut_by_its_bytes(tmp_path, monkeypatch):
    """200MB (190.7 MiB) allows 97,638 rows a chunk, and 190.7 MiB x 0.25 / 8 =
    6,249,123 bytes of text: rows of about 0.5 KB fill that at about 12,000, so
    120,000 of them merge in about ten chunks where rows alone would make two."""
    store = DuckDBStore(tmp_path / "s.duckdb", Settings(), memory_limit="200MB")
    merges = []
    merge = load_session.LoadSession.merge

    def counted(self, table, file):
        merges.append(self.staged)
        return merge(self, table, file)

    monkeypatch.setattr(load_session.LoadSession, "merge", counted)
    summary = load_directory(store, customers(tmp_path / "d", 120_000, width=480),
                             tmp_path / "r")
    assert summary.tables[0].inserted == 120_000
    assert sum(merges) == 120_000
    assert 8 <= len(merges) <= 14, merges
    assert max(merges) < 20_000, merges
    store.close()
