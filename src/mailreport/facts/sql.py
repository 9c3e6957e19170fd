"""The SQL every fact is written in: DuckDB's dialect, kept to what sqlglot carries
to Spark and PostgreSQL (no GROUP BY ALL, no struct unnesting, every subquery
aliased). Engine quirks beyond that are the store's (``store/dialects.py``)."""

from __future__ import annotations

from mailreport.settings import Settings


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values) -> str:
    return ", ".join(sql_str(v) for v in values)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def local(col: str, zone: str) -> str:
    """A UTC timestamp column as wall time in ``zone`` (a SQL string expression)."""
    return f"timezone({zone}, CAST({col} AS TIMESTAMPTZ))"


def company_day(col: str, settings: Settings) -> str:
    """The date of a UTC timestamp in the company's time zone: the day a period
    (DESIGN.md, "Period") counts it on."""
    return f"CAST({local(col, sql_str(settings.company_timezone))} AS DATE)"


def completed(alias: str) -> str:
    """An order that counts: completed is the default status (data contract)."""
    return f"coalesce({alias}.status, 'completed') = 'completed'"


def email_domain(col: str) -> str:
    """The recipient domain of an email address (DESIGN.md, "Deliverability"): the
    lower-cased part after the last ``@``; null without an ``@`` or after it."""
    return (f"CASE WHEN strpos({col}, '@') > 0 "
            f"THEN NULLIF(lower(reverse(split_part(reverse({col}), '@', 1))), '') END")
