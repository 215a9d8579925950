"""Sensitivity: Morris and Sobol' indices (SALib) rank the inputs that drive the outputs.

On the demo, the escaped-defect penalty and the share of takes with an artefact drive the
cost; the lateness penalty cannot (nothing is late), so its indices are exactly zero.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli.commands import main
from simulator.errors import UsageError
from simulator.planning.sensitivity import Factor, sensitivity
from simulator.results.work import Work

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"
FACTORS = [
    "penalties.escaped_defect=2000:20000",
    "shot_stages.image_to_video.defect_probability=0.02:0.2",
    "penalties.late_per_day=1000:50000",
]


def test_morris_ranks_what_drives_cost(tmp_path: Path) -> None:
    result = sensitivity(
        DEMO, FACTORS, out=tmp_path, work=Work(replications=8), samples=4, outputs=["cost_mean"]
    )
    assert len(result.samples) == 4 * (3 + 1)
    ranking = result.ranking("cost_mean")
    assert ranking[-1] == "penalties.late_per_day"
    late = result.indices[result.indices["factor"] == "penalties.late_per_day"]
    assert float(late["mu_star"].iloc[0]) == 0.0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["method"] == "morris"
    assert (tmp_path / "sensitivity.png").stat().st_size > 0
    # The same command again: the same design, every chunk found on disk.
    again = sensitivity(
        DEMO, FACTORS, out=tmp_path, work=Work(replications=8), samples=4, outputs=["cost_mean"]
    )
    assert again.summary["chunks"]["computed"] == 0
    assert again.ranking("cost_mean") == ranking


def test_sobol_indices_with_their_intervals(tmp_path: Path) -> None:
    result = sensitivity(
        DEMO,
        FACTORS,
        out=tmp_path,
        method="sobol",
        samples=8,
        work=Work(replications=4),
        outputs=["cost_mean"],
        plots=False,
    )
    assert len(result.samples) == 8 * (3 + 2)
    assert {"ST", "ST_conf", "S1", "S1_conf", "rank"} <= set(result.indices.columns)
    assert result.ranking("cost_mean")[-1] == "penalties.late_per_day"


def test_integer_inputs_are_rounded() -> None:
    factor = Factor.parse("pools.h100.gpus=1:3")
    assert Factor(factor.path, factor.low, factor.high, integer=True).text(2.4) == "2"


@pytest.mark.parametrize("text", ["pools.h100.gpus", "a.b=1", "a.b=x:2", "a.b=3:1", "a.b=1:inf"])
def test_a_factor_needs_a_range(text: str) -> None:
    with pytest.raises(UsageError):
        Factor.parse(text)


def test_sobol_needs_a_power_of_two(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="power of two"):
        sensitivity(
            DEMO, FACTORS, out=tmp_path, method="sobol", samples=6, work=Work(replications=2)
        )


def test_the_sensitivity_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sensitivity", str(DEMO), *(a for f in FACTORS[:2] for a in ("--factor", f))]
    assert main([*argv, "--samples", "2", "-n", "4", "--out", str(tmp_path), "--no-plots"]) == 0
    assert "effect over the range (μ*)" in capsys.readouterr().out
