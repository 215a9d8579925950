"""Properties of the reference engine that hold for every scenario.

Scenarios come from ``simulator.testing.strategies``; the invariant checks from
``simulator.testing.invariants`` run at the end of every round of every replication.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import compile_season
from simulator.engines.reference.engine import run_replication
from simulator.engines.trace import TraceEvent, TraceKind
from simulator.scenario.schema import Scenario
from simulator.testing import scenario_documents, scenarios
from simulator.testing.invariants import check_result, check_round
from simulator.testing.strategies import load_document


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_invariants_hold_in_every_round_and_at_the_end(scenario: Scenario) -> None:
    model = compile_season(scenario)
    result = run_replication(model, 0, on_round=check_round)
    check_result(model, result)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_the_same_seed_and_replication_give_the_same_result(scenario: Scenario, rep: int) -> None:
    model = compile_season(scenario)
    assert run_replication(model, rep) == run_replication(model, rep)


def _first_starts(trace: list[TraceEvent]) -> dict[int | None, tuple[Any, ...]]:
    """Each task's first start: its stage, where it ran (resource and gang), its duration."""
    first: dict[int | None, tuple[Any, ...]] = {}
    for e in trace:
        if e.kind == TraceKind.START:
            first.setdefault(e.task, (e.stage, (e.resource, e.gang), e.hours))
    return first


@settings(max_examples=60, deadline=None)
@given(scenario_documents(), st.integers(1, 3))
def test_resizing_a_pool_leaves_every_other_draw_unchanged(document: dict, extra: int) -> None:
    """Common random numbers: the frames of every shot and the duration of each shot's
    first task do not depend on how many GPUs a pool has."""
    name = next(iter(document["pools"]))
    pools = dict(document["pools"])
    pools[name] = {**pools[name], "gpus": pools[name]["gpus"] + extra}
    models = [compile_season(load_document(d)) for d in (document, {**document, "pools": pools})]
    traces: list[list[TraceEvent]] = [[], []]
    results = [run_replication(m, 0, trace=t) for m, t in zip(models, traces, strict=True)]
    assert results[0].frames == results[1].frames
    small, large = (_first_starts(t) for t in traces)
    for task in small.keys() & large.keys():
        if small[task][:2] == large[task][:2]:  # same stage, same option
            assert small[task] == large[task]


SINGLE_SERVER = """
name: one-server
calendar: {start: 2027-01-04}
shows:
  s:
    episodes: EPISODES
    frames_per_shot: {dist: exponential, mean: 20}
shot_stages:
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: {dist: lognormal, median: 300, sigma: 0.5}}]
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
policy: {queue: POLICY}
run: {horizon: "400d", seed: SEED}
"""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10), st.integers(1, 30)), min_size=1, max_size=5),
    st.integers(0, 1000),
)
def test_edf_never_has_a_larger_maximum_lateness_than_fifo(
    episodes: list[tuple[int, int]], seed: int
) -> None:
    """Jackson's rule: on one server with every job available at once, serving by
    earliest deadline minimises the maximum lateness, so EDF is never worse than FIFO."""
    from pathlib import Path

    from simulator.scenario import load_yaml
    from simulator.scenario.load import parse_scenario

    listed = ", ".join(
        f'{{name: e{k}, lock: "0h", deadline: "{d}d", shots: {n}}}'
        for k, (n, d) in enumerate((n, d) for n, d in episodes)
    )
    worst = {}
    for policy in ("fifo", "edf"):
        text = (
            SINGLE_SERVER.replace("EPISODES", f"[{listed}]")
            .replace("POLICY", policy)
            .replace("SEED", str(seed))
        )
        data, positions = load_yaml(text, "<test>")
        model = compile_season(parse_scenario(data, positions, source="<test>", base_dir=Path(".")))
        r = run_replication(model, 0)
        worst[policy] = max(r.delivery[ep.index] - ep.deadline for ep in model.episodes)
    assert worst["edf"] <= worst["fifo"] + 1e-9


@given(
    st.lists(
        st.tuples(st.floats(0.0, 5000.0, allow_nan=False), st.integers(0, 40)),
        min_size=1,
        max_size=60,
    ),
    st.lists(st.floats(-10.0, 6000.0, allow_nan=False), min_size=1, max_size=20),
)
def test_scheduled_person_hours_is_the_step_by_step_sum_to_the_bit(
    steps: list[tuple[float, int]], untils: list[float]
) -> None:
    """Both engines cost people and report their availability from
    ``TeamModel.scheduled_person_hours``; it must equal adding the head-count steps one by
    one, to the last bit, wherever ``until`` falls (on a step's start included)."""
    from simulator.model.season import IndexWeights, TeamModel

    headcount = tuple(sorted(steps))
    team = TeamModel(0, "t", headcount, 40, 50.0, 75.0, 0.0, IndexWeights())
    for until in [*untils, *(start for start, _ in headcount)]:
        total = 0.0
        for k, (start, n) in enumerate(headcount):
            if start >= until:
                break
            end = headcount[k + 1][0] if k + 1 < len(headcount) else until
            total += n * (min(end, until) - start)
        assert team.scheduled_person_hours(until) == total
