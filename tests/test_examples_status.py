"""The committed status export is what its script makes, and runs on both engines."""

from __future__ import annotations

import runpy
from pathlib import Path

from simulator import compile_season, load_scenario
from simulator.calendar import hours_at, parse_moment
from simulator.engines.choice import run_replications
from simulator.model.starting_state import load_status, with_start

EXAMPLES = Path(__file__).parents[1] / "scenarios" / "examples"


def test_the_committed_status_is_what_the_script_makes(tmp_path: Path) -> None:
    out = tmp_path / "status.csv"
    script = runpy.run_path(str(EXAMPLES / "make_status.py"))  # its main(), in this process
    assert script["main"](["-o", str(out)]) == 0
    assert out.read_text() == (EXAMPLES / "status.csv").read_text()


def test_the_mid_season_replan_agrees_on_both_engines() -> None:
    scenario = load_scenario(EXAMPLES / "known.yaml")
    model = compile_season(scenario)
    now = hours_at(scenario.calendar, parse_moment("2027-03-02T12:00"))
    start = with_start(model, load_status(EXAMPLES / "status.csv", model, scenario.calendar, now))
    reference = run_replications(start, range(2), "reference")
    assert reference == run_replications(start, range(2), "kernel")
    assert all(d <= now for d in reference[0].delivery[:8])  # delivered before now
