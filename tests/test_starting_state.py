"""Runs from where the season stands: a tracker's status export and a moment ``now``."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulator import compile_season, load_scenario
from simulator.cli.commands import main
from simulator.engines.reference.engine import run_replication
from simulator.errors import ScenarioError
from simulator.model.starting_state import (
    empty_state,
    parse_status,
    status_from_trace,
    with_start,
    write_status,
)
from simulator.testing.invariants import check_result, check_round

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
HYBRID = ROOT / "scenarios" / "season-hybrid.yaml"


def test_a_state_at_the_start_is_the_same_as_no_state() -> None:
    model = compile_season(load_scenario(DEMO))
    started = with_start(model, empty_state(model, 0.0))
    for rep in range(4):
        assert run_replication(started, rep) == run_replication(model, rep)


def _restart(path: Path, now: float, rep: int = 0):  # type: ignore[no-untyped-def]
    scenario = load_scenario(path)
    model = compile_season(scenario)
    trace: list[tuple[float, str, str]] = []
    run_replication(model, rep, trace=trace)
    rows = status_from_trace(model, scenario.calendar, trace, now)
    lines = ["episode,shot,status,stage,pass,attempt,frames,at,amount"] + [
        ",".join(
            row.get(c, "")
            for c in (
                "episode",
                "shot",
                "status",
                "stage",
                "pass",
                "attempt",
                "frames",
                "at",
                "amount",
            )
        )
        for row in rows
    ]
    state = parse_status("\n".join(lines) + "\n", "status.csv", model, scenario.calendar, now)
    later: list[tuple[float, str, str]] = []
    restarted = with_start(model, state)
    result = run_replication(restarted, rep, trace=later, on_round=check_round)
    check_result(restarted, result)
    return model, trace, rows, later, result


@pytest.mark.parametrize("days", [2.5, 5.0, 8.0])
def test_a_mid_season_run_never_redoes_finished_work(days: float) -> None:
    model, before, rows, after, result = _restart(DEMO, days * 24.0)
    through = {
        int(r["shot"])
        - 1
        + model.episodes[[e.name for e in model.episodes].index(r["episode"])].first_shot
        for r in rows
        if r.get("status") == "through"
    }
    delivered = {r["episode"] for r in rows if r.get("status") == "delivered"}
    started_again = {int(d.split()[1]) for t, what, d in after if what == "start"}
    assert not (through & started_again), "a shot through the pipeline was worked on again"
    assert all(t >= days * 24.0 for t, _, _ in after)
    redelivered = {d.split()[1] for _, what, d in after if what == "delivered"}
    assert not (delivered & redelivered)
    for ep in model.episodes:
        if ep.name in delivered:
            original = next(
                t for t, what, d in before if what == "delivered" and d.split()[1] == ep.name
            )
            assert result.delivery[ep.index] == pytest.approx(original, abs=1e-6)
        assert math.isfinite(result.delivery[ep.index])


def test_a_mid_season_run_of_a_full_season_finishes_it() -> None:
    _, _, rows, _, result = _restart(HYBRID, 30 * 24.0)
    assert any(r.get("status") == "delivered" for r in rows)
    assert any(r.get("status") == "at_stage" for r in rows)
    assert all(math.isfinite(d) for d in result.delivery)


BAD_STATUS = [
    ("episode,status\nep99,open\n", 2, "no episode 'ep99'"),
    ("episode,shot,status\nep01,999,through\n", 2, "has no shot '999'"),
    ("episode,shot,status,stage\nep01,1,at_stage,nowhere\n", 2, "shot stage 'nowhere'"),
    ("episode,shot,status\nep01,1,done\n", 2, "a shot's status is"),
    ("episode,status\nep01,delivered\n", 2, "needs 'at'"),
    ("episode,shot,status\nep01,1,through\nep01,1,failed\n", 3, "appears twice"),
    ("episode,shot,status,attempt,stage\nep01,1,at_stage,9,image_to_video\n", 2, "attempts"),
    ("episode,shot,status,pass\nep01,1,through,-1\n", 2, "must not be negative"),
    ("episode,shot\nep01,1\n", 1, "missing column(s) status"),
    ("episode,status,colour\nep01,open,red\n", 1, "unknown column(s) colour"),
]


@pytest.mark.parametrize(("text", "row", "message"), BAD_STATUS)
def test_a_bad_status_row_is_refused_with_its_row(text: str, row: int, message: str) -> None:
    scenario = load_scenario(DEMO)
    model = compile_season(scenario)
    with pytest.raises(ScenarioError) as caught:
        parse_status(text, "status.csv", model, scenario.calendar, 48.0)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("status.csv", row)
    assert message in problem.message


def test_run_from_a_status_file_on_the_command_line(tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    model = compile_season(scenario)
    trace: list[tuple[float, str, str]] = []
    run_replication(model, 0, trace=trace)
    status = tmp_path / "status.csv"
    write_status(status_from_trace(model, scenario.calendar, trace, 5 * 24.0), status)
    out = tmp_path / "out"
    args = [
        "run",
        str(DEMO),
        "-n",
        "3",
        "--from",
        str(status),
        "--now",
        "2027-01-09",
        "--no-plots",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert (out / "summary.json").exists()
    assert main([*args[:-4], "--now", "next tuesday", "--no-plots", "--out", str(out)]) == 2
    assert main(["run", str(DEMO), "--from", str(status), "--out", str(out)]) == 2
