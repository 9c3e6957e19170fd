"""Storage engines: everything engine-specific lives in this package, one
subpackage per engine (duckdb, spark, postgres)."""

from mailreport.store.duckdb import DuckDBStore, db_path
from mailreport.store.errors import QueryTimeout, StoreError, StoreLocked
from mailreport.store.tables import Tables

__all__ = ["DuckDBStore", "QueryTimeout", "StoreError", "StoreLocked", "Tables", "db_path",
           "open_store"]


def open_store(path, settings, read_only: bool = False) -> DuckDBStore:
    return DuckDBStore(path, settings, read_only=read_only)
