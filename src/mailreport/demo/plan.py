"""The fixed frame of the demo dataset: its calendar, its scales and how seeds derive.

The calendar is pinned (not "today") so the same seed gives the same bytes on any day.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np

DAY = 86_400
HOUR = 3_600


def epoch(text: str) -> int:
    """Seconds since 1970 of a naive UTC ISO timestamp."""
    return int((datetime.fromisoformat(text) - datetime(1970, 1, 1)).total_seconds())


# Orders run from a month before the first mailing (a baseline) to "now"; events after
# "now" have not happened yet and are cut, as a live export would cut them.
ORDERS_START = epoch("2026-05-01T00:00:00")
MAILINGS_START = epoch("2026-06-01T00:00:00")
NOW = epoch("2026-09-08T00:00:00")
CUSTOMERS_SINCE = epoch("2018-01-01T00:00:00")

# Work is cut into customer blocks of a fixed size, each with its own derived seed, so
# the output does not depend on how much is held in memory at once.
BLOCK = 1 << 20


@dataclass(frozen=True)
class Scale:
    customers: int
    products: int


SCALES: dict[str, Scale] = {
    "small": Scale(customers=2_000, products=3_000),
    "medium": Scale(customers=200_000, products=4_000),
    # a million customers, ~27M events: a mid-size retailer, the load-memory benchmark's
    "million": Scale(customers=1_000_000, products=8_000),
    "large": Scale(customers=5_000_000, products=12_000),
}


def rng_for(seed: int, step: str, *keys: int) -> np.random.Generator:
    """An independent generator for one step (and block) of the work.

    crc32 rather than hash(): Python salts string hashes per process.
    """
    return np.random.default_rng([seed, zlib.crc32(step.encode()), *keys])


def blocks(n: int) -> list[tuple[int, int]]:
    """[start, stop) customer ranges of at most BLOCK customers."""
    return [(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]
