"""The PostgreSQL engine: the contract's tables in a PostgreSQL database, copied from
a DuckDB store, and the facts built there from their single definitions. Needs the
``postgres`` extra (psycopg and Ibis's PostgreSQL backend), imported only when a
store is opened."""

from mailreport.store.postgres.store import PostgresStore, PostgresStoreError

__all__ = ["PostgresStore", "PostgresStoreError"]
