"""The store's schema: contract tables, derived tables and versioned migrations.

Every table of the contract gets the contract's columns with their store types.
Migrations are numbered and applied in order; ``meta.schema_version`` records
the last applied one, so opening an older database upgrades it in place.
"""

from __future__ import annotations

from mailreport.contract import TABLES, Table


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{quote(c.name)} {c.store_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({cols})"


# Each customer's reach time of each stage per mailing, with and without machine
# events, and the customer's audience status, group and resolved variant. Every
# report section reads this instead of the raw events.
REACH_TIMES = (
    ("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("status", "VARCHAR"),
    ("group", "VARCHAR"), ("variant_id", "VARCHAR"),
    ("sent_at", "TIMESTAMP"), ("delivered_at", "TIMESTAMP"), ("opened_at", "TIMESTAMP"),
    ("clicked_at", "TIMESTAMP"), ("sent_at_all", "TIMESTAMP"),
    ("delivered_at_all", "TIMESTAMP"), ("opened_at_all", "TIMESTAMP"),
    ("clicked_at_all", "TIMESTAMP"), ("touch_at", "TIMESTAMP"), ("zone", "VARCHAR"),
    # dates of the reach times in the company's time zone
    ("sent_day", "DATE"), ("delivered_day", "DATE"), ("opened_day", "DATE"),
    ("clicked_day", "DATE"), ("opened_all_day", "DATE"), ("clicked_all_day", "DATE"),
    # hour (0-23) and weekday (0 = Monday) of the first open: recipient's zone
    # (the company's where unknown), then the company's; _all with machine opens
    ("open_hour", "TINYINT"), ("open_dow", "TINYINT"),
    ("open_hour_all", "TINYINT"), ("open_dow_all", "TINYINT"),
    ("open_hour_co", "TINYINT"), ("open_dow_co", "TINYINT"),
    ("open_hour_co_all", "TINYINT"), ("open_dow_co_all", "TINYINT"),
)
REACH_COLUMNS = tuple(quote(name) for name, _ in REACH_TIMES)

REACH_TIMES_SQL = ("CREATE TABLE IF NOT EXISTS reach_times ("
                   + ", ".join(f"{quote(n)} {t}" for n, t in REACH_TIMES) + ")")

# Completed orders attributed to the touch of one mailing (DESIGN.md, "Attribution").
ATTRIBUTED_ORDERS_SQL = """
CREATE TABLE IF NOT EXISTS attributed_orders (
    order_id VARCHAR, mailing_id VARCHAR, customer_id VARCHAR, kind VARCHAR,
    ts TIMESTAMP, total DECIMAL(18,2), touch_at TIMESTAMP, day DATE
)"""

ATTRIBUTED_LINES_SQL = """
CREATE TABLE IF NOT EXISTS attributed_lines (
    mailing_id VARCHAR, customer_id VARCHAR, order_id VARCHAR, day DATE,
    product_id VARCHAR, quantity DECIMAL(18,3), amount DECIMAL(18,2)
)"""

# The rollups (store/rollups.py): the derived tables summed to what the report
# sections ask for.
ROLLUPS_SQL = (
    """CREATE TABLE IF NOT EXISTS reach_counts (
        mailing_id VARCHAR, status VARCHAR, "group" VARCHAR, variant_id VARCHAR,
        stage VARCHAR, day DATE, customers BIGINT)""",
    """CREATE TABLE IF NOT EXISTS open_counts (
        mailing_id VARCHAR, machine BOOLEAN, zone VARCHAR, day DATE, dow TINYINT,
        hour TINYINT, openers BIGINT)""",
    """CREATE TABLE IF NOT EXISTS click_counts (
        mailing_id VARCHAR, customer_id VARCHAR, variant_id VARCHAR, link_index INTEGER,
        url VARCHAR, day DATE, is_machine BOOLEAN, clicks BIGINT)""",
    """CREATE TABLE IF NOT EXISTS window_orders (
        mailing_id VARCHAR, customer_id VARCHAR, "group" VARCHAR, variant_id VARCHAR,
        day DATE, orders BIGINT, revenue DECIMAL(38,2))""",
    """CREATE TABLE IF NOT EXISTS category_sales (
        mailing_id VARCHAR, day DATE, category_id VARCHAR, units DECIMAL(38,3),
        revenue DECIMAL(38,2), receipts BIGINT)""",
    """CREATE TABLE IF NOT EXISTS order_days (
        mailing_id VARCHAR, day DATE, prev_day DATE, customers BIGINT)""",
    """CREATE TABLE IF NOT EXISTS buyers (
        mailing_id VARCHAR, customer_id VARCHAR, day DATE, orders BIGINT,
        revenue DECIMAL(38,2), first_ts TIMESTAMP, status VARCHAR, "group" VARCHAR,
        variant_id VARCHAR, sent_day DATE, delivered_day DATE, opened_day DATE,
        clicked_day DATE, opened_all_day DATE, clicked_all_day DATE, sent_at TIMESTAMP,
        delivered_at TIMESTAMP, opened_at TIMESTAMP, clicked_at TIMESTAMP,
        opened_at_all TIMESTAMP, clicked_at_all TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS complaints (
        mailing_id VARCHAR, customer_id VARCHAR, type VARCHAR, day DATE,
        first_ts TIMESTAMP, variant_id VARCHAR, events BIGINT)""",
)
ROLLUP_TABLES = ("reach_counts", "open_counts", "click_counts", "window_orders",
                 "category_sales", "order_days", "buyers", "complaints")

META_SQL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"

# API tokens: only a SHA-256 of each token's secret is kept.
TOKENS_SQL = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, product_sales BOOLEAN,
    secret_sha256 VARCHAR, created_at TIMESTAMP, revoked_at TIMESTAMP
)"""

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, tuple(create_table_sql(t) for t in TABLES)
     + (REACH_TIMES_SQL, ATTRIBUTED_ORDERS_SQL, ATTRIBUTED_LINES_SQL)),
    (2, (TOKENS_SQL,)),
    # live events: the machine rule on events, and the quarantine of events that could
    # not be stored (no known mailing or customer...), one row per distinct content
    (3, ("ALTER TABLE events ADD COLUMN IF NOT EXISTS machine_rule VARCHAR",
         "CREATE TABLE IF NOT EXISTS quarantine (quarantine_id VARCHAR, event_id VARCHAR, "
         "provider VARCHAR, mailing_id VARCHAR, customer_id VARCHAR, type VARCHAR, "
         "rule VARCHAR, reason VARCHAR, event VARCHAR, received_at TIMESTAMP, "
         "last_received_at TIMESTAMP, deliveries BIGINT)")),
    # live events: the (mailing, customer) pairs whose derived rows a live commit
    # changed, written in the events' transaction and emptied by the refresh that
    # follows it (store/live_writer.py), so a crash in between leaves them pending
    (4, ("CREATE TABLE IF NOT EXISTS live_pending (mailing_id VARCHAR, customer_id VARCHAR)",)),
    # the rollups the report sections read (store/rollups.py); opening the store fills
    # them from the derived tables
    (5, ROLLUPS_SQL),
    # a customer list's page looks up its rows' contacts by id
    (6, ("CREATE INDEX IF NOT EXISTS customers_by_id ON customers (customer_id)",)),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]
DERIVED_TABLES = ("reach_times", "attributed_orders", "attributed_lines")
