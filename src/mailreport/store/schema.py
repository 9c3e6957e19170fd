"""The store's schema: contract tables, derived tables and versioned migrations.

Every table of the contract gets the contract's columns with their store types.
Migrations are numbered and applied in order; ``meta.schema_version`` records
the last applied one, so opening an older database upgrades it in place.
"""

from __future__ import annotations

from mailreport.contract import TABLES, Table


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{quote(c.name)} {c.store_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({cols})"


# Each customer's reach time of each stage per mailing, with and without machine
# events, and the customer's audience status, group and resolved variant. Every
# report section reads this instead of the raw events.
REACH_TIMES_SQL = """
CREATE TABLE IF NOT EXISTS reach_times (
    mailing_id VARCHAR, customer_id VARCHAR, status VARCHAR, "group" VARCHAR,
    variant_id VARCHAR,
    sent_at TIMESTAMP, delivered_at TIMESTAMP, opened_at TIMESTAMP, clicked_at TIMESTAMP,
    sent_at_all TIMESTAMP, delivered_at_all TIMESTAMP, opened_at_all TIMESTAMP,
    clicked_at_all TIMESTAMP, touch_at TIMESTAMP
)"""

# Completed orders attributed to the touch of one mailing (DESIGN.md, "Attribution").
ATTRIBUTED_ORDERS_SQL = """
CREATE TABLE IF NOT EXISTS attributed_orders (
    order_id VARCHAR, mailing_id VARCHAR, customer_id VARCHAR, kind VARCHAR,
    ts TIMESTAMP, total DECIMAL(18,2), touch_at TIMESTAMP
)"""

META_SQL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"

# API tokens: only a SHA-256 of each token's secret is kept.
TOKENS_SQL = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, product_sales BOOLEAN,
    secret_sha256 VARCHAR, created_at TIMESTAMP, revoked_at TIMESTAMP
)"""

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, tuple(create_table_sql(t) for t in TABLES) + (REACH_TIMES_SQL, ATTRIBUTED_ORDERS_SQL)),
    (2, (TOKENS_SQL,)),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]
