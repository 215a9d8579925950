"""Queueing formulas: published reference values, and the formulas against each other."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.analytic import (
    availability,
    erlang_b,
    erlang_c,
    halfin_whitt_wait_probability,
    jackson_network,
    machine_repair,
    machine_repair_from_all_up,
    mm1,
    mmc,
    mmc_mean_wait,
    mmc_service_level,
    servers_for_service_level,
    square_root_staffing,
)

# --- reference values (DOMAIN.md, "Queueing references") ----------------------------------

# 100 arrivals per 30 minutes, 3 minutes each, in seconds: 10 erlangs.
CALLS = {"arrival_rate": 100 / 1800, "mean_service": 180.0}


def test_erlang_c_contact_centre_reference():
    assert servers_for_service_level(**CALLS, target_level=0.8, within=20.0) == 14
    assert mmc_service_level(**CALLS, servers=14, within=20.0) == pytest.approx(0.88835, abs=5e-6)
    # Exactly 0.7955948 (checked in rational arithmetic): the published 0.79560 is a
    # double rounding (via 0.795595), so it holds to one unit of its last digit, not half.
    assert mmc_service_level(**CALLS, servers=13, within=20.0) == pytest.approx(0.79560, abs=1e-5)
    assert mmc_mean_wait(**CALLS, servers=14) == pytest.approx(7.836, abs=5e-4)


@pytest.mark.parametrize(
    ("per_hour", "minutes", "servers"),
    [(100, 3, 8), (600, 4, 46)],
)
def test_servers_for_80_percent_within_20_seconds(per_hour, minutes, servers):
    c = servers_for_service_level(per_hour / 3600, minutes * 60.0, 0.8, 20.0)
    assert c == servers
    # The smallest such: one fewer misses the target.
    assert mmc_service_level(per_hour / 3600, minutes * 60.0, c - 1, 20.0) < 0.8


def test_erlang_b_reference():
    assert erlang_b(10, 10.0) == pytest.approx(0.214582, abs=5e-7)
    assert erlang_b(15, 10.0) == pytest.approx(0.036497, abs=5e-7)


def test_mm1_reference():
    q = mm1(arrival_rate=5.0, mean_service=1 / 8)
    assert q.mean_wait == pytest.approx(0.20833, abs=5e-6)
    assert q.mean_time == pytest.approx(0.33333, abs=5e-6)
    assert q.utilisation == pytest.approx(5 / 8)


# --- Erlang B and C against their direct formulas ----------------------------------------


def _erlang_b_direct(c: int, a: float) -> float:
    # (a^c / c!) / sum_k a^k / k!, in logarithms.
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c + 1)]
    top = max(logs)
    return math.exp(logs[-1] - top) / math.fsum(math.exp(v - top) for v in logs)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.7), (10, 10.0), (50, 40.0), (2000, 1950.0)])
def test_erlang_b_recursion_matches_the_direct_formula(c, a):
    assert erlang_b(c, a) == pytest.approx(_erlang_b_direct(c, a), rel=1e-11)


def test_erlang_b_edges():
    assert erlang_b(0, 3.0) == 1.0  # no server: everything is lost
    assert erlang_b(5, 0.0) == 0.0  # no load: nothing is lost


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.7), (14, 10.0), (200, 190.0)])
def test_erlang_c_matches_the_direct_formula(c, a):
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    last = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    top = max([*logs, last])
    direct = math.exp(last - top) / (
        math.fsum(math.exp(v - top) for v in logs) + math.exp(last - top)
    )
    assert erlang_c(c, a) == pytest.approx(direct, rel=1e-11)


def test_erlang_c_of_one_server_is_its_utilisation():
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-14)


def test_an_unstable_queue_always_waits():
    assert erlang_c(3, 3.0) == 1.0
    q = mmc(arrival_rate=4.0, mean_service=1.0, servers=3)
    assert not q.stable
    assert q.mean_wait == math.inf
    assert mmc_service_level(4.0, 1.0, 3, within=10.0) == 0.0


# --- M/M/c -----------------------------------------------------------------------------------


def test_mmc_figures_are_consistent():
    q = mmc(arrival_rate=9.0, mean_service=0.3, servers=3)
    assert q.load == pytest.approx(2.7)
    assert q.utilisation == pytest.approx(0.9)
    assert q.mean_time == pytest.approx(q.mean_wait + 0.3)
    assert q.mean_queue == pytest.approx(9.0 * q.mean_wait)  # Little's law
    assert q.mean_in_system == pytest.approx(q.mean_queue + q.load)
    # Service level at 0 is the chance of not waiting.
    assert mmc_service_level(9.0, 0.3, 3, 0.0) == pytest.approx(1.0 - q.wait_probability)


def test_mmc_with_one_server_is_mm1():
    lam, s = 2.0, 0.4
    q = mmc(lam, s, 1)
    rho = lam * s
    assert q.mean_wait == pytest.approx(rho * s / (1 - rho), rel=1e-14)
    assert q.mean_time == pytest.approx(s / (1 - rho), rel=1e-14)


def test_service_level_is_the_wait_distribution():
    # P(wait <= t) = 1 - C exp(-(c - a) t / s): the waiting time of a waiting customer is
    # exponential. Check the mean of that distribution against Wq = C s / (c - a).
    lam, s, c = 9.0, 0.3, 3
    ts = np.linspace(0.0, 20.0, 20_001)  # the tail beyond 20 is below exp(-20)
    tail = [1.0 - mmc_service_level(lam, s, c, t) for t in ts]
    assert np.trapezoid(tail, ts) == pytest.approx(mmc_mean_wait(lam, s, c), rel=1e-6)


# --- staffing ------------------------------------------------------------------------------


def test_square_root_staffing():
    assert square_root_staffing(arrival_rate=100.0, mean_service=1.0, beta=1.0) == 110
    assert square_root_staffing(arrival_rate=0.0, mean_service=1.0, beta=1.0) == 1


def test_square_root_staffing_tends_to_halfin_whitt():
    beta = 0.5
    limit = halfin_whitt_wait_probability(beta)
    assert limit == pytest.approx(0.5045, abs=5e-5)
    gaps = []
    for a in (100.0, 10_000.0):
        c = square_root_staffing(a, 1.0, beta)  # a + 0.5 sqrt(a) is whole for these a
        assert c == a + beta * math.sqrt(a)
        gaps.append(abs(erlang_c(c, a) - limit))
    assert gaps[1] < gaps[0] / 5
    assert gaps[1] < 2e-3


# --- availability and machine repair -----------------------------------------------------


def test_availability():
    assert availability(mtbf=50_000.0, mttr=5.0) == pytest.approx(50_000 / 50_005)
    assert availability(40.0, 10.0) == 0.8


def test_independent_repair_gives_a_binomial_number_down():
    n, lam, mu = 16, 1 / 40, 1 / 10
    m = machine_repair(n, lam, mu, repairers=n)
    p_down = lam / (lam + mu)
    assert m.probabilities == pytest.approx(stats.binom.pmf(range(n + 1), n, p_down), rel=1e-12)
    assert m.mean_down == pytest.approx(n * p_down, rel=1e-12)
    assert m.availability == pytest.approx(availability(1 / lam, 1 / mu), rel=1e-12)
    assert m.mean_waiting == 0.0


def _machine_repair_ctmc(n: int, lam: float, mu: float, r: int) -> np.ndarray:
    """Stationary distribution of the number down, from the generator matrix directly."""
    q = np.zeros((n + 1, n + 1))
    for k in range(n + 1):
        if k < n:
            q[k, k + 1] = (n - k) * lam
        if k > 0:
            q[k, k - 1] = min(k, r) * mu
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T, np.ones(n + 1)])
    b = np.zeros(n + 2)
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


@pytest.mark.parametrize(("n", "r"), [(5, 1), (5, 2), (20, 3), (8, 8)])
def test_machine_repair_matches_its_generator(n, r):
    lam, mu = 0.3, 1.7
    m = machine_repair(n, lam, mu, r)
    pi = _machine_repair_ctmc(n, lam, mu, r)
    assert m.probabilities == pytest.approx(pi, abs=1e-12)
    assert m.mean_down == pytest.approx(float(np.arange(n + 1) @ pi), rel=1e-10)
    # Failures in = repairs out: lambda * mean up = mu * mean in repair.
    in_repair = sum(min(k, r) * p for k, p in enumerate(m.probabilities))
    assert m.failure_rate_total == pytest.approx(mu * in_repair, rel=1e-10)


def test_machine_repair_with_one_repairer_textbook():
    # Two machines, one repairer, failure rate 1, repair rate 2: p0 : p1 : p2 = 1 : 1 : 1/2.
    m = machine_repair(2, 1.0, 2.0, 1)
    assert m.probabilities == pytest.approx((0.4, 0.4, 0.2))
    assert m.mean_down == pytest.approx(0.8)
    assert m.mean_waiting == pytest.approx(0.2)


def test_machine_repair_does_not_overflow():
    m = machine_repair(5000, 1e-3, 1.0, 5000)
    assert m.mean_down == pytest.approx(5000 * 1e-3 / 1.001, rel=1e-9)


# --- Jackson networks ----------------------------------------------------------------------


def test_tandem_without_feedback_is_two_independent_queues():
    net = jackson_network([2.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], [0.3, 0.4], [1, 1])
    assert net.arrival_rates == pytest.approx((2.0, 2.0))
    assert net.mean_time == pytest.approx(mm1(2.0, 0.3).mean_time + mm1(2.0, 0.4).mean_time)


def test_single_node_with_feedback():
    # Each pass is fed back with probability p: visits 1 / (1 - p), and the node sees
    # lambda = gamma / (1 - p); the mean time in the network is visits x W of that node.
    gamma, p, s = 1.0, 0.4, 0.5
    net = jackson_network([gamma], [[p]], [s], [1])
    lam = gamma / (1 - p)
    assert net.arrival_rates[0] == pytest.approx(lam)
    assert net.visits[0] == pytest.approx(1 / (1 - p))
    assert net.mean_time == pytest.approx(mm1(lam, s).mean_time / (1 - p))


def test_rework_loop_traffic_equations():
    # generate -> refine -> review; review sends 30 % back to generate.
    routing = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.3, 0.0, 0.0]]
    net = jackson_network([1.4, 0.0, 0.0], routing, [0.35, 0.3, 0.5], [1, 1, 2])
    assert net.arrival_rates == pytest.approx((2.0, 2.0, 2.0))
    expected = 2.0 * (1 / (1 / 0.35 - 2.0) + 1 / (1 / 0.3 - 2.0) + (1 / 6 + 0.5)) / 1.4
    assert net.mean_time == pytest.approx(expected)
    assert net.mean_in_system == pytest.approx(1.4 * net.mean_time)


def test_an_overloaded_node_makes_the_network_time_infinite():
    net = jackson_network([1.0], [[0.5]], [0.6], [1])  # lambda = 2, a = 1.2 > 1
    assert net.mean_time == math.inf


@pytest.mark.parametrize(
    ("gamma", "routing", "message"),
    [
        ([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], "not open"),
        ([1.0], [[0.6, 0.6]], "must be 1×1"),
        ([1.0, 0.0], [[0.0, 0.7], [0.5, 0.6]], "at most 1"),
        ([0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], "not all 0"),
        ([1.0, 0.0], [[0.0, -0.1], [0.0, 0.0]], ">= 0"),
    ],
)
def test_jackson_network_refuses_bad_networks(gamma, routing, message):
    k = len(gamma)
    with pytest.raises(ValueError, match=message):
        jackson_network(gamma, routing, [0.1] * k, [1] * k)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mmc(1.0, 0.0, 1),
        lambda: mmc(-1.0, 1.0, 1),
        lambda: mmc(1.0, 1.0, 0),
        lambda: mmc(1.0, math.nan, 2),
        lambda: servers_for_service_level(1.0, 1.0, 1.0, 1.0),
        lambda: machine_repair(3, 0.0, 1.0, 1),
        lambda: availability(0.0, 1.0),
    ],
)
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError, match="must"):
        call()


# --- machine repair over a finite span, from all up ------------------------------------------


def test_independent_repair_from_all_up_has_its_closed_form():
    # Each unit on its own is up at t with A + (1 − A)·exp(−(λ + μ)t); averaged over [0, T].
    n, lam, mu, horizon = 8, 1 / 40, 1 / 10, 300.0
    span = machine_repair_from_all_up(n, lam, mu, n, horizon)
    a = availability(1 / lam, 1 / mu)
    rate = lam + mu
    up = a + (1 - a) * (1 - math.exp(-rate * horizon)) / (rate * horizon)
    assert span.up_fraction == pytest.approx(up, rel=1e-10)
    assert span.mean_waiting == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("r", [1, 2, 5])
def test_machine_repair_from_all_up_tends_to_the_steady_state(r):
    n, lam, mu = 5, 0.3, 1.7
    steady = machine_repair(n, lam, mu, r)
    long = machine_repair_from_all_up(n, lam, mu, r, 1e6)
    assert long.mean_down == pytest.approx(steady.mean_down, rel=1e-5)
    assert long.mean_waiting == pytest.approx(steady.mean_waiting, rel=1e-5)
    # A fleet that starts up spends less time down early on than in the long run.
    short = machine_repair_from_all_up(n, lam, mu, r, 2.0)
    assert short.mean_down < steady.mean_down
    assert short.mean_waiting < steady.mean_waiting or r >= n


def test_one_repairer_from_all_up_on_a_short_span_matches_its_series():
    # Two machines, one repairer, over a span so short that at most one failure matters:
    # about 2λt machines are down at t, so their mean over [0, T] is about λT (λ = 1).
    span = machine_repair_from_all_up(2, 1.0, 2.0, 1, 1e-4)
    assert span.mean_down == pytest.approx(1e-4, rel=1e-3)
