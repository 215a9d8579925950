"""The batch kernel against the reference engine, replication by replication.

DESIGN §3 "Agreement contract": on the same seed and scenario the CPU kernel counts the
same ``RawReplication`` as the reference engine, every accumulator, to 1e-9 relative
(counts exactly, NaN equal to NaN); both are then costed by the one accounting, so their
``ReplicationResult``s agree too. A difference is named by the accumulator ("busy
unit-hours of pool h100, episode e2"). Checked here on every shipped scenario, on a hand-made
scenario that forces every feature at once, and on generated scenarios; each run reports
the event classes and kinds of same-time ties it exercised, and fails if one was never
hit. Then the properties of the batch itself: results independent of the thread count,
of how replications are split into calls and of the event heap's first size; memory
known up front and a batch too large refused before anything is allocated.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import compile_season, load_scenario
from simulator.engines.kernel import (
    EVENT_CLASSES,
    TIE_KINDS,
    event_counts,
    pack,
    run_batch,
    run_raw_batch,
    scratch_bytes_per_replication,
    trace_replication,
)
from simulator.engines.raw import RawReplication
from simulator.engines.reference.engine import run_raw, run_replication
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent, TraceKind
from simulator.errors import UnsupportedError, UsageError
from simulator.model.season import Resource, SeasonModel
from simulator.model.starting_state import parse_status, with_start
from simulator.results.status_export import status_from_trace
from simulator.testing import scenarios
from simulator.testing.agreement import raw_difference, result_difference
from simulator.testing.strategies import load_document

pytestmark = pytest.mark.usefixtures("cpu_kernel")

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def assert_agree(model: SeasonModel, ref: RawReplication, ker: RawReplication) -> None:
    found = raw_difference(model, ref, ker, ("reference", "kernel"))
    assert found is None, found


def check_agreement(model: SeasonModel, replications: range, threads: int = 1) -> None:
    kernel = run_raw_batch(model, replications, threads=threads)
    assert [k.replication for k in kernel] == list(replications)
    for rep, ker in zip(replications, kernel, strict=True):
        assert_agree(model, run_raw(model, rep), ker)


# --- shipped scenarios ------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_agrees(path: Path) -> None:
    model = compile_season(load_scenario(path))
    # A season of thousands of shots takes the reference seconds per replication.
    n = 1 if model.n_shots > 500 else 6
    check_agreement(model, range(n), threads=2)


# --- one scenario with every feature ----------------------------------------------------

EVERYTHING: dict[str, Any] = {
    "name": "everything",
    "calendar": {"start": "2027-01-04", "holidays": ["2027-01-06"]},
    "shows": {
        "a": {
            "frames_per_shot": {"dist": "lognormal", "mean": 96, "cv": 1.0},
            "release": {"pattern": "window", "window": "6h"},
            "episodes": [
                {"name": "e1", "lock": "2027-01-04", "deadline": "2027-01-07", "shots": 14},
                {
                    "name": "e2",
                    "lock": "12h",
                    "deadline": "2027-01-08",
                    "shots": 10,
                    "priority": 2,
                    "release": {"pattern": "poisson", "shots_per_day": 40},
                },
                {"name": "e3", "lock": "1d", "deadline": "2027-01-06", "shots": 0},
            ],
        },
        "b": {
            "frames_per_shot": {"dist": "gamma", "mean": 60, "cv": 0.5},
            "episodes": {
                "count": 2,
                "first_lock": "6h",
                "lock_every": "1d",
                "first_deadline": "2027-01-09",
                "deadline_every": "1d",
                "shots": 8,
            },
        },
    },
    "shot_stages": {
        "gen": {
            "kind": "gpu",
            "options": [
                {
                    "pool": "h100",
                    "seconds_per_frame": {"dist": "exponential", "mean": 20},
                    "gang": 2,
                    "setup": "2m",
                },
                {"pool": "spot", "seconds_per_frame": 12, "gang": 1},
                {"pool": "cloud", "seconds_per_frame": 15, "gang": 2},
            ],
            "failure_probability": 0.2,
            "max_attempts": 2,
            "backoff": "10m",
            "defect_probability": 0.3,
            "fallback": {"team": "artists", "minutes_per_shot": 45},
        },
        "qc": {
            "kind": "review",
            "pool": "h100",
            "seconds_per_frame": 0.5,
            "sample_rate": 0.7,
            "catch_probability": 0.9,
            "reject_probability": 0.1,
            "rework_to": "gen",
        },
        "look": {
            "kind": "review",
            "team": "supervisors",
            "minutes_per_shot": {"dist": "triangular", "low": 2, "mode": 4, "high": 9},
            "catch_probability": 0.6,
            "reject_probability": [0.5, 0.2],
            "max_rounds": 2,
            "rework_to": "gen",
        },
    },
    "episode_stages": {
        "conform": {
            "team": "artists",
            "hours_per_episode": {"dist": "uniform", "low": 1, "high": 3},
        },
        "master": {"pool": "cloud", "gang": 2, "hours_per_episode": 0.5},
    },
    "pools": {
        "h100": {
            "gpus": 3,
            "price_per_gpu_hour": 2.5,
            "failures": {
                "time_between_failures_hours": {"dist": "exponential", "mean": 30},
                "repair_hours": {"dist": "uniform", "low": 1, "high": 3},
            },
            "repair": {"team": "techs"},
        },
        "spot": {
            "kind": "spot",
            "gpus": 4,
            "price_per_gpu_hour": 1.2,
            "min_gpus": 1,
            "preemptions_per_gpu_hour": 0.3,
            "preemption_notice": "2m",
            "preemption_batch": 2,
            "provisioning_delay": "5m",
            "idle_timeout": "20m",
        },
        "cloud": {
            "kind": "on_demand",
            "gpus": 4,
            "price_per_gpu_hour": 4.0,
            "billing_increment": "1m",
            "billing_minimum": "10m",
            "failures": {"time_between_failures_hours": 40, "repair_hours": 1},
        },
    },
    "teams": {
        "techs": {
            # Two-hour shifts three hours apart and repairs of one to three hours: many
            # cross a shift end, finished in overtime when at most 30 minutes are left,
            # paused otherwise.
            "shifts": [
                {"start": f"{h:02d}:00", "end": f"{h + 2:02d}:00", "people": 1}
                for h in range(0, 22, 3)
            ],
            "hourly_rate": 60,
            "overtime_rate": 90,
            "max_overtime": "30m",
        },
        "supervisors": {
            "shifts": [
                {"start": "09:00", "end": "17:00", "people": 2},
                {
                    "start": "13:00",
                    "end": "21:00",
                    "people": 1,
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
                },
            ],
            "hourly_rate": 120,
            "max_overtime": "30m",
        },
        "artists": {
            "shifts": [{"start": "22:00", "end": "06:00", "people": 2}],
            "hourly_rate": 80,
            "overtime_rate": 130,
            "max_overtime": "1h",
            "utc_offset_hours": 5.5,
        },
    },
    "policy": {
        "queue": "edf",
        "pool_rule": "cheapest",
        "burst": {"wait": "30m", "slack": "12h", "budget_usd": 900},
    },
    "penalties": {"escaped_defect": 500, "failed_shot": 1000, "late_per_day": 2000},
    "run": {"seed": 2027, "replications": 6, "horizon": "12d"},
}


def test_a_scenario_with_every_feature_agrees() -> None:
    model = compile_season(load_document(EVERYTHING))
    check_agreement(model, range(6), threads=2)
    counts = event_counts(model, range(6))
    seen = Counter({k: int(n > 0) for k, n in counts.items()})
    for result in run_batch(model, range(6)):
        seen.update(_features(model, [result]))
    seen.update(_repair_features(model, run_raw_batch(model, range(6))))
    # Its GPU stage has a fallback, so no shot fails there, and its reviews name their
    # stage: generated scenarios cover those (and the origin scenario below).
    expected = [*counts, *(f for f in FEATURES if f not in ("failed shot", *ORIGIN_FEATURES))]
    missed = [name for name in expected if seen[name] == 0]
    assert not missed, f"the feature scenario never exercised {missed}"


def _with_rework_to_origin() -> dict[str, Any]:
    """The feature scenario with a second GPU stage that leaves defects, between its two
    reviews, and its last review sending shots back to where their defect was made."""
    stages = dict(EVERYTHING["shot_stages"])
    grade = {
        "kind": "gpu",
        "options": [{"pool": "h100", "seconds_per_frame": 4}],
        "failure_probability": 0.1,
        "defect_probability": 0.4,
    }
    look = {**stages["look"], "rework_to": "origin", "catch_probability": 0.9}
    shot_stages = {"gen": stages["gen"], "qc": stages["qc"], "grade": grade, "look": look}
    return {**EVERYTHING, "name": "origin", "shot_stages": shot_stages}


def test_rework_to_origin_agrees_and_goes_where_the_defect_was_made() -> None:
    model = compile_season(load_document(_with_rework_to_origin()))
    check_agreement(model, range(6), threads=2)
    seen: Counter[str] = Counter()
    targets: Counter[int] = Counter()
    for rep in range(6):
        log: list[TraceEvent] = []
        run_replication(model, rep, trace=log)
        kernel = trace_replication(model, rep)
        ref, ker = _per_instant(log), _per_instant(kernel)
        assert ref == ker, f"replication {rep}"
        targets.update(e.back_to for e in log if e.kind == TraceKind.REWORK and e.stage == 3)
        seen.update(_features(model, run_batch(model, range(rep, rep + 1))))
    # look sends a shot with gen's defect to gen, one with only grade's defect or a note
    # (its rework_to without a defect: grade, the last GPU stage before it) to grade.
    assert model.shot_stages[3].rework_to == 2
    assert set(targets) == {0, 2}
    assert all(seen[name] > 0 for name in ORIGIN_FEATURES), seen


def _per_instant(trace: list[TraceEvent]) -> dict[float, Counter[TraceEvent]]:
    instants: dict[float, Counter[TraceEvent]] = {}
    for event in trace:
        instants.setdefault(event.time, Counter())[event] += 1
    return instants


@pytest.mark.parametrize("rep", range(3))
def test_the_kernel_trace_is_the_reference_trace(rep: int) -> None:
    # Instant by instant the same entries; within an instant the reference logs an
    # interruption when SimPy delivers it, after the round, so order is not compared.
    model = compile_season(load_document(EVERYTHING))
    log: list[TraceEvent] = []
    run_replication(model, rep, trace=log)
    kernel = trace_replication(model, rep)
    assert len(kernel) == len(log)
    # Every kind of event is compared (its GPU stage has a fallback: no shot fails).
    assert {e.kind for e in log} == set(TraceKind) - {TraceKind.SHOT_FAILED}
    ref, ker = _per_instant(log), _per_instant(kernel)
    for t in sorted(set(ref) | set(ker)):
        assert ref.get(t) == ker.get(t), f"at {t!r} h"


# --- generated scenarios ----------------------------------------------------------------

# Features the agreement must cover. The generated scenarios must hit every event class,
# every tie kind and the CORE features; the rarer interruptions, overtime, repairs by a
# repair team and repairs paused at a shift end are forced by the feature scenario above,
# and a rework to a defect's origin before the stage a note goes to by the origin scenario
# (all reported for the generated ones).
FEATURES = (
    "gang",
    "rework",
    "gpu failure",
    "preemption",
    "failed shot",
    "overtime",
    "interrupt:Preempted",
    "interrupt:ShiftEnded",
    "interrupt:GpuFailed",
    "rework to origin",
    "rework to an earlier origin",
    "repair by a crew",
    "repair queued",
    "repair by a team",
    "repair paused at a shift end",
)
CORE = (
    "gang",
    "rework",
    "gpu failure",
    "preemption",
    "failed shot",
    "rework to origin",
    "repair by a crew",
    "repair queued",
)
# A review with ``rework_to: origin`` sent a shot back; and sent it to a stage before the
# one a note goes to (so the stage came from the shot's defect flags).
ORIGIN_FEATURES = ("rework to origin", "rework to an earlier origin")


def _features(model: SeasonModel, results: list[ReplicationResult]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for r in results:
        seen["rework"] += sum(r.reworks) > 0
        seen["gpu failure"] += r.gpu_failures > 0
        seen["preemption"] += r.preemptions > 0
        seen["failed shot"] += sum(r.failed) > 0
        seen["overtime"] += sum(r.cost["overtime"]) > 0
    for e in trace_replication(model, results[0].replication):
        if e.kind == TraceKind.START and e.resource is not None and e.gang is not None:
            seen["gang"] += e.resource.kind == Resource.POOL and e.gang > 1
        if e.kind == TraceKind.INTERRUPTED and e.cause is not None:
            seen["interrupt:" + e.cause.value] += 1
        if e.kind == TraceKind.REWORK and e.stage is not None and e.back_to is not None:
            review = model.shot_stages[e.stage]
            seen["rework to origin"] += review.rework_to_origin
            seen["rework to an earlier origin"] += review.rework_to_origin and (
                e.back_to < review.rework_to
            )
    return seen


def _repair_features(model: SeasonModel, raws: list[RawReplication]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for raw in raws:
        for p in model.pools:
            started = raw.crew_repairs[p.index]
            seen["repair by a crew"] += started > 0
            seen["repair queued"] += raw.repair_wait_hours[p.index] > 0
            seen["repair by a team"] += p.repair_team >= 0 and started > 0
            # Each failure's repair starts once, unless it paused and started again.
            seen["repair paused at a shift end"] += started > raw.gpu_failures[p.index]
    return Counter({name: min(n, 1) for name, n in seen.items()})


def test_generated_scenarios_agree() -> None:
    """200 generated scenarios (a fixed set, so that what they exercise is a fact)."""
    seen: Counter[str] = Counter()

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios())
    def agree(scenario: Any) -> None:
        model = compile_season(scenario)
        reps = range(min(model.replications, 2))
        kernel = run_batch(model, reps, threads=1)
        raws = run_raw_batch(model, reps, threads=1)
        for rep, ker in zip(reps, raws, strict=True):
            assert_agree(model, run_raw(model, rep), ker)
        seen.update({k: int(n > 0) for k, n in event_counts(model, reps, threads=1).items()})
        seen.update({k: int(n > 0) for k, n in _features(model, kernel).items()})
        seen.update(_repair_features(model, raws))

    agree()
    report = ", ".join(f"{name} {n}" for name, n in sorted(seen.items()))
    print(f"\nscenarios exercising each event class, tie kind and feature: {report}")
    expected = [*EVENT_CLASSES, *TIE_KINDS, *CORE]
    missed = [name for name in expected if seen[name] == 0]
    assert not missed, f"no generated scenario exercised {missed}"


@pytest.mark.slow
def test_many_more_generated_scenarios_agree() -> None:
    """Random exploration: larger seasons, new examples on every run."""

    @settings(
        max_examples=1000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios(max_episodes=4, max_shots=25))
    def agree(scenario: Any) -> None:
        model = compile_season(scenario)
        check_agreement(model, range(min(model.replications, 3)))

    agree()


# --- runs from a starting state ---------------------------------------------------------

STATUS_COLUMNS = ("episode", "shot", "status", "stage", "pass", "attempt", "frames", "at", "amount")


def _from_trace(scenario: Any, model: SeasonModel, now: float) -> SeasonModel:
    """The model restarted at ``now`` from where replication 0 of the reference stood."""
    trace: list[TraceEvent] = []
    run_replication(model, 0, trace=trace)
    rows = status_from_trace(model, scenario.calendar, trace, now)
    lines = [",".join(STATUS_COLUMNS)]
    lines += [",".join(row.get(c, "") for c in STATUS_COLUMNS) for row in rows]
    state = parse_status("\n".join(lines) + "\n", "status.csv", model, scenario.calendar, now)
    return with_start(model, state)


@pytest.mark.parametrize(
    ("name", "days", "n"),
    [
        ("demo", 0.0, 4),
        ("demo", 1.25, 4),
        ("demo", 2.5, 4),
        ("demo", 5.0, 4),
        ("demo", 15.0, 2),
        ("season-full-auto", 60.0, 1),
    ],
)
def test_runs_from_a_starting_state_agree(name: str, days: float, n: int) -> None:
    scenario = load_scenario(SCENARIOS[[p.stem for p in SCENARIOS].index(name)])
    model = _from_trace(scenario, compile_season(scenario), days * 24.0)
    check_agreement(model, range(n), threads=2)


def test_generated_runs_from_a_starting_state_agree() -> None:
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios(), st.floats(0.0, 0.9))
    def agree(scenario: Any, fraction: float) -> None:
        model = compile_season(scenario)
        restarted = _from_trace(scenario, model, fraction * model.horizon)
        check_agreement(restarted, range(min(model.replications, 2)))

    agree()


# --- the batch itself -------------------------------------------------------------------


@pytest.fixture(scope="module")
def season() -> SeasonModel:
    return compile_season(
        load_scenario(SCENARIOS[[p.stem for p in SCENARIOS].index("season-full-auto")])
    )


def test_results_do_not_depend_on_threads_or_batches(season: SeasonModel) -> None:
    reps = range(10, 22)
    one = run_batch(season, reps, threads=1)
    assert run_batch(season, reps, threads=2) == one
    assert run_batch(season, reps, threads=5) == one
    split = run_batch(season, range(10, 13), threads=2) + run_batch(
        season, range(13, 22), threads=3
    )
    assert split == one
    backwards = run_batch(season, reversed(reps), threads=2)
    assert backwards[::-1] == one


def test_results_do_not_depend_on_the_first_heap_size(season: SeasonModel) -> None:
    # A heap of 16 events is far too small: every replication fills it and runs again
    # with twice the room, until it fits.
    assert run_batch(season, range(3), threads=2, heap_capacity=16) == run_batch(
        season, range(3), threads=2
    )


def test_results_do_not_depend_on_the_first_number_of_task_records(
    season: SeasonModel,
) -> None:
    # Records for 8 tasks in progress at once are far too few: every replication runs out
    # and runs again with twice the room, until they suffice; records for every task are
    # the most a replication can need.
    default = run_batch(season, range(3), threads=2)
    assert run_batch(season, range(3), threads=2, task_capacity=8) == default
    assert (
        run_batch(season, range(3), threads=2, task_capacity=season.n_shots + season.n_episodes)
        == default
    )


def test_memory_per_replication_is_known_up_front(season: SeasonModel) -> None:
    packed = pack(season)
    per_rep = scratch_bytes_per_replication(packed)
    assert per_rep == packed.scratch_bytes > 0
    assert packed.output_bytes > 0
    # Scratch grows with the season: about a few hundred bytes per shot.
    assert per_rep < 2000 * season.n_shots


def test_a_batch_too_large_is_refused_before_running(season: SeasonModel) -> None:
    with pytest.raises(UsageError, match=r"needs .* MiB .* only .* MiB are available"):
        run_batch(season, range(1_000_000), threads=2, memory_limit=64 * 1024 * 1024)


def test_a_python_policy_is_refused_by_name(season: SeasonModel) -> None:
    class Shortest:
        def key(self, task: Any) -> float:
            return task.expected_work

    with pytest.raises(UnsupportedError, match="h100-reserved"):
        run_batch(season, range(1), policies={"h100-reserved": Shortest()})


def test_an_empty_batch_is_empty(season: SeasonModel) -> None:
    assert run_batch(season, range(0)) == []


def test_what_the_draw_addresses_cannot_hold_is_refused_with_the_numbers(
    season: SeasonModel,
) -> None:
    # A draw address has 8 bits for a stage: 300 shot stages cannot be addressed.
    crowded = dataclasses.replace(season, shot_stages=season.shot_stages * 60)
    with pytest.raises(UnsupportedError, match=r"at most 256 shot stages .* got 300"):
        pack(crowded)


def test_the_agreement_check_names_the_first_difference(season: SeasonModel) -> None:
    """The check of whole results (two runs of one engine, results read back from disk):
    what must be equal is, what may differ within RELATIVE does, and a difference is
    named. The engines themselves are compared by their raw records
    (tests/test_engine_boundary.py checks how a difference there is named)."""
    ref = run_replication(season, 0)
    same = dataclasses.replace(ref)
    assert result_difference(ref, same) is None
    cost = {k: list(v) for k, v in ref.cost.items()}
    cost["people"][1] *= 1 + 1e-12  # within RELATIVE
    assert result_difference(ref, dataclasses.replace(ref, cost=cost)) is None
    cost["people"][1] = ref.cost["people"][1] + 1.0
    found = result_difference(ref, dataclasses.replace(ref, cost=cost), ("CPU", "GPU"))
    assert found is not None
    assert found.startswith("replication 0: cost['people'][1]: CPU ")
    escaped = [*ref.escaped[:-1], ref.escaped[-1] + 1]
    assert "escaped[" in str(result_difference(ref, dataclasses.replace(ref, escaped=escaped)))
    as_float = dataclasses.replace(ref, events=float(ref.events))
    assert "int" in str(result_difference(ref, as_float))  # a type change is a difference
    nan_twice = dataclasses.replace(ref, delivery=[math.nan] * len(ref.delivery))
    assert result_difference(nan_twice, dataclasses.replace(nan_twice)) is None
