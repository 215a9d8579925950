"""Distributions: moments against closed forms, samplers against quantiles, validation."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from scipy import stats

from simulator.distributions import (
    Constant,
    DistributionSpec,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    TruncatedNormal,
    Uniform,
    normal_cdf,
    normal_ppf,
)
from simulator.draws import Purpose, Stream

SEED = 987654321
N = 20_000
FIXED_US = [1e-9, 0.001, 0.03, 0.25, 0.5, 0.61803, 0.9, 0.999, 1.0 - 2.0**-53]


class FakeStream:
    """Hands out the given uniforms in order and counts them; running out is an error."""

    def __init__(self, values):
        self._values = list(values)
        self.used = 0

    def next(self) -> float:
        if self.used >= len(self._values):
            raise AssertionError("the sampler drew more uniforms than expected")
        u = self._values[self.used]
        self.used += 1
        return u


# Each case: the distribution and the frozen scipy distribution with the same law.
def _lognormal_mean_cv(mean, cv):
    s = math.sqrt(math.log1p(cv * cv))
    return stats.lognorm(s=s, scale=math.exp(math.log(mean) - 0.5 * s * s))


def _truncnorm(loc, scale, low, high):
    b = math.inf if high is None else (high - loc) / scale
    return stats.truncnorm((low - loc) / scale, b, loc=loc, scale=scale)


CASES: dict[str, tuple[Any, Any]] = {
    "exponential": (Exponential(mean=2.5), stats.expon(scale=2.5)),
    "lognormal-median": (
        LogNormal(median=30.0, sigma=0.4),
        stats.lognorm(s=0.4, scale=30.0),
    ),
    "lognormal-mean": (LogNormal(mean=12.0, cv=0.6), _lognormal_mean_cv(12.0, 0.6)),
    "gamma-cv<1": (Gamma(mean=8.0, cv=0.5), stats.gamma(a=4.0, scale=2.0)),
    "gamma-cv>1": (Gamma(mean=3.0, cv=2.0), stats.gamma(a=0.25, scale=12.0)),
    "truncnorm-low": (
        TruncatedNormal(loc=4.0, scale=3.0),
        _truncnorm(4.0, 3.0, 0.0, None),
    ),
    "truncnorm-both": (
        TruncatedNormal(loc=5.0, scale=2.0, low=1.0, high=12.0),
        _truncnorm(5.0, 2.0, 1.0, 12.0),
    ),
    "truncnorm-negative-loc": (
        TruncatedNormal(loc=-1.0, scale=2.0),
        _truncnorm(-1.0, 2.0, 0.0, None),
    ),
    "uniform": (Uniform(low=2.0, high=7.0), stats.uniform(loc=2.0, scale=5.0)),
    "triangular": (
        Triangular(low=1.0, mode=2.0, high=6.0),
        stats.triang(c=0.2, loc=1.0, scale=5.0),
    ),
    "triangular-mode-at-low": (
        Triangular(low=1.0, mode=1.0, high=4.0),
        stats.triang(c=0.0, loc=1.0, scale=3.0),
    ),
    "empirical": (
        Empirical(values=(1.0, 2.0, 5.0, 10.0), weights=(0.4, 0.3, 0.2, 0.1)),
        stats.rv_discrete(values=([1, 2, 5, 10], [0.4, 0.3, 0.2, 0.1])),
    ),
}

INVERSE_TRANSFORM = [
    "lognormal-median",
    "lognormal-mean",
    "truncnorm-low",
    "truncnorm-both",
    "truncnorm-negative-loc",
    "uniform",
    "triangular",
    "triangular-mode-at-low",
]


@pytest.mark.parametrize("name", list(CASES))
def test_mean_and_variance_match_closed_forms(name):
    dist, ref = CASES[name]
    mean, var = ref.stats(moments="mv")
    assert dist.mean == pytest.approx(float(mean), rel=1e-12)
    assert dist.variance == pytest.approx(float(var), rel=1e-10)


@pytest.mark.parametrize("name", list(CASES))
def test_sample_moments_within_standard_errors(name):
    dist, ref = CASES[name]
    stream = Stream(SEED, 0, Purpose.SERVICE, 1, 0)
    xs = np.array([dist.sample(stream) for _ in range(N)])
    assert xs.min() >= 0.0
    mean, var, kurt = (float(m) for m in ref.stats(moments="mvk"))
    # The sample mean has standard error sqrt(var / n) and the sample variance about
    # sqrt((mu4 − var²) / n), with mu4 = (excess kurtosis + 3) var². A fixed seed makes the
    # check deterministic; 4.5 standard errors keeps it from depending on a lucky seed.
    assert abs(xs.mean() - mean) < 4.5 * math.sqrt(var / N)
    se_var = math.sqrt((kurt + 2.0) * var * var / N)
    assert abs(xs.var(ddof=1) - var) < 4.5 * se_var


@pytest.mark.parametrize("name", INVERSE_TRANSFORM)
def test_inverse_transform_matches_quantiles(name):
    dist, ref = CASES[name]
    us = FIXED_US
    if name.startswith("truncnorm"):
        # pa + u·(pb − pa) cannot resolve probabilities closer to 1 than 2**-53, so at the
        # very top uniform the sample is only near the exact quantile (still inside bounds).
        us = FIXED_US[:-1]
    for u in us:
        stream = FakeStream([u])
        assert dist.sample(stream) == pytest.approx(float(ref.ppf(u)), rel=1e-9, abs=1e-12)
        assert stream.used == 1


def test_exponential_is_the_inverse_of_its_survival_function():
    # −m·log(u) is decreasing in u: it is the quantile at 1 − u, and log(u) keeps full
    # precision for small u, where the long tail is.
    dist, ref = CASES["exponential"]
    for u in FIXED_US:
        stream = FakeStream([u])
        assert dist.sample(stream) == pytest.approx(float(ref.isf(u)), rel=1e-13)
        assert stream.used == 1


def test_truncated_normal_stays_inside_its_bounds_at_extreme_uniforms():
    dist = TruncatedNormal(loc=5.0, scale=2.0, low=1.0, high=12.0)
    for u in (2.0**-54, 1e-300, 1.0 - 2.0**-53):
        assert 1.0 <= dist.sample(FakeStream([u])) <= 12.0
    far = TruncatedNormal(loc=0.0, scale=1.0, low=8.0)  # pa rounds close to 1
    assert math.isfinite(far.sample(FakeStream([1.0 - 2.0**-53])))
    assert far.sample(FakeStream([1e-9])) >= 8.0


def test_constant_uses_no_uniform():
    stream = FakeStream([])
    assert Constant(value=45.0).sample(stream) == 45.0
    assert Constant(value=45.0).mean == 45.0
    assert Constant(value=45.0).variance == 0.0


# --- gamma: the documented order of uniforms --------------------------------------------


def test_gamma_accepts_first_pair_when_x_is_zero():
    g = Gamma(mean=8.0, cv=0.5)  # k = 4
    d = 4.0 - 1.0 / 3.0
    stream = FakeStream([0.5, 0.3])  # x = Φ⁻¹(0.5) = 0, so v = 1 and any u is accepted
    assert g.sample(stream) == d * 1.0 * g.scale
    assert stream.used == 2


def test_gamma_redraws_when_v_is_not_positive_without_drawing_u():
    g = Gamma(mean=8.0, cv=0.5)
    d = 4.0 - 1.0 / 3.0
    # x = Φ⁻¹(1e-300) ≈ −37 makes 1 + c·x negative: that attempt takes one uniform only.
    stream = FakeStream([1e-300, 0.5, 0.3])
    assert g.sample(stream) == d * g.scale
    assert stream.used == 3


def test_gamma_rejects_on_the_squeeze_test_and_draws_a_fresh_pair():
    g = Gamma(mean=8.0, cv=0.5)
    d = 4.0 - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    u_x = normal_cdf(2.0)
    x = normal_ppf(u_x)
    v = (1.0 + c * x) ** 3
    bound = 0.5 * x * x + d - d * v + d * math.log(v)
    u_reject = 0.999
    assert math.log(u_reject) >= bound  # the chosen u really fails the test
    stream = FakeStream([u_x, u_reject, 0.5, 0.3])
    assert g.sample(stream) == d * g.scale
    assert stream.used == 4


def test_gamma_with_shape_below_one_draws_the_boost_uniform_last():
    g = Gamma(mean=3.0, cv=2.0)  # k = 0.25: sample shape 1.25, then multiply by U^(1/k)
    assert g.shape == 0.25
    d = 1.25 - 1.0 / 3.0
    stream = FakeStream([0.5, 0.3, 0.8])
    assert g.sample(stream) == d * 1.0 * g.scale * 0.8**4.0
    assert stream.used == 3


# --- empirical ------------------------------------------------------------------------


def test_empirical_picks_the_first_index_past_u_times_total():
    e = Empirical(values=(1.0, 2.0, 3.0), weights=(1.0, 0.0, 3.0))
    assert e.sample(FakeStream([0.2])) == 1.0  # 0.8 < 1
    assert e.sample(FakeStream([0.25])) == 3.0  # 1.0 is not < 1; the zero weight is skipped
    assert e.sample(FakeStream([1.0 - 2.0**-53])) == 3.0
    assert Empirical(values=(4.0, 9.0)).sample(FakeStream([0.49])) == 4.0
    assert Empirical(values=(4.0, 9.0)).sample(FakeStream([0.5])) == 9.0


def test_empirical_respects_weights():
    e = Empirical(values=(1.0, 2.0, 3.0), weights=(1.0, 0.0, 3.0))
    stream = Stream(SEED, 1, Purpose.FRAMES, 0, 0)
    counts = Counter(e.sample(stream) for _ in range(N))
    assert counts[2.0] == 0
    # A frequency has standard error sqrt(p (1 − p) / n); allow 4.5 of them.
    assert abs(counts[1.0] / N - 0.25) < 4.5 * math.sqrt(0.25 * 0.75 / N)
    assert counts[1.0] + counts[3.0] == N


# --- the normal -----------------------------------------------------------------------


def test_normal_ppf_matches_scipy():
    ps = np.concatenate(
        [
            np.linspace(1e-6, 1.0 - 1e-6, 2001),
            np.logspace(-300, -1, 300),
            1.0 - np.logspace(-15, -1, 100),
            [0.075, 0.925, 0.5 - 1e-12, 0.5 + 1e-12],
        ]
    )
    mine = np.array([normal_ppf(float(p)) for p in ps])
    np.testing.assert_allclose(mine, stats.norm.ppf(ps), rtol=5e-15, atol=1e-300)


def test_normal_ppf_edges():
    assert normal_ppf(0.5) == 0.0
    assert normal_ppf(0.0) == -math.inf
    assert normal_ppf(1.0) == math.inf
    with pytest.raises(ValueError, match="probability"):
        normal_ppf(-0.1)
    with pytest.raises(ValueError, match="probability"):
        normal_ppf(1.5)


def test_normal_cdf_matches_scipy():
    zs = np.linspace(-37.0, 8.0, 451)
    mine = np.array([normal_cdf(float(z)) for z in zs])
    # erfc's argument −z/√2 carries one rounding, which the tail magnifies by about z²:
    # at z = −37 that is ~1.5e-13 relative; near the centre agreement is ~1e-16.
    np.testing.assert_allclose(mine, stats.norm.cdf(zs), rtol=5e-13, atol=0.0)


# --- validation -----------------------------------------------------------------------

ADAPTER: TypeAdapter = TypeAdapter(DistributionSpec)

BAD = [
    ({"dist": "constant", "value": -1}, "expected a number >= 0, got -1.0"),
    ({"dist": "constant", "value": float("nan")}, "expected a finite number, got nan"),
    ({"dist": "constant", "value": "3"}, "expected a number, got '3'"),
    ({"dist": "constant", "value": True}, "expected a number, got True"),
    ({"dist": "exponential", "mean": 0}, "expected a number > 0, got 0.0"),
    ({"dist": "exponential", "mean": float("inf")}, "expected a finite number, got inf"),
    ({"dist": "exponential", "mean": 1, "rate": 2}, "Extra inputs are not permitted"),
    (
        {"dist": "lognormal", "median": 3, "sigma": 0.4, "mean": 3, "cv": 0.2},
        "expected either (median, sigma) or (mean, cv), got median, sigma, mean, cv",
    ),
    (
        {"dist": "lognormal", "median": 3},
        "expected either (median, sigma) or (mean, cv), got median",
    ),
    ({"dist": "lognormal"}, "got neither"),
    ({"dist": "lognormal", "median": -3, "sigma": 0.4}, "expected a number > 0, got -3.0"),
    ({"dist": "lognormal", "mean": 3, "cv": -0.1}, "expected a number >= 0, got -0.1"),
    ({"dist": "gamma", "mean": 3, "cv": 0}, "expected a number > 0, got 0.0"),
    ({"dist": "gamma", "mean": float("nan"), "cv": 1}, "expected a finite number"),
    ({"dist": "truncated_normal", "loc": 1, "scale": 0}, "expected a number > 0, got 0.0"),
    (
        {"dist": "truncated_normal", "loc": 1, "scale": 1, "low": 3, "high": 2},
        "expected low < high, got low=3.0, high=2.0",
    ),
    ({"dist": "truncated_normal", "loc": 1, "scale": 1, "low": -1}, "expected a number >= 0"),
    (
        {"dist": "truncated_normal", "loc": 0, "scale": 1, "low": 50},
        "expected [low, high] to hold some probability",
    ),
    ({"dist": "uniform", "low": 5, "high": 2}, "expected low <= high, got low=5.0, high=2.0"),
    ({"dist": "uniform", "low": -1, "high": 2}, "expected a number >= 0, got -1.0"),
    (
        {"dist": "triangular", "low": 1, "mode": 5, "high": 3},
        "expected low <= mode <= high with low < high",
    ),
    (
        {"dist": "triangular", "low": 2, "mode": 2, "high": 2},
        "expected low <= mode <= high with low < high",
    ),
    ({"dist": "empirical", "values": []}, "expected at least one value, got an empty list"),
    (
        {"dist": "empirical", "values": [1, 2], "weights": [1]},
        "expected as many weights as values (2), got 1",
    ),
    (
        {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
        "expected weights with a positive sum",
    ),
    ({"dist": "empirical", "values": [1, 2], "weights": [1, -1]}, "expected a number >= 0"),
    ({"dist": "empirical", "values": [1, float("nan")]}, "expected a finite number"),
    ({"dist": "weibull", "shape": 2}, "does not match any of the expected tags"),
    (True, "expected a number or a distribution"),
]


@pytest.mark.parametrize(("spec", "message"), BAD)
def test_bad_parameters_are_rejected_with_a_clear_message(spec, message):
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(spec)
    assert message in str(info.value)


class _Holder(BaseModel):
    seconds: DistributionSpec


def test_bare_number_is_a_constant():
    assert _Holder(seconds=45).seconds == Constant(value=45.0)
    assert _Holder(seconds=2.5).seconds == Constant(value=2.5)
    held = _Holder.model_validate({"seconds": {"dist": "exponential", "mean": 3}}).seconds
    assert held == Exponential(mean=3.0)
    with pytest.raises(ValidationError, match="expected a number or a distribution"):
        _Holder(seconds=False)
    with pytest.raises(ValidationError, match="expected a number >= 0"):
        _Holder(seconds=-2)


def test_models_are_frozen_and_round_trip():
    for dist, _ in CASES.values():
        with pytest.raises(ValidationError):
            dist.dist = "constant"
        assert ADAPTER.validate_python(dist.model_dump()) == dist
    dumped = LogNormal(mean=3.0, cv=0.5).model_dump(exclude_none=True)
    assert dumped == {"dist": "lognormal", "mean": 3.0, "cv": 0.5}


# --- scaled ---------------------------------------------------------------------------

EXACT_SCALING = ["uniform", "triangular", "triangular-mode-at-low", "exponential", "empirical"]


@pytest.mark.parametrize("name", EXACT_SCALING)
def test_scaled_sample_is_the_scaled_sample(name):
    dist, _ = CASES[name]
    f = 1.0 / 3600.0
    scaled = dist.scaled(f)
    for u in FIXED_US:
        assert scaled.sample(FakeStream([u])) == pytest.approx(
            f * dist.sample(FakeStream([u])), rel=1e-12
        )


@pytest.mark.parametrize("name", list(CASES))
def test_scaled_moments(name):
    dist, _ = CASES[name]
    f = 1.0 / 60.0
    scaled = dist.scaled(f)
    assert type(scaled) is type(dist)
    assert scaled.mean == pytest.approx(f * dist.mean, rel=1e-12)
    assert scaled.variance == pytest.approx(f * f * dist.variance, rel=1e-12)
    # Samples follow the same uniforms, so they scale too (to rounding).
    a, b = Stream(SEED, 2, Purpose.SERVICE, 3, 0), Stream(SEED, 2, Purpose.SERVICE, 3, 0)
    for _ in range(20):
        assert scaled.sample(a) == pytest.approx(f * dist.sample(b), rel=1e-12)


def test_scaled_keeps_the_parameterisation():
    assert Constant(value=90.0).scaled(0.5) == Constant(value=45.0)
    assert LogNormal(median=10.0, sigma=0.3).scaled(2.0) == LogNormal(median=20.0, sigma=0.3)
    assert LogNormal(mean=10.0, cv=0.3).scaled(2.0) == LogNormal(mean=20.0, cv=0.3)
    assert TruncatedNormal(loc=4.0, scale=1.0, high=9.0).scaled(2.0) == TruncatedNormal(
        loc=8.0, scale=2.0, low=0.0, high=18.0
    )
    assert Empirical(values=(1.0, 2.0), weights=(3.0, 1.0)).scaled(2.0) == Empirical(
        values=(2.0, 4.0), weights=(3.0, 1.0)
    )


@pytest.mark.parametrize("factor", [0.0, -1.0, math.nan, math.inf])
def test_scaled_rejects_bad_factors(factor):
    with pytest.raises(ValueError, match="scale factor"):
        Exponential(mean=1.0).scaled(factor)
