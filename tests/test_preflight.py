"""The pre-flight of ``reelsim validate``, checked against a calculation by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import compile_season, load_scenario, preflight
from simulator.model.preflight import verdict

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"


def test_demo_preflight_matches_the_hand_calculation() -> None:
    check = preflight(compile_season(load_scenario(DEMO)))
    # Review: a shot carries a defect with 0.10 after the model; round k rejects with
    # 0.10 x 0.8 + 0.90 x reject_k: r0 = 0.665, r1 = 0.35; two rounds at most:
    # E[rejections] = r0 + r0 r1 = 0.89775, so both stages are visited 1.89775 times.
    assert check.visits == pytest.approx((1.89775, 1.89775), rel=1e-12)
    loads = {load.name: load for load in check.loads}
    # GPU: setup 2 min + 96 frames x 18.4 s = 0.524 h a visit; attempts 1 + .05 + .0025.
    per_shot = 1.89775 * (2 / 60 + 96 * 18.4 / 3600) * 1.0525
    assert loads["h100"].offered_hours == pytest.approx(48 * per_shot, rel=1e-12)
    # Two GPUs from the first lock (t = 0) to the last deadline, 22 Jan 24:00 = 456 h.
    assert loads["h100"].capacity_hours == 2 * 456.0
    # Demand bound by ep03's deadline is the whole season here.
    assert loads["h100"].worst_deadline == "ep03"
    assert loads["h100"].worst_deadline_utilisation == pytest.approx(48 * per_shot / 912)
    # Reviews: 2 min mean a visit; 14 weekdays of 8 h (18 Jan is a holiday) = 112 h.
    assert loads["supervisors"].offered_hours == pytest.approx(48 * 1.89775 / 30, rel=1e-12)
    assert loads["supervisors"].capacity_hours == 112.0
    # Conform: 6 h an episode, three episodes.
    assert loads["editors"].offered_hours == pytest.approx(18.0, rel=1e-12)
    assert loads["editors"].utilisation == pytest.approx(18.0 / 112.0)
    assert check.verdict == "comfortable"


def test_a_repair_team_is_offered_its_pools_repair_hours() -> None:
    scenario = load_scenario(
        DEMO,
        [
            "pools.h100.failures={time_between_failures_hours: 90, repair_hours: 10}",
            "teams.techs={around_the_clock: 1, hourly_rate: 50}",
            "pools.h100.repair={team: techs}",
        ],
    )
    techs = next(load for load in preflight(compile_season(scenario)).loads if load.name == "techs")
    # Two GPUs over 456 h, each in repair 10 / (90 + 10) of the time; one person around
    # the clock over the same span; no deadline to answer to.
    assert techs.offered_hours == pytest.approx(2 * 456.0 * 0.1, rel=1e-12)
    assert techs.capacity_hours == pytest.approx(456.0)
    assert (techs.worst_deadline, techs.worst_deadline_utilisation) == ("", 0.0)
    assert techs.verdict == "comfortable"  # 20 %


def test_a_smaller_team_shows_as_overloaded() -> None:
    scenario = load_scenario(DEMO, ["episode_stages.conform.hours_per_episode=40"])
    loads = {load.name: load for load in preflight(compile_season(scenario)).loads}
    # 3 x 40 h of conform against 112 h of one editor: over capacity.
    assert loads["editors"].verdict == "overloaded"


@pytest.mark.parametrize(
    ("u", "word"), [(0.5, "comfortable"), (0.7, "tight"), (0.9, "tight"), (0.91, "overloaded")]
)
def test_verdict_thresholds(u: float, word: str) -> None:
    assert verdict(u) == word


ORIGIN = """
name: origin
calendar: {start: 2027-01-04}
shows:
  s:
    episodes: [{name: e1, lock: "0h", deadline: "10d", shots: 4}]
    frames_per_shot: 10
shot_stages:
  plate: {kind: gpu, options: [{pool: gpu, seconds_per_frame: 36}], defect_probability: 0.2}
  render: {kind: gpu, options: [{pool: gpu, seconds_per_frame: 36}], defect_probability: 0.5}
  qc:
    kind: review
    team: sup
    minutes_per_shot: 6
    catch_probability: 1
    reject_probability: 0.5
    max_rounds: 1
    rework_to: TARGET
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
teams:
  sup: {around_the_clock: 1, hourly_rate: 10}
"""


def test_rework_to_origin_repeats_only_the_stages_after_where_the_defect_was_made(
    tmp_path: Path,
) -> None:
    def visits(target: str) -> tuple[float, ...]:
        path = tmp_path / f"{target}.yaml"
        path.write_text(ORIGIN.replace("TARGET", target))
        return preflight(compile_season(load_scenario(path))).visits

    # A shot is clean at qc with 0.8 x 0.5 = 0.4: one round rejects 0.6 x 1 + 0.4 x 0.5 =
    # 0.8 times a shot. To plate, every rejection repeats all three stages.
    assert visits("plate") == pytest.approx((1.8, 1.8, 1.8), rel=1e-12)
    # To origin: of the 0.8, the catches (0.6) go to plate when its defect came first (0.2
    # of 0.6: a third) and to render otherwise; the notes (0.2) to render, the last GPU
    # stage before qc. Back to plate 0.2, to render 0.6: plate 1.2, render and qc 1.8.
    assert visits("origin") == pytest.approx((1.2, 1.8, 1.8), rel=1e-12)
