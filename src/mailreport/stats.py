"""Significance tests for the groups report, from sufficient statistics.

Queries return counts, sums and sums of squares; this module does the maths and
knows nothing of any database (the gbstats habit, see STYLE.md). Every output is a
plain Python float, bool or None, never NaN or infinity, so a `Comparison` goes
straight into JSON. A test whose inputs do not allow it (no trials, more successes
than trials, fewer than two customers) is a `Comparison` with every field None.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from scipy import stats as scipy_stats

# Sums from a database lose the last digits of total_sq - total**2 / n to rounding
# (catastrophic cancellation when the spread is tiny next to the mean). A centred sum
# of squares within this fraction of total_sq is rounding noise and is read as zero;
# one below minus this fraction cannot come from real values and makes the sample
# unusable. Revenue data (coefficient of variation well above 1e-5) never gets near it.
_CANCELLATION_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Proportion:
    """Customers with the outcome (`successes`) out of the customers counted (`trials`)."""

    successes: int
    trials: int

    def __post_init__(self) -> None:
        # Counts arrive as numpy or database integers; keep plain ints, refuse 2.5.
        object.__setattr__(self, "successes", operator.index(self.successes))
        object.__setattr__(self, "trials", operator.index(self.trials))

    @property
    def rate(self) -> float | None:
        if self.trials == 0:
            return None
        return self.successes / self.trials

    @property
    def is_valid(self) -> bool:
        # A partial period can give more successes than trials; that is not a proportion.
        return self.trials > 0 and 0 <= self.successes <= self.trials


@dataclass(frozen=True)
class Sample:
    """Per-customer values (zeros included) reduced to n, their sum and sum of squares."""

    n: int
    total: float
    total_sq: float

    def __post_init__(self) -> None:
        # Sums arrive as Decimal (money) or numpy floats; the maths wants plain floats.
        object.__setattr__(self, "n", operator.index(self.n))
        object.__setattr__(self, "total", float(self.total))
        object.__setattr__(self, "total_sq", float(self.total_sq))

    @property
    def mean(self) -> float | None:
        if self.n <= 0 or not math.isfinite(self.total):
            return None
        return _finite_or_none(self.total / self.n)

    @property
    def variance(self) -> float | None:
        """Sample variance (ddof=1); None for n < 2 or sums no real values can give."""
        if self.n < 2 or not (math.isfinite(self.total) and math.isfinite(self.total_sq)):
            return None
        if self.total_sq < 0:
            return None
        centred_sq = self.total_sq - self.total * (self.total / self.n)
        noise = _CANCELLATION_TOLERANCE * self.total_sq
        if centred_sq < -noise or not math.isfinite(centred_sq):
            return None
        if centred_sq <= noise:
            return 0.0
        return centred_sq / (self.n - 1)


@dataclass(frozen=True)
class Comparison:
    """Treatment against control: the uplift, its interval and the two-sided p-value."""

    uplift: float | None
    uplift_relative: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    significant: bool | None

    @classmethod
    def not_testable(cls) -> Comparison:
        return cls(uplift=None, uplift_relative=None, ci=None, p_value=None, significant=None)


def sample_from_values(values: Iterable[float]) -> Sample:
    """The sufficient statistics of `values`; fsum keeps the sums exact to rounding."""
    as_floats = [float(value) for value in values]
    bad = [value for value in as_floats if not math.isfinite(value)]
    if bad:
        raise ValueError(f"sample values must be finite numbers, got {bad[0]!r}")
    return Sample(
        n=len(as_floats),
        total=math.fsum(as_floats),
        total_sq=math.fsum(value * value for value in as_floats),
    )


def compare_proportions(
    treatment: Proportion, control: Proportion, alpha: float = 0.05
) -> Comparison:
    """Difference of rates in percentage points.

    Interval: unpooled Wald. p-value: two-sided pooled two-proportion z-test.
    """
    _check_alpha(alpha)
    if not (treatment.is_valid and control.is_valid):
        return Comparison.not_testable()
    s_t, n_t = treatment.successes, treatment.trials
    s_c, n_c = control.successes, control.trials

    # Integer arithmetic up to the last division: exact difference, and variances
    # that cannot come out a hair below zero.
    difference = (s_t * n_c - s_c * n_t) / (n_t * n_c)
    uplift = difference * 100
    uplift_relative = difference / (s_c / n_c) * 100 if s_c > 0 else None

    unpooled_se = math.sqrt(s_t * (n_t - s_t) / n_t**3 + s_c * (n_c - s_c) / n_c**3)
    if unpooled_se > 0:
        half_width = float(scipy_stats.norm.isf(alpha / 2)) * unpooled_se * 100
        ci: tuple[float, float] | None = (uplift - half_width, uplift + half_width)
    else:
        # Every rate is 0% or 100%, so Wald's interval has zero width. It would claim
        # the uplift is known exactly, which 0/50 vs 0/50 does not show: no interval.
        ci = None

    pooled_successes, pooled_trials = s_t + s_c, n_t + n_c
    pooled_variance = (
        pooled_successes * (pooled_trials - pooled_successes) / pooled_trials**2
    ) * (1 / n_t + 1 / n_c)
    if pooled_variance > 0:
        z = difference / math.sqrt(pooled_variance)
        p_value = _clamp_probability(2 * float(scipy_stats.norm.sf(abs(z))))
    else:
        # Pooled variance 0 means every customer in both groups succeeded, or none
        # did: the rates are equal and the data hold no evidence of a difference.
        p_value = 1.0
    return _comparison(uplift, uplift_relative, ci, p_value, alpha)


def compare_means(treatment: Sample, control: Sample, alpha: float = 0.05) -> Comparison:
    """Difference of means (in the values' units) by Welch's t-test."""
    _check_alpha(alpha)
    mean_t, mean_c = treatment.mean, control.mean
    var_t, var_c = treatment.variance, control.variance
    if mean_t is None or mean_c is None or var_t is None or var_c is None:
        return Comparison.not_testable()
    uplift = mean_t - mean_c
    share_t, share_c = var_t / treatment.n, var_c / control.n  # squared standard errors
    squared_se = share_t + share_c
    if not (math.isfinite(uplift) and math.isfinite(squared_se)):
        return Comparison.not_testable()  # sums beyond the range of a float
    uplift_relative = _finite_or_none(uplift / mean_c * 100) if mean_c != 0 else None

    if squared_se == 0:
        # Every customer of each group has the same value, so the data hold no noise
        # and the t statistic is 0/0 or ±infinity. Equal means: no evidence of a
        # difference (p = 1). Different means: p is 0, the limit as t grows without
        # bound, as the z-test gives for 0% against 100%. As for proportions, a
        # zero-width interval would overstate certainty, so there is none.
        p_value = 1.0 if uplift == 0 else 0.0
        return _comparison(uplift, uplift_relative, None, p_value, alpha)

    standard_error = math.sqrt(squared_se)
    # Welch–Satterthwaite, written with each group's share of the variance so that
    # squaring large variances cannot overflow.
    weight_t, weight_c = share_t / squared_se, share_c / squared_se
    df = 1 / (weight_t**2 / (treatment.n - 1) + weight_c**2 / (control.n - 1))
    t_statistic = uplift / standard_error
    p_value = _clamp_probability(2 * float(scipy_stats.t.sf(abs(t_statistic), df)))
    half_width = float(scipy_stats.t.isf(alpha / 2, df)) * standard_error
    ci = (uplift - half_width, uplift + half_width)
    if not all(math.isfinite(bound) for bound in ci):
        ci = None
    return _comparison(uplift, uplift_relative, ci, p_value, alpha)


@dataclass(frozen=True)
class Incremental:
    """A per-customer difference scaled up to a whole group: what the group gained."""

    estimate: float | None
    ci: tuple[float, float] | None


def incremental(difference: Comparison, assigned: int, per: float = 1.0) -> Incremental:
    """`difference`'s uplift and interval × assigned / per (per=100 for percentage
    points). The interval is the difference's own (Wald, or Welch's with the
    Welch–Satterthwaite t quantile) scaled, so it holds with the same confidence."""
    if difference.uplift is None:
        return Incremental(estimate=None, ci=None)
    estimate = _finite_or_none(difference.uplift * assigned / per)
    ci = None
    if difference.ci is not None and estimate is not None:
        bounds = tuple(_finite_or_none(bound * assigned / per) for bound in difference.ci)
        ci = None if None in bounds else bounds
    return Incremental(estimate=estimate, ci=ci)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment, in the order given. A None p-value (a test that
    could not be made) is left out of the family and stays None."""
    family = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    size = len(family)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(family):
        # Monotone: a smaller p is never adjusted above a larger one.
        running = max(running, min(1.0, (size - rank) * p))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class PairComparison:
    """One variant against another, its p-value adjusted over all pairs."""

    variant: str
    other: str
    comparison: Comparison  # variant's rate minus other's
    p_adjusted: float | None
    significant: bool | None  # p_adjusted below alpha


@dataclass(frozen=True)
class AllPairs:
    """Every pair of variants on one rate, and the winner if the data name one."""

    pairs: tuple[PairComparison, ...]
    winner: str | None
    # The largest adjusted p-value of the winner's comparisons: the one that decides.
    winner_p: float | None


def compare_all_pairs(rates: Mapping[str, Proportion], alpha: float = 0.05) -> AllPairs:
    """Each variant against each earlier one (pooled z-test, Wald interval), the
    p-values Holm-adjusted as one family. The winner has the strictly highest rate
    and an adjusted p below alpha in every comparison it is in; a comparison that
    could not be made is not significant, so it leaves no winner."""
    _check_alpha(alpha)
    ordered = list(rates)
    tests = [(later, earlier, compare_proportions(rates[later], rates[earlier], alpha))
             for earlier, later in combinations(ordered, 2)]
    adjusted = holm([c.p_value for _, _, c in tests])
    pairs = tuple(
        PairComparison(variant=v, other=o, comparison=c, p_adjusted=p,
                       significant=None if p is None else bool(p < alpha))
        for (v, o, c), p in zip(tests, adjusted, strict=True))
    winner = _strictly_highest(rates)
    if winner is None:
        return AllPairs(pairs=pairs, winner=None, winner_p=None)
    own = [pair for pair in pairs if winner in (pair.variant, pair.other)]
    if not own or not all(pair.significant for pair in own):
        return AllPairs(pairs=pairs, winner=None, winner_p=None)
    return AllPairs(pairs=pairs, winner=winner, winner_p=max(pair.p_adjusted for pair in own))


def _strictly_highest(rates: Mapping[str, Proportion]) -> str | None:
    # Exact fractions: 1/3 and 2/6 are a tie, and two rates a rounding step apart are not.
    known = {v: Fraction(p.successes, p.trials) for v, p in rates.items() if p.is_valid}
    if not known:
        return None
    top = max(known.values())
    leaders = [v for v, r in known.items() if r == top]
    return leaders[0] if len(leaders) == 1 else None


def _comparison(
    uplift: float,
    uplift_relative: float | None,
    ci: tuple[float, float] | None,
    p_value: float,
    alpha: float,
) -> Comparison:
    return Comparison(
        uplift=float(uplift),
        uplift_relative=None if uplift_relative is None else float(uplift_relative),
        ci=None if ci is None else (float(ci[0]), float(ci[1])),
        p_value=float(p_value),
        significant=bool(p_value < alpha),
    )


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")


def _clamp_probability(value: float) -> float:
    # 2 * sf(0) can come out a rounding step above 1.
    return min(1.0, max(0.0, value))


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def quantile(values: Sequence, p: float):
    """The p-quantile of values by linear interpolation between the closest ranks
    (Hyndman and Fan's type 7, numpy's default): position p × (n − 1) in the sorted
    values. Floats give a float; decimals (money) a decimal, exactly. None for no
    values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = p * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    frac = pos - lo
    if isinstance(xs[lo], Decimal):
        return xs[lo] + Decimal(frac) * (xs[hi] - xs[lo])
    return float(xs[lo]) + frac * (float(xs[hi]) - float(xs[lo]))
