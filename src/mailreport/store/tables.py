"""What the reports see of a store: Ibis tables, a way to run an expression, and
the one engine-specific operation they need (UTC timestamp to local time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis

from mailreport.settings import Settings


@dataclass
class Tables:
    by_name: dict[str, ibis.Table]
    run: Callable[[ibis.Expr], list[dict[str, Any]]]
    local_time: Callable[[ibis.Expr, Any], ibis.Expr]
    settings: Settings

    def __getattr__(self, name: str) -> ibis.Table:
        try:
            return self.__dict__["by_name"][name]
        except KeyError:
            raise AttributeError(name) from None
