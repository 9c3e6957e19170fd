"""What a fact is: a table every engine builds from one definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailreport.facts.sql import quote
from mailreport.settings import Settings


@dataclass(frozen=True)
class Fact:
    """A table computed from the contract's tables (or from other facts) once per
    data change, so that no report repeats the work.

    ``select(settings, where)`` is the SELECT of its rows for the (mailing, customer)
    pairs that ``where`` matches: a SQL condition on the columns ``mailing_id`` and
    ``customer_id`` (``customer_id`` only for facts whose ``scope`` is
    ``"customer"``; ``campaign_id`` and ``customer_id`` for those whose ``scope`` is
    ``"campaign"``), ``"true"`` for all. Stores build a fact whole with ``"true"`` and
    refresh a part of it by deleting the part's rows and inserting its SELECT.

    ``keys`` and ``measures`` are set on counting facts: their rows may be summed by
    key (a live refresh subtracts old rows' counts and adds the new ones)."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, type in the SQL dialect of facts/sql.py)
    # the rules of DESIGN.md's metric definitions it serves (their headings): where
    # the figures it holds are defined in words
    serves: tuple[str, ...]
    select: Callable[[Settings, str], str]
    scope: str = "mailing"
    keys: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    # per source followed by customer (a fact's, or the orders'), the SELECT of the
    # rows' keys a change of that source's rows (a table ``changed``) can move: the
    # customers (``customer_id``) of a fact scoped by customer, the (``mailing_id``,
    # ``customer_id``) pairs of one scoped by mailing; without one, every customer
    # of the changed rows is redone, in every mailing
    moved_by: tuple[tuple[str, Callable[[Settings], str]], ...] = ()
    # for an engine that splits rows among workers (Spark): (CTE of ``select``,
    # column) to split that CTE's rows by, so that the joins on the column after it
    # find their rows already in place; what the rows are does not change
    spread_by: tuple[tuple[str, str], ...] = ()
    # for such an engine too: the subqueries of ``select`` (by alias) that hold few
    # rows when ``where`` names few customers, joined to a large table that ``where``
    # does not narrow; sent whole to every worker then, they let the large table's
    # rows through as they are read instead of splitting them all by the join's key
    few_for_few_customers: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def summed(self, where: str = "true") -> str:
        """Its rows for ``where`` with a counting fact's summed per key and the keys
        whose counts came to nothing dropped: what they mean, however many rows a
        live refresh has split them into."""
        if not self.keys:
            return f"SELECT * FROM {quote(self.name)} WHERE {where}"
        keys = ", ".join(quote(k) for k in self.keys)
        sums = ", ".join(f"sum({quote(m)}) AS {quote(m)}" for m in self.measures)
        nonzero = " OR ".join(f"sum({quote(m)}) <> 0" for m in self.measures)
        return (f"SELECT {keys}, {sums} FROM {quote(self.name)} WHERE {where} "
                f"GROUP BY {keys} HAVING {nonzero}")

    def ddl(self) -> str:
        cols = ", ".join(f"{quote(n)} {t}" for n, t in self.columns)
        return f"CREATE TABLE {quote(self.name)} ({cols})"
