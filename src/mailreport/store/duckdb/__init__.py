"""The DuckDB engine: one database file (the default store), its schema, and the
facts kept in it by bulk, incremental and live refreshes."""

from mailreport.store.duckdb.store import DuckDBStore, db_path

__all__ = ["DuckDBStore", "db_path"]
