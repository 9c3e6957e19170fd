"""Query parameters several endpoints share."""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Query
from pydantic import ValidationError

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def period_date(alias: str, what: str = ""):
    """An end of the period, as the API documents it: YYYY-MM-DD and nothing else. A
    bare number would otherwise be read as a Unix time (to=0 as 1970-01-01)."""
    return Query(alias=alias, pattern=ISO_DATE, json_schema_extra=_a_date,
                 description=f"{what + ': ' if what else ''}YYYY-MM-DD, a date in the "
                             "company's time zone")


def _a_date(schema: dict) -> None:
    """Say format: date on the string of an optional parameter (which FastAPI writes
    as anyOf string, null), so that clients and generators know it is a real date."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["format"] = "date"


def period(date_from: str | None, date_to: str | None,
           names: tuple[str, str] = ("from", "to")) -> dict[str, dt.date | None]:
    """The period's ends as dates, for ReportQuery (by ``names``, the parameters'); an
    impossible date (2026-02-30) is a 422 naming the parameter."""
    out: dict[str, dt.date | None] = {}
    for name, value in zip(names, (date_from, date_to), strict=True):
        try:
            out[name] = dt.date.fromisoformat(value) if value is not None else None
        except ValueError as exc:
            raise HTTPException(422, f"query parameter {name!r}: {value!r} is not a date "
                                     f"({exc})") from None
    return out


def invalid_params(exc: ValidationError) -> HTTPException:
    """A 422 naming what is wrong with parameters that their model's validators
    refused (a period too long, a group without a variant...), in the validators'
    own words."""
    return HTTPException(422, "; ".join(e["msg"].removeprefix("Value error, ")
                                        for e in exc.errors()))
