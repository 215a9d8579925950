"""Sweeps: a grid of changes × replications, chunked, resumable, the same on any executor.

The promises under test (DESIGN §2, §5): a sweep point's numbers are those of a plain run
of the point's scenario; common random numbers across points; the final numbers do not
depend on the chunk size, the executor (threads, a Dask cluster), or an interruption —
a killed sweep resumes, recomputing no finished chunk; ``--precision`` adds whole batches.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli.commands import main
from simulator.errors import UsageError
from simulator.planning.evaluation import Plan
from simulator.planning.executors import LocalExecutor, SerialExecutor
from simulator.planning.points import Vary
from simulator.planning.sweeps import SweepResult, sweep
from simulator.results import Summary, Work, simulate, summarize
from simulator.results.chunks import DRAW_LAYOUT_VERSION

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
GRID = ["pools.h100.gpus=1,2", "teams.supervisors.shifts.0.people=1:2"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def chunk_files(out: Path) -> dict[str, tuple[int, int, str]]:
    """Every chunk on disk: relative path → (inode, mtime in ns, sha256)."""
    files = {}
    for path in sorted((out / "replications").rglob("*.parquet")):
        stat = path.stat()
        files[str(path.relative_to(out))] = (stat.st_ino, stat.st_mtime_ns, digest(path))
    return files


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted sweep: 4 points × 12 replications in chunks of 5 (5, 5, 2)."""
    out = tmp_path_factory.mktemp("sweep")
    sweep(DEMO, GRID, out=out, work=Work(replications=12, chunk_size=5, executor=SerialExecutor()))
    return out


# --- what varies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("pools.h100.gpus=1,2,4", ("1", "2", "4")),
        ("pools.h100.gpus=8:16:4", ("8", "12", "16")),
        ("pools.h100.gpus=1:3", ("1", "2", "3")),
        ("a.b=0.1:0.3:0.1", ("0.1", "0.2", "0.3")),  # decimal steps, no 0.30000000000000004
        ("a.b=[{dist: constant, value: 1}, 2]", ('{"dist": "constant", "value": 1}', "2")),
        ("a.b=fifo, edf", ("fifo", "edf")),
    ],
)
def test_vary_reads_lists_ranges_and_yaml(text: str, values: tuple[str, ...]) -> None:
    assert Vary.parse(text).values == values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pools.h100.gpus", "expected PATH=V1,V2"),
        ("pools.h100.gpus=3:1", "the range is empty"),
        ("pools.h100.gpus=1:3:0", "step must be positive"),
        ("pools.h100.gpus=1,1", "appears twice"),
        ("pools.h100.gpus=1,,2", "empty value"),
    ],
)
def test_vary_refuses_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Vary.parse(text)


def test_precision_rounds_come_in_batches_fixed_by_the_command() -> None:
    plan = Plan(replications=10, seed=1, chunk_size=4, precision=0.1, batch=6, max_replications=20)
    assert [plan.ranges(r) for r in range(4)] == [(0, 10), (10, 16), (16, 20), (20, 20)]
    assert [(k.start, k.stop) for k in plan.chunks("x", 0)] == [(0, 4), (4, 8), (8, 10)]
    assert all(k.layout == DRAW_LAYOUT_VERSION for k in plan.chunks("x", 1))


# --- a sweep --------------------------------------------------------------------------------


def test_a_sweep_writes_points_chunks_and_a_checked_manifest(reference: Path) -> None:
    points = pd.read_parquet(reference / "points.parquet")
    assert list(points["pools.h100.gpus"]) == [1, 1, 2, 2]
    assert list(points["teams.supervisors.shifts.0.people"]) == [1, 2, 1, 2]
    assert (points["replications"] == 12).all()
    for column in ("p_any_miss", "cost_mean", "cost_p90", "p_miss:ep01", "escaped_mean"):
        assert (points[f"{column}_low"] <= points[column]).all()
        assert (points[column] <= points[f"{column}_high"]).all()
    assert "utilisation:pool:h100" in points.columns
    summary = json.loads((reference / "summary.json").read_text())
    assert summary["chunks"] == {"total": 12, "computed": 12, "reused": 0}
    assert len(summary["files"]) == 3 + 12  # points.parquet, sweep.png and .svg, the chunks
    for name, sha in summary["files"].items():
        assert digest(reference / name) == sha
    # The chunks form one Parquet dataset, partitioned by scenario.
    dataset = pd.read_parquet(reference / "replications")
    assert len(dataset) == 4 * 12 * 3
    assert dataset["scenario"].nunique() == 4


def test_a_points_numbers_are_those_of_a_plain_run(reference: Path) -> None:
    from simulator import load_scenario

    summary = json.loads((reference / "summary.json").read_text())
    point = summary["points"][3]
    scenario = load_scenario(DEMO, [f"{p}={v}" for p, v in point["values"].items()])
    run = summarize(simulate(scenario, Work(replications=12)))
    ours = Summary.from_json(point["summary"])
    assert ours.scenario_sha256 == run.scenario_sha256 == point["scenario_sha256"]
    assert ours.run is None  # a point's summary depends on its chunks alone
    assert ours == replace(run, run=None)


def test_points_share_common_random_numbers(reference: Path) -> None:
    """Replication i draws the same frames at every point: only what varies differs."""
    data = pd.read_parquet(
        reference / "replications", columns=["scenario", "replication", "frames"]
    )
    frames = data.groupby(["scenario", "replication"])["frames"].sum().unstack("scenario")
    assert (frames.nunique(axis=1) == 1).all()


def test_the_numbers_do_not_depend_on_the_chunk_size(reference: Path, tmp_path: Path) -> None:
    work = Work(replications=12, chunk_size=12, executor=LocalExecutor(2))
    sweep(DEMO, GRID, out=tmp_path, work=work)
    assert digest(tmp_path / "points.parquet") == digest(reference / "points.parquet")


KILLED_SWEEP = """
import os, signal, sys
import simulator.planning.evaluation as evaluation_module
from simulator.planning.executors import LocalExecutor
from simulator.planning.sweeps import sweep
from simulator.results.work import Work
written = 0
write = evaluation_module.write_chunk
def write_then_die(out, key, frame):
    global written
    write(out, key, frame)
    written += 1
    if written == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: a real kill
evaluation_module.write_chunk = write_then_die
sweep(sys.argv[3], {grid!r}, out=sys.argv[1],
      work=Work(replications=12, chunk_size=5, executor=LocalExecutor(2)))
"""


@pytest.mark.integration
def test_a_killed_sweep_resumes_without_recomputing_a_finished_chunk(
    reference: Path, tmp_path: Path
) -> None:
    script = KILLED_SWEEP.format(grid=GRID)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), "5", str(DEMO)], env=env, check=False
    )
    assert killed.returncode == -9
    before = chunk_files(tmp_path)
    assert len(before) == 5
    assert not (tmp_path / "points.parquet").exists()

    resumed = sweep(DEMO, GRID, out=tmp_path, work=Work(replications=12, chunk_size=5))
    assert (resumed.chunks_computed, resumed.chunks_reused) == (7, 5)
    after = chunk_files(tmp_path)
    assert {k: after[k] for k in before} == before  # the same files, untouched
    assert digest(tmp_path / "points.parquet") == digest(reference / "points.parquet")
    assert {k: v[2] for k, v in after.items()} == {
        k: v[2] for k, v in chunk_files(reference).items()
    }


def test_a_local_dask_cluster_gives_identical_results(reference: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from simulator.planning.executors import DaskExecutor

    # One worker thread in this process: what is checked is how the Dask executor hands out
    # chunks and collects them; a cluster of processes, one of them killed, is in
    # test_reliability.py. No HTTP server on a fixed port (tests run side by side).
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        work = Work(replications=12, chunk_size=5, executor=DaskExecutor(client))
        result = sweep(DEMO, GRID, out=tmp_path, work=work)
    assert result.summary["executor"].startswith("dask")
    assert result.chunks_computed == 12
    assert digest(tmp_path / "points.parquet") == digest(reference / "points.parquet")
    assert {k: v[2] for k, v in chunk_files(tmp_path).items()} == {
        k: v[2] for k, v in chunk_files(reference).items()
    }


def test_precision_adds_batches_until_met_or_capped(tmp_path: Path) -> None:
    def run() -> SweepResult:
        return sweep(
            DEMO, ["pools.h100.gpus=1,2"], out=tmp_path, work=Work(replications=10, chunk_size=10),
            precision=0.2, batch=10, max_replications=60, plots=False,
        )  # fmt: skip

    result = run()
    for r in result.results:
        assert r.replications % 10 == 0
        assert 10 < r.replications <= 60
        assert r.unmet == [] or r.replications == 60
        p = r.p_any_miss
        if not r.unmet:
            assert p.half_width <= 0.2
    again = run()
    assert again.chunks_computed == 0
    pd.testing.assert_frame_equal(again.points, result.points)


def test_the_sweep_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1:2", "-n", "4", "--chunk", "2"]
    assert main([*argv, "--out", str(tmp_path), "--no-plots", "--threads", "2"]) == 0
    out = capsys.readouterr()
    assert "P(any miss)" in out.out
    assert "4 chunks: 4 computed" in out.err
    assert main([*argv, "--out", str(tmp_path), "--no-plots"]) == 0
    assert "0 computed, 4 found on disk" in capsys.readouterr().err
    assert main(["sweep", str(DEMO), "--vary", "pools.h100.gpus=x:", "--out", str(tmp_path)]) == 2
    assert main(["sweep", str(DEMO), "--vary", "pools.nope.gpus=1,2", "--out", str(tmp_path)]) == 2


def test_the_planning_guide_python_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    text = (ROOT / "docs" / "planning.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)  # the examples write results/ where they run
    for code in blocks:
        code = code.replace('"scenarios/', f'"{ROOT}/scenarios/')
        exec(compile(code, "docs/planning.md", "exec"), {"__name__": "planning_example"})
