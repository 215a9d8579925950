"""Confidence intervals for what replications estimate.

A Monte Carlo run gives a number per replication: an episode's delivery time, the
season's cost, whether a deadline was missed. Replications are independent (each has its
own draws, DESIGN §2), so the numbers are an i.i.d. sample and the classical intervals
apply. Every interval here is a statement of the form "a procedure that covers the true
value in ``level`` of all experiments gave [low, high]"; the level is a parameter (0.95
unless told otherwise).

* **Means** — Student's t: x̄ ± t(1 − α/2; n − 1) · s / √n. Exact for normal data and
  good for the means of replications (sums of many small effects) from a few dozen
  replications on; heavy right tails (costs with rare penalties) need more.
* **Means of quantities that cannot be negative** (costs, counts of defects and failed
  shots, hours, busy shares) — the bootstrap percentile interval: the replications are
  resampled with replacement (``BOOTSTRAP_RESAMPLES`` times, from a fixed seed, so the
  same values give the same interval), and the interval runs between the (1 − level)/2
  and (1 + level)/2 quantiles of the resampled means. Every resampled mean lies between
  the smallest and the largest value, so the interval never leaves the quantity's range
  (a t interval around 90 failed shots can reach −12); for many replications it agrees
  with the t interval.
* **Probabilities** (missing a deadline) — the number of misses in n replications is
  binomial. Wilson's score interval inverts the normal test of the proportion and behaves
  well near 0 and 1; Clopper–Pearson inverts the exact binomial test (beta quantiles) and
  never covers less than the level. Both give a positive upper bound with zero misses:
  the planner's "no late delivery in 1,000 runs" still means "risk up to 0.37 %".
* **Quantiles** (the 90th percentile of delivery time) — distribution-free, from order
  statistics: the number of values at or below the true q-quantile is Binomial(n, q), so
  the interval between two order statistics chosen from binomial tails covers it with at
  least the level, whatever the distribution. A replication that did not deliver by the
  horizon is censored: it counts as +∞, which is still correctly ordered, so a quantile or
  its bounds may be infinite: the data cannot rule out that it lies beyond the horizon.
* **Paired differences** — two scenarios run on common random numbers (same seed, same
  replication index, hence the same frames, failures and verdicts) give per-replication
  differences d = a − b whose variance is var(a) + var(b) − 2 cov(a, b). When the pair is
  positively correlated that is far less than var(a) + var(b), the variance of the
  difference of two independent means. The ratio of the two is reported as the variance
  reduction: how many times more replications independent runs would need for the same
  precision.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "Interval",
    "PairedDifference",
    "bootstrap_mean_interval",
    "mean_interval",
    "paired_difference",
    "proportion_interval",
    "quantile_interval",
    "quantile_ranks",
    "replications_to_bound",
]

DEFAULT_LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A point estimate and a confidence interval [low, high] from ``n`` values.

    Bounds may be infinite: a mean from one value, or a quantile whose order statistic
    falls outside the sample or on a censored (+∞) replication.
    """

    estimate: float
    low: float
    high: float
    n: int
    level: float = DEFAULT_LEVEL

    @property
    def half_width(self) -> float:
        """Half the interval's width; for an asymmetric interval (Wilson, Clopper–Pearson,
        quantiles) it is a measure of precision, not the distance from the estimate."""
        return (self.high - self.low) / 2.0

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float | int]:
        """Plain numbers, for tables and JSON. Infinite bounds stay ``inf``: a writer that
        needs strict JSON decides how to spell them."""
        out: dict[str, float | int] = asdict(self)
        out["half_width"] = self.half_width
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, null_low: float = -math.inf) -> Interval:
        """Back from ``to_dict``, also as strict JSON spells it, where every infinity is
        null: a null estimate or high bound is +∞, a null low bound ``null_low`` (−∞ unless
        the caller knows better: a quantile's low bound can be a censored +∞).
        ``half_width`` is derived, not read."""

        def number(key: str, null: float) -> float:
            value = data[key]
            return null if value is None else float(value)

        return cls(
            number("estimate", math.inf),
            number("low", null_low),
            number("high", math.inf),
            int(data["n"]),
            float(data["level"]),
        )


@dataclass(frozen=True)
class PairedDifference:
    """Mean of a − b on common random numbers, and what pairing gained."""

    difference: Interval
    variance_reduction: float
    """(var(a) + var(b)) / var(a − b): infinite when every difference is equal, NaN when
    it is 0/0 or there are fewer than two pairs."""

    def to_dict(self) -> dict[str, float | int]:
        out = {f"difference_{k}": v for k, v in self.difference.to_dict().items()}
        out["variance_reduction"] = self.variance_reduction
        return out


# --- helpers -----------------------------------------------------------------------------


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level!r}")
    return float(level)


def _sample(values: ArrayLike, what: str, *, allow_inf: bool = False) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{what}: expected a one-dimensional sequence, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{what}: expected at least one value, got none")
    if np.isnan(x).any():
        raise ValueError(
            f"{what}: {int(np.isnan(x).sum())} value(s) are NaN; drop or resolve them first "
            "(a censored replication is +inf in quantiles and left out of means)"
        )
    bad = np.isneginf(x) if allow_inf else ~np.isfinite(x)
    if bad.any():
        allowed = "only +inf (censored) is allowed" if allow_inf else "all must be finite"
        raise ValueError(f"{what}: {int(bad.sum())} value(s) are infinite; {allowed}")
    return x


def _mean_and_variance(x: np.ndarray) -> tuple[float, float]:
    # fsum: the same answer whatever order the replications arrived in (DESIGN §5), and
    # two passes so that a large common offset (delivery times in hours of a long season)
    # does not eat the variance's digits.
    n = x.size
    mean = math.fsum(x.tolist()) / n
    if n < 2:
        return mean, math.nan
    var = math.fsum(((x - mean) ** 2).tolist()) / (n - 1)
    return mean, var


# --- means -------------------------------------------------------------------------------


def mean_interval(values: ArrayLike, *, level: float = DEFAULT_LEVEL) -> Interval:
    """The sample mean with its Student-t interval.

    With a single value there is no estimate of spread, and the interval is (−∞, +∞): the
    honest answer, not an error, so that a one-replication run still reports. NaN and
    infinite values raise ``ValueError`` (censored replications belong out of the mean).
    """
    level = _check_level(level)
    x = _sample(values, "mean_interval")
    n = x.size
    mean, var = _mean_and_variance(x)
    if n == 1:
        return Interval(mean, -math.inf, math.inf, 1, level)
    t = float(stats.t.ppf(0.5 + level / 2.0, n - 1))
    half = t * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half, n, level)


BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_SEED = 20240611
_BOOTSTRAP_BLOCK = 4_000_000
"""Resampled indices drawn at once: bounds the memory of a bootstrap of many replications
(16 MB); the resamples of up to 2,000 replications fit in one block and are kept."""


def bootstrap_mean_interval(values: ArrayLike, *, level: float = DEFAULT_LEVEL) -> Interval:
    """The sample mean with its bootstrap percentile interval, which stays inside the
    values' range: the interval for a quantity that cannot be negative never goes below
    zero.

    ``BOOTSTRAP_RESAMPLES`` resamples from a fixed seed: the same values (in any order of
    arrival, they are sorted first) give the same interval. With a single value there is
    nothing to resample and the interval is (−∞, +∞), as for ``mean_interval``; when every
    value is the same it is that value.
    """
    level = _check_level(level)
    x = np.sort(_sample(values, "bootstrap_mean_interval"))
    n = x.size
    mean, _ = _mean_and_variance(x)
    if n == 1:
        return Interval(mean, -math.inf, math.inf, 1, level)
    if x[0] == x[-1]:
        return Interval(mean, float(x[0]), float(x[0]), n, level)
    means = np.concatenate([x[picks].mean(axis=1) for picks in _resamples(n)])
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    # The resampled means are within [min, max] up to rounding: keep the bounds there.
    low = min(max(float(low), float(x[0])), mean)
    high = max(min(float(high), float(x[-1])), mean)
    return Interval(mean, low, high, n, level)


def _resamples(n: int) -> list[np.ndarray]:
    """The bootstrap's resamples of n values, as blocks of index rows (the same for every
    quantity of n replications: kept for a summary's next quantity when they are small)."""
    if n * BOOTSTRAP_RESAMPLES <= _BOOTSTRAP_BLOCK:
        return _small_resamples(n)
    return list(_resample_blocks(n))


@functools.lru_cache(maxsize=2)
def _small_resamples(n: int) -> list[np.ndarray]:
    return list(_resample_blocks(n))


def _resample_blocks(n: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    block = max(1, _BOOTSTRAP_BLOCK // n)
    for first in range(0, BOOTSTRAP_RESAMPLES, block):
        rows = min(block, BOOTSTRAP_RESAMPLES - first)
        yield rng.integers(0, n, size=(rows, n), dtype=np.int32 if n < 2**31 else np.int64)


# --- probabilities -----------------------------------------------------------------------


def proportion_interval(
    successes: int,
    n: int,
    method: Literal["wilson", "clopper-pearson"] = "wilson",
    *,
    level: float = DEFAULT_LEVEL,
) -> Interval:
    """The proportion ``successes / n`` with a Wilson or Clopper–Pearson interval.

    Zero successes give a lower bound of 0 and a positive upper bound (0 of 1,000 at 95 %:
    0.0037 by Clopper–Pearson); all successes give an upper bound of 1.
    """
    level = _check_level(level)
    if isinstance(successes, bool) or isinstance(n, bool):
        raise TypeError("successes and n must be integers, not booleans")
    if int(successes) != successes or int(n) != n:
        raise ValueError(f"successes and n must be whole numbers, got {successes!r} and {n!r}")
    k, n = int(successes), int(n)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"successes must be between 0 and n = {n}, got {k}")
    p = k / n
    alpha = 1.0 - level
    if method == "wilson":
        z = float(stats.norm.ppf(1.0 - alpha / 2.0))
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
        # At k = 0 (or n) the bound is exactly 0 (or 1) in exact arithmetic; say so rather
        # than report a rounding residue.
        low = 0.0 if k == 0 else max(0.0, centre - half)
        high = 1.0 if k == n else min(1.0, centre + half)
    elif method == "clopper-pearson":
        low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2.0, k, n - k + 1))
        high = 1.0 if k == n else float(stats.beta.ppf(1.0 - alpha / 2.0, k + 1, n - k))
    else:
        raise ValueError(f"method must be 'wilson' or 'clopper-pearson', got {method!r}")
    return Interval(p, low, high, n, level)


def replications_to_bound(
    p: float, threshold: float, *, level: float = DEFAULT_LEVEL, most: int = 10_000_000
) -> int | None:
    """The fewest replications whose Wilson upper bound would fall to ``threshold`` or
    below if the share of misses stayed ``p``: with ``p = 0``, the n at which zero misses
    in n rule out a risk above ``threshold`` (73 for 5 % at 95 % confidence). None when
    ``p`` is at or above the threshold, or more than ``most`` would be needed."""
    level = _check_level(level)
    if not 0.0 <= p < threshold:
        return None
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    z2 = z * z

    def upper(n: int) -> float:
        half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
        return (p + z2 / (2.0 * n) + half) / (1.0 + z2 / n)

    if upper(most) > threshold:
        return None
    low, high = 1, most  # upper(n) falls as n grows: the first n under the threshold
    while low < high:
        middle = (low + high) // 2
        if upper(middle) <= threshold:
            high = middle
        else:
            low = middle + 1
    return low


# --- quantiles ---------------------------------------------------------------------------


def quantile_ranks(n: int, q: float, *, level: float = DEFAULT_LEVEL) -> tuple[int, int]:
    """The ranks l and u (from 1) of the order statistics x₍l₎ and x₍u₎ that bound the
    q-quantile of n values at ``level`` (see ``quantile_interval``). l < 1 or u > n when n
    is too small for that tail: that bound is infinite."""
    tail = (1.0 - level) / 2.0
    binom = stats.binom(n, q)
    # K = #values <= the true quantile ~ Binomial(n, q); x(l) <= quantile iff K >= l, and
    # x(u) >= quantile iff K <= u - 1. Take the largest l with P(K <= l - 1) <= tail and
    # the smallest u with P(K >= u) <= tail.
    j = int(binom.ppf(tail))
    lower_rank = j if binom.cdf(j) <= tail else j - 1
    lower_rank += 1  # l = (largest j with P(K <= j) <= tail) + 1
    upper_rank = int(binom.ppf(1.0 - tail)) + 1
    return lower_rank, upper_rank


def quantile_interval(values: ArrayLike, q: float, *, level: float = DEFAULT_LEVEL) -> Interval:
    """The sample q-quantile with a distribution-free interval from order statistics.

    The estimate is the order statistic x₍⌈nq⌉₎ (the inverse of the empirical distribution
    function), which stays meaningful when some values are +∞ (censored). The interval is
    [x₍l₎, x₍u₎] with l and u chosen from the Binomial(n, q) distribution of the number of
    values at or below the true quantile, each tail at most (1 − level)/2; its coverage is
    at least the level for any continuous distribution. When n is too small for a tail,
    that bound is infinite.
    """
    level = _check_level(level)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    x = np.sort(_sample(values, "quantile_interval", allow_inf=True))
    n = x.size
    estimate = float(x[max(1, math.ceil(n * q)) - 1])
    lower_rank, upper_rank = quantile_ranks(n, q, level=level)
    low = float(x[lower_rank - 1]) if lower_rank >= 1 else -math.inf
    high = float(x[upper_rank - 1]) if upper_rank <= n else math.inf
    return Interval(estimate, low, high, n, level)


# --- paired differences ------------------------------------------------------------------


def paired_difference(
    a: ArrayLike, b: ArrayLike, *, level: float = DEFAULT_LEVEL
) -> PairedDifference:
    """Mean of a − b with its t interval, replication by replication, and the variance
    reduction (var(a) + var(b)) / var(a − b) that common random numbers bought."""
    level = _check_level(level)
    xa = _sample(a, "paired_difference (a)")
    xb = _sample(b, "paired_difference (b)")
    if xa.size != xb.size:
        raise ValueError(
            f"paired_difference needs one b per a (the same replications), got "
            f"{xa.size} and {xb.size} values"
        )
    d = xa - xb
    interval = mean_interval(d, level=level)
    if d.size < 2:
        return PairedDifference(interval, math.nan)
    _, var_a = _mean_and_variance(xa)
    _, var_b = _mean_and_variance(xb)
    _, var_d = _mean_and_variance(d)
    independent = var_a + var_b
    if var_d > 0.0:
        ratio = independent / var_d
    else:
        ratio = math.inf if independent > 0.0 else math.nan
    return PairedDifference(interval, ratio)
