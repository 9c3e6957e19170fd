"""Tests for mailreport.stats: against SciPy on raw values, against hand-worked
formulas, the null cases of DESIGN.md, and JSON-safe outputs for any input."""

from __future__ import annotations

import dataclasses
import json
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from mailreport.stats import (
    Comparison,
    Proportion,
    Sample,
    compare_all_pairs,
    compare_means,
    compare_proportions,
    holm,
    incremental,
    sample_from_values,
)

Z_975 = 1.959963984540054  # the 97.5% standard normal quantile, from tables


def all_none(comparison: Comparison) -> bool:
    return all(getattr(comparison, f.name) is None for f in dataclasses.fields(comparison))


def revenue_per_customer(rng: np.random.Generator, n: int, buy_rate: float) -> np.ndarray:
    """Zero-inflated, right-skewed values, like revenue with non-buyers as zeros."""
    buyers = rng.random(n) < buy_rate
    return np.where(buyers, np.round(rng.lognormal(3.5, 1.0, n), 2), 0.0)


def _datasets():
    rng = np.random.default_rng(20260302)
    yield "revenue", revenue_per_customer(rng, 400, 0.12), revenue_per_customer(rng, 90, 0.08)
    yield "unequal spread", rng.normal(10, 1, 50), rng.normal(9, 6, 30)
    yield "tiny groups", np.array([3.0, 5.0]), np.array([1.0, 2.0, 9.0])
    yield "negative values", rng.normal(-4, 2, 25), rng.normal(-5, 3, 40)
    yield "one constant group", rng.normal(2, 1, 20), np.zeros(15)
    yield "no difference", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 2.0])


DATASETS = list(_datasets())


# --- Welch's t-test against SciPy on the raw values ------------------------------


@pytest.mark.parametrize(("treatment", "control"), [d[1:] for d in DATASETS],
                         ids=[d[0] for d in DATASETS])
def test_welch_from_sufficient_statistics_matches_scipy_on_raw_values(treatment, control):
    expected = scipy_stats.ttest_ind(treatment, control, equal_var=False)
    low, high = expected.confidence_interval(0.95)

    got = compare_means(sample_from_values(treatment), sample_from_values(control))

    assert got.p_value == pytest.approx(float(expected.pvalue), abs=1e-9)
    assert got.uplift == pytest.approx(treatment.mean() - control.mean(), rel=1e-12, abs=1e-12)
    assert got.ci == pytest.approx((float(low), float(high)), rel=1e-9, abs=1e-9)
    assert got.significant is bool(expected.pvalue < 0.05)


def test_welch_interval_follows_alpha():
    _, treatment, control = DATASETS[0]
    expected = scipy_stats.ttest_ind(treatment, control, equal_var=False).confidence_interval(0.9)
    got = compare_means(sample_from_values(treatment), sample_from_values(control), alpha=0.1)
    assert got.ci == pytest.approx((float(expected.low), float(expected.high)), rel=1e-9)


def test_mean_uplift_is_in_money_units_and_relative_in_percent():
    got = compare_means(sample_from_values([10.0, 14.0]), sample_from_values([8.0, 12.0]))
    assert got.uplift == pytest.approx(2.0)
    assert got.uplift_relative == pytest.approx(20.0)


def test_sample_properties_match_numpy():
    values = [0.0, 0.0, 12.5, 40.0, 0.0, 7.25]
    sample = sample_from_values(values)
    assert sample.n == 6
    assert sample.mean == pytest.approx(np.mean(values))
    assert sample.variance == pytest.approx(np.var(values, ddof=1), rel=1e-12)


# --- Pooled z-test and Wald interval by hand ------------------------------------


def test_pooled_z_test_against_the_formula():
    # 120/1000 against 100/1000: pooled rate 220/2000 = 0.11.
    z = (0.12 - 0.10) / math.sqrt(0.11 * 0.89 * (1 / 1000 + 1 / 1000))
    p = math.erfc(abs(z) / math.sqrt(2))  # two-sided normal tail, without SciPy
    got = compare_proportions(Proportion(120, 1000), Proportion(100, 1000))
    assert got.p_value == pytest.approx(p, rel=1e-10)
    assert got.p_value == pytest.approx(0.152918, abs=1e-6)  # z = 1.4293
    assert got.significant is False
    assert got.uplift == pytest.approx(2.0)  # percentage points
    assert got.uplift_relative == pytest.approx(20.0)  # 2 pp on 10%


def test_pooled_z_test_with_unequal_group_sizes():
    # 30/200 against 20/250: pooled rate 50/450.
    pooled = 50 / 450
    z = (30 / 200 - 20 / 250) / math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 250))
    got = compare_proportions(Proportion(30, 200), Proportion(20, 250))
    assert got.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-10)
    assert got.uplift == pytest.approx(7.0)


def test_significance_uses_the_same_alpha_as_the_interval():
    # p = 0.1529: not significant at 5%, significant at 20%, and the 80% interval
    # then excludes zero.
    got = compare_proportions(Proportion(120, 1000), Proportion(100, 1000), alpha=0.2)
    assert got.significant is True
    assert got.ci[0] > 0


def test_wald_interval_against_the_formula():
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.10 * 0.90 / 1000) * 100
    got = compare_proportions(Proportion(120, 1000), Proportion(100, 1000))
    assert got.ci == pytest.approx((2.0 - Z_975 * se, 2.0 + Z_975 * se), rel=1e-9)
    assert got.ci == pytest.approx((-0.7411, 4.7411), abs=1e-4)


def test_worked_example_sixty_against_forty_in_a_hundred():
    # Pooled rate 0.5, so SE = sqrt(0.25 * 2/100) = sqrt(0.005) and z = 0.2 / SE = 2*sqrt(2):
    # p = 2 * (1 - Phi(2*sqrt(2))) = erfc(2) = 0.0046777...
    # Unpooled SE = sqrt(2 * 0.24 / 100) = 0.069282, so 20 pp +- 1.96 * 6.9282.
    got = compare_proportions(Proportion(60, 100), Proportion(40, 100))
    assert got.p_value == pytest.approx(0.0046777349810, rel=1e-9)
    assert got.significant is True
    assert got.uplift == pytest.approx(20.0)
    assert got.uplift_relative == pytest.approx(50.0)
    assert got.ci == pytest.approx((6.42097, 33.57903), abs=1e-5)


def test_proportion_interval_follows_alpha():
    se = math.sqrt(0.6 * 0.4 / 100 * 2) * 100
    got = compare_proportions(Proportion(60, 100), Proportion(40, 100), alpha=0.1)
    z_95 = 1.6448536269514722
    assert got.ci == pytest.approx((20 - z_95 * se, 20 + z_95 * se), rel=1e-9)


# --- Incremental results, Holm's adjustment and the winner by hand ----------------


def test_incremental_buyers_are_the_conversion_uplift_times_the_group():
    # 60/100 against 40/100: 20 pp × 100 customers = 20 buyers; the interval is the
    # worked example's (6.42097, 33.57903) pp × 100 / 100.
    got = incremental(compare_proportions(Proportion(60, 100), Proportion(40, 100)), 100,
                      per=100)
    assert got.estimate == pytest.approx(20.0)
    assert got.ci == pytest.approx((6.42097, 33.57903), abs=1e-5)


def test_incremental_revenue_is_welchs_interval_times_the_group():
    # Treatment 10, 0, 30, 60: mean 25, variance 700; control 20, 0: mean 10,
    # variance 200. se² = 700/4 + 200/2 = 275; Welch–Satterthwaite
    # df = 275² / ((175²)/3 + 100²/1) = 75625 / 20208.33 = 3.7423; t(0.975, 3.7423)
    # = 2.8400 (SciPy's t.ppf, checked against tables: t(0.975, 3) = 3.182,
    # t(0.975, 4) = 2.776). So 15 ± 2.8400 × 16.583 per customer, × 4 customers.
    difference = compare_means(sample_from_values([10.0, 0.0, 30.0, 60.0]),
                               sample_from_values([20.0, 0.0]))
    got = incremental(difference, 4)
    df = 275**2 / (175**2 / 3 + 100**2 / 1)
    assert df == pytest.approx(3.7423, abs=1e-4)
    half = float(scipy_stats.t.ppf(0.975, df)) * math.sqrt(275)
    assert 3.182 > half / math.sqrt(275) > 2.776
    assert got.estimate == pytest.approx(60.0)
    assert got.ci == pytest.approx((4 * (15 - half), 4 * (15 + half)), rel=1e-12)


def test_an_untestable_difference_gives_no_incremental_figures():
    assert incremental(compare_proportions(Proportion(0, 0), Proportion(1, 2)), 9, per=100) \
        == incremental(Comparison.not_testable(), 9)
    got = incremental(compare_proportions(Proportion(0, 0), Proportion(1, 2)), 9, per=100)
    assert (got.estimate, got.ci) == (None, None)
    # a zero-width interval is no interval, scaled or not
    got = incremental(compare_proportions(Proportion(30, 30), Proportion(0, 30)), 30, per=100)
    assert (got.estimate, got.ci) == (30.0, None)


def test_holm_on_a_known_family():
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1: 0.03, 0.06, 0.04 -> 0.06 (monotone)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.8]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.2]) == [0.2]
    assert holm([]) == []


def test_holm_leaves_a_null_p_value_out_of_the_family():
    # a family of two, not three: 0.01 × 2 and 0.04 × 1 -> max(0.02, 0.04)
    assert holm([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])
    assert holm([None, None]) == [None, None]


def test_every_pair_is_compared_and_the_clear_winner_named():
    # A 100/1000, B 160/1000, C 105/1000. Pooled z by hand for B vs C:
    # pooled 265/2000, se = sqrt(.1325 × .8675 × 2/1000) = 0.015162, z = 3.6275.
    rates = {"A": Proportion(100, 1000), "B": Proportion(160, 1000),
             "C": Proportion(105, 1000)}
    got = compare_all_pairs(rates)
    assert [(p.variant, p.other) for p in got.pairs] == [("B", "A"), ("C", "A"), ("C", "B")]
    c_vs_b = got.pairs[2]
    z = 0.055 / math.sqrt(0.1325 * 0.8675 * 2 / 1000)
    assert c_vs_b.comparison.uplift == pytest.approx(-5.5)
    assert c_vs_b.comparison.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-10)
    p = [pair.comparison.p_value for pair in got.pairs]
    assert [pair.p_adjusted for pair in got.pairs] == holm(p)
    assert got.pairs[0].p_adjusted == pytest.approx(3 * p[0])  # the smallest of three
    assert got.pairs[1].significant is False  # A and C are close
    assert got.winner == "B"
    assert got.winner_p == max(got.pairs[0].p_adjusted, got.pairs[2].p_adjusted) < 0.05


def test_no_winner_where_one_of_its_comparisons_is_not_significant():
    # B is highest and far above A, but only 0.5 pp above C: not significant
    rates = {"A": Proportion(100, 1000), "B": Proportion(160, 1000),
             "C": Proportion(155, 1000)}
    got = compare_all_pairs(rates)
    assert [pair.significant for pair in got.pairs] == [True, True, False]
    assert (got.winner, got.winner_p) == (None, None)


def test_a_significant_result_before_adjustment_can_be_lost_to_it():
    # B 130/1000 vs A 100/1000: pooled 0.115, se = sqrt(.115 × .885 × 2/1000)
    # = 0.014267, z = 0.03 / 0.014267 = 2.1027, p = 0.0355 alone; the smallest of
    # three p-values, so Holm multiplies it by 3: 0.106, not significant.
    rates = {"A": Proportion(100, 1000), "B": Proportion(130, 1000),
             "C": Proportion(101, 1000)}
    got = compare_all_pairs(rates)
    b_vs_a = got.pairs[0]
    z = 0.03 / math.sqrt(0.115 * 0.885 * 2 / 1000)
    assert b_vs_a.comparison.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-10)
    assert b_vs_a.comparison.p_value == pytest.approx(0.0355, abs=1e-4)
    assert b_vs_a.comparison.significant is True
    assert b_vs_a.p_adjusted == pytest.approx(3 * b_vs_a.comparison.p_value)
    assert b_vs_a.significant is False and got.winner is None


def test_a_tie_at_the_top_or_an_untestable_variant_leaves_no_winner():
    tie = compare_all_pairs({"A": Proportion(1, 3), "B": Proportion(200, 600),
                             "C": Proportion(0, 600)})
    assert tie.winner is None  # 1/3 and 200/600 are equal rates
    untestable = compare_all_pairs({"A": Proportion(0, 1000), "B": Proportion(500, 1000),
                                    "C": Proportion(0, 0)})
    assert [pair.p_adjusted is None for pair in untestable.pairs] == [False, True, True]
    assert untestable.winner is None  # nothing says B beats C


def test_one_variant_has_no_pairs_and_no_winner():
    got = compare_all_pairs({"A": Proportion(50, 100)})
    assert (got.pairs, got.winner, got.winner_p) == ((), None, None)


# --- Null cases (DESIGN.md: not a proportion, fewer than two customers) ----------


@pytest.mark.parametrize(("treatment", "control"), [
    (Proportion(0, 0), Proportion(10, 100)),
    (Proportion(10, 100), Proportion(0, 0)),
    (Proportion(101, 100), Proportion(10, 100)),
    (Proportion(10, 100), Proportion(3, 2)),
    (Proportion(-1, 100), Proportion(10, 100)),
    (Proportion(5, -3), Proportion(10, 100)),
])
def test_a_test_of_something_that_is_not_a_proportion_is_null(treatment, control):
    assert all_none(compare_proportions(treatment, control))


@pytest.mark.parametrize(("treatment", "control"), [
    (Sample(0, 0.0, 0.0), sample_from_values([1.0, 2.0, 3.0])),
    (Sample(1, 5.0, 25.0), sample_from_values([1.0, 2.0, 3.0])),
    (sample_from_values([1.0, 2.0, 3.0]), sample_from_values([4.0])),
    # sums no real values can give: sum of squares below total**2 / n
    (Sample(3, 30.0, 10.0), sample_from_values([1.0, 2.0, 3.0])),
    (Sample(3, 3.0, -1.0), sample_from_values([1.0, 2.0, 3.0])),
    (Sample(3, math.nan, 1.0), sample_from_values([1.0, 2.0, 3.0])),
])
def test_a_t_test_without_two_customers_or_with_impossible_sums_is_null(treatment, control):
    assert all_none(compare_means(treatment, control))


def test_empty_statistics_have_no_rate_mean_or_variance():
    assert Proportion(0, 0).rate is None
    assert Sample(0, 0.0, 0.0).mean is None
    assert Sample(1, 4.0, 16.0).variance is None


# --- Degenerate variances: documented decisions -----------------------------------


@pytest.mark.parametrize(("treatment", "control", "relative"), [
    (Proportion(0, 50), Proportion(0, 80), None),  # nobody converted anywhere
    (Proportion(50, 50), Proportion(80, 80), 0.0),  # everybody did
])
def test_equal_extreme_rates_give_p_one_and_no_interval(treatment, control, relative):
    got = compare_proportions(treatment, control)
    assert (got.uplift, got.uplift_relative) == (0.0, relative)
    assert (got.p_value, got.significant, got.ci) == (1.0, False, None)


def test_zero_against_hundred_percent_is_significant_without_an_interval():
    got = compare_proportions(Proportion(30, 30), Proportion(0, 30))
    assert got.uplift == 100.0
    assert got.uplift_relative is None  # control rate is 0
    assert got.p_value < 1e-10 and got.significant is True
    assert got.ci is None  # Wald's interval would have zero width


def test_constant_groups_with_equal_means_give_p_one():
    got = compare_means(sample_from_values([0.0] * 5), sample_from_values([0.0] * 9))
    assert (got.uplift, got.uplift_relative, got.ci) == (0.0, None, None)
    assert (got.p_value, got.significant) == (1.0, False)


def test_constant_groups_with_different_means_give_p_zero():
    got = compare_means(sample_from_values([3.0] * 4), sample_from_values([1.0] * 6))
    assert (got.uplift, got.uplift_relative, got.ci) == (2.0, 200.0, None)
    assert (got.p_value, got.significant) == (0.0, True)


def test_rounding_noise_in_the_sums_reads_as_zero_variance():
    sample = sample_from_values([0.7] * 7)
    assert sample.total_sq - sample.total**2 / sample.n != 0  # the noise is really there
    assert sample.variance == 0.0
    assert compare_means(sample, sample).p_value == 1.0


# --- Types and JSON ---------------------------------------------------------------


def test_outputs_are_plain_python_and_serialise_to_json():
    treatment = Sample(np.int64(4), Decimal("30.00"), np.float64(500.0))
    control = Sample(np.int64(5), Decimal("20.00"), np.float64(300.0))
    for got in (
        compare_means(treatment, control),
        compare_proportions(Proportion(np.int64(30), np.int64(200)), Proportion(20, 210)),
    ):
        numbers = [got.uplift, got.uplift_relative, got.p_value, *got.ci]
        assert all(type(x) is float for x in numbers), [type(x) for x in numbers]
        assert type(got.significant) is bool
        json.dumps(dataclasses.asdict(got), allow_nan=False)


def test_counts_must_be_whole_numbers():
    with pytest.raises(TypeError):
        Proportion(2.5, 10)
    with pytest.raises(TypeError):
        Sample(2.5, 1.0, 1.0)


def test_sample_from_values_refuses_non_finite_values():
    with pytest.raises(ValueError, match="finite"):
        sample_from_values([1.0, math.nan])


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.05])
def test_alpha_outside_zero_one_is_refused(alpha):
    with pytest.raises(ValueError, match="alpha"):
        compare_proportions(Proportion(1, 2), Proportion(1, 2), alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        compare_means(Sample(2, 1.0, 1.0), Sample(2, 1.0, 1.0), alpha=alpha)


# --- Properties: never NaN, never infinity, for any input -------------------------


def assert_json_safe(got: Comparison) -> None:
    for value in (got.uplift, got.uplift_relative, got.p_value):
        assert value is None or (type(value) is float and math.isfinite(value)), value
    if got.p_value is None:
        assert all_none(got) or got.significant is None
    else:
        assert 0.0 <= got.p_value <= 1.0
        assert got.significant is (got.p_value < 0.05)
    if got.ci is not None:
        low, high = got.ci
        assert type(low) is float and type(high) is float
        assert math.isfinite(low) and math.isfinite(high)
        assert got.uplift is not None and low <= got.uplift <= high
    json.dumps(dataclasses.asdict(got), allow_nan=False)


counts = st.integers(min_value=-3, max_value=10**12)
proportions = st.one_of(
    st.builds(Proportion, counts, counts),
    st.integers(0, 5000).flatmap(
        lambda trials: st.builds(Proportion, st.integers(0, trials), st.just(trials))
    ),
)


@settings(max_examples=300, deadline=None)
@given(proportions, proportions)
def test_proportion_comparisons_are_json_safe(treatment, control):
    got = compare_proportions(treatment, control)
    assert_json_safe(got)
    valid = all(p.trials > 0 and 0 <= p.successes <= p.trials for p in (treatment, control))
    assert all_none(got) is not valid


money = st.one_of(st.just(0.0), st.floats(min_value=-1e6, max_value=1e9))
value_lists = st.lists(money, max_size=40)
any_float = st.floats(allow_nan=True, allow_infinity=True)
raw_samples = st.builds(Sample, st.integers(-2, 10**9), any_float, any_float)
samples = st.one_of(value_lists.map(sample_from_values), raw_samples)


@settings(max_examples=300, deadline=None)
@given(samples, samples)
def test_mean_comparisons_are_json_safe(treatment, control):
    got = compare_means(treatment, control)
    assert_json_safe(got)
    if treatment.n < 2 or control.n < 2:
        assert all_none(got)


@settings(max_examples=200, deadline=None)
@given(value_lists, value_lists)
def test_mean_comparisons_of_real_values_with_two_customers_are_defined(treatment, control):
    got = compare_means(sample_from_values(treatment), sample_from_values(control))
    if len(treatment) >= 2 and len(control) >= 2:
        assert got.p_value is not None and got.uplift is not None
