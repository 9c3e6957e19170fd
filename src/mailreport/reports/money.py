"""Money as the reports give it: a decimal with two places (DESIGN.md, "Report API
shape")."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def per_recipient(revenue, delivered: int | None) -> Decimal | None:
    """Revenue per recipient (DESIGN.md, "Compared with usual"): attributed revenue /
    delivered, to the cent; null where nothing was delivered. The one definition the
    headline, the mailing list and the usual comparison show."""
    if not delivered:
        return None
    return (Decimal(revenue or 0) / delivered).quantize(CENT)
