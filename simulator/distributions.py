"""Distributions of durations, counts and frames, sampled from addressed uniforms.

A scenario describes uncertain quantities (seconds per frame, frames per shot, repair
times) as distributions, written in YAML as a mapping with a ``dist`` key, or as a bare
number meaning "always this value":

    frames: {dist: lognormal, median: 120, sigma: 0.4}
    repair_hours: {dist: exponential, mean: 6}
    setup_seconds: 45                       # the same as {dist: constant, value: 45}

Each distribution is a frozen pydantic model with ``mean``, ``variance`` and
``sample(stream)``. A sample is a fixed formula of the uniforms taken from ``stream``
(an object with ``next() -> float`` returning values strictly inside (0, 1), such as
:class:`simulator.draws.Stream`). Wherever one exists the formula is the *inverse
transform* x = F⁻¹(u): one uniform per sample, monotone in u, so that two runs sharing an
address get the same sample, and a nearby u gives a nearby duration (common random numbers
stay in step when a parameter changes). The exponential uses −m·log(u), the quantile at
1 − u: the same law, decreasing in u, and exact in its long tail where u is small. Only the gamma
distribution, which has no closed-form inverse, uses a rejection sampler; its uniforms are
taken in an order fixed below so that the compiled kernel reproduces it exactly.

Every formula here is written with scalar ``math`` functions in a stated order of
operations, because the kernel mirrors this file and both must produce the same doubles.
Values are non-negative (they are durations, counts and frames) unless a field says
otherwise; NaN and infinities are rejected with a message saying what was expected.

Every parameter has a range (``MAX_VALUE`` and the bounds beside each field) chosen so that
every formula below stays finite: no overflow in a variance, no shape of a gamma so large
or small that the rejection loop never ends, no weights that sum to infinity. ``largest``
is the largest value a distribution can draw from the uniforms ``simulator.draws`` gives
(which lie in [2**-54, 1 − 2**-53]), so that a field can bound what it will be handed
(frames per shot are cast to 64-bit integers).
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from functools import cached_property
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "MAX_VALUE",
    "Constant",
    "Distribution",
    "DistributionSpec",
    "Empirical",
    "Exponential",
    "Gamma",
    "LogNormal",
    "Triangular",
    "TruncatedNormal",
    "Uniform",
    "UniformSource",
    "normal_cdf",
    "normal_ppf",
]

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_BELOW_ONE = 1.0 - 2.0**-53  # largest double below 1
_SMALLEST_U = 2.0**-54  # the least uniform simulator.draws gives; the largest is _BELOW_ONE

MAX_VALUE = 1e9
"""The largest value, mean, median, bound or weight of any distribution."""
MIN_POSITIVE = 1e-9
"""The least value of a parameter that must be positive (a mean, a median, a scale)."""
MAX_SIGMA = 4.0
"""The largest sigma of a lognormal (its draws then span 30 orders of magnitude)."""
MAX_LOGNORMAL_CV = 100.0
MIN_GAMMA_CV, MAX_GAMMA_CV = 0.01, 10.0
"""A gamma's cv: its shape 1/cv² from 0.01 to 10,000, where the sampler is exact and quick."""
MAX_EMPIRICAL_VALUES = 10_000


class UniformSource(Protocol):
    """Anything that hands out uniforms in (0, 1), one per call."""

    def next(self) -> float: ...


# ---------------------------------------------------------------------------------------
# The standard normal: quantile (AS241) and distribution function


def normal_ppf(p: float) -> float:
    """The standard normal quantile Φ⁻¹(p): Wichura's algorithm AS241 (PPND16).

    M. J. Wichura, "The percentage points of the normal distribution", Applied Statistics
    37 (1988) 477–484. Three rational approximations of degree 7: one for |p − 0.5| <= 0.425,
    one for r = sqrt(−log(min(p, 1 − p))) <= 5 and one beyond; relative accuracy about
    1e-16. The coefficients are the published ones, evaluated by Horner's rule in exactly
    the order written (the kernel copies this function line for line).

    ``normal_ppf(0) = -inf``, ``normal_ppf(1) = inf``; p outside [0, 1] raises ValueError.
    """
    # fmt: off
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                    + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
                  + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                + 1.3314166789178437745e2) * r + 3.3871328727963666080e0)
        den = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                    + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
                  + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                + 4.2313330701600911252e1) * r + 1.0)
        return q * num / den
    r = p if q < 0.0 else 1.0 - p
    if r <= 0.0:
        if r == 0.0:
            return -math.inf if q < 0.0 else math.inf
        raise ValueError(f"expected a probability in [0, 1], got {p}")
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r
                  + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                + 4.63033784615654529590e0) * r + 1.42343711074968357734e0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                + 2.05319162663775882187e0) * r + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                + 5.46378491116411436990e0) * r + 6.65790464350110377720e0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    # fmt: on
    val = num / den
    return -val if q < 0.0 else val


def normal_cdf(z: float) -> float:
    """Φ(z) = 0.5 · erfc(−z / √2): accurate in the lower tail, where 1 + erf would cancel."""
    return 0.5 * math.erfc(-z / _SQRT2)


def _normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / _SQRT_2PI


# ---------------------------------------------------------------------------------------
# Field checks: every message says what was expected and what was found


def _number(v: Any) -> float:
    # YAML gives ints and floats; a bool or a string here is a mistake, not a number to coerce.
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError(f"expected a number, got {v!r}")
    try:
        x = float(v)
    except OverflowError:
        raise ValueError("expected a finite number, got an integer too large for one") from None
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {x}")
    return x


def _range_text(low: float, high: float) -> str:
    return f"the range is {low:g} to {high:g}"


def _within(low: float, high: float) -> Any:
    """The check of a number from ``low`` to ``high``, with the house's messages (the
    same bounds stand beside it as field metadata, which the reference doc and the JSON
    Schema print)."""

    def check(v: Any) -> float:
        x = _number(v)
        if x < low:
            least = "> 0" if low > 0.0 and x <= 0.0 else f">= {low:g}"
            raise ValueError(f"expected a number {least}, got {x}; {_range_text(low, high)}")
        if x > high:
            raise ValueError(f"expected a number <= {high:g}, got {x}; {_range_text(low, high)}")
        return x

    return check


Real = Annotated[
    float, BeforeValidator(_within(-MAX_VALUE, MAX_VALUE)), Field(ge=-MAX_VALUE, le=MAX_VALUE)
]
NonNegative = Annotated[
    float, BeforeValidator(_within(0.0, MAX_VALUE)), Field(ge=0.0, le=MAX_VALUE)
]
Positive = Annotated[
    float, BeforeValidator(_within(MIN_POSITIVE, MAX_VALUE)), Field(ge=MIN_POSITIVE, le=MAX_VALUE)
]
Sigma = Annotated[float, BeforeValidator(_within(0.0, MAX_SIGMA)), Field(ge=0.0, le=MAX_SIGMA)]
LogNormalCv = Annotated[
    float, BeforeValidator(_within(0.0, MAX_LOGNORMAL_CV)), Field(ge=0.0, le=MAX_LOGNORMAL_CV)
]
GammaCv = Annotated[
    float,
    BeforeValidator(_within(MIN_GAMMA_CV, MAX_GAMMA_CV)),
    Field(ge=MIN_GAMMA_CV, le=MAX_GAMMA_CV),
]


def _check_factor(factor: float) -> float:
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise ValueError(f"expected a number as the scale factor, got {factor!r}")
    try:
        f = float(factor)
    except OverflowError:
        raise ValueError("expected a finite scale factor, got a huge integer") from None
    if not (math.isfinite(f) and 1e-6 <= f <= 1e6):
        raise ValueError(f"expected a scale factor from 1e-06 to 1e+06, got {f}")
    return f


class _Dist(BaseModel):
    """Common configuration: immutable, unknown keys rejected.

    ``scaled(factor)`` gives the same distribution in other units (seconds to hours): the
    parameters were checked once, as written, and are only multiplied by the factor (from
    1e-6 to 1e6), so the copy is built without checking them again.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------
# The distributions


class Constant(_Dist):
    """Always ``value``. ``{dist: constant, value: 45}``, or just ``45``. Uses no uniform."""

    dist: Literal["constant"] = "constant"
    value: NonNegative

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    @property
    def largest(self) -> float:
        return self.value

    def sample(self, stream: UniformSource) -> float:
        # No draw: a constant must not shift the uniforms of anything sharing its stream.
        return self.value

    def scaled(self, factor: float) -> Constant:
        return Constant.model_construct(value=self.value * _check_factor(factor))


class Exponential(_Dist):
    """Memoryless waiting time. ``{dist: exponential, mean: m}``, m > 0.

    Inverse transform on the survival function: x = −m · log(u). (Using u rather than
    1 − u keeps full precision in the tail: uniforms are finest near 0.)
    """

    dist: Literal["exponential"] = "exponential"
    mean: Positive

    @property
    def variance(self) -> float:
        return self.mean * self.mean

    @property
    def largest(self) -> float:
        return -self.mean * math.log(_SMALLEST_U)

    def sample(self, stream: UniformSource) -> float:
        return -self.mean * math.log(stream.next())

    def scaled(self, factor: float) -> Exponential:
        return Exponential.model_construct(mean=self.mean * _check_factor(factor))


class LogNormal(_Dist):
    """A positive, right-skewed duration: log(X) is normal(mu, sigma).

    Two ways to write it, exactly one of them:

    * ``{dist: lognormal, median: m, sigma: s}``: mu = log(m); m > 0, s >= 0.
    * ``{dist: lognormal, mean: m, cv: c}`` (cv = standard deviation / mean): sigma² =
      log1p(c²) (that is log(1 + c²), evaluated without cancellation), mu = log(m) − sigma²/2;
      m > 0, c >= 0.

    Inverse transform: x = exp(mu + sigma · Φ⁻¹(u)).
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        # ``mean`` is both a YAML key (one parameterisation) and the property every
        # distribution has; the field lives under another name and is read and written
        # as "mean" (the only spelling accepted, in YAML and in Python).
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    dist: Literal["lognormal"] = "lognormal"
    median: Positive | None = None
    sigma: Sigma | None = None
    mean_value: Positive | None = Field(default=None, alias="mean")
    cv: LogNormalCv | None = None

    @model_validator(mode="after")
    def _one_parameterisation(self) -> LogNormal:
        given = [
            name
            for name, v in (
                ("median", self.median),
                ("sigma", self.sigma),
                ("mean", self.mean_value),
                ("cv", self.cv),
            )
            if v is not None
        ]
        if given not in (["median", "sigma"], ["mean", "cv"]):
            found = ", ".join(given) if given else "neither"
            raise ValueError(f"expected either (median, sigma) or (mean, cv), got {found}")
        return self

    @cached_property
    def _mu_sigma(self) -> tuple[float, float]:
        if self.median is not None and self.sigma is not None:
            return math.log(self.median), self.sigma
        # The validator guarantees the other pair is complete.
        assert self.mean_value is not None
        assert self.cv is not None
        s2 = math.log1p(self.cv * self.cv)
        return math.log(self.mean_value) - 0.5 * s2, math.sqrt(s2)

    @property
    def mu(self) -> float:
        """Mean of log(X)."""
        return self._mu_sigma[0]

    @property
    def log_sigma(self) -> float:
        """Standard deviation of log(X), whichever way the distribution was written."""
        return self._mu_sigma[1]

    @property
    def mean(self) -> float:
        if self.mean_value is not None:
            return self.mean_value
        mu, s = self._mu_sigma
        return math.exp(mu + 0.5 * s * s)

    @property
    def variance(self) -> float:
        if self.mean_value is not None and self.cv is not None:
            sd = self.cv * self.mean_value
            return sd * sd
        mu, s = self._mu_sigma
        return math.expm1(s * s) * math.exp(2.0 * mu + s * s)

    @property
    def largest(self) -> float:
        mu, s = self._mu_sigma
        return math.exp(mu + s * normal_ppf(_BELOW_ONE))

    def sample(self, stream: UniformSource) -> float:
        mu, s = self._mu_sigma
        return math.exp(mu + s * normal_ppf(stream.next()))

    def scaled(self, factor: float) -> LogNormal:
        f = _check_factor(factor)
        if self.median is not None:
            return LogNormal.model_construct(median=self.median * f, sigma=self.sigma)
        assert self.mean_value is not None
        return LogNormal.model_construct(mean_value=self.mean_value * f, cv=self.cv)


class Gamma(_Dist):
    """Sum-of-stages durations. ``{dist: gamma, mean: m, cv: c}``, m > 0, c > 0.

    Shape k = 1 / (c · c), scale θ = m / k (so the mean is kθ = m and the cv is c).

    Sampled by Marsaglia and Tsang's method ("A simple method for generating gamma
    variables", ACM TOMS 26, 2000), with the uniforms taken in this fixed order:

    1. k' = k + 1 if k < 1, else k' = k.  d = k' − 1/3,  c = 1 / sqrt(9 · d).
    2. Repeat:
         x = Φ⁻¹(next());  t = 1 + c · x;  v = t · t · t
         if v <= 0: go back to 2 (the next attempt draws afresh);
         u = next()
         if log(u) < 0.5 · x · x + d − d · v + d · log(v): stop.
       (each expression evaluated left to right as written.)
    3. y = d · v · θ.
    4. If k < 1: y = y · next() ** (1 / k), the uniform drawn after the accepted pair
       (boosting the shape by one and scaling back by U^(1/k)).
    """

    dist: Literal["gamma"] = "gamma"
    mean: Positive
    cv: GammaCv

    @cached_property
    def _params(self) -> tuple[float, float, float, float, bool]:
        k = 1.0 / (self.cv * self.cv)
        theta = self.mean / k
        boosted = k < 1.0
        d = (k + 1.0 if boosted else k) - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        return k, theta, d, c, boosted

    @property
    def shape(self) -> float:
        """k = 1 / cv²."""
        return self._params[0]

    @property
    def scale(self) -> float:
        """θ = mean / k."""
        return self._params[1]

    @property
    def variance(self) -> float:
        sd = self.cv * self.mean
        return sd * sd

    @property
    def largest(self) -> float:
        # An accepted x is at most Φ⁻¹ of the largest uniform; boosting scales down.
        _, theta, d, c, _ = self._params
        t = 1.0 + c * normal_ppf(_BELOW_ONE)
        return d * (t * t * t) * theta

    def sample(self, stream: UniformSource) -> float:
        k, theta, d, c, boosted = self._params
        while True:
            x = normal_ppf(stream.next())
            t = 1.0 + c * x
            v = t * t * t
            if v <= 0.0:
                continue
            u = stream.next()
            if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
                break
        y = d * v * theta
        if boosted:
            y = y * stream.next() ** (1.0 / k)
        return y

    def scaled(self, factor: float) -> Gamma:
        return Gamma.model_construct(mean=self.mean * _check_factor(factor), cv=self.cv)


class TruncatedNormal(_Dist):
    """A normal(loc, scale) kept to [low, high].

    ``{dist: truncated_normal, loc: mu, scale: s, low: 0.0, high: null}``: low defaults to
    0 (durations are never negative), high to none (no upper bound). ``loc`` may be any
    finite number (the centre of the untruncated normal, e.g. below 0 for a strongly skewed
    shape); scale > 0, 0 <= low < high.

    Inverse transform, in standardised units a = (low − loc)/scale, b = (high − loc)/scale:
    pa = Φ(a), pb = Φ(b) (1 without a high), p = pa + u · (pb − pa),
    x = loc + scale · Φ⁻¹(p), then x is clamped into [low, high] (rounding can put it a hair
    outside). A p that rounds up to 1 is taken as the largest double below 1, so x stays
    finite. The interval must carry probability under the normal: pb > pa in doubles.
    """

    dist: Literal["truncated_normal"] = "truncated_normal"
    loc: Real
    scale: Positive
    low: NonNegative = 0.0
    high: NonNegative | None = None

    @model_validator(mode="after")
    def _bounds(self) -> TruncatedNormal:
        if self.high is not None and not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        _, _, pa, pb = self._cdf_bounds
        if not pb > pa:
            raise ValueError(
                "expected [low, high] to hold some probability of the normal "
                f"(loc={self.loc}, scale={self.scale}), got none: the interval lies too far "
                "in its tail"
            )
        return self

    @cached_property
    def _cdf_bounds(self) -> tuple[float, float, float, float]:
        a = (self.low - self.loc) / self.scale
        b = math.inf if self.high is None else (self.high - self.loc) / self.scale
        pa = normal_cdf(a)
        pb = 1.0 if self.high is None else normal_cdf(b)
        return a, b, pa, pb

    def _standard_moments(self) -> tuple[float, float]:
        # Mean and variance of the truncated *standard* normal on [a, b]. The mass Z is
        # taken from whichever tail keeps it accurate.
        a, b, pa, pb = self._cdf_bounds
        z = normal_cdf(-a) - normal_cdf(-b) if a > 0.0 else pb - pa
        phi_a = _normal_pdf(a)
        phi_b = 0.0 if math.isinf(b) else _normal_pdf(b)
        b_phi_b = 0.0 if math.isinf(b) else b * phi_b
        m = (phi_a - phi_b) / z
        var = 1.0 + (a * phi_a - b_phi_b) / z - m * m
        return m, var

    @property
    def mean(self) -> float:
        return self.loc + self.scale * self._standard_moments()[0]

    @property
    def variance(self) -> float:
        return self.scale * self.scale * self._standard_moments()[1]

    @property
    def largest(self) -> float:
        if self.high is not None:
            return self.high
        return self.loc + self.scale * normal_ppf(_BELOW_ONE)

    def sample(self, stream: UniformSource) -> float:
        _, _, pa, pb = self._cdf_bounds
        p = pa + stream.next() * (pb - pa)
        if p >= 1.0:
            p = _BELOW_ONE
        x = self.loc + self.scale * normal_ppf(p)
        if x < self.low:
            return self.low
        high = self.high
        if high is not None and x > high:
            return high
        return x

    def scaled(self, factor: float) -> TruncatedNormal:
        f = _check_factor(factor)
        return TruncatedNormal.model_construct(
            loc=self.loc * f,
            scale=self.scale * f,
            low=self.low * f,
            high=None if self.high is None else self.high * f,
        )


class Uniform(_Dist):
    """Equally likely anywhere in [low, high]. ``{dist: uniform, low, high}``, low <= high.

    x = low + u · (high − low).
    """

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"expected low <= high, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        w = self.high - self.low
        return w * w / 12.0

    @property
    def largest(self) -> float:
        return self.high

    def sample(self, stream: UniformSource) -> float:
        return self.low + stream.next() * (self.high - self.low)

    def scaled(self, factor: float) -> Uniform:
        f = _check_factor(factor)
        return Uniform.model_construct(low=self.low * f, high=self.high * f)


class Triangular(_Dist):
    """A three-point estimate: least, most likely, most.

    ``{dist: triangular, low, mode, high}``, low <= mode <= high, low < high.

    Inverse transform, with F(mode) = (mode − low) / (high − low):
    if u < F(mode): x = low + sqrt(u · (high − low) · (mode − low)),
    else:           x = high − sqrt((1 − u) · (high − low) · (high − mode)).
    """

    dist: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.high - self.low >= MIN_POSITIVE):
            raise ValueError(
                f"expected low <= mode <= high with low < high (by {MIN_POSITIVE:g} at least), got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    @property
    def largest(self) -> float:
        return self.high

    def sample(self, stream: UniformSource) -> float:
        u = stream.next()
        low, mode, high = self.low, self.mode, self.high
        width = high - low
        if u < (mode - low) / width:
            return low + math.sqrt(u * width * (mode - low))
        return high - math.sqrt((1.0 - u) * width * (high - mode))

    def scaled(self, factor: float) -> Triangular:
        f = _check_factor(factor)
        return Triangular.model_construct(low=self.low * f, mode=self.mode * f, high=self.high * f)


class Empirical(_Dist):
    """Observed values, resampled. ``{dist: empirical, values: [...], weights: [...]}``.

    Weights are optional (equal when left out), as many as the values, >= 0 with a
    positive sum. Sampling: cumulative weights c[i] = w[0] + ... + w[i] summed left to
    right in doubles, total = c[n − 1]; the sample is values[i] for the first i with
    u · total < c[i]. Values with weight 0 are never drawn.
    """

    dist: Literal["empirical"] = "empirical"
    values: Annotated[tuple[NonNegative, ...], Field(max_length=MAX_EMPIRICAL_VALUES)]
    weights: Annotated[tuple[NonNegative, ...], Field(max_length=MAX_EMPIRICAL_VALUES)] | None = (
        None
    )

    @field_validator("values")
    @classmethod
    def _some_values(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v:
            raise ValueError("expected at least one value, got an empty list")
        return v

    @model_validator(mode="after")
    def _matching_weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"expected as many weights as values ({len(self.values)}), "
                    f"got {len(self.weights)}"
                )
            if not sum(self.weights) > 0.0:
                raise ValueError("expected weights with a positive sum, got all zero")
        return self

    @cached_property
    def _cumulative(self) -> tuple[float, ...]:
        weights = self.weights if self.weights is not None else (1.0,) * len(self.values)
        cum = []
        acc = 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        return tuple(cum)

    def _probabilities(self) -> list[float]:
        weights = self.weights if self.weights is not None else (1.0,) * len(self.values)
        total = math.fsum(weights)
        return [w / total for w in weights]

    @property
    def mean(self) -> float:
        return math.fsum(p * x for p, x in zip(self._probabilities(), self.values, strict=True))

    @property
    def variance(self) -> float:
        m = self.mean
        return math.fsum(
            p * (x - m) * (x - m) for p, x in zip(self._probabilities(), self.values, strict=True)
        )

    @property
    def largest(self) -> float:
        weights = self.weights if self.weights is not None else (1.0,) * len(self.values)
        return max(x for x, w in zip(self.values, weights, strict=True) if w > 0.0)

    def sample(self, stream: UniformSource) -> float:
        cum = self._cumulative
        # bisect_right finds the first i with target < cum[i]; since u < 1, target < total.
        return self.values[bisect_right(cum, stream.next() * cum[-1])]

    def scaled(self, factor: float) -> Empirical:
        f = _check_factor(factor)
        return Empirical.model_construct(
            values=tuple(x * f for x in self.values), weights=self.weights
        )


# ---------------------------------------------------------------------------------------
# The union a scenario field is typed with

Distribution = Annotated[
    Constant | Exponential | LogNormal | Gamma | TruncatedNormal | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]
"""Any distribution, chosen by its ``dist`` key."""


def _bare_number_as_constant(v: Any) -> Any:
    # ``setup_seconds: 45`` reads as "always 45". A bool is a typo, not the number 0 or 1.
    if isinstance(v, bool):
        raise ValueError(
            f"expected a number or a distribution such as {{dist: exponential, mean: 2}}, got {v}"
        )
    if isinstance(v, numbers.Real):
        return {"dist": "constant", "value": v}
    return v


DistributionSpec = Annotated[Distribution, BeforeValidator(_bare_number_as_constant)]
"""A distribution, or a bare number meaning a constant: the type of scenario fields."""
