"""Running a scenario: ``simulate``, the results folder, and ``reelsim run``."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import load_scenario
from simulator.cli.commands import main
from simulator.folders.claim import LOCK_NAME
from simulator.model.policies import TaskFeatures
from simulator.results import Progress, Summary, Work, simulate, summarize

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"
NEVER_APPROVED = [
    "shot_stages.supervisor_review.reject_probability=1",
    "shot_stages.supervisor_review.max_rounds=null",
]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["run", str(DEMO), "-n", "6", "--seed", "11", "--out", str(out)]) == 0
    return out


def test_run_writes_every_file_with_its_checksum(demo_folder: Path) -> None:
    summary = json.loads((demo_folder / "summary.json").read_text())
    assert {"replications.parquet", "timeseries.parquet"} <= set(summary["files"])
    assert any(name.endswith(".png") for name in summary["files"])
    # Nothing but the listed files, the manifest and the folder's lock (its owner).
    assert {p.name for p in demo_folder.iterdir()} == {*summary["files"], "summary.json", LOCK_NAME}
    for name, digest in summary["files"].items():
        assert hashlib.sha256((demo_folder / name).read_bytes()).hexdigest() == digest
    assert not list(demo_folder.glob(".*.tmp"))  # nothing half-written left behind


def test_summary_agrees_with_the_replications_table(demo_folder: Path) -> None:
    summary = json.loads((demo_folder / "summary.json").read_text())
    table = pd.read_parquet(demo_folder / "replications.parquet")
    assert summary["replications"] == 6
    assert summary["seed"] == 11
    assert len(table) == 6 * len(summary["episodes"])
    totals = table.groupby("replication")["cost_total"].sum()
    assert summary["cost"]["total"]["mean"]["estimate"] == pytest.approx(totals.mean())
    for ep in summary["episodes"]:
        rows = table[table["episode"] == ep["id"]]
        assert ep["p_miss"]["estimate"] == pytest.approx(rows["missed"].mean())
    by_category = sum(v["estimate"] for v in summary["cost"]["by_category"].values())
    assert by_category == pytest.approx(totals.mean())
    assert summary["verdict"] in ("on_time", "inconclusive", "at_risk", "late")


def test_a_summary_reads_back_from_its_json_as_it_was() -> None:
    one = summarize(simulate(load_scenario(DEMO), Work(replications=1, seed=3)))
    # Every review rejects and the horizon cuts the season short: nothing is delivered, so
    # deliveries have no mean and their quantiles are infinite (null in JSON).
    censored = summarize(
        simulate(
            load_scenario(DEMO, [*NEVER_APPROVED, "run.horizon=10d"]), Work(replications=3, seed=3)
        )
    )
    delivery = censored.episodes[0].delivery_h
    assert delivery.mean is None
    assert delivery.censored == 3
    assert math.isinf(delivery.p50.estimate)
    assert math.isinf(one.cost.total.mean.high)  # one replication: no spread to bound it
    for summary in (one, censored):
        text = json.dumps(summary.to_json(), allow_nan=False)
        assert Summary.from_json(json.loads(text)) == summary
    assert json.loads(text)["episodes"][0]["delivery_h"]["p50"]["estimate"] is None


def test_the_run_is_the_same_with_the_same_seed(tmp_path: Path, demo_folder: Path) -> None:
    assert (
        main(["run", str(DEMO), "-n", "6", "--seed", "11", "--out", str(tmp_path), "--no-plots"])
        == 0
    )
    again = pd.read_parquet(tmp_path / "replications.parquet")
    pd.testing.assert_frame_equal(again, pd.read_parquet(demo_folder / "replications.parquet"))


def test_trace_is_written_on_request(tmp_path: Path) -> None:
    assert main(["run", str(DEMO), "-n", "1", "--trace", "--no-plots", "--out", str(tmp_path)]) == 0
    trace = pd.read_parquet(tmp_path / "trace.parquet")
    assert {"release", "start", "delivered"} <= set(trace["event"])
    assert trace["time_h"].is_monotonic_increasing
    # Typed columns beside the sentence: where each task started, by the resource's label.
    starts = trace[trace["event"] == "start"]
    assert starts["resource"].str.match(r"^(pool|team):").all()
    assert (starts["task"] >= 0).all()


@pytest.mark.parametrize(
    "args",
    [
        ["--policy", "h100"],
        ["--policy", "h100=no_such_module_anywhere:Policy"],
        ["--policy", "nowhere=math:pi"],
        ["--set", "pools.h100.gpus=-1"],
        ["--replications", "0"],
    ],
)
def test_bad_run_arguments_exit_2(args: list[str], tmp_path: Path) -> None:
    assert main(["run", str(DEMO), "--out", str(tmp_path / "r"), *args]) == 2
    assert not (tmp_path / "r" / "summary.json").exists()


class LongestFirst:
    def key(self, task: TaskFeatures) -> float:
        return -task.expected_work


def test_a_policy_of_your_own_orders_a_pool() -> None:
    scenario = load_scenario(DEMO)
    fifo = simulate(scenario, Work(replications=2, seed=5))
    mine = simulate(scenario, Work(replications=2, seed=5), policies={"h100": LongestFirst()})
    assert [r.frames for r in fifo.results] == [r.frames for r in mine.results]
    assert [r.delivery for r in fifo.results] != [r.delivery for r in mine.results]
    assert all(math.isfinite(d) for r in mine.results for d in r.delivery)


@pytest.mark.parametrize(
    ("work", "message"),
    [
        ({"replications": 0}, "replications must be at least 1"),
        ({"chunk_size": 0}, "chunk_size must be at least 1"),
        ({"seed": -1}, "seed must be between 0"),
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "not both"),
    ],
)
def test_work_is_checked_when_it_is_made(work: dict[str, Any], message: str) -> None:
    from simulator.errors import UsageError

    with pytest.raises(UsageError, match=message):
        Work(**work)


def test_a_run_goes_in_this_process() -> None:
    from simulator.errors import UsageError

    with pytest.raises(UsageError, match="a run goes in this process"):
        simulate(load_scenario(DEMO), Work(replications=2, workers=2))


def test_a_run_tells_its_progress_in_replications() -> None:
    told: list[Progress] = []
    simulate(load_scenario(DEMO), Work(replications=3, engine="reference", progress=told.append))
    last = told[-1]
    assert (last.replications_done, last.replications, last.points_done) == (3, 3, 1)
