"""Statistics for the groups report, from sufficient statistics only.

Queries return counts, sums and sums of squares; these small pure functions do
the maths (SciPy for the distributions). Outputs are plain floats or None, never
NaN, so they serialise to JSON as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scipy import stats as sp


@dataclass(frozen=True)
class Proportion:
    successes: int
    trials: int

    @property
    def valid(self) -> bool:
        return self.trials > 0 and 0 <= self.successes <= self.trials

    @property
    def rate(self) -> float | None:
        return self.successes / self.trials if self.trials > 0 else None


@dataclass(frozen=True)
class Sample:
    """n values (zeros included) by their sum and sum of squares."""

    n: int
    total: float
    total_sq: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        if self.n < 2:
            return None
        # clamp: rounding can make a zero variance slightly negative
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class Comparison:
    uplift: float | None = None
    uplift_relative: float | None = None
    ci: tuple[float, float] | None = None
    p_value: float | None = None
    significant: bool | None = None


NULL = Comparison()


def sample_from_values(values: Iterable[float]) -> Sample:
    vs = [float(v) for v in values]
    return Sample(len(vs), sum(vs), sum(v * v for v in vs))


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _result(diff: float, base: float, se: float, p: float, crit: float,
            scale: float, alpha: float) -> Comparison:
    relative = _finite(diff / base * 100.0) if base else None
    lo, hi = diff - crit * se, diff + crit * se
    p = min(1.0, max(0.0, float(p)))
    return Comparison(
        uplift=_finite(diff * scale), uplift_relative=relative,
        ci=(float(lo * scale), float(hi * scale)), p_value=p, significant=p < alpha,
    )


def compare_proportions(treatment: Proportion, control: Proportion,
                        alpha: float = 0.05) -> Comparison:
    """Difference of rates in percentage points; 95% unpooled Wald interval;
    two-sided pooled two-proportion z-test."""
    if not (treatment.valid and control.valid):
        return NULL
    p1, p2 = treatment.rate, control.rate
    n1, n2 = treatment.trials, control.trials
    diff = p1 - p2
    crit = float(sp.norm.ppf(1 - alpha / 2))
    se_wald = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    pooled = (treatment.successes + control.successes) / (n1 + n2)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    # Both groups all-or-nothing: the rates are equal (pooled rate is 0 or 1
    # only when they are), so there is no evidence of a difference.
    p = 1.0 if se_pooled == 0 else 2 * float(sp.norm.sf(abs(diff) / se_pooled))
    return _result(diff, p2, se_wald, p, crit, 100.0, alpha)


def compare_means(treatment: Sample, control: Sample, alpha: float = 0.05) -> Comparison:
    """Difference of means with Welch's t-test and its Welch–Satterthwaite interval."""
    v1, v2 = treatment.variance, control.variance
    if v1 is None or v2 is None:
        return NULL
    m1, m2 = treatment.mean, control.mean
    diff = m1 - m2
    a, b = v1 / treatment.n, v2 / control.n
    se = math.sqrt(a + b)
    if se == 0:
        # No spread in either group: equal means are no evidence; different
        # constant means are as certain as data can be.
        p = 1.0 if diff == 0 else 0.0
        return _result(diff, m2, 0.0, p, 0.0, 1.0, alpha)
    df = (a + b) ** 2 / ((a * a / (treatment.n - 1) if a else 0.0)
                         + (b * b / (control.n - 1) if b else 0.0))
    t = diff / se
    p = 2 * float(sp.t.sf(abs(t), df))
    crit = float(sp.t.ppf(1 - alpha / 2, df))
    return _result(diff, m2, se, p, crit, 1.0, alpha)
