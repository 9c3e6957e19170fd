"""When people act: hour-of-day shapes in local time, and delays that decay day by day.

Times are drawn by rejection: propose a moment from the delay distribution, keep it with
a probability given by how busy that local hour is. The result has both the decay
after sending and the morning and evening peaks, for any time zone, without a loop per row.
"""

from __future__ import annotations

import numpy as np

from mailreport.demo.plan import HOUR

# Relative activity by local hour, 0..23.
PROFILES: dict[str, np.ndarray] = {
    name: np.asarray(weights, np.float64) / max(weights)
    for name, weights in {
        # reading email: before work, lunch, and the evening peak
        "email": [0.35, 0.2, 0.12, 0.1, 0.15, 0.4, 1.1, 2.4, 3.3, 3.0, 2.5, 2.3,
                  2.6, 2.5, 2.1, 2.0, 2.1, 2.5, 3.0, 3.5, 3.7, 3.2, 2.1, 1.0],
        # tapping a phone notification or an SMS link: daytime and evening
        "phone": [0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.9, 2.0, 2.6, 2.6, 2.5, 2.5,
                  2.8, 2.7, 2.5, 2.5, 2.7, 3.0, 3.4, 3.6, 3.5, 2.8, 1.6, 0.6],
        # in-store receipts: opening hours, after-work rush
        "store": [0.02, 0.01, 0.005, 0.005, 0.005, 0.02, 0.1, 0.6, 1.3, 1.6, 1.8, 2.0,
                  2.2, 2.1, 2.0, 2.1, 2.4, 2.9, 3.3, 3.2, 2.6, 1.7, 0.8, 0.1],
        # online orders: any time, mostly evenings
        "online": [0.6, 0.3, 0.15, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.7, 1.8,
                   1.9, 1.8, 1.8, 1.9, 2.0, 2.2, 2.5, 2.8, 3.0, 2.8, 2.0, 1.2],
    }.items()
}

_ROUNDS = 60  # each round keeps about half of what is left; 60 leaves nothing in practice


def _local_hour(t: np.ndarray, offset: np.ndarray) -> np.ndarray:
    return ((t + offset) // HOUR) % 24


def after(rng: np.random.Generator, start: np.ndarray, offset: np.ndarray, profile: str,
          fast_mean: float, slow_mean: float, fast_share: float,
          within: float | None = None) -> np.ndarray:
    """A moment after each start: a delay from a two-speed decay (the first hours, then the
    following days), shaped by the local hour; at most `within` seconds later if given."""
    shape = PROFILES[profile]
    out = start + 60
    todo = np.arange(len(start))
    for _ in range(_ROUNDS):
        if todo.size == 0:
            break
        m = todo.size
        mean = np.where(rng.random(m) < fast_share, fast_mean, slow_mean)
        delay = rng.exponential(mean) + 1
        if within is not None:
            delay = delay % within  # folds the tail back in; keeps the early mass dominant
        t = start[todo] + delay.astype(np.int64)
        keep = rng.random(m) < shape[_local_hour(t, offset[todo])]
        out[todo[keep]] = t[keep]
        todo = todo[~keep]
    return out


def between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, offset: np.ndarray,
            profile: str) -> np.ndarray:
    """A moment in [lo, hi) for each row, spread evenly over days, shaped by the local hour."""
    shape = PROFILES[profile]
    span = np.maximum(hi - lo, 1).astype(np.float64)
    out = lo.copy()
    todo = np.arange(len(lo))
    for _ in range(_ROUNDS):
        if todo.size == 0:
            break
        t = lo[todo] + (rng.random(todo.size) * span[todo]).astype(np.int64)
        keep = rng.random(todo.size) < shape[_local_hour(t, offset[todo])]
        out[todo[keep]] = t[keep]
        todo = todo[~keep]
    return out


def seconds(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """Short lognormal delays (delivery, clicking after opening), whole seconds, at least 1."""
    return np.maximum(rng.lognormal(np.log(median), sigma, n), 1).astype(np.int64)

