"""The audit trail: who did what with customer data and with access, when and from
where (docs/accounts.md).

One row per event, appended to the ``audit`` table and never changed; rows older
than the ``audit_days`` setting are deleted (``prune``), when the server starts
and daily. Recorded: sign-ins (failed ones too), sign-outs, changes to users and
tokens, each view of a customer list and each export, with its rows; each
backup of the store (a copy of all of it) and each restore; and each erasure of
customers' personal data (erasure.py), with how many it erased; an erasure also
cuts the customers' contacts out of the records already kept.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from mailreport.accounts import utcnow

# The actions, as the table and the filters name them.
ACTIONS = (
    "signin", "signin_failed", "signout", "signout_everywhere", "password_change",
    "user_create", "user_disable", "user_enable", "user_reset_password", "user_grant",
    "token_create", "token_revoke", "customer_list", "hard_bounces", "export",
    "backup", "restore", "customer_forget",
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
        append(con, action, actor=actor, role=role, address=address, entity=entity,
               details=details, at=at)


def append(con, action: str, *, actor: str, role: str = "", address: str = "",
           entity: str = "", details: dict[str, Any] | None = None,
           at: dt.datetime | None = None) -> None:
    """Append one record in the caller's transaction on the DuckDB file: for a
    change whose record must commit with it, or not at all (an erasure)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                [at or utcnow(), actor, role, address, action, entity,
                 json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)])


def _where(since, until, actor, actions) -> tuple[str, list]:
    where, params = [], []
    for bound, op in ((since, ">="), (until, "<")):
        if bound is not None:
            if bound.tzinfo is not None:
                bound = bound.astimezone(dt.UTC).replace(tzinfo=None)
            where.append(f"\"at\" {op} ?")
            params.append(bound)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if actions:
        where.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def _actions(action: str | None, actions) -> list[str]:
    return [*([action] if action else []), *(actions or ())]


def query(store, since: dt.datetime | None = None, actor: str | None = None,
          action: str | None = None, limit: int = 1000, *, until: dt.datetime | None = None,
          actions: tuple[str, ...] | list[str] = (), offset: int = 0) -> list[AuditRecord]:
    """The records since a time (UTC) and before ``until``, of one actor and of one
    action or any of ``actions``, newest first; ``offset`` skips that many, so that a
    page can go through a long trail a screen at a time."""
    where, params = _where(since, until, actor, _actions(action, actions))
    # rowid breaks ties of "at", so that pages neither repeat nor skip a record
    sql = ("SELECT \"at\", actor, role, address, action, entity, details FROM audit"
           + where + " ORDER BY \"at\" DESC, rowid DESC LIMIT ? OFFSET ?")
    rows = store.sql(sql, [*params, min(max(limit, 1), QUERY_MAX), max(offset, 0)])
    return [AuditRecord(at.replace(tzinfo=dt.UTC), actor_, role, address, action_, entity,
                        json.loads(details or "{}"))
            for at, actor_, role, address, action_, entity, details in rows]


def count(store, since: dt.datetime | None = None, actor: str | None = None,
          action: str | None = None, *, until: dt.datetime | None = None,
          actions: tuple[str, ...] | list[str] = ()) -> int:
    """How many records ``query`` would page through with the same filters."""
    where, params = _where(since, until, actor, _actions(action, actions))
    return int(store.sql("SELECT count(*) FROM audit" + where, params)[0][0])


def prune(store, days: int, now: dt.datetime | None = None) -> int:
    """Delete the records older than ``days``; returns how many went."""
    if not keeps_trail(store):
        return 0
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    with store.write() as con:
        gone = con.execute('SELECT count(*) FROM audit WHERE "at" < ?',
                           [cutoff]).fetchone()[0]
        con.execute("DELETE FROM audit WHERE \"at\" < ?", [cutoff])
    return int(gone)
