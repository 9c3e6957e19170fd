"""Distinct customers under several conditions at once, for the campaign's figures
that count a customer of several mailings once (DESIGN.md, "Campaign funnel").

Each condition is first reduced to one flag per customer (any of their rows meets
it), then the flags are counted: one grouping by customer, where ``nunique(where=)``
per condition makes the engine build a set of distinct ids per condition (on 2.7M
audience rows of a million-customer campaign, 1.6 s against 0.5 s)."""

from __future__ import annotations

import ibis


def distinct_customers(rows: ibis.Table, **conditions: ibis.BooleanValue) -> ibis.Table:
    """One row: per named condition, the customers with a row of ``rows`` that meets
    it (a condition that is null for a row does not count for it)."""
    per = rows.group_by("customer_id").aggregate(
        **{name: cond.any() for name, cond in conditions.items()})
    return per.aggregate(**{name: per.count(where=per[name]) for name in conditions})
