"""The store's schema: contract tables, the store's own tables and versioned migrations.

Every table of the contract gets the contract's columns with their store types.
Migrations are numbered and applied in order; ``meta.schema_version`` records
the last applied one, so opening an older database upgrades it in place.
"""

from __future__ import annotations

from mailreport.contract import TABLES, Table
from mailreport.facts.sql import quote
from mailreport.facts.user_agents import DDL as USER_AGENTS_DDL
from mailreport.store.duckdb.erasure import FORGOTTEN_SQL


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{quote(c.name)} {c.store_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({cols})"


META_SQL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"

# API tokens: only a SHA-256 of each token's secret is kept.
TOKENS_SQL = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, product_sales BOOLEAN,
    secret_sha256 VARCHAR, created_at TIMESTAMP, revoked_at TIMESTAMP
)"""

# Reports sent by email on a schedule (schedules/): each schedule, and each attempt
# to deliver one of its runs. The unique (schedule, due time, attempt) is the claim:
# a run is sent by whoever inserts its row, so two schedulers never both send it.
SCHEDULES_SQL = """
CREATE TABLE IF NOT EXISTS schedules (
    schedule_id VARCHAR PRIMARY KEY, kind VARCHAR, target_id VARCHAR, cadence VARCHAR,
    days_after INTEGER, weekday INTEGER, day_of_month INTEGER, at_time VARCHAR,
    period_rule VARCHAR, recipients VARCHAR[], attachments VARCHAR[], language VARCHAR,
    product_sales BOOLEAN, enabled BOOLEAN, created_by VARCHAR, created_at TIMESTAMP,
    next_due_at TIMESTAMP
)"""
SCHEDULE_DELIVERIES_SQL = """
CREATE TABLE IF NOT EXISTS schedule_deliveries (
    schedule_id VARCHAR, due_at TIMESTAMP, attempt INTEGER, started_at TIMESTAMP,
    finished_at TIMESTAMP, recipients VARCHAR[], period_from DATE, period_to DATE,
    outcome VARCHAR, error VARCHAR, message_id VARCHAR, retry_at TIMESTAMP,
    UNIQUE (schedule_id, due_at, attempt)
)"""

# People who sign in with a name and password (accounts.py): an Argon2 hash of the
# password, never the password. name_key is the name in lower case, so that two
# accounts cannot differ by case only. sessions_after: sessions started before it
# are refused (sign out everywhere, a reset, a disabling).
USERS_SQL = """
CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY, name VARCHAR, name_key VARCHAR UNIQUE,
    password_hash VARCHAR, role VARCHAR, product_sales BOOLEAN, disabled BOOLEAN,
    must_change_password BOOLEAN, created_at TIMESTAMP, password_changed_at TIMESTAMP,
    failed_attempts INTEGER, locked_until TIMESTAMP, sessions_after TIMESTAMP
)"""

# Who did what to which customer data, when and from where (audit.py): appended to,
# and pruned of rows older than the audit_days setting, never changed.
AUDIT_SQL = """
CREATE TABLE IF NOT EXISTS audit (
    "at" TIMESTAMP, actor VARCHAR, role VARCHAR, address VARCHAR, action VARCHAR,
    entity VARCHAR, details VARCHAR
)"""

# Accounts made by single sign-on (sso.py): the provider's issuer and its subject for
# the person, which name one account for good (a name or an email may change hands).
SSO_IDENTITIES_SQL = """
CREATE TABLE IF NOT EXISTS sso_identities (
    issuer VARCHAR, subject VARCHAR, user_id VARCHAR, linked_at TIMESTAMP,
    last_signin_at TIMESTAMP, PRIMARY KEY (issuer, subject)
)"""

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    # the facts' tables (facts/) are made by the facts' own build, not here
    (1, tuple(create_table_sql(t) for t in TABLES)),
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
    # follows it (ingest/live_writer.py), so a crash in between leaves them pending
    (4, ("CREATE TABLE IF NOT EXISTS live_pending (mailing_id VARCHAR, customer_id VARCHAR)",)),
    # was: the rollups' tables; they are facts now, made by the facts' build
    (5, ()),
    # a customer list's page looks up its rows' contacts by id
    (6, ("CREATE INDEX IF NOT EXISTS customers_by_id ON customers (customer_id)",)),
    # a product's unit of measure; products loaded before it was known are pieces
    (7, ("ALTER TABLE products ADD COLUMN IF NOT EXISTS unit VARCHAR DEFAULT 'pcs'",
         "UPDATE products SET unit = 'pcs' WHERE unit IS NULL")),
    # the events' user agents, parsed once each (facts/user_agents.py)
    (8, (USER_AGENTS_DDL,)),
    # why a message did not arrive, and why a customer unsubscribed
    (9, ("ALTER TABLE events ADD COLUMN IF NOT EXISTS bounce_class VARCHAR",
         "ALTER TABLE events ADD COLUMN IF NOT EXISTS reason VARCHAR")),
    # reports sent by email on a schedule, and their deliveries
    (10, (SCHEDULES_SQL, SCHEDULE_DELIVERIES_SQL)),
    # share links (shares.py): the secret's SHA-256 only
    (11, ("CREATE TABLE IF NOT EXISTS shares (share_id VARCHAR PRIMARY KEY, kind VARCHAR, "
          "target_id VARCHAR, date_from DATE, date_to DATE, created_by VARCHAR, "
          "created_at TIMESTAMP, expires_at TIMESTAMP, revoked_at TIMESTAMP, "
          "secret_sha256 VARCHAR)",)),
    # accounts and the audit trail (10: schedules, 11: share links)
    (12, (USERS_SQL, AUDIT_SQL, 'CREATE INDEX IF NOT EXISTS audit_by_time ON audit ("at")')),
    # single sign-on: the provider's identities of the accounts it made
    (13, (SSO_IDENTITIES_SQL,)),
    # the customers whose personal data was erased (store/duckdb/erasure.py)
    (14, (FORGOTTEN_SQL,)),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]
