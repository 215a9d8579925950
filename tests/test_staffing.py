"""Staffing: the cheapest configuration under a target risk, found without a blind grid.

The scenarios here have answers known by construction: deterministic frames, model speeds
and review times, all shots released at lock, so that with k GPUs the episode is delivered
after ⌈24 / k⌉ rounds of 9.5 hours, on time (48 h) exactly when k >= 5.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.analytic import erlang_b, servers_for_service_level, square_root_staffing
from simulator.cli.commands import main
from simulator.planning.points import Vary
from simulator.planning.staffing import Dimension, analytic_estimate, cost_risk_frontier, staff
from simulator.planning.sweeps import sweep
from simulator.results.work import Work

KNOWN = """
name: known-answer
calendar:
  start: 2027-01-04
shows:
  s:
    frames_per_shot: {dist: constant, value: 1}
    episodes:
      - {name: ep01, lock: "0h", deadline: "48h", shots: 24}
shot_stages:
  render:
    kind: gpu
    options:
      - pool: gpu
        seconds_per_frame: {dist: constant, value: 34200}   # 9.5 hours a shot
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2.0}
penalties: {late_per_day: 1000}
run: {seed: 7, replications: 80, horizon: "30d"}
"""

# Two capacities that trade off: GPUs make shots (4 h each), reviewers look at each
# (90 min). With 2 GPUs the last shots come at 24 h and one reviewer, behind by then,
# finishes at 27 h: late; two reviewers finish at 25.5 h. With 3 GPUs one reviewer keeps
# up (22.5 h). Reviewers are cheap, so 2 GPUs and 2 reviewers is the answer, not a corner.
TWO = """
name: two-dimensions
calendar:
  start: 2027-01-04
shows:
  s:
    frames_per_shot: {dist: constant, value: 1}
    episodes:
      - {name: ep01, lock: "0h", deadline: "26h", shots: 12}
shot_stages:
  render:
    kind: gpu
    options:
      - pool: gpu
        seconds_per_frame: {dist: constant, value: 14400}
  look:
    kind: review
    team: reviewers
    minutes_per_shot: {dist: constant, value: 90}
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 3.0}
teams:
  reviewers: {around_the_clock: 1, hourly_rate: 1.0}
penalties: {late_per_day: 1000}
run: {seed: 3, replications: 80, horizon: "30d"}
"""


@pytest.fixture
def known(tmp_path: Path) -> Path:
    path = tmp_path / "known.yaml"
    path.write_text(KNOWN)
    return path


def test_the_analytic_formulas_staffing_starts_from_match_reference_values() -> None:
    # 100 arrivals per 30 minutes, 3-minute handling, 80 % answered within 20 s: 14.
    assert servers_for_service_level(100 / 1800, 180.0, 0.8, 20.0) == 14
    assert erlang_b(10, 10.0) == pytest.approx(0.214582, abs=5e-7)
    assert square_root_staffing(100.0, 1.0, 1.0) == 110


def test_the_estimate_starts_above_the_work_that_fits_on_paper(known: Path) -> None:
    estimate = analytic_estimate(known, Dimension("pools.gpu.gpus", tuple(range(1, 13))), 0.05)
    # 24 shots × 9.5 h in a 48 h window: 4.75 GPUs busy, so 5 fit on paper.
    assert estimate.offered_erlangs == pytest.approx(4.75)
    assert estimate.floor == 5
    # Square-root staffing: 4.75 + 1.645·√4.75 = 8.3 → 9.
    assert estimate.start == 9
    assert 0.0 < (estimate.wait_probability or 0.0) < 1.0


def test_staff_finds_the_answer_known_by_construction(known: Path, tmp_path: Path) -> None:
    result = staff(known, ["pools.gpu.gpus=1:12"], target_risk=0.05, out=tmp_path / "out")
    assert result.chosen is not None
    assert result.values(result.chosen) == {"pools.gpu.gpus": 5}
    assert result.chosen.p_any_miss.high < 0.05
    [cheaper] = result.cheaper_neighbours
    assert result.values(cheaper) == {"pools.gpu.gpus": 4}
    assert cheaper.p_any_miss.high >= 0.05
    # Not a blind grid: the monotone search simulates fewer than the 12 configurations.
    assert result.configurations_simulated < result.grid_size == 12
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["chosen"]["values"] == {"pools.gpu.gpus": 5}
    assert summary["configurations_simulated"] == result.configurations_simulated
    assert (tmp_path / "out" / "frontier.png").stat().st_size > 0


def test_staff_in_two_dimensions_agrees_with_the_whole_grid(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(TWO)
    vary = ["pools.gpu.gpus=1:6", "teams.reviewers.around_the_clock=1:4"]
    result = staff(path, vary, target_risk=0.05, out=tmp_path / "staff", plots=False)
    grid = sweep(path, vary, out=tmp_path / "grid", plots=False).points
    feasible = grid[grid["p_any_miss_high"] < 0.05]
    best = feasible.sort_values("cost_mean").iloc[0]
    assert result.chosen is not None
    assert result.values(result.chosen) == {
        "pools.gpu.gpus": best["pools.gpu.gpus"],
        "teams.reviewers.around_the_clock": best["teams.reviewers.around_the_clock"],
    }
    assert result.values(result.chosen) == {
        "pools.gpu.gpus": 2,
        "teams.reviewers.around_the_clock": 2,
    }
    assert result.configurations_simulated < len(grid)
    for neighbour in result.cheaper_neighbours:
        assert neighbour.p_any_miss.high >= 0.05


def test_the_frontier_holds_no_dominated_configuration(known: Path, tmp_path: Path) -> None:
    result = staff(known, ["pools.gpu.gpus=1:12"], target_risk=0.05, out=tmp_path, plots=False)
    frontier = cost_risk_frontier(result.simulated)
    for f in frontier:
        for other in result.simulated:
            better_cost = other.cost_mean.estimate <= f.cost_mean.estimate
            better_risk = other.p_any_miss.estimate <= f.p_any_miss.estimate
            strictly = (
                other.cost_mean.estimate < f.cost_mean.estimate
                or other.p_any_miss.estimate < f.p_any_miss.estimate
            )
            assert not (better_cost and better_risk and strictly)


def test_too_few_replications_to_show_the_target_is_refused(known: Path, tmp_path: Path) -> None:
    from simulator.errors import UsageError

    with pytest.raises(UsageError, match="use at least 73"):
        staff(
            known, ["pools.gpu.gpus=1:12"], target_risk=0.05, out=tmp_path,
            work=Work(replications=20),
        )  # fmt: skip


def test_staffing_needs_whole_numbers() -> None:
    from simulator.errors import UsageError

    with pytest.raises(UsageError, match="whole numbers"):
        Dimension.from_vary(Vary.parse("pools.gpu.gpus=0.5:1.5:0.5"))


def test_the_staff_command(known: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["staff", str(known), "--target-risk", "0.05", "--vary", "pools.gpu.gpus=1:12"]
    assert main([*argv, "--out", str(tmp_path), "--no-plots"]) == 0
    out = capsys.readouterr()
    assert "cheapest with P(any miss) under 5.0%: pools.gpu.gpus=5" in out.out
    assert "of 12 configurations simulated" in out.err
    assert main(["staff", str(known), "--target-risk", "0.05", "--vary", "pools.gpu.gpus=1:x"]) == 2
