"""Confidence intervals: against scipy, against published figures, and by coverage."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from simulator.stats import (
    Interval,
    PairedDifference,
    bootstrap_mean_interval,
    mean_interval,
    paired_difference,
    proportion_interval,
    quantile_interval,
    replications_to_bound,
)

# --- Interval ------------------------------------------------------------------------------


def test_interval_is_frozen_plain_data():
    iv = Interval(2.0, 1.0, 4.0, 10)
    assert iv.level == 0.95
    assert iv.half_width == 1.5
    assert 3.0 in iv
    assert 5.0 not in iv
    assert iv.to_dict() == {
        "estimate": 2.0,
        "low": 1.0,
        "high": 4.0,
        "n": 10,
        "level": 0.95,
        "half_width": 1.5,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        iv.low = 0.0  # type: ignore[misc]


# --- means ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.8, 0.95, 0.999])
@pytest.mark.parametrize("n", [2, 5, 40])
def test_mean_interval_matches_scipy_t_interval(n, level):
    x = np.random.default_rng(n).lognormal(3.0, 0.7, size=n)
    iv = mean_interval(x, level=level)
    low, high = stats.t.interval(level, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert iv.estimate == pytest.approx(x.mean(), rel=1e-12)
    assert iv.low == pytest.approx(low, rel=1e-10)
    assert iv.high == pytest.approx(high, rel=1e-10)
    assert iv.n == n
    assert iv.level == level


def test_mean_interval_of_a_textbook_sample():
    # Ten values with mean 5.5 and s = 3.02765; t(0.975; 9) = 2.262157.
    iv = mean_interval(range(1, 11))
    assert iv.estimate == 5.5
    assert iv.half_width == pytest.approx(2.262157 * 3.0276504 / math.sqrt(10), rel=1e-6)


def test_mean_interval_keeps_digits_under_a_large_offset():
    # Delivery times late in a long season: a common offset of 1e9 h must not eat the spread.
    iv = mean_interval([1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0])
    assert iv.estimate == 1e9 + 2.0
    # The bounds are stored as numbers near 1e9, so they are exact to an ulp there.
    expected = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert iv.half_width == pytest.approx(expected, abs=2 * math.ulp(1e9))


def test_one_value_has_an_infinite_interval():
    iv = mean_interval([3.5])
    assert (iv.estimate, iv.low, iv.high, iv.n) == (3.5, -math.inf, math.inf, 1)
    assert iv.half_width == math.inf


def test_equal_values_have_a_zero_width_interval():
    iv = mean_interval([2.0] * 7)
    assert (iv.low, iv.estimate, iv.high) == (2.0, 2.0, 2.0)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, math.nan, 2.0], "NaN"),
        ([1.0, math.inf], "infinite"),
        ([], "at least one"),
        ([[1.0, 2.0], [3.0, 4.0]], "one-dimensional"),
    ],
)
def test_mean_interval_refuses_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        mean_interval(values)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.5, math.nan])
def test_level_must_be_a_probability(level):
    with pytest.raises(ValueError, match="confidence level"):
        mean_interval([1.0, 2.0], level=level)


@pytest.mark.slow
def test_t_interval_covers_an_exponential_mean_95_percent_of_the_time():
    # 2,000 experiments of 500 exponential values each. The number that cover the true
    # mean is Binomial(2000, coverage); under coverage = 0.95 the observed fraction lies
    # within z(0.9995) binomial standard errors of 0.95 with probability 0.999. The
    # t-interval is exact only for normal data: for the (skewed) exponential its two-sided
    # coverage falls short by O(1/n), about 0.002 at n = 500, a sixth of that tolerance.
    trials, n, level = 2000, 500, 0.95
    rng = np.random.default_rng(20270104)
    samples = rng.exponential(1.0, size=(trials, n))
    covered = sum(1.0 in mean_interval(row, level=level) for row in samples)
    se = math.sqrt(level * (1.0 - level) / trials)
    tolerance = stats.norm.ppf(0.9995) * se
    assert abs(covered / trials - level) <= tolerance, (covered / trials, tolerance)


# --- means of quantities that cannot be negative --------------------------------------------


@given(
    st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1e6, allow_nan=False)), min_size=2, max_size=60)
)
def test_the_bootstrap_interval_never_leaves_the_values_range(values: list[float]) -> None:
    iv = bootstrap_mean_interval(values)
    assert 0.0 <= min(values) <= iv.low <= iv.estimate <= iv.high <= max(values)
    assert bootstrap_mean_interval(sorted(values, reverse=True)) == iv  # order does not matter


def test_failed_shots_mostly_zero_stay_above_zero_where_a_t_interval_does_not() -> None:
    values = [0.0] * 18 + [900.0, 900.0]  # two replications with 900 failed shots
    assert mean_interval(values).low == pytest.approx(-39.6, abs=0.1)  # docs/validation.md
    iv = bootstrap_mean_interval(values)
    assert iv.estimate == 90.0
    # Resampled means are multiples of 45 (k of 20 draws hit 900); zero is the lowest.
    assert (iv.low, iv.high) == (0.0, 225.0)


def test_the_bootstrap_interval_of_one_value_cannot_be_computed() -> None:
    iv = bootstrap_mean_interval([2.7])
    assert (iv.low, iv.high, iv.n) == (-math.inf, math.inf, 1)
    assert bootstrap_mean_interval([3.0, 3.0, 3.0]) == Interval(3.0, 3.0, 3.0, 3, 0.95)


@pytest.mark.parametrize(
    ("draw", "mean"),
    [
        (lambda rng, n: rng.poisson(0.8, n).astype(float), 0.8),
        (lambda rng, n: rng.gamma(2.0, 1.5, n), 3.0),
    ],
    ids=["poisson counts", "gamma costs"],
)
def test_the_bootstrap_interval_covers_at_its_level(draw, mean) -> None:
    # 400 experiments of 100 values: the number that cover the true mean is
    # Binomial(400, coverage). The level must lie in the 99.9% Wilson interval of the
    # observed count. (The percentile bootstrap covers a little less than its level for
    # skewed data, by O(1/n): about a percentage point here.)
    trials, n, level = 400, 100, 0.95
    rng = np.random.default_rng(20270104)
    covered = sum(mean in bootstrap_mean_interval(draw(rng, n), level=level) for _ in range(trials))
    assert level in proportion_interval(covered, trials, level=0.999), covered / trials


def test_the_replications_to_rule_out_a_five_percent_risk() -> None:
    # Zero misses in n: Wilson's upper bound is z²/(n + z²), under 5% from n = 73 at 95%.
    assert replications_to_bound(0.0, 0.05) == 73
    assert proportion_interval(0, 73).high <= 0.05 < proportion_interval(0, 72).high
    n = replications_to_bound(0.01, 0.05)
    assert n is not None
    assert proportion_interval(round(0.01 * n), n).high <= 0.05 + 1e-3
    assert replications_to_bound(0.05, 0.05) is None
    assert replications_to_bound(0.2, 0.05) is None


# --- probabilities -------------------------------------------------------------------------


def test_zero_misses_in_1000_runs_clopper_pearson():
    # The figure a planner quotes: no late delivery in 1,000 runs still means up to 0.368 %.
    iv = proportion_interval(0, 1000, "clopper-pearson")
    assert iv.estimate == 0.0
    assert iv.low == 0.0
    assert round(iv.high, 5) == 0.00368
    assert iv.high == pytest.approx(1.0 - 0.025 ** (1 / 1000), rel=1e-9)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat.
    # Med. 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_on_textbook_cases(k, n, low, high):
    iv = proportion_interval(k, n, "wilson")
    assert round(iv.low, 4) == low
    assert round(iv.high, 4) == high


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 50), (3, 50), (25, 50), (49, 50), (50, 50)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_proportion_interval_matches_scipy(method, k, n, level):
    scipy_method = "exact" if method == "clopper-pearson" else "wilson"
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method=scipy_method)
    iv = proportion_interval(k, n, method, level=level)
    assert iv.estimate == k / n
    assert iv.low == pytest.approx(ci.low, rel=1e-9, abs=1e-15)
    assert iv.high == pytest.approx(ci.high, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_no_successes_still_has_a_positive_upper_bound(method):
    iv = proportion_interval(0, 1000, method)
    assert iv.low == 0.0
    assert 0.0 < iv.high < 0.01
    full = proportion_interval(1000, 1000, method)
    assert full.high == 1.0
    assert 0.99 < full.low < 1.0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((1, 0), ValueError),
        ((5, 4), ValueError),
        ((-1, 4), ValueError),
        ((1.5, 4), ValueError),
        ((True, 4), TypeError),
    ],
)
def test_proportion_interval_refuses_bad_counts(args, error):
    with pytest.raises(error):
        proportion_interval(*args)


def test_proportion_interval_refuses_an_unknown_method():
    with pytest.raises(ValueError, match="clopper-pearson"):
        proportion_interval(1, 10, "agresti")  # type: ignore[arg-type]


# --- quantiles -----------------------------------------------------------------------------


def test_median_interval_of_100_values_uses_the_40th_and_61st():
    # The textbook ranks for n = 100 at 95 % (coverage 0.9648).
    iv = quantile_interval(np.arange(1.0, 101.0), 0.5)
    assert (iv.estimate, iv.low, iv.high) == (50.0, 40.0, 61.0)


def _coverage(n: int, q: float, lower: int, upper: int) -> float:
    """P(x(lower) <= true quantile < x(upper)) = P(lower <= K <= upper - 1), K ~ Bin(n, q)."""
    binom = stats.binom(n, q)
    return float(binom.cdf(upper - 1) - binom.cdf(lower - 1))


@pytest.mark.parametrize("n", [20, 57, 200, 1000])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.95])
def test_quantile_interval_ranks_are_the_tightest_equal_tailed_ones(n, q):
    values = np.arange(1.0, n + 1.0)  # value = rank, so the bounds read as ranks
    iv = quantile_interval(values, q, level=0.95)
    tail = 0.025
    lower = int(iv.low) if math.isfinite(iv.low) else 0
    upper = int(iv.high) if math.isfinite(iv.high) else n + 1
    binom = stats.binom(n, q)
    # Each tail within its share...
    assert binom.cdf(lower - 1) <= tail
    assert binom.sf(upper - 1) <= tail
    # ...and one rank tighter on either side would not be.
    if lower < n:
        assert binom.cdf(lower) > tail
    if upper > 1:
        assert binom.sf(upper - 2) > tail
    assert _coverage(n, q, lower, upper) >= 0.95
    assert iv.estimate == np.quantile(values, q, method="inverted_cdf")


def test_too_few_values_give_infinite_bounds():
    # With 5 values P(all 5 below the median) = 1/32 > 0.025: no order statistic will do.
    iv = quantile_interval([3.0, 1.0, 2.0, 5.0, 4.0], 0.5)
    assert (iv.estimate, iv.low, iv.high) == (3.0, -math.inf, math.inf)


def test_censored_replications_are_infinite_quantiles():
    # 100 replications, 8 not delivered by the horizon (+inf): the 90th percentile is
    # finite, its upper bound lies among the censored ones, the 95th is infinite.
    values = [float(v) for v in range(1, 93)] + [math.inf] * 8
    p90 = quantile_interval(values, 0.9)
    assert p90.estimate == 90.0
    assert math.isfinite(p90.low)
    assert p90.high == math.inf
    assert quantile_interval(values, 0.95).estimate == math.inf


@pytest.mark.parametrize(
    ("values", "q", "message"),
    [
        ([1.0, math.nan], 0.5, "NaN"),
        ([1.0, -math.inf], 0.5, r"\+inf"),
        ([1.0, 2.0], 0.0, "q must"),
        ([1.0, 2.0], 1.0, "q must"),
    ],
)
def test_quantile_interval_refuses_bad_input(values, q, message):
    with pytest.raises(ValueError, match=message):
        quantile_interval(values, q)


# --- paired differences --------------------------------------------------------------------


def test_paired_difference_matches_a_paired_t_test():
    rng = np.random.default_rng(7)
    common = rng.gamma(4.0, 10.0, size=30)  # what both scenarios share (the same draws)
    a = common + rng.normal(0.0, 1.0, size=30)
    b = common + 2.0 + rng.normal(0.0, 1.0, size=30)
    pd = paired_difference(a, b, level=0.9)
    assert isinstance(pd, PairedDifference)
    ci = stats.ttest_rel(a, b).confidence_interval(confidence_level=0.9)
    assert pd.difference.estimate == pytest.approx(np.mean(a - b), rel=1e-12)
    assert pd.difference.low == pytest.approx(ci.low, rel=1e-10)
    assert pd.difference.high == pytest.approx(ci.high, rel=1e-10)
    ratio = (np.var(a, ddof=1) + np.var(b, ddof=1)) / np.var(a - b, ddof=1)
    assert pd.variance_reduction == pytest.approx(ratio, rel=1e-10)
    assert pd.variance_reduction > 50  # common random numbers pay off
    d = pd.to_dict()
    assert d["variance_reduction"] == pd.variance_reduction
    assert d["difference_estimate"] == pd.difference.estimate


def test_independent_samples_gain_nothing_from_pairing():
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=4000), rng.normal(size=4000)
    # var(a) + var(b) = var(a - b) when a and b are independent: the ratio is about 1.
    assert paired_difference(a, b).variance_reduction == pytest.approx(1.0, abs=0.1)


def test_paired_difference_edge_cases():
    same = paired_difference([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert same.difference.half_width == 0.0
    assert same.variance_reduction == math.inf
    assert math.isnan(paired_difference([1.0, 1.0], [1.0, 1.0]).variance_reduction)
    assert math.isnan(paired_difference([1.0], [2.0]).variance_reduction)
    with pytest.raises(ValueError, match="one b per a"):
        paired_difference([1.0, 2.0], [1.0])
