"""Sweeps, staffing searches and comparisons from where the season stands."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from simulator import compile_season, load_scenario
from simulator.calendar import hours_at, parse_moment
from simulator.cli.commands import main
from simulator.engines.reference.engine import run_replication
from simulator.engines.trace import TraceEvent
from simulator.model.starting_state import Status
from simulator.planning.comparison import compare
from simulator.planning.executors import SerialExecutor
from simulator.planning.staffing import staff
from simulator.planning.sweeps import SweepResult, sweep
from simulator.results.status_export import status_from_trace, write_status
from simulator.results.work import Work

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
GRID = ["pools.h100.gpus=1,2"]


def _mid_season(path: Path, days: float) -> Path:
    scenario = load_scenario(DEMO)
    model = compile_season(scenario)
    trace: list[TraceEvent] = []
    run_replication(model, 0, trace=trace)
    write_status(status_from_trace(model, scenario.calendar, trace, days * 24.0), path)
    return path


def _sweep(out: Path, status: Path | None, now: str = "2027-01-04") -> SweepResult:
    return sweep(
        DEMO,
        GRID,
        out=out,
        work=Work(
            replications=6,
            chunk_size=3,
            executor=SerialExecutor(),
            status=None if status is None else (status, now),
        ),
        plots=False,
    )


def test_a_status_at_the_season_start_gives_the_points_of_a_plain_sweep(tmp_path: Path) -> None:
    status = tmp_path / "status.csv"
    status.write_text("episode,status\nep01,open\n")
    plain = _sweep(tmp_path / "plain", None)
    started = _sweep(tmp_path / "started", status)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "plain" / "points.parquet"),
        pd.read_parquet(tmp_path / "started" / "points.parquet"),
    )
    assert started.summary["from"]["sha256"] == Status.read(status, "2027-01-04").sha256
    plain_files = {k.relative_path for r in plain.results for k in r.chunks}
    started_files = {k.relative_path for r in started.results for k in r.chunks}
    assert not plain_files & started_files


def test_a_mid_season_sweep_never_redelivers_a_delivered_episode(tmp_path: Path) -> None:
    status = _mid_season(tmp_path / "status.csv", 8.0)
    rows = pd.read_csv(status, dtype=str, keep_default_na=False)
    delivered = rows[rows["status"] == "delivered"]
    assert len(delivered) > 0
    calendar = load_scenario(DEMO).calendar
    now = "2027-01-12"  # 8 days after the season start
    result = _sweep(tmp_path / "out", status, now)
    for point in range(len(result.results)):
        frame = result.replications(point)
        assert frame["replication"].nunique() == 6
        assert frame["delivery_h"].map(math.isfinite).all()
        for _, row in delivered.iterrows():
            at = hours_at(calendar, parse_moment(row["at"]))
            times = frame.loc[frame["episode"] == row["episode"], "delivery_h"]
            assert times.to_numpy() == pytest.approx([at] * 6, abs=1e-6)
        later = frame[~frame["episode"].isin(delivered["episode"])]
        assert (later["delivery_h"] >= 8 * 24.0).all()


def test_another_status_or_moment_changes_the_chunk_keys(tmp_path: Path) -> None:
    first = _mid_season(tmp_path / "a.csv", 5.0)
    second = _mid_season(tmp_path / "b.csv", 6.0)
    a = Status.read(first, "2027-01-10")
    assert a.sha256 == Status.read(first, "2027-01-10").sha256
    assert a.sha256 != Status.read(second, "2027-01-10").sha256
    assert a.sha256 != Status.read(first, "2027-01-10T12:00").sha256
    out = tmp_path / "out"
    one = _sweep(out, first, "2027-01-10")
    two = _sweep(out, second, "2027-01-10")
    assert two.chunks_reused == 0
    keys_one = {k for r in one.results for k in r.chunks}
    keys_two = {k for r in two.results for k in r.chunks}
    assert not keys_one & keys_two
    again = _sweep(out, first, "2027-01-10")
    assert again.chunks_computed == 0
    pd.testing.assert_frame_equal(one.points, again.points)


def test_staff_and_compare_run_from_a_status(tmp_path: Path) -> None:
    status = _mid_season(tmp_path / "status.csv", 5.0)
    found = staff(
        DEMO,
        ["pools.h100.gpus=1:3"],
        target_risk=0.9,
        out=tmp_path / "staff",
        work=Work(replications=6, executor=SerialExecutor(), status=(status, "2027-01-09")),
        plots=False,
    )
    assert found.summary["from"]["now"] == "2027-01-09"
    assert all(k.state for r in found.simulated for k in r.chunks)
    compared = compare(
        DEMO,
        DEMO,
        out=tmp_path / "compare",
        overrides_b=["pools.h100.gpus=3"],
        work=Work(replications=6, executor=SerialExecutor(), status=(status, "2027-01-09")),
    )
    assert compared.summary["from"]["sha256"] == Status.read(status, "2027-01-09").sha256


def test_the_command_line_takes_from_and_now_together(tmp_path: Path) -> None:
    status = _mid_season(tmp_path / "status.csv", 5.0)
    out = str(tmp_path / "out")
    common = ["-n", "4", "--chunk", "2", "--threads", "1", "--out", out]
    sweep_args = ["sweep", str(DEMO), "--vary", GRID[0], "--no-plots", *common]
    assert main([*sweep_args, "--from", str(status), "--now", "2027-01-09"]) == 0
    assert main([*sweep_args, "--from", str(status)]) == 2
    assert main([*sweep_args, "--now", "2027-01-09"]) == 2
    assert main([*sweep_args, "--from", str(status), "--now", "soon"]) == 2
    staff_args = ["staff", str(DEMO), "--target-risk", "0.9", "--vary", "pools.h100.gpus=1:2"]
    assert main([*staff_args, *common, "--from", str(status)]) == 2
    compare_args = ["compare", str(DEMO), str(DEMO), "--set-b", "pools.h100.gpus=3", *common]
    assert main([*compare_args, "--from", str(status)]) == 2
    assert main([*compare_args, "--from", str(status), "--now", "2027-01-09"]) == 0


def test_sensitivity_runs_from_a_status(tmp_path: Path) -> None:
    from simulator.planning.sensitivity import sensitivity

    status = _mid_season(tmp_path / "status.csv", 5.0)
    work = Work(replications=4, executor=SerialExecutor(), status=(status, "2027-01-09"))
    factors = ["penalties.escaped_defect=2000:20000", "penalties.late_per_day=1000:50000"]
    result = sensitivity(DEMO, factors, out=tmp_path / "s", work=work, samples=2, plots=False)
    assert result.summary["from"]["sha256"] == Status.read(status, "2027-01-09").sha256
    chunks = list((tmp_path / "s" / "replications").rglob("*.parquet"))
    assert chunks
    assert all("_from=" in path.name for path in chunks)
