"""What the reports see of a store: Ibis tables, a way to run an expression, and
the one engine-specific operation they need (UTC timestamp to local time)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import ibis
from pydantic import BaseModel

from mailreport.settings import Settings

MOST_BUILT = 2048  # expressions kept per set of tables; a report asks for about 20


class Built:
    """Expressions already built over one set of tables, by what built them. A store
    keeps one for as long as its tables stay the same (a lake: per generation).
    Two threads may build the same expression at once; both results are equal."""

    def __init__(self) -> None:
        self._exprs: dict[Hashable, ibis.Expr] = {}

    def get(self, key: Hashable, build: Callable[[], ibis.Expr]) -> ibis.Expr:
        expr = self._exprs.get(key)
        if expr is None:
            expr = build()
            if len(self._exprs) >= MOST_BUILT:
                self._exprs.clear()
            self._exprs[key] = expr
        return expr

    def __len__(self) -> int:
        return len(self._exprs)


@dataclass
class Tables:
    by_name: dict[str, ibis.Table]
    run: Callable[[ibis.Expr], list[dict[str, Any]]]
    local_time: Callable[[ibis.Expr, Any], ibis.Expr]
    settings: Settings
    built: Built = field(default_factory=Built)

    def __getattr__(self, name: str) -> ibis.Table:
        try:
            return self.__dict__["by_name"][name]
        except KeyError:
            raise AttributeError(name) from None


def built_once(build: Callable[..., ibis.Expr]) -> Callable[..., ibis.Expr]:
    """Keep the expressions of a builder ``build(tables, *args)`` in ``tables.built``,
    by its arguments: building an Ibis expression costs as much as running one of a
    report's small queries, and the same mailings and periods are asked for again
    and again. Only for builders that read no data: the expression must follow from
    the arguments alone (data a builder needs is passed in, and so keys it)."""
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def keep(tables: Tables, *args: Any, **kwargs: Any) -> ibis.Expr:
        return tables.built.get((name, _key(args), _key(kwargs)),
                                lambda: build(tables, *args, **kwargs))
    return keep


def _key(value: Any) -> Hashable:
    """A hashable value equal for equal arguments: lists and tuples by their items,
    dicts and models by their fields."""
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _key(v)) for k, v in sorted(value.items()))
    if isinstance(value, set | frozenset):
        return frozenset(_key(v) for v in value)
    if isinstance(value, BaseModel):
        return (type(value).__qualname__, _key(value.model_dump()))
    hash(value)  # an argument that cannot key an expression fails here, loudly
    return value
