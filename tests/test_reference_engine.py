"""The reference engine on seasons small enough to work out by hand.

Each test states a tiny scenario in the scenario language and the timeline it must
produce; the numbers in the assertions are worked out in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulator import compile_season, load_scenario
from simulator.engines.reference.engine import run_replication
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent, TraceKind
from simulator.model.season import SeasonModel
from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario

BASE = """
name: t
calendar: {start: 2027-01-04}   # a Monday
shows:
  s:
    episodes:
      - {name: e1, lock: "0h", deadline: "10d", shots: 3}
    frames_per_shot: 10
shot_stages:
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}]   # 10 frames x 360 s = 1 h
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
run: {horizon: "30d", seed: 1}
"""


def model_of(text: str) -> SeasonModel:
    data, positions = load_yaml(text, "<test>")
    return compile_season(parse_scenario(data, positions, source="<test>", base_dir=Path(".")))


def run(text: str, **kwargs: object) -> ReplicationResult:
    return run_replication(model_of(text), 0, **kwargs)  # type: ignore[arg-type]


def starts(trace: list[TraceEvent]) -> list[tuple[float, int | None]]:
    return [(e.time, e.task) for e in trace if e.kind == TraceKind.START]


def test_one_gpu_serves_shots_one_after_another() -> None:
    r = run(BASE)
    assert r.delivery == [3.0]
    assert r.attempts == [3]
    # Reserved GPUs are paid to the season end (the latest deadline, 10 days).
    assert r.cost["reserved_gpu"] == [1 * 2.0 * 240.0]
    assert r.busy_hours["pool:gpu"] == 3.0


def test_a_gang_waits_for_enough_free_units_and_takes_the_lowest() -> None:
    text = BASE.replace("gpus: 1,", "gpus: 3,").replace(
        "{pool: gpu, seconds_per_frame: 360}", "{pool: gpu, gang: 2, seconds_per_frame: 360}"
    )
    r = run(text)
    # One gang of 2 at a time on 3 GPUs: shots at [0,1], [1,2], [2,3].
    assert r.delivery == [3.0]
    assert r.busy_hours["pool:gpu"] == 6.0


def test_attempts_run_out_without_a_fallback_the_shot_fails() -> None:
    text = (
        BASE.replace(
            "options: [{pool: gpu, seconds_per_frame: 360}]",
            "options: [{pool: gpu, seconds_per_frame: 360}]\n    failure_probability: 1\n"
            "    max_attempts: 2",
        )
        + "penalties: {failed_shot: 100}\n"
    )
    r = run(text)
    # Every attempt fails after holding the GPU for its hour: 3 shots x 2 attempts.
    assert r.attempts == [6]
    assert r.failed == [3]
    assert r.delivery == [6.0]  # failed shots do not block the episode
    assert r.cost["failed_shots"] == [300.0]


def test_a_fallback_team_takes_over_when_attempts_run_out() -> None:
    text = (
        BASE.replace(
            "options: [{pool: gpu, seconds_per_frame: 360}]",
            "options: [{pool: gpu, seconds_per_frame: 360}]\n    failure_probability: 1\n"
            "    max_attempts: 2\n    fallback: {team: artists, minutes_per_shot: 30}",
        )
        + "teams:\n  artists: {around_the_clock: 1, hourly_rate: 10}\n"
    )
    trace: list[TraceEvent] = []
    r = run(text, trace=trace)
    # FIFO by arrival at the queue: the retries (arrived at 1, 2, 3) queue behind the
    # first attempts (arrived at 0): GPU [0,1] s0, [1,2] s1, [2,3] s2, [3,4] s0, [4,5] s1,
    # [5,6] s2; artists [4,4.5] s0, [5,5.5] s1, [6,6.5] s2.
    assert starts(trace) == [
        (0.0, 0),
        (1.0, 1),
        (2.0, 2),
        (3.0, 0),
        (4.0, 1),
        (4.0, 0),
        (5.0, 2),
        (5.0, 1),
        (6.0, 2),
    ]
    assert r.delivery == [6.5]
    assert r.failed == [0]


def test_a_review_that_always_rejects_stops_after_max_rounds() -> None:
    text = (
        BASE.replace("shots: 3", "shots: 1")
        + """teams:
  sup: {around_the_clock: 1, hourly_rate: 10}
"""
    ).replace(
        "pools:",
        """  review:
    kind: review
    team: sup
    minutes_per_shot: 6
    reject_probability: 1
    max_rounds: 2
    rework_to: render
pools:""",
    )
    r = run(text)
    # render [0,1] review [1,1.1] reject; render [1.1,2.1] review [2.1,2.2] reject;
    # render [2.2,3.2] review [3.2,3.3]: two rounds used, approved as it is.
    assert r.delivery == [pytest.approx(3.3, rel=1e-12)]
    assert r.reworks == [2]
    assert r.attempts == [3]


REVIEW_ON_SHIFTS = """
  review:
    kind: review
    team: sup
    minutes_per_shot: {minutes}
pools:"""

TEAM_ON_SHIFTS = """teams:
  sup:
    shifts: [{{start: "09:00", end: "17:00", people: 1}}]
    hourly_rate: 50
    overtime_rate: 75
    max_overtime: 2h
"""


def shift_scenario(render_seconds_per_frame: float, review_minutes: float) -> str:
    text = BASE.replace("shots: 3", "shots: 1").replace(
        "seconds_per_frame: 360", f"seconds_per_frame: {render_seconds_per_frame}"
    )
    text = text.replace("pools:", REVIEW_ON_SHIFTS.format(minutes=review_minutes))
    return text + TEAM_ON_SHIFTS.format()


def test_people_start_work_only_on_shift() -> None:
    r = run(shift_scenario(360, 60))
    # The render ends at 01:00 Monday; the reviewer starts at 09:00 for an hour.
    assert r.delivery == [10.0]
    assert r.waits["team:sup"] == (1, 8.0)


def test_a_task_in_hand_at_shift_end_is_finished_in_overtime() -> None:
    r = run(shift_scenario(5940, 60))
    # Render 10 x 5940 s = 16.5 h: review 16:30-17:30, half an hour of overtime at 75/h.
    assert r.delivery == [17.5]
    assert math.fsum(r.cost["overtime"]) == pytest.approx(37.5, rel=1e-12)


def test_a_task_with_more_than_max_overtime_left_pauses_to_the_next_shift() -> None:
    r = run(shift_scenario(5760, 300))
    # Render 16 h; review of 5 h starts 16:00, 4 h left at 17:00 > 2 h allowed: paused,
    # resumed Tuesday 09:00 (33 h) with 4 h left: delivered at 37 h, no overtime.
    assert r.delivery == [37.0]
    assert math.fsum(r.cost["overtime"]) == 0.0


def test_a_cloud_unit_is_provisioned_billed_and_closed_at_the_end() -> None:
    text = BASE.replace("shots: 3", "shots: 1").replace(
        "gpu: {gpus: 1, price_per_gpu_hour: 2}",
        "gpu: {kind: on_demand, gpus: 2, price_per_gpu_hour: 3, provisioning_delay: 30m,"
        " idle_timeout: 1h, billing_increment: 1m, billing_minimum: 1m}",
    )
    r = run(text)
    # Lease at 0, ready at 0.5, work [0.5, 1.5]; the run ends with the delivery at 1.5 and
    # closes the open lease: 1.5 h x 3 USD.
    assert r.delivery == [1.5]
    assert math.fsum(r.cost["cloud_gpu"]) == pytest.approx(4.5, rel=1e-12)
    assert math.fsum(r.cost["reserved_gpu"]) == 0.0


def test_a_completion_and_a_failure_at_the_same_instant_completion_goes_first() -> None:
    text = BASE.replace(
        "gpu: {gpus: 1, price_per_gpu_hour: 2}",
        "gpu:\n    gpus: 1\n    price_per_gpu_hour: 2\n    failures:\n"
        "      time_between_failures_hours: 2\n      repair_hours: 1",
    )
    r = run(text)
    # [0,1] s0, [1,2] s1 completes at 2.0 exactly when the GPU fails: completions come
    # first in an instant, so s1 is done; the GPU is down [2,3]; s2 runs [3,4].
    assert r.delivery == [4.0]
    assert r.gpu_failures == 1


def test_a_failure_loses_the_work_in_flight_but_not_the_attempt() -> None:
    text = BASE.replace(
        "gpu: {gpus: 1, price_per_gpu_hour: 2}",
        "gpu:\n    gpus: 1\n    price_per_gpu_hour: 2\n    failures:\n"
        "      time_between_failures_hours: 1.5\n      repair_hours: 1",
    )
    r = run(text)
    # s0 [0,1]; s1 [1,1.5) lost at the failure, GPU down to 2.5, s1 again [2.5,3.5];
    # next failure at 4.0 takes s2 [3.5,4.0); down to 5; s2 again [5,6].
    assert r.delivery == [6.0]
    assert r.gpu_failures == 2
    assert r.attempts == [3]


POLICY_SEASON = """
name: policies
calendar: {start: 2027-01-04}
shows:
  s:
    episodes:
      - {name: a, lock: "0h", deadline: "5d", shots: 1, priority: 3, frames_per_shot: 300}
      - {name: b, lock: "0h", deadline: "3d", shots: 1, priority: 1, frames_per_shot: 10}
      - {name: c, lock: "0h", deadline: "4d", shots: 1, priority: 2, frames_per_shot: 20}
shot_stages:
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}]
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
policy: {queue: POLICY}
run: {horizon: "30d"}
"""


@pytest.mark.parametrize(
    ("policy", "order"),
    [
        ("fifo", [0, 1, 2]),  # equal arrivals: task id (file order)
        ("edf", [1, 2, 0]),  # deadlines 3d, 4d, 5d
        ("priority", [0, 2, 1]),  # priorities 3, 2, 1: larger first
        ("sjf", [1, 2, 0]),  # 1 h, 2 h, 30 h
        ("least_slack", [1, 0, 2]),  # slack 72-1=71, 120-30=90, 96-2=94
        ("{deadline: 1, expected_work: 2}", [1, 2, 0]),  # 74, 100, 180
    ],
)
def test_each_policy_orders_a_queue_as_it_says(policy: str, order: list[int]) -> None:
    trace: list[TraceEvent] = []
    run(POLICY_SEASON.replace("POLICY", policy), trace=trace)
    assert [task for _, task in starts(trace)] == order


def test_the_same_seed_gives_the_same_replication_and_another_seed_another() -> None:
    model = compile_season(load_scenario(Path(__file__).parents[1] / "scenarios" / "demo.yaml"))
    a, b = run_replication(model, 3), run_replication(model, 3)
    assert a == b
    assert run_replication(model, 4).frames != a.frames


def test_a_cloud_budget_counts_cloud_spend_only() -> None:
    text = (
        BASE.replace("shots: 3", "shots: 2")
        .replace('lock: "0h"', 'lock: "10h"')
        .replace(
            "options: [{pool: gpu, seconds_per_frame: 360}]",
            "options: [{pool: gpu, seconds_per_frame: 360}, {pool: cloud, seconds_per_frame: 360}]",
        )
        .replace(
            "gpu: {gpus: 1, price_per_gpu_hour: 2}",
            "gpu: {gpus: 1, price_per_gpu_hour: 100}\n"
            "  cloud: {kind: on_demand, gpus: 1, price_per_gpu_hour: 3, billing_increment: 1m}",
        )
        + "policy: {burst: {budget_usd: 50}}\n"
    )
    r = run(text)
    # At 10 h the reserved GPU has cost 1,000 USD, far over the cloud budget of 50, but a
    # budget is for cloud spend: the second shot still gets a cloud unit at once.
    assert r.delivery == [11.0]
    assert math.fsum(r.cost["cloud_gpu"]) == pytest.approx(1.0 * 3.0)


ORIGIN_SEASON = """
name: origin
calendar: {start: 2027-01-04}
shows:
  s:
    episodes:
      - {name: e1, lock: "0h", deadline: "10d", shots: 1}
    frames_per_shot: 10
shot_stages:
  plate:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}]   # 10 frames x 360 s = 1 h
    defect_probability: PLATE_DEFECT
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}]   # 1 h
    defect_probability: RENDER_DEFECT
  qc:
    kind: review
    team: sup
    minutes_per_shot: 6
    catch_probability: 1
    reject_probability: NOTE
    max_rounds: 2
    rework_to: TARGET
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
teams:
  sup: {around_the_clock: 1, hourly_rate: 10}
run: {horizon: "30d", seed: 1}
"""


def origin_season(target: str, plate: float = 0.0, render: float = 1.0, note: float = 0.0) -> str:
    return (
        ORIGIN_SEASON.replace("TARGET", target)
        .replace("PLATE_DEFECT", str(plate))
        .replace("RENDER_DEFECT", str(render))
        .replace("NOTE", str(note))
    )


def passes_by_stage(text: str) -> tuple[ReplicationResult, dict[str, int]]:
    trace: list[TraceEvent] = []
    r = run(text, trace=trace)
    names = [st.name for st in model_of(text).shot_stages]
    counted = dict.fromkeys(names, 0)
    for e in trace:
        if e.kind == TraceKind.START and e.stage is not None and e.stage < len(names):
            counted[names[e.stage]] += 1
    return r, counted


def test_rework_to_origin_redoes_only_the_stage_that_left_the_defect() -> None:
    # Every render leaves a defect, the plate never does, qc catches every defect and has
    # two rounds. To origin: plate [0,1], render [1,2], qc [2,2.1] caught, back to render
    # [2.1,3.1], qc [3.1,3.2] caught, render [3.2,4.2], qc [4.2,4.3] approved as it is.
    r, passes = passes_by_stage(origin_season("origin"))
    assert passes == {"plate": 1, "render": 3, "qc": 3}
    assert r.delivery == [pytest.approx(4.3, rel=1e-12)]
    assert (r.reworks, r.caught, r.escaped) == ([2], [2], [1])
    # To the first stage: each catch redoes the plate too, an hour more per round: [0,1]
    # [1,2] [2,2.1]; [2.1,3.1] [3.1,4.1] [4.1,4.2]; [4.2,5.2] [5.2,6.2] [6.2,6.3].
    r, passes = passes_by_stage(origin_season("plate"))
    assert passes == {"plate": 3, "render": 3, "qc": 3}
    assert r.delivery == [pytest.approx(6.3, rel=1e-12)]
    assert (r.reworks, r.caught, r.escaped) == ([2], [2], [1])


def test_rework_to_origin_goes_to_the_earliest_defect_and_a_note_to_the_last_gpu_stage() -> None:
    # Both stages leave a defect: the plate's is the earliest, so to origin is to plate.
    both = origin_season("origin", plate=1.0)
    assert passes_by_stage(both)[1] == {"plate": 3, "render": 3, "qc": 3}
    assert run(both).delivery == run(origin_season("plate", plate=1.0)).delivery
    # No defect at all, a note every round: the rework goes to render, the last GPU stage
    # before qc, as to origin with only render's defect (same timeline, no catch).
    r, passes = passes_by_stage(origin_season("origin", render=0.0, note=1.0))
    assert passes == {"plate": 1, "render": 3, "qc": 3}
    assert r.delivery == [pytest.approx(4.3, rel=1e-12)]
    assert (r.reworks, r.caught, r.escaped) == ([2], [0], [0])
