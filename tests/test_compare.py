"""Comparing two scenarios on common random numbers: paired differences and what pairing
gained over independent runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simulator import load_scenario
from simulator.cli.commands import main
from simulator.errors import UsageError
from simulator.planning.comparison import Comparison, compare
from simulator.results.runs import simulate
from simulator.results.work import Progress, Work

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"
FIFO_ONE_GPU = ["policy.queue=fifo", "pools.h100.gpus=1"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    out = tmp_path_factory.mktemp("compare")
    work = Work(replications=30, chunk_size=16)
    return compare(DEMO, DEMO, overrides_b=FIFO_ONE_GPU, out=out, work=work)


def test_differences_are_those_of_the_two_runs_replication_by_replication(
    comparison: Comparison,
) -> None:
    a = simulate(load_scenario(DEMO), Work(replications=30))
    b = simulate(load_scenario(DEMO, FIFO_ONE_GPU), Work(replications=30))
    d = np.array(
        [ra.total_cost - rb.total_cost for ra, rb in zip(a.results, b.results, strict=True)]
    )
    row = comparison.row("cost_total")
    assert row["n"] == 30
    assert row["difference"] == pytest.approx(d.mean(), rel=1e-12)
    assert row["mean_a"] - row["mean_b"] == pytest.approx(row["difference"], rel=1e-9)
    assert row["low"] <= row["difference"] <= row["high"]


def test_common_random_numbers_beat_independent_runs(comparison: Comparison) -> None:
    # The two differ in the GPUs (and the queue order), not in the shots: costs move
    # together replication by replication, so pairing narrows the interval many times.
    assert comparison.row("cost_total")["variance_reduction"] > 10
    assert comparison.row("delivery_h:ep03")["variance_reduction"] > 1
    # Frames and verdicts are common: escaped defects do not differ at all.
    escaped = comparison.row("escaped_defects")
    assert escaped["difference"] == 0.0
    assert math.isinf(escaped["variance_reduction"]) or escaped["mean_a"] == 0.0


def test_every_quantity_is_reported(comparison: Comparison) -> None:
    quantities = set(comparison.table["quantity"])
    for q in ("cost_total", "cost_people", "p_any_miss", "makespan_h", "escaped_defects"):
        assert q in quantities
    for episode in ("ep01", "ep02", "ep03"):
        assert {f"p_miss:{episode}", f"delivery_h:{episode}"} <= quantities
    assert (comparison.out / "summary.json").is_file()
    assert comparison.summary["a"]["sha256"] != comparison.summary["b"]["sha256"]


def test_a_comparison_tells_its_progress(tmp_path: Path) -> None:
    told: list[Progress] = []
    work = Work(replications=4, chunk_size=2, progress=told.append)
    compare(DEMO, DEMO, overrides_b=FIFO_ONE_GPU, out=tmp_path, work=work)
    assert told[-1].points_done == told[-1].points == 2
    assert told[-1].replications_done == told[-1].replications == 8
    assert told[-1].replications_computed == 8


def test_a_known_b_gives_the_same_comparison_and_a_wrong_one_is_refused(
    comparison: Comparison, tmp_path: Path
) -> None:
    work = Work(replications=30, chunk_size=16)
    again = compare(
        DEMO, DEMO, overrides_b=FIFO_ONE_GPU, out=comparison.out, work=work, known_b=comparison.b
    )
    assert again.table.equals(comparison.table)
    assert again.b.row == comparison.b.row
    assert again.summary["b"] == comparison.summary["b"]
    assert again.summary["a"] == comparison.summary["a"]
    # Another side, other replications, another folder: not this B.
    for side, n, out in (
        (comparison.a, 30, comparison.out),
        (comparison.b, 20, comparison.out),
        (comparison.b, 30, tmp_path),
    ):
        with pytest.raises(UsageError, match="not B's"):
            compare(
                DEMO,
                DEMO,
                overrides_b=FIFO_ONE_GPU,
                out=out,
                work=Work(replications=n, chunk_size=16),
                known_b=side,
            )


def test_a_scenario_is_not_compared_with_itself(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="same scenario"):
        compare(DEMO, DEMO, out=tmp_path, work=Work(replications=2))


def test_the_compare_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", str(DEMO), str(DEMO), "--set-b", "pools.h100.gpus=1", "-n", "6"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "A − B" in out
    assert "season cost" in out


def test_the_sides_are_named_by_the_changes_that_differ() -> None:
    from simulator.planning.comparison import side_labels

    shared = "run.horizon=30d"
    assert side_labels("demo", "demo", [shared, "pools.h100.gpus=1"], [shared]) == (
        "pools.h100.gpus=1",
        "demo",
    )
    assert side_labels("hybrid", "full-auto", [shared], [shared]) == ("hybrid", "full-auto")
    assert side_labels("demo", "demo", [], []) == ("demo (A)", "demo (B)")


def test_one_scenario_without_changes_is_nothing_to_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(DEMO), "-n", "2", "--out", str(tmp_path)]) == 2
    assert "nothing to compare" in capsys.readouterr().err
