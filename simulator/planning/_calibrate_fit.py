"""Fitting one sample: a distribution family by likelihood, intervals for its parameters,
and the release pattern of a season's shots.

**Which family.** Each supported family that can describe a positive duration is fitted
by maximum likelihood — exponential (1 parameter), gamma, lognormal and the normal
truncated at 0 (2 each) — and the one with the smallest AIC = 2·k − 2·log L wins: the
likelihood rewards fit, the 2·k term charges each parameter, so the exponential (a gamma
with cv = 1) is kept unless the data really want a second parameter. Uniform, triangular
and empirical are not candidates: the first two have hard bounds that their maximum
likelihood puts exactly at the sample's extremes (so the next season's longest task would
be "impossible"), and an empirical distribution is not a fit. How well the winner fits is
the Kolmogorov–Smirnov statistic D (largest gap between the sample's and the fitted
distribution function) with its p-value; the parameters were estimated from the same
sample, so the p-value is optimistic (Lilliefors), and a small one is a clear warning.

**How sure.** Every fitted number comes with a confidence interval at the requested level:

* lognormal: log X is normal, so the median exp(μ) has the exact Student-t interval of
  the mean of log X, and σ the exact chi-square interval of a normal standard deviation;
* exponential: 2·n·x̄ / mean is chi-square with 2n degrees of freedom: an exact interval;
* gamma: the mean is x̄, with its t interval; the cv = 1/√k has no closed form and gets a
  percentile bootstrap (resamples drawn from a fixed seed, so a rerun gives the same
  interval);
* truncated normal: Wald intervals from the observed information (the curvature of the
  log-likelihood at its maximum), with the scale on a log axis so its bound stays > 0;
* the mean of the sample, whatever the family: Student t (``simulator.stats``).

**Releases.** An episode's shots are released all at once, uniformly over a window from
its picture lock, or as a Poisson stream at a rate (DESIGN §1). A log does not record the
lock, so each episode's lock is a free parameter, and the two spread-out patterns are told
apart by how the span of an episode's releases (last minus first) varies across episodes:
a window gives nearly the same span to every episode of many shots, a Poisson stream a
span that grows with the shot count and varies with it. Both likelihoods below are those
of the ordered release times with the lock profiled out; each model has one shared
parameter plus one lock per episode, so the larger likelihood wins.

* window W: the ordered times of n uniform points have density n!/Wⁿ, as long as W is at
  least every episode's span; the range of n uniforms on [0, W] is W·Beta(n − 1, 2), so
  the largest span M = maxₑ Sₑ has a known distribution given W, which gives an exact
  interval for W (and a median-unbiased estimate);
* Poisson at rate λ: the first n points from the lock have density λⁿ·e^(−λ·(tₙ − lock)),
  largest with the lock at the first release; after it, the n − 1 gaps are exponential,
  so Σₑ Sₑ is Gamma(Σₑ (nₑ − 1), λ): an exact interval for λ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from scipy import optimize, special, stats

from simulator.stats import Interval, mean_interval

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "FAMILIES",
    "MIN_VALUES",
    "DistributionFit",
    "ReleaseFit",
    "SetupFit",
    "fit_distribution",
    "fit_per_frame",
    "fit_release",
    "runner_up",
    "split_setup",
]

MIN_VALUES = 20
"""Fewest values a distribution is fitted to. Below this, AIC cannot tell the families
apart and a two-parameter interval is mostly width; the sample's mean is still reported."""

FAMILIES = ("exponential", "gamma", "lognormal", "truncated_normal")
"""Candidate families, in order of preference when two fit exactly equally well."""

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20270104
"""Fixed, so that calibrating the same log twice gives the same intervals."""

_N_PARAMETERS = {"exponential": 1, "gamma": 2, "lognormal": 2, "truncated_normal": 2}


# --- one sample -----------------------------------------------------------------------


@dataclass(frozen=True)
class DistributionFit:
    """The best family for one sample, its parameters with intervals, and how well it fits.

    ``family`` is None when there were too few values (``note`` says so); the sample's
    mean and its interval are still there when there are two values or more. Values at or
    below 0 cannot come from a positive family and are left out (``left_out``).
    """

    quantity: str
    """The scenario key: ``seconds_per_frame``, ``minutes_per_shot``, ``hours_per_episode``,
    ``frames_per_shot``."""
    values: tuple[float, ...]
    family: str | None
    parameters: Mapping[str, Interval] = field(default_factory=dict)
    """Keyed as the scenario writes them: ``median``/``sigma``, ``mean``/``cv``, ``mean``,
    ``loc``/``scale``, ``value``."""
    mean: Interval | None = None
    ks_statistic: float = math.nan
    ks_pvalue: float = math.nan
    aic: Mapping[str, float] = field(default_factory=dict)
    """AIC of every family fitted (smaller is better)."""
    left_out: int = 0
    note: str = ""
    level: float = 0.95

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def fitted(self) -> bool:
        return self.family is not None

    def spec(self) -> dict[str, Any]:
        """The distribution as a scenario writes it, e.g. ``{dist: gamma, mean: 3, cv: 0.5}``."""
        if self.family is None:
            raise ValueError(f"{self.quantity}: {self.note}")
        out: dict[str, Any] = {"dist": self.family}
        out.update({k: v.estimate for k, v in self.parameters.items()})
        if self.family == "truncated_normal":
            out["low"] = 0.0
        return out

    def frozen(self) -> Any:
        """The fitted distribution as a SciPy frozen distribution (for densities and tests)."""
        if self.family is None:
            raise ValueError(f"{self.quantity}: {self.note}")
        return _frozen(self.family, {k: v.estimate for k, v in self.parameters.items()})


def _frozen(family: str, p: Mapping[str, float]) -> Any:
    if family == "exponential":
        return stats.expon(scale=p["mean"])
    if family == "gamma":
        k = 1.0 / (p["cv"] * p["cv"])
        return stats.gamma(k, scale=p["mean"] / k)
    if family == "lognormal":
        return stats.lognorm(p["sigma"], scale=p["median"])
    if family == "truncated_normal":
        a = (0.0 - p["loc"]) / p["scale"]
        return stats.truncnorm(a, math.inf, loc=p["loc"], scale=p["scale"])
    if family == "constant":
        return stats.uniform(loc=p["value"], scale=0.0)
    raise ValueError(f"unknown family {family!r}")


def _gamma_shape(s: np.ndarray) -> np.ndarray:
    """Maximum-likelihood gamma shape k from s = log(mean) − mean(log x) > 0, for many
    samples at once: Newton's method on log k − ψ(k) = s from Minka's closed-form start."""
    s = np.maximum(s, 1e-12)
    k = (3.0 - s + np.sqrt((s - 3.0) ** 2 + 24.0 * s)) / (12.0 * s)
    for _ in range(50):
        f = np.log(k) - special.digamma(k) - s
        step = f / (1.0 / k - special.polygamma(1, k))
        # Halve a step that would leave k > 0: Newton from Minka's start rarely needs it.
        k_new = np.where(k - step > 0.0, k - step, k / 2.0)
        if np.all(np.abs(k_new - k) <= 1e-12 * k):
            return np.asarray(k_new)
        k = k_new
    return np.asarray(k)


def _truncnorm_nll(theta: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of a normal truncated at 0, in (loc, log scale), and its
    gradient (the optimizer would otherwise spend hundreds of evaluations estimating it
    when the data are exponential-like and loc runs far below 0)."""
    loc, log_scale = float(theta[0]), float(theta[1])
    scale = math.exp(log_scale)
    z = (x - loc) / scale
    a = -loc / scale
    n = x.size
    # log density of N(loc, scale) renormalised to [0, ∞): logsf keeps the tail exact.
    logsf = float(special.log_ndtr(-a))
    nll = float(0.5 * (z * z).sum()) + n * (log_scale + 0.5 * math.log(2.0 * math.pi)) + n * logsf
    hazard = math.exp(-0.5 * a * a - 0.5 * math.log(2.0 * math.pi) - logsf)
    grad_loc = (-float(z.sum()) + n * hazard) / scale
    grad_log_scale = -float((z * z).sum()) + n + n * a * hazard
    return nll, np.array([grad_loc, grad_log_scale])


def _fit_truncnorm(x: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """MLE of (loc, scale) of a normal truncated at 0: (loc, scale, log L, covariance of
    (loc, log scale))."""
    m, sd = float(x.mean()), float(x.std(ddof=1))
    span = float(x.max())
    # A loc far below 0 makes the density an exponential-like tail that the exponential and
    # gamma describe with fewer parameters; bounding it keeps the search short.
    bounds = [(-5.0 * span, 5.0 * span), (math.log(sd / 100.0), math.log(20.0 * span))]
    res = optimize.minimize(
        _truncnorm_nll,
        np.array([m, math.log(sd)]),
        args=(x,),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 200},
        bounds=bounds,
    )
    theta = res.x
    # Observed information: central differences of the exact gradient, steps scaled to
    # each parameter, then symmetrised.
    h = np.array([1e-5 * max(abs(theta[0]), sd), 1e-5])
    hess = np.empty((2, 2))
    for i in range(2):
        step = np.eye(2)[i] * h[i]
        hess[i] = (_truncnorm_nll(theta + step, x)[1] - _truncnorm_nll(theta - step, x)[1]) / (
            2.0 * h[i]
        )
    hess = 0.5 * (hess + hess.T)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), math.inf)
    return float(theta[0]), math.exp(float(theta[1])), -float(res.fun), cov


def _ks(x: np.ndarray, cdf: Any) -> tuple[float, float]:
    result = stats.kstest(x, cdf)
    return float(result.statistic), float(result.pvalue)


def _candidates(x: np.ndarray, level: float) -> dict[str, tuple[dict[str, Interval], float]]:
    """Each family fitted to ``x`` (positive, not all equal): its parameters with their
    intervals, and its log-likelihood."""
    n = x.size
    alpha = 1.0 - level
    logs = np.log(x)
    xbar = float(x.mean())
    candidates: dict[str, tuple[dict[str, Interval], float]] = {}

    # exponential: mean x̄; 2·n·x̄/m ~ χ²(2n).
    ll_exp = -n * math.log(xbar) - n
    lo = 2.0 * n * xbar / float(stats.chi2.ppf(1.0 - alpha / 2.0, 2 * n))
    hi = 2.0 * n * xbar / float(stats.chi2.ppf(alpha / 2.0, 2 * n))
    candidates["exponential"] = ({"mean": Interval(xbar, lo, hi, n, level)}, ll_exp)

    # gamma: shape from log(x̄) − mean(log x); cv by a percentile bootstrap.
    k = float(_gamma_shape(np.array([math.log(xbar) - float(logs.mean())]))[0])
    ll_gamma = float(stats.gamma.logpdf(x, k, scale=xbar / k).sum())
    cv_boot = _estimates("gamma", x[_resamples(n)])["cv"]
    cv = 1.0 / math.sqrt(k)
    cv_lo, cv_hi = _percentiles(cv_boot, level)
    t_mean = mean_interval(x, level=level)
    candidates["gamma"] = (
        {"mean": t_mean, "cv": Interval(cv, cv_lo, cv_hi, n, level)},
        ll_gamma,
    )

    # lognormal: exact intervals from the normal sample log x.
    mu = float(logs.mean())
    s1 = float(logs.std(ddof=1))
    s0 = float(logs.std(ddof=0))
    ll_logn = float(stats.lognorm.logpdf(x, s0, scale=math.exp(mu)).sum())
    mu_iv = mean_interval(logs, level=level)
    chi_hi = float(stats.chi2.ppf(1.0 - alpha / 2.0, n - 1))
    chi_lo = float(stats.chi2.ppf(alpha / 2.0, n - 1))
    sigma_iv = Interval(
        s1, s1 * math.sqrt((n - 1) / chi_hi), s1 * math.sqrt((n - 1) / chi_lo), n, level
    )
    median_iv = Interval(math.exp(mu), math.exp(mu_iv.low), math.exp(mu_iv.high), n, level)
    candidates["lognormal"] = ({"median": median_iv, "sigma": sigma_iv}, ll_logn)

    # normal truncated at 0: Wald intervals, the scale on a log axis.
    loc, scale, ll_tn, cov = _fit_truncnorm(x)
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    se_loc = math.sqrt(cov[0, 0]) if cov[0, 0] > 0.0 else math.inf
    se_log = math.sqrt(cov[1, 1]) if cov[1, 1] > 0.0 else math.inf
    candidates["truncated_normal"] = (
        {
            "loc": Interval(loc, loc - z * se_loc, loc + z * se_loc, n, level),
            "scale": Interval(
                scale, scale * math.exp(-z * se_log), scale * math.exp(z * se_log), n, level
            ),
        },
        ll_tn,
    )
    return candidates


def fit_distribution(
    values: Sequence[float] | np.ndarray,
    quantity: str,
    *,
    level: float = 0.95,
    min_values: int = MIN_VALUES,
) -> DistributionFit:
    """Fit every candidate family to ``values``; keep the best by AIC, with intervals."""
    raw = np.asarray(values, dtype=np.float64)
    raw = raw[np.isfinite(raw)]
    x = raw[raw > 0.0]
    left_out = int(raw.size - x.size)
    kept = tuple(float(v) for v in x)
    mean = mean_interval(x, level=level) if x.size >= 1 else None
    if x.size < min_values:
        note = f"too few to fit: {x.size} value(s), need at least {min_values}"
        return DistributionFit(
            quantity, kept, None, {}, mean, left_out=left_out, note=note, level=level
        )
    n = x.size
    if float(x.max()) == float(x.min()):
        v = float(x[0])
        return DistributionFit(
            quantity,
            kept,
            "constant",
            {"value": Interval(v, v, v, n, level)},
            mean,
            0.0,
            1.0,
            {},
            left_out,
            "every value is the same",
            level,
        )
    candidates = _candidates(x, level)
    aic = {f: 2.0 * _N_PARAMETERS[f] - 2.0 * ll for f, (_, ll) in candidates.items()}
    best = min(FAMILIES, key=lambda f: (aic[f], FAMILIES.index(f)))
    params = candidates[best][0]
    d, p = _ks(x, _frozen(best, {k_: v.estimate for k_, v in params.items()}).cdf)
    return DistributionFit(quantity, kept, best, params, mean, d, p, aic, left_out, "", level)


# --- fixed time per attempt -----------------------------------------------------------


@dataclass(frozen=True)
class SetupFit:
    """A GPU stage's fixed time per attempt, separated from its time per frame."""

    setup_seconds: Interval | None
    """None when every attempt had the same frame count (nothing to separate it by)."""
    seconds_per_frame: tuple[float, ...]
    """Each attempt's (duration − setup) / frames: one draw of the per-frame speed."""
    note: str = ""


def split_setup(
    seconds: Sequence[float] | np.ndarray,
    frames: Sequence[int] | np.ndarray,
    *,
    level: float = 0.95,
) -> SetupFit:
    """Split attempt durations into setup + frames × seconds-per-frame.

    An attempt lasts d = setup + f·X with X one draw of the per-frame speed, so
    d/f = X + setup·(1/f): a straight line in 1/f whose intercept is the mean speed and
    whose slope is the setup, with errors X − E[X] that do not depend on f. Ordinary
    least squares of d/f on 1/f is therefore the efficient fit, and its slope has the
    usual t interval. The setup cannot be negative, and cannot exceed the shortest attempt;
    the estimate is kept inside [0, shortest] and the interval clipped at 0.
    """
    d = np.asarray(seconds, dtype=np.float64)
    f = np.asarray(frames, dtype=np.float64)
    n = d.size
    if n < 3 or float(f.max()) == float(f.min()):
        note = "every attempt had the same frame count: setup taken as 0" if n >= 3 else ""
        return SetupFit(None, tuple(float(v) for v in d / f), note)
    x = 1.0 / f
    y = d / f
    xm, ym = float(x.mean()), float(y.mean())
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum()) / sxx
    resid = y - (ym + slope * (x - xm))
    s2 = float((resid**2).sum()) / (n - 2)
    t = float(stats.t.ppf(0.5 + level / 2.0, n - 2))
    half = t * math.sqrt(s2 / sxx)
    shortest = float(d.min())
    setup = min(max(slope, 0.0), shortest)
    low = max(0.0, slope - half)
    high = max(0.0, slope + half)
    note = ""
    if slope < 0.0:
        note = "no fixed time per attempt in the log: setup taken as 0"
    interval = Interval(setup, min(low, setup), max(high, setup), n, level)
    return SetupFit(interval, tuple(float(v) for v in (d - setup) / f), note)


def _resamples(n: int) -> np.ndarray:
    """Row indices of the bootstrap resamples: the same for every sample of this size."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    return rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    alpha = 1.0 - level
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -math.inf, math.inf
    low, high = np.quantile(finite, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def _estimates(family: str, x: np.ndarray) -> dict[str, np.ndarray]:
    """Each family's estimates for every row of ``x`` (resamples × values; NaN marks a
    value left out), vectorised over the rows."""
    mean = np.nanmean(x, axis=1)
    if family == "exponential":
        return {"mean": mean}
    logs = np.log(x)
    if family == "gamma":
        k = _gamma_shape(np.log(mean) - np.nanmean(logs, axis=1))
        return {"mean": mean, "cv": 1.0 / np.sqrt(k)}
    if family == "lognormal":
        return {
            "median": np.exp(np.nanmean(logs, axis=1)),
            "sigma": np.nanstd(logs, axis=1, ddof=1),
        }
    if family == "truncated_normal":
        # An optimisation per resample: a few hundred are enough for percentile bounds.
        rows = [_fit_truncnorm(r[np.isfinite(r)]) for r in x[:TRUNCNORM_RESAMPLES]]
        return {"loc": np.array([r[0] for r in rows]), "scale": np.array([r[1] for r in rows])}
    raise ValueError(f"unknown family {family!r}")


TRUNCNORM_RESAMPLES = 200


def fit_per_frame(
    seconds: Sequence[float] | np.ndarray,
    frames: Sequence[int] | np.ndarray,
    *,
    level: float = 0.95,
    min_values: int = MIN_VALUES,
) -> tuple[SetupFit, DistributionFit]:
    """A GPU stage's setup and its seconds per frame, from attempt durations and frames.

    The speed's values depend on the estimated setup, so intervals computed as if the
    setup were known would be too narrow (most of all for the mean, which moves with the
    setup one for one through the mean of 1/frames). Instead the two steps are bootstrapped
    together: each resample of attempts gets its own setup and its own fit of the chosen
    family, and the parameters' intervals (and the mean's) are percentiles of those.
    """
    split = split_setup(seconds, frames, level=level)
    fit = fit_distribution(
        split.seconds_per_frame, "seconds_per_frame", level=level, min_values=min_values
    )
    if split.setup_seconds is None or fit.family in (None, "constant"):
        return split, fit
    assert fit.family is not None
    d = np.asarray(seconds, dtype=np.float64)
    f = np.asarray(frames, dtype=np.float64)
    idx = _resamples(d.size)
    dd, ff = d[idx], f[idx]
    x, y = 1.0 / ff, dd / ff
    xc = x - x.mean(axis=1, keepdims=True)
    slope = (xc * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / (xc * xc).sum(axis=1)
    setup = np.clip(slope, 0.0, dd.min(axis=1))
    speeds = (dd - setup[:, None]) / ff
    speeds[speeds <= 0.0] = np.nan
    boot = _estimates(fit.family, speeds)
    params = {}
    for key, iv in fit.parameters.items():
        low, high = _percentiles(boot[key], level)
        params[key] = Interval(
            iv.estimate, min(low, iv.estimate), max(high, iv.estimate), iv.n, level
        )
    mean = fit.mean
    if mean is not None:
        low, high = _percentiles(np.nanmean(speeds, axis=1), level)
        mean = Interval(
            mean.estimate, min(low, mean.estimate), max(high, mean.estimate), mean.n, level
        )
    note = "intervals: bootstrap of setup and speed together"
    return split, replace(fit, parameters=params, mean=mean, note=note)


# --- releases -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseFit:
    """How shots became available after each episode's picture lock."""

    pattern: Literal["all_at_once", "window", "poisson"] | None
    """None when no episode had two shots (nothing to see a pattern in)."""
    window_hours: Interval | None = None
    shots_per_day: Interval | None = None
    episodes: int = 0
    shots: int = 0
    log_likelihood: Mapping[str, float] = field(default_factory=dict)
    spans_hours: tuple[float, ...] = ()
    """Per episode: last release minus first."""
    note: str = ""


ALL_AT_ONCE_HOURS = 1.0 / 60.0
"""Episodes whose releases all lie within a minute were released at once (a tracker's
timestamps are seldom finer than that)."""


def _largest_span_quantile(p: float, counts: Sequence[int]) -> float:
    """c with P(max over episodes of (span/W) <= c) = p, each span/W ~ Beta(n − 1, 2)."""

    def cdf(c: float) -> float:
        # The regularised incomplete beta function is the Beta(n − 1, 2) distribution function.
        return float(np.prod(special.betainc(np.asarray(counts) - 1.0, 2.0, c))) - p

    return float(optimize.brentq(cdf, 1e-12, 1.0 - 1e-15, xtol=1e-14))


def fit_release(releases: Mapping[str, Sequence[float]], *, level: float = 0.95) -> ReleaseFit:
    """Fit the release pattern to each episode's release times (hours)."""
    times = {e: np.sort(np.asarray(t, dtype=np.float64)) for e, t in releases.items() if len(t)}
    counts = [t.size for t in times.values()]
    shots = int(sum(counts))
    spans = tuple(float(t[-1] - t[0]) for t in times.values())
    multi = [t for t in times.values() if t.size >= 2]
    if not multi:
        return ReleaseFit(
            None,
            episodes=len(times),
            shots=shots,
            spans_hours=spans,
            note="no episode has two shots: no release pattern to see",
        )
    if max(spans) <= ALL_AT_ONCE_HOURS:
        return ReleaseFit("all_at_once", episodes=len(times), shots=shots, spans_hours=spans)
    alpha = 1.0 - level
    n_multi = [t.size for t in multi]
    largest = max(spans)
    total_span = float(sum(float(t[-1] - t[0]) for t in multi))
    n_all = sum(n_multi)
    ll_window = sum(math.lgamma(n + 1) for n in n_multi) - n_all * math.log(largest)
    ll_poisson = n_all * math.log(n_all / total_span) - n_all
    window = Interval(
        largest / _largest_span_quantile(0.5, n_multi),
        largest / _largest_span_quantile(1.0 - alpha / 2.0, n_multi),
        largest / _largest_span_quantile(alpha / 2.0, n_multi),
        len(multi),
        level,
    )
    gaps = n_all - len(multi)
    rate = Interval(
        24.0 * (gaps - 1) / total_span if gaps > 1 else 24.0 * gaps / total_span,
        24.0 * float(stats.gamma.ppf(alpha / 2.0, gaps)) / total_span,
        24.0 * float(stats.gamma.ppf(1.0 - alpha / 2.0, gaps)) / total_span,
        gaps,
        level,
    )
    pattern: Literal["window", "poisson"] = "window" if ll_window >= ll_poisson else "poisson"
    note = ""
    if abs(ll_window - ll_poisson) < 2.0:
        note = "window and poisson fit about equally well (log-likelihoods within 2)"
    return ReleaseFit(
        pattern,
        window,
        rate,
        episodes=len(times),
        shots=shots,
        log_likelihood={"window": ll_window, "poisson": ll_poisson},
        spans_hours=spans,
        note=note,
    )


# --- the runners-up ------------------------------------------------------------------


def runner_up(family: str, x: np.ndarray) -> Any:
    """A family that lost to the fit, fitted to ``x`` by maximum likelihood: a frozen
    ``scipy.stats`` distribution (for its dashed density in a plot), or None."""
    params = _refit_parameters(family, x)
    return None if params is None else _frozen(family, params)


def _refit_parameters(family: str, x: np.ndarray) -> dict[str, float] | None:
    """Maximum-likelihood parameters of a runner-up family, for its dashed density."""
    if family == "exponential":
        return {"mean": float(x.mean())}
    if family == "gamma":
        k = float(_gamma_shape(np.array([math.log(x.mean()) - float(np.log(x).mean())]))[0])
        return {"mean": float(x.mean()), "cv": 1.0 / math.sqrt(k)}
    if family == "lognormal":
        return {"median": math.exp(float(np.log(x).mean())), "sigma": float(np.log(x).std())}
    if family == "truncated_normal":
        loc, scale, _, _ = _fit_truncnorm(x)
        return {"loc": loc, "scale": scale}
    return None
