"""The generic endpoint, ``POST /api/v1/events``: contract events as JSON.

For the company's own push service and anything else that can send contract rows.
The body is a JSON array of event objects, or ``{"events": [...]}``; keys are the
events table's columns (docs/data-contract.md). Values are scalars; the store
validates them exactly as the loader validates a file. Authenticated with an API
token of the admin role, not with a signature.
"""

from __future__ import annotations

import json

from mailreport.contract import table
from mailreport.ingest.providers import Malformed, Parsed, load_json

NAME = "api"
COLUMNS = frozenset(table("events").column_names) | {"recipient"}


def _scalar(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def parse(body: bytes) -> tuple[Parsed, list[str]]:
    """The events of a body and the names of the keys that are not columns (ignored,
    as the loader ignores unknown columns)."""
    data = load_json(body, "a JSON array of events")
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
    if not isinstance(data, list):
        raise Malformed('the body is a JSON array of events, or {"events": [...]}')
    parsed, unknown = Parsed(), set()
    for n, item in enumerate(data):
        if not isinstance(item, dict):
            raise Malformed(f"event {n} is not a JSON object")
        for key, value in item.items():
            if isinstance(value, dict | list):
                raise Malformed(f"event {n}: {key} must be a string, number, true, false "
                                "or null")
        unknown.update(k for k in item if k not in COLUMNS)
        row = {k: _scalar(v) for k, v in item.items() if k in COLUMNS}
        row.setdefault("provider", NAME)
        parsed.events.append(row)
    return parsed, sorted(unknown)
