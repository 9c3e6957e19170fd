"""Timing one measure: the first (cold) run, then p50 and p95 over warm runs."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Timing:
    cold_ms: float
    p50_ms: float
    p95_ms: float
    result: Any = None


def timed(fn: Callable[[], Any], runs: int) -> Timing:
    """Run fn once cold, then ``runs`` times warm. p95 is the nearest-rank value
    (with few runs it is the slowest but one, or the slowest)."""
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    warm.sort()
    if not warm:
        return Timing(cold * 1000, cold * 1000, cold * 1000, result)
    p95 = warm[min(len(warm) - 1, round(0.95 * len(warm) + 0.5) - 1)]
    return Timing(cold * 1000, statistics.median(warm) * 1000, p95 * 1000, result)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
