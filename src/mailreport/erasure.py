"""Erasing customers' personal data (152-FZ, GDPR): ``mailreport forget`` and
``POST /api/v1/customers/forget`` (docs/personal-data.md).

A customer's contacts and the identifying fields of their events are blanked
everywhere the store keeps them, in one transaction with the audit trail's
record of it; every report figure stays as it was, since rows are rewritten,
not deleted (``store/duckdb/erasure.py`` says what becomes of each column). The
customer is marked forgotten, so a later load withholds their contacts. Running
it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from mailreport import audit

# ids in one erasure at most: the request and the audit record stay bounded
MOST_IDS = 10_000
ID_MAX = 200


class ErasureError(ValueError):
    """An erasure refused before anything changed: bad ids, or a store it does not cover."""


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: the ids it erased now, those erased before (nothing left
    to do), those the store does not know (nothing done), and the rows it changed
    per table (all zero when it was run before)."""

    erased: list[str]
    already_erased: list[str]
    unknown: list[str]
    rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def check_ids(ids) -> list[str]:
    """The ids as given, once each, in order; ErasureError when there are none, too
    many, or one is empty or too long (as the API's schema says: an id with spaces
    is looked up as it is, and is unknown if no customer has it)."""
    out = list(dict.fromkeys(str(i) for i in ids))
    if not out:
        raise ErasureError("name at least one customer id")
    if len(out) > MOST_IDS:
        raise ErasureError(f"at most {MOST_IDS} customer ids at a time, not {len(out)}")
    for i in out:
        if not i or len(i) > ID_MAX:
            raise ErasureError(f"a customer id is 1 to {ID_MAX} characters, not {i[:40]!r}")
    return out


def forget(store, ids, *, actor: str, role: str, address: str,
           now: dt.datetime | None = None) -> Erasure:
    """Erase the customers ``ids`` in the DuckDB store, and record it in the audit
    trail in the same transaction: a crash leaves all of it or none. The record
    names who, the ids erased (the store's pseudonymous ids, never contacts) and
    how many rows changed; unknown ids only as a count, since one may be a contact
    typed by mistake."""
    ids = check_ids(ids)
    if store.engine != "duckdb":
        raise ErasureError(
            "erasure covers the DuckDB store only; this server reads a lake, whose "
            "files it does not change (docs/personal-data.md)" if store.engine == "lake"
            else f"erasure covers the DuckDB store only, not {store.engine}")
    from mailreport.store.duckdb import erasure as duckdb_erasure

    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.write() as con:
        done = duckdb_erasure.erase(con, store.settings, ids, now)
        result = Erasure(done.forgotten, done.already, done.unknown, done.rows)
        audit.append(con, "customer_forget", actor=actor, role=role, address=address,
                     entity="customers", at=now,
                     details={"erased": result.erased, "already_erased": result.already_erased,
                              "unknown": len(result.unknown), "rows": result.rows})
    return result
