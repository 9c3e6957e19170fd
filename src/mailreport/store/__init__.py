"""Storage engines. Everything engine-specific lives in this package."""

from mailreport.store.duckdb_store import DuckDBStore, StoreError, StoreLocked, db_path
from mailreport.store.tables import Tables

__all__ = ["DuckDBStore", "StoreError", "StoreLocked", "Tables", "db_path", "open_store"]


def open_store(path, settings, read_only: bool = False) -> DuckDBStore:
    return DuckDBStore(path, settings, read_only=read_only)
