"""Money as the reports give it: a decimal with two places (DESIGN.md, "Report API
shape")."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)
