"""The audit trail: who did what with customer data and with access, when and from
where (docs/accounts.md).

One row per event, appended to the ``audit`` table and never changed; rows older
than the ``audit_days`` setting are deleted (``prune``), when the server starts
and daily. Recorded: sign-ins (failed ones too), sign-outs, changes to users and
tokens, each view of a customer list and each export, with its rows; each
backup of the store (a copy of all of it) and each restore.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

# The actions, as the table and the filters name them.
ACTIONS = (
    "signin", "signin_failed", "signout", "signout_everywhere", "password_change",
    "user_create", "user_disable", "user_enable", "user_reset_password", "user_grant",
    "token_create", "token_revoke", "customer_list", "hard_bounces", "export",
    "backup", "restore",
)
QUERY_MAX = 10_000


@dataclass(frozen=True)
class AuditRecord:
    at: dt.datetime
    actor: str
    role: str
    address: str
    action: str
    entity: str
    details: dict[str, Any]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def keeps_trail(store) -> bool:
    """The DuckDB file (alone, or beside a lake) keeps the trail; a store opened
    read-only keeps none (a command reading beside a loader serves nobody else), nor
    do the benchmark's PostgreSQL and the Spark engine, which no server serves."""
    return store.engine in ("duckdb", "lake") and not getattr(store, "read_only", False)


def record(store, action: str, *, actor: str, role: str = "", address: str = "",
           entity: str = "", details: dict[str, Any] | None = None,
           at: dt.datetime | None = None) -> None:
    """Append one record, unless the store keeps no trail (``keeps_trail``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if not keeps_trail(store):
        return
    with store.write() as con:
        con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [at or _now(), actor, role, address, action, entity,
                     json.dumps(details or {}, ensure_ascii=False, sort_keys=True,
                                default=str)])


def query(store, since: dt.datetime | None = None, actor: str | None = None,
          action: str | None = None, limit: int = 1000) -> list[AuditRecord]:
    """The records since a time (UTC), of one actor or action, newest first."""
    where, params = [], []
    if since is not None:
        if since.tzinfo is not None:
            since = since.astimezone(dt.UTC).replace(tzinfo=None)
        where.append("\"at\" >= ?")
        params.append(since)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("action = ?")
        params.append(action)
    sql = ("SELECT \"at\", actor, role, address, action, entity, details FROM audit"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY \"at\" DESC LIMIT ?")
    rows = store.sql(sql, [*params, min(max(limit, 1), QUERY_MAX)])
    return [AuditRecord(at.replace(tzinfo=dt.UTC), actor_, role, address, action_, entity,
                        json.loads(details or "{}"))
            for at, actor_, role, address, action_, entity, details in rows]


def prune(store, days: int, now: dt.datetime | None = None) -> int:
    """Delete the records older than ``days``; returns how many went."""
    if not keeps_trail(store):
        return 0
    cutoff = (now or _now()) - dt.timedelta(days=days)
    with store.write() as con:
        gone = con.execute('SELECT count(*) FROM audit WHERE "at" < ?',
                           [cutoff]).fetchone()[0]
        con.execute("DELETE FROM audit WHERE \"at\" < ?", [cutoff])
    return int(gone)
