"""The reference engine against queueing theory, where theory has an exact answer.

Each check is a scenario in the scenario language (``tests/theory/*.yaml``), chosen so
that the season *is* a textbook model: Poisson shot releases, exponential service, no
failures unless they are the point. The engine's estimate over independent replications
gets a Student-t interval at ``LEVEL`` = 99.9 %, and the theory's value must lie inside
it; there are no other tolerances. Seeds are fixed in the YAML files, so each check
either passes or fails for good; with some twenty intervals at 99.9 % the chance that a
correct engine fails one of them on a given seed is about 2 %, and a failure is worth a
look.

An estimate from a run that starts empty is biased low by the initial transient. The
M/M/c checks use enough shots per replication that a conservative bound on that bias is
under a tenth of the interval's half-width, and assert it, so a smaller run cannot
quietly turn a theory check into a check of the warm-up.

Little's law is checked on sample paths, not in expectation: on any run in which every
shot gets through, the time-integral of a queue's length equals the sum of the waits of
the tasks that passed through it, exactly (to rounding).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from simulator import compile_season, load_scenario
from simulator.analytic import (
    availability,
    jackson_network,
    machine_repair,
    machine_repair_from_all_up,
    mmc,
)
from simulator.engines.accounting import account
from simulator.engines.reference.engine import run_raw, run_replication
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent, TraceKind, stages
from simulator.model.resources import ResourceKey
from simulator.model.season import SeasonModel
from simulator.stats import Interval, mean_interval

THEORY = Path(__file__).parent / "theory"
SCENARIOS = Path(__file__).parents[1] / "scenarios"

LEVEL = 0.999
"""Confidence level of every interval in this file."""


@cache
def _model(path: Path, overrides: tuple[str, ...] = ()) -> SeasonModel:
    return compile_season(load_scenario(path, list(overrides)))


def _runs(model: SeasonModel, replications: int) -> list[ReplicationResult]:
    return [run_replication(model, k) for k in range(replications)]


def _inside(value: float, interval: Interval, what: str) -> None:
    assert value in interval, (
        f"{what}: theory {value:.6g}, engine {interval.estimate:.6g} with "
        f"{interval.level:.1%} interval [{interval.low:.6g}, {interval.high:.6g}] "
        f"(n = {interval.n})"
    )


# --- M/M/c: waiting for GPUs against Erlang C ------------------------------------------------


def _transient_bias_bound(arrival_rate: float, servers: int, mean_wait: float, shots: int) -> float:
    """A conservative bound on how far an empty start pulls the mean wait of ``shots``
    customers below the steady-state Wq (service rate 1).

    A congested M/M/c queue behaves like an M/M/1 queue with the pool's full rate c, which
    forgets its start at the rate (√c − √λ)² (exactly the spectral gap for c = 1): after
    τ = λ / (√c − √λ)² customers. The expected wait rises from 0 towards Wq over those
    customers, so the waits of the first ones fall short by about Wq·τ in all. (Heavy-
    traffic theory, regulated Brownian motion started at 0, puts the shortfall near a
    quarter of that.)
    """
    tau = arrival_rate / (math.sqrt(servers) - math.sqrt(arrival_rate)) ** 2
    return mean_wait * tau / shots


def _check_mmc(servers: int, utilisation: float, shots: int, replications: int) -> None:
    # μ = 1 per hour in mmc.yaml (3600 s per one-frame shot), so λ = ρ·c per hour.
    arrival_rate = utilisation * servers
    model = _model(
        THEORY / "mmc.yaml",
        (
            f"pools.gpus.gpus={servers}",
            f"shows.queue.release.shots_per_day={24.0 * arrival_rate!r}",
            f"shows.queue.episodes.0.shots={shots}",
        ),
    )
    theory = mmc(arrival_rate, 1.0, servers)
    per_replication = []
    for r in _runs(model, replications):
        started, waited = r.waits["pool:gpus"]
        assert started == shots  # each shot waits once: no retries, no interruptions
        per_replication.append(waited / started)
    estimate = mean_interval(per_replication, level=LEVEL)
    bias = _transient_bias_bound(arrival_rate, servers, theory.mean_wait, shots)
    assert bias < estimate.half_width / 10, "too few shots: the warm-up would show"
    _inside(theory.mean_wait, estimate, f"M/M/{servers} at ρ = {utilisation} mean wait (h)")


def test_mm1_mean_wait_matches_theory_small():
    # ρ = 0.5: Wq = 1 h; 8 replications of 1,500 shots, about a second and a half.
    _check_mmc(servers=1, utilisation=0.5, shots=1500, replications=8)


@pytest.mark.slow
@pytest.mark.parametrize("servers", [1, 3])
@pytest.mark.parametrize(
    ("utilisation", "shots"),
    # The variance of a mean wait grows like (1 − ρ)⁻⁴ and the warm-up like (1 − √ρ)⁻²:
    # heavier loads need longer replications.
    [(0.5, 5_000), (0.75, 10_000), (0.9, 20_000)],
)
def test_mmc_mean_wait_matches_erlang_c(servers, utilisation, shots):
    _check_mmc(servers, utilisation, shots, replications=10)


# --- a rework loop against a Jackson network ------------------------------------------------

# rework-loop.yaml: γ = 1.4 shots per hour into generate (1 GPU, 0.35 h) → refine (1 GPU,
# 0.3 h) → review (2 people, 0.5 h), which sends 30 % back to generate.
REWORK_P = 0.3
REWORK_NETWORK = jackson_network(
    external_arrivals=[1.4, 0.0, 0.0],
    routing=[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [REWORK_P, 0.0, 0.0]],
    mean_service=[1260 / 3600, 1080 / 3600, 30 / 60],
    servers=[1, 1, 2],
)


def _rework_runs(shots: int, replications: int) -> list[ReplicationResult]:
    model = _model(THEORY / "rework-loop.yaml", (f"shows.loop.episodes.0.shots={shots}",))
    runs = _runs(model, replications)
    for r in runs:
        assert r.flow[0] == shots  # every shot approved: nothing fails, no round limit
    return runs


def _check_time_in_system(runs: list[ReplicationResult]) -> None:
    sojourn = mean_interval([r.flow[1] / r.flow[0] for r in runs], level=LEVEL)
    _inside(REWORK_NETWORK.mean_time, sojourn, "rework loop mean time release → approved (h)")


def test_rework_loop_time_in_system_matches_jackson_small():
    _check_time_in_system(_rework_runs(shots=800, replications=6))


@pytest.mark.slow
def test_rework_loop_matches_jackson():
    runs = _rework_runs(shots=6000, replications=10)
    _check_time_in_system(runs)
    # Jackson's theorem: each station on its own is an M/M/c queue at its traffic rate.
    for key, node in zip(
        ("pool:gen", "pool:refine", "team:reviewers"), REWORK_NETWORK.nodes, strict=True
    ):
        waits = mean_interval([r.waits[key][1] / r.waits[key][0] for r in runs], level=LEVEL)
        _inside(node.mean_wait, waits, f"{key} mean wait (h)")
    # Visits: a shot is sent back a geometric number of times, p / (1 − p) on average.
    reworks = mean_interval([sum(r.reworks) / r.flow[0] for r in runs], level=LEVEL)
    _inside(REWORK_P / (1 - REWORK_P), reworks, "rework passes per shot")


# --- GPUs that fail and are repaired --------------------------------------------------------

# machine-repair.yaml: 8 units, MTBF 40 h, MTTR 10 h, each repaired on its own, kept busy
# by a backlog until the horizon of 2,016 h.
FLEET, MTBF, MTTR, HORIZON = 8, 40.0, 10.0, 2016.0


def _check_machine_repair(replications: int) -> None:
    runs = _runs(_model(THEORY / "machine-repair.yaml"), replications)
    lam, mu = 1.0 / MTBF, 1.0 / MTTR
    steady = machine_repair(FLEET, lam, mu, repairers=FLEET)
    assert steady.availability == pytest.approx(availability(MTBF, MTTR))
    # Every unit starts up. An exponential up/down cycle is up at time t with probability
    # A + (1 − A)·exp(−(λ + μ)t), so over [0, T] the mean fraction of time up is
    # A + (1 − A)·(1 − exp(−(λ + μ)T)) / ((λ + μ)T): the steady state plus an exact
    # correction for the start (here +0.0008). Failures happen at rate λ while up.
    rate = lam + mu
    start = (1.0 - math.exp(-rate * HORIZON)) / (rate * HORIZON)
    up_fraction = steady.availability + (1.0 - steady.availability) * start
    expected_down = FLEET * (1.0 - up_fraction)
    expected_failures = lam * FLEET * HORIZON * up_fraction

    down, failures = [], []
    for r in runs:
        assert r.end_time == HORIZON  # the backlog outlasts the run: units never idle
        # Busy unit-hours, integrated to the end (daily bins of the mean level).
        busy = 24.0 * math.fsum(r.daily_busy["pool:fleet"])
        down.append(FLEET - busy / HORIZON)
        failures.append(float(r.gpu_failures))
    _inside(expected_down, mean_interval(down, level=LEVEL), "mean number of GPUs down")
    _inside(expected_failures, mean_interval(failures, level=LEVEL), "GPU failures per run")


def test_machine_repair_small():
    _check_machine_repair(replications=8)


@pytest.mark.slow
def test_machine_repair_availability_and_failures():
    _check_machine_repair(replications=40)


# --- a repair crew: failed GPUs wait for one of R repairers ----------------------------------

# The same fleet with ``repair: {repairers: R}``: the number down is the birth–death chain
# of M/M/R//8. The run starts with every unit up, so the theory is the chain's expected
# means over [0, 2,016 h] from state 0 (``machine_repair_from_all_up``), not only its
# steady state; the two differ by a few hundredths of a unit here.


def _crew(repairers: int) -> SeasonModel:
    return _model(
        THEORY / "machine-repair.yaml", (f"pools.fleet.repair={{repairers: {repairers}}}",)
    )


def _check_repair_crew(repairers: int, replications: int) -> None:
    lam, mu = 1.0 / MTBF, 1.0 / MTTR
    theory = machine_repair_from_all_up(FLEET, lam, mu, repairers, HORIZON)
    up, waiting = [], []
    for r in _runs(_crew(repairers), replications):
        assert r.end_time == HORIZON
        up.append(1.0 - r.down_hours["pool:fleet"] / (FLEET * HORIZON))
        waiting.append(r.repair_wait_hours["pool:fleet"] / HORIZON)
    _inside(theory.up_fraction, mean_interval(up, level=LEVEL), f"R = {repairers}: fraction up")
    if repairers >= FLEET:
        assert waiting == [0.0] * replications  # a repairer for every unit: nobody waits
    else:
        _inside(
            theory.mean_waiting,
            mean_interval(waiting, level=LEVEL),
            f"R = {repairers}: mean number waiting for a repairer",
        )


def test_repair_crew_of_two_small():
    _check_repair_crew(repairers=2, replications=8)


@pytest.mark.slow
@pytest.mark.parametrize("repairers", [1, 2, FLEET])
def test_repair_crew_matches_the_machine_repair_model(repairers):
    _check_repair_crew(repairers, replications=40)


@pytest.mark.parametrize("repairers", [FLEET, FLEET + 4])
def test_a_crew_as_large_as_the_fleet_is_no_crew_bit_for_bit(repairers):
    plain = _model(THEORY / "machine-repair.yaml")
    crew = _crew(repairers)
    for k in range(3):
        a, b = run_raw(plain, k), run_raw(crew, k)
        assert b.crew_repairs == a.gpu_failures  # every failure repaired by the crew, at once
        assert dataclasses.replace(b, crew_repairs=a.crew_repairs) == a


def test_a_repair_team_around_the_clock_is_a_crew_of_its_size():
    # Two people on duty at every hour repair exactly as two repairers do: the pool's
    # record is the same, bit for bit; the team is paid, and nothing else changes.
    crew = _crew(2)
    team = _model(
        THEORY / "machine-repair.yaml",
        (
            "teams={techs: {around_the_clock: 2, hourly_rate: 40}}",
            "pools.fleet.repair={team: techs}",
        ),
    )
    pool_fields = ("down_hours", "repair_wait_hours", "crew_repairs", "gpu_failures")
    for k in range(3):
        a, b = run_raw(crew, k), run_raw(team, k)
        assert (a.end, a.pool_busy) == (b.end, b.pool_busy)
        assert b.events == a.events + 1  # the team's head count, set at the start
        assert [getattr(a, f) for f in pool_fields] == [getattr(b, f) for f in pool_fields]
        assert b.team_overtime == [0.0]
        # The team's busy person-hours are the unit-hours in repair: down, not waiting.
        busy = math.fsum(b.busy_bins[1])
        in_repair = b.down_hours[0] - b.repair_wait_hours[0]
        assert busy == pytest.approx(in_repair, rel=1e-9)
        assert account(team, b).busy_hours["team:techs"] == busy


# --- Little's law on sample paths ------------------------------------------------------------


@cache
def _traced(
    path: Path, overrides: tuple[str, ...] = ()
) -> tuple[ReplicationResult, frozenset[str]]:
    """Replication 0, and the resources (keyed as in ``waits``) whose tasks were interrupted."""
    model = _model(path, overrides)
    trace: list[TraceEvent] = []
    r = run_replication(model, 0, trace=trace)
    # A task queues, and is tallied, at its first option's resource.
    queue_of = [
        ResourceKey(st.options[0].resource, st.options[0].index).label(model)
        for st in stages(model)
    ]
    in_service: dict[int | None, int | None] = {}
    interrupted = set()
    for e in trace:
        if e.kind == TraceKind.START:
            in_service[e.task] = e.stage
        elif e.kind == TraceKind.INTERRUPTED:
            stage = in_service[e.task]
            assert stage is not None
            interrupted.add(queue_of[stage])
    return r, frozenset(interrupted)


def _all_through(r: ReplicationResult) -> None:
    assert not any(math.isnan(d) for d in r.delivery), "an episode was cut off by the horizon"
    assert r.flow[0] + sum(r.failed) == sum(r.shots)


def _little_gaps(r: ReplicationResult, resources: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Resources where ∫ queue length dt and the sum of waits differ by more than 1e-9."""
    return {
        k: (r.queue_area[k], r.waits[k][1])
        for k in resources
        if not math.isclose(r.queue_area[k], r.waits[k][1], rel_tol=1e-9, abs_tol=1e-12)
    }


DEMO = pytest.param(SCENARIOS / "demo.yaml", (), id="demo")
HYBRID = pytest.param(
    SCENARIOS / "season-hybrid.yaml", (), id="season-hybrid", marks=pytest.mark.slow
)
MMC = pytest.param(THEORY / "mmc.yaml", ("shows.queue.episodes.0.shots=2000",), id="mmc")
REWORK = pytest.param(
    THEORY / "rework-loop.yaml", ("shows.loop.episodes.0.shots=500",), id="rework-loop"
)
REPAIR = pytest.param(
    THEORY / "machine-repair.yaml",
    ("shows.backlog.episodes.0.shots=400", "run.horizon=3650d"),
    id="machine-repair",
)
# The full seasons (the hybrid season above too) are the slow tier.
FULL_AUTO, SHIFT_LEFT = (
    pytest.param(SCENARIOS / f"{name}.yaml", (), id=name, marks=pytest.mark.slow)
    for name in ("season-full-auto", "season-shift-left")
)


@pytest.mark.parametrize(("path", "overrides"), [DEMO, HYBRID, MMC, REWORK, FULL_AUTO, SHIFT_LEFT])
def test_littles_law_on_the_sample_path(path, overrides):
    r, interrupted = _traced(path, overrides)
    _all_through(r)
    plain = [k for k in r.waits if k not in interrupted]
    assert _little_gaps(r, plain) == {}


# A task stopped by a GPU failure, a preemption or the end of a shift goes back to its
# queue and waits again; its wait is tallied from when it re-entered the queue, not from
# its first arrival (which it keeps for its place in line), so the identity holds through
# interruptions too. These runs are the ones that have some.
@pytest.mark.parametrize(("path", "overrides"), [HYBRID, REPAIR, FULL_AUTO, SHIFT_LEFT])
def test_littles_law_through_interrupted_tasks(path, overrides):
    r, interrupted = _traced(path, overrides)
    _all_through(r)
    assert interrupted, "no task was interrupted in this run: the case tests nothing"
    gaps = _little_gaps(r, sorted(interrupted))
    assert gaps == {}, "∫ queue dt vs sum of waits (h): " + ", ".join(
        f"{k} {area:.6g} vs {waited:.6g}" for k, (area, waited) in gaps.items()
    )
