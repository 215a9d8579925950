"""Queueing theory with closed forms: what the simulator must agree with where theory speaks.

A simulation of a post-production pipeline is, underneath, a network of queues: shots wait
for GPUs, reviews wait for supervisors. Where the arrivals are Poisson and the service
times exponential, queueing theory has exact answers, and this module computes them. The
tests hold the engines against these numbers; the pre-flight and the staffing search use
them as a first guess before any replication runs.

Conventions: an *arrival rate* λ is per unit of time and a *mean service* s is in the same
unit (hours, or seconds: any unit, used consistently); the *offered load* a = λ·s is in
erlangs (the number of servers the work would keep busy on average), and the
*utilisation* of c servers is ρ = a / c. A queue is stable only when ρ < 1; beyond it the
waits grow without bound and the functions here say so with ``inf``.

* **Erlang B** B(c, a): the probability that an arrival finds all c servers busy when
  there is no waiting room (it is lost). The recursion B(0) = 1,
  B(k) = a·B(k−1) / (k + a·B(k−1)) never forms aᶜ or c!, so it is stable for any size.
* **Erlang C** C(c, a): in M/M/c with an infinite queue, the probability that an arrival
  waits at all. From Erlang B: C = B / (1 − ρ(1 − B)).
* **M/M/c** waits: the mean wait in queue is Wq = C·s / (c − a), and the wait of a
  customer who waits is exponential with rate (c − a)/s, so the *service level*
  P(wait ≤ t) = 1 − C·exp(−(c − a)·t/s). The smallest c that meets a target service level
  is what a contact centre (or a review desk) staffs to.
* **Square-root staffing**: c = a + β·√a. For a fixed β the probability of waiting tends
  to the Halfin–Whitt value 1 / (1 + β·Φ(β)/φ(β)) as the load grows: capacity beyond the
  mean load has to grow only with its square root for the same quality of service.
* **M/M/1**: Wq = ρ·s/(1 − ρ), W = s/(1 − ρ) (the case c = 1 of the above).
* **Machine repair** (M/M/r//N, finite source): N machines each fail at rate λ while up,
  r repairers fix them at rate μ each. The number down is a birth–death process with birth
  rate (N − n)λ and death rate min(n, r)μ. With r = N (every unit repaired on its own, as a
  GPU pool is) the units are independent, each up with probability
  MTBF / (MTBF + MTTR), and the number down is binomial. Started with every machine up,
  the expected means over a finite span [0, T] follow from the chain's generator Q:
  p(t) = p(0)·exp(Qt), and ∫₀ᵀ exp(Qt) dt is a block of the exponential of a matrix twice
  the size (Van Loan).
* **Jackson networks**: nodes of M/M/c servers, Poisson external arrivals γ, and a
  customer finishing at node i goes to node j with probability R[i, j] (or leaves with the
  rest of the row). Rework is feedback: a review that rejects a fraction p sends it back.
  The total arrival rates solve the traffic equations λ = γ + Rᵀλ; Jackson's theorem says
  that in steady state each node then behaves as an independent M/M/c queue with arrival
  rate λᵢ, so the mean number in the network is Σ Lᵢ, and by Little's law the mean time a
  customer spends in it is Σ Lᵢ / Σ γ, feedback loops included.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "JacksonNetwork",
    "MachineRepair",
    "MachineRepairSpan",
    "QueueMetrics",
    "availability",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_wait_probability",
    "jackson_network",
    "machine_repair",
    "machine_repair_from_all_up",
    "mm1",
    "mmc",
    "mmc_mean_wait",
    "mmc_service_level",
    "servers_for_service_level",
    "square_root_staffing",
]


def _positive(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def _servers(value: int, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"servers must be a whole number >= {minimum}, got {value!r}")
    return int(value)


# --- Erlang B and C ----------------------------------------------------------------------


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of c servers and no waiting room at ``load`` erlangs."""
    c = _servers(servers, minimum=0)
    a = _non_negative("load", load)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting in M/M/c at ``load`` erlangs; 1 when a >= c (unstable: in the
    long run every arrival waits)."""
    c = _servers(servers)
    a = _non_negative("load", load)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


# --- M/M/c -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state figures of an M/M/c queue (time in the unit of ``mean_service``)."""

    arrival_rate: float
    mean_service: float
    servers: int
    load: float
    """Offered load a = λ·s, erlangs."""
    utilisation: float
    """ρ = a / c: the fraction of time a server is busy (capped at 1 when unstable)."""
    wait_probability: float
    """Erlang C: the chance an arrival waits at all."""
    mean_wait: float
    """Wq: mean time in queue."""
    mean_time: float
    """W = Wq + s: mean time in the system."""
    mean_queue: float
    """Lq = λ·Wq: mean number waiting."""
    mean_in_system: float
    """L = λ·W: mean number waiting or in service."""

    @property
    def stable(self) -> bool:
        return self.load < self.servers


def mmc(arrival_rate: float, mean_service: float, servers: int) -> QueueMetrics:
    """Steady state of M/M/c; an unstable queue (a >= c) has infinite waits."""
    lam = _non_negative("arrival_rate", arrival_rate)
    s = _positive("mean_service", mean_service)
    c = _servers(servers)
    a = lam * s
    if a >= c:
        inf = math.inf
        return QueueMetrics(lam, s, c, a, 1.0, 1.0, inf, inf, inf, inf)
    pw = erlang_c(c, a)
    wq = pw * s / (c - a)
    w = wq + s
    return QueueMetrics(lam, s, c, a, a / c, pw, wq, w, lam * wq, lam * w)


def mm1(arrival_rate: float, mean_service: float) -> QueueMetrics:
    """M/M/1: Wq = ρ·s/(1 − ρ) and W = s/(1 − ρ); the case c = 1 of ``mmc``."""
    return mmc(arrival_rate, mean_service, 1)


def mmc_mean_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean wait in queue Wq of M/M/c (``inf`` when unstable)."""
    return mmc(arrival_rate, mean_service, servers).mean_wait


def mmc_service_level(
    arrival_rate: float, mean_service: float, servers: int, within: float
) -> float:
    """P(wait <= ``within``) in M/M/c: 1 − C·exp(−(c − a)·t/s); 0 when unstable."""
    lam = _non_negative("arrival_rate", arrival_rate)
    s = _positive("mean_service", mean_service)
    c = _servers(servers)
    t = _non_negative("within", within)
    a = lam * s
    if a >= c:
        return 0.0
    return 1.0 - erlang_c(c, a) * math.exp(-(c - a) * t / s)


def servers_for_service_level(
    arrival_rate: float, mean_service: float, target_level: float, within: float
) -> int:
    """The smallest number of servers with P(wait <= ``within``) >= ``target_level``.

    E.g. 100 calls per 30 minutes of 3 minutes each, 80 % answered within 20 s: 14.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    s = _positive("mean_service", mean_service)
    _non_negative("within", within)
    if not 0.0 < target_level < 1.0:
        raise ValueError(f"target_level must be strictly between 0 and 1, got {target_level!r}")
    # Fewer than a + 1 servers cannot be stable; the service level rises with c from there
    # and tends to 1, so the search ends.
    c = max(1, math.floor(lam * s) + 1)
    while mmc_service_level(lam, s, c, within) < target_level:
        c += 1
    return c


def square_root_staffing(arrival_rate: float, mean_service: float, beta: float) -> int:
    """Servers by the square-root rule, c = ⌈a + β·√a⌉ (at least 1)."""
    lam = _non_negative("arrival_rate", arrival_rate)
    s = _positive("mean_service", mean_service)
    b = _non_negative("beta", beta)
    a = lam * s
    return max(1, math.ceil(a + b * math.sqrt(a)))


def halfin_whitt_wait_probability(beta: float) -> float:
    """The probability of waiting that c = a + β·√a tends to as the load grows (β > 0)."""
    b = _positive("beta", beta)
    phi = math.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
    big_phi = 0.5 * (1.0 + math.erf(b / math.sqrt(2.0)))
    return 1.0 / (1.0 + b * big_phi / phi)


# --- availability and machine repair -----------------------------------------------------


def availability(mtbf: float, mttr: float) -> float:
    """Long-run fraction of time a unit is up: MTBF / (MTBF + MTTR).

    It holds for any up-time and repair-time distributions (an alternating renewal
    process), not only exponential ones.
    """
    up = _positive("mtbf", mtbf)
    down = _non_negative("mttr", mttr)
    return up / (up + down)


@dataclass(frozen=True)
class MachineRepair:
    """Steady state of the finite-source model M/M/r//N."""

    machines: int
    repairers: int
    probabilities: tuple[float, ...]
    """P(n machines down), n = 0..N."""
    mean_down: float
    """Mean number of machines down (waiting for or in repair)."""
    mean_waiting: float
    """Mean number down and waiting for a repairer."""
    availability: float
    """Mean fraction of machines up: 1 − mean_down / N."""
    failure_rate_total: float
    """Failures per unit time of the whole set: λ·(N − mean_down)."""


def machine_repair(
    machines: int, failure_rate: float, repair_rate: float, repairers: int
) -> MachineRepair:
    """N machines failing at ``failure_rate`` each while up, ``repairers`` repairing at
    ``repair_rate`` each. ``repairers = machines`` is independent repair of every unit."""
    n_max = _servers(machines)
    r = _servers(repairers)
    lam = _positive("failure_rate", failure_rate)
    mu = _positive("repair_rate", repair_rate)
    # Balance across each cut of the birth–death chain: p(n + 1)·min(n + 1, r)·μ =
    # p(n)·(N − n)·λ. Kept in logarithms so that large N cannot overflow.
    log_p = [0.0]
    for n in range(n_max):
        log_p.append(log_p[-1] + math.log((n_max - n) * lam) - math.log(min(n + 1, r) * mu))
    top = max(log_p)
    weights = [math.exp(v - top) for v in log_p]
    total = math.fsum(weights)
    p = tuple(w / total for w in weights)
    mean_down = math.fsum(n * pn for n, pn in enumerate(p))
    mean_waiting = math.fsum(max(0, n - r) * pn for n, pn in enumerate(p))
    return MachineRepair(
        machines=n_max,
        repairers=r,
        probabilities=p,
        mean_down=mean_down,
        mean_waiting=mean_waiting,
        availability=1.0 - mean_down / n_max,
        failure_rate_total=lam * (n_max - mean_down),
    )


@dataclass(frozen=True)
class MachineRepairSpan:
    """Expected means over [0, T] of M/M/r//N started with every machine up."""

    machines: int
    repairers: int
    horizon: float
    mean_down: float
    """Expected time-average over [0, T] of the number of machines down."""
    mean_waiting: float
    """Expected time-average over [0, T] of the number down and waiting for a repairer."""

    @property
    def up_fraction(self) -> float:
        """Expected fraction of machine-hours up over [0, T]."""
        return 1.0 - self.mean_down / self.machines


def machine_repair_from_all_up(
    machines: int, failure_rate: float, repair_rate: float, repairers: int, horizon: float
) -> MachineRepairSpan:
    """The means over [0, ``horizon``] of ``machine_repair``'s model, every machine up at
    time 0: what a finite run that starts from a working fleet should measure. As the
    horizon grows they tend to the steady state's ``mean_down`` and ``mean_waiting``."""
    from scipy.linalg import expm

    n_max = _servers(machines)
    r = _servers(repairers)
    lam = _positive("failure_rate", failure_rate)
    mu = _positive("repair_rate", repair_rate)
    t = _positive("horizon", horizon)
    size = n_max + 1
    q = np.zeros((size, size))
    for n in range(size):
        if n < n_max:
            q[n, n + 1] = (n_max - n) * lam
        if n > 0:
            q[n, n - 1] = min(n, r) * mu
        q[n, n] = -(q[n, n + 1] if n < n_max else 0.0) - (q[n, n - 1] if n > 0 else 0.0)
    big = np.zeros((2 * size, 2 * size))
    big[:size, :size] = q * t
    big[:size, size:] = np.eye(size) * t
    occupancy = expm(big)[0, size:] / t  # row of state 0: the mean of p(s) over [0, T]
    down = np.arange(size, dtype=np.float64)
    return MachineRepairSpan(
        machines=n_max,
        repairers=r,
        horizon=t,
        mean_down=float(occupancy @ down),
        mean_waiting=float(occupancy @ np.maximum(down - r, 0.0)),
    )


# --- Jackson networks --------------------------------------------------------------------


@dataclass(frozen=True)
class JacksonNetwork:
    """Steady state of an open Jackson network."""

    arrival_rates: tuple[float, ...]
    """Total arrival rate at each node (external plus routed), from the traffic equations."""
    visits: tuple[float, ...]
    """Mean visits per customer to each node: λᵢ / Σγ."""
    nodes: tuple[QueueMetrics, ...]
    mean_in_system: float
    """Σ Lᵢ: mean number of customers anywhere in the network."""
    mean_time: float
    """Mean time from entering to leaving the network: Σ Lᵢ / Σγ (Little's law)."""


def jackson_network(
    external_arrivals: ArrayLike,
    routing: ArrayLike,
    mean_service: Sequence[float],
    servers: Sequence[int],
) -> JacksonNetwork:
    """An open network of M/M/c nodes.

    ``routing[i][j]`` is the probability that a customer leaving node i goes to node j;
    what a row leaves short of 1 is the probability of leaving the network. Nodes with
    a >= c make the mean time infinite.
    """
    gamma = np.asarray(external_arrivals, dtype=np.float64)
    r = np.asarray(routing, dtype=np.float64)
    k = gamma.size
    if gamma.ndim != 1 or k == 0:
        raise ValueError("external_arrivals must be a non-empty sequence, one rate per node")
    if r.shape != (k, k):
        raise ValueError(f"routing must be {k}×{k} for {k} nodes, got shape {r.shape}")
    if len(mean_service) != k or len(servers) != k:
        raise ValueError(f"mean_service and servers need one entry per node ({k})")
    if not (np.isfinite(gamma).all() and (gamma >= 0.0).all()) or gamma.sum() <= 0.0:
        raise ValueError("external arrival rates must be finite, >= 0 and not all 0")
    if not (np.isfinite(r).all() and (r >= 0.0).all()):
        raise ValueError("routing probabilities must be finite and >= 0")
    if (r.sum(axis=1) > 1.0 + 1e-12).any():
        raise ValueError("each row of routing must sum to at most 1")
    # Traffic equations: λ = γ + Rᵀλ, i.e. (I − Rᵀ)λ = γ. An open network (every customer
    # eventually leaves) makes I − Rᵀ non-singular with a non-negative solution.
    try:
        lam = np.linalg.solve(np.eye(k) - r.T, gamma)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the network is not open: some customers can never leave (a closed loop in routing)"
        ) from None
    if not np.isfinite(lam).all() or (lam < -1e-9 * lam.max()).any():
        raise ValueError("the network is not open: the traffic equations have no valid solution")
    lam = np.maximum(lam, 0.0)
    nodes = tuple(mmc(float(lam[i]), float(mean_service[i]), int(servers[i])) for i in range(k))
    total_in = float(gamma.sum())
    in_system = math.fsum(node.mean_in_system for node in nodes)
    return JacksonNetwork(
        arrival_rates=tuple(float(v) for v in lam),
        visits=tuple(float(v) / total_in for v in lam),
        nodes=nodes,
        mean_in_system=in_system,
        mean_time=in_system / total_in,
    )
