"""Reliability: interrupted work resumes, results do not depend on how work was split, and
runaway scenarios end at the horizon (docs/reliability.md lists each property and its test).

A resumable run is a sweep of one point: its replications are chunks written atomically
under the results folder, so Ctrl-C keeps every finished chunk and a killed process loses
at most the chunk in flight; the same command then resumes and gives the same files.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from simulator import load_scenario, simulate
from simulator.cli.commands import main
from simulator.files import file_sha256
from simulator.folders.write import write_results
from simulator.results import Summary, Work, summarize

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
TIMING = {"wall_seconds", "executor", "files"}
"""Fields of summary.json that may differ between equal runs: how long they took, where
they ran, and the checksums of plots (PNG bytes depend on the renderer's build)."""


def _stable(summary: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in summary.items() if k not in TIMING}, indent=2)


def _reelsim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _chunks(out: Path) -> list[Path]:
    return sorted((out / "replications").rglob("*.parquet"))


def _wait_for_chunk(out: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not _chunks(out):
        assert process.poll() is None, "the run ended before its first chunk was written"
        assert time.monotonic() < deadline, "no chunk written in time"
        time.sleep(0.02)


# The reference engine is slow enough (tens of ms a replication) that a signal lands
# mid-run; chunks of 5 make several finish first.
RUN_ARGS = ["run", str(DEMO), "--engine", "reference", "-n", "60", "--no-plots"]


@pytest.mark.integration
def test_ctrl_c_keeps_finished_chunks_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = _reelsim(*RUN_ARGS, "--out", str(out), "--seed", "7")
    _wait_for_chunk(out, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "rerun the same command to resume" in err
    assert "Traceback" not in err
    kept = int(err.split("interrupted: ")[1].split(" of ")[0].replace(",", ""))
    assert 0 < kept < 60
    assert not (out / "summary.json").exists()
    assert not list(out.rglob("*.tmp")), "a half-written file was left behind"
    # What was kept is every finished chunk: the count said is the count on disk.
    import pandas as pd

    on_disk = sum(pd.read_parquet(p)["replication"].nunique() for p in _chunks(out))
    assert on_disk == kept


SWEEP_ARGS = [
    "sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "--engine", "reference",
    "-n", "40", "--chunk", "5", "--threads", "2", "--no-plots",
]  # fmt: skip


@pytest.mark.integration
def test_ctrl_c_during_a_sweep_keeps_finished_chunks_and_says_how_to_resume(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sweep"
    process = _reelsim(*SWEEP_ARGS, "--out", str(out))
    _wait_for_chunk(out, process, timeout=60)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "rerun the same command to resume" in err
    assert "Traceback" not in err
    said = err.split("interrupted: ")[1]
    kept = int(said.split(" of ")[0].replace(",", ""))
    total = int(said.split(" of ")[1].split(" ")[0].replace(",", ""))
    assert total == 80
    assert 0 < kept < total
    assert not (out / "summary.json").exists()
    assert not (out / "points.parquet").exists()
    assert not list(out.rglob("*.tmp")), "a half-written file was left behind"
    # What it says it kept is what is on disk, and the rerun reuses all of it.
    before = {p: p.stat().st_mtime_ns for p in _chunks(out)}
    assert 5 * len(before) == kept
    assert main([*SWEEP_ARGS, "--out", str(out)]) == 0
    assert {p: p.stat().st_mtime_ns for p in _chunks(out) if p in before} == before
    summary = json.loads((out / "summary.json").read_text())
    assert summary["chunks"]["reused"] == len(before)
    assert summary["chunks"]["computed"] == 16 - len(before)


def test_a_kernel_error_in_one_chunk_names_its_point_and_replications_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CPU kernel reports a layout error (status 2) for replication 23 of point 1 only:
    the sweep runs every other chunk, keeps them, and says which point and which
    replications failed; the same command, once the fault is gone, computes only that
    chunk and gives the points of an undisturbed sweep."""
    import dataclasses

    import numpy as np

    import kernels.cpu
    from simulator import compile_season
    from simulator.engines.kernel import pack

    argv = ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "--engine", "kernel",
            "-n", "40", "--chunk", "10", "--no-plots"]  # fmt: skip
    faulty = pack(compile_season(load_scenario(DEMO, ["pools.h100.gpus=2"]))).mi
    run = kernels.cpu.run

    def run_with_a_fault(mi: Any, md: Any, reps: Any, threads: int) -> Any:
        result = run(mi, md, reps, threads=threads)
        if np.array_equal(mi, faulty) and 23 in reps:
            out_i = result.out_i.copy()
            out_i[list(reps).index(23), result.status_column] = 2
            return dataclasses.replace(result, out_i=out_i)
        return result

    monkeypatch.setattr(kernels.cpu, "run", run_with_a_fault)
    out = tmp_path / "sweep"
    assert main([*argv, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 chunk failed; 70 of 80 replications are kept" in err, err
    assert "point 1 (pools.h100.gpus=2), replications 20-29:" in err, err
    assert "replication 23 with status 2" in err, err
    assert "Traceback" not in err
    assert len(_chunks(out)) == 7
    assert not (out / "summary.json").exists()
    assert not (out / "points.parquet").exists()

    monkeypatch.setattr(kernels.cpu, "run", run)
    assert main([*argv, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["chunks"]["computed"], summary["chunks"]["reused"]) == (1, 7)
    assert main([*argv, "--out", str(tmp_path / "undisturbed")]) == 0
    assert file_sha256(out / "points.parquet") == file_sha256(
        tmp_path / "undisturbed" / "points.parquet"
    )


@pytest.mark.integration
def test_a_killed_run_resumes_to_identical_replications(tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    process = _reelsim(*RUN_ARGS, "--out", str(killed))
    _wait_for_chunk(killed, process)
    process.kill()
    process.communicate(timeout=30)
    assert not (killed / "replications.parquet").exists()
    before = {p.name: p.stat().st_mtime_ns for p in _chunks(killed)}
    # The rerun (as the command does it) reads the finished chunks back as they were ...
    rerun = simulate(
        load_scenario(DEMO), Work(replications=60, engine="reference"), resume_in=killed
    )
    assert {p.name: p.stat().st_mtime_ns for p in _chunks(killed) if p.name in before} == before
    write_results(rerun, killed, plots=False)
    rerun.discard_chunks()
    assert not (killed / "replications").exists()
    # ... and writes what an uninterrupted run writes.
    assert main([*RUN_ARGS, "--out", str(whole)]) == 0
    for name in ("replications.parquet", "timeseries.parquet"):
        assert file_sha256(killed / name) == file_sha256(whole / name), name
    assert _stable(json.loads((killed / "summary.json").read_text())) == _stable(
        json.loads((whole / "summary.json").read_text())
    )


def test_summary_json_is_byte_identical_across_reruns_threads_and_chunk_sizes(
    tmp_path: Path,
) -> None:
    scenario = load_scenario(DEMO)
    texts = []
    for k, (threads, chunk) in enumerate([(1, 1000), (1, 1000), (2, 7), (2, 64)]):
        out = tmp_path / f"run{k}"
        work = Work(replications=150, engine="kernel", threads=threads, chunk_size=chunk)
        run = simulate(scenario, work, resume_in=out)
        summary = write_results(run, out, plots=False)
        text = (out / "summary.json").read_text()
        assert text == json.dumps(json.loads(text), indent=2) + "\n"
        manifest = json.loads(text)
        assert Summary.from_json(manifest) == summary  # what was written is what was returned
        texts.append(_stable(manifest))
        data = {n: manifest["files"][n] for n in ("replications.parquet", "timeseries.parquet")}
        texts.append(json.dumps(data))
    assert texts[0::2] == [texts[0]] * 4
    assert texts[1::2] == [texts[1]] * 4


def test_a_run_in_chunks_is_the_run_in_memory(tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    work = Work(replications=40, engine="kernel")
    chunked = simulate(
        scenario, Work(replications=40, engine="kernel", chunk_size=9), resume_in=tmp_path
    )
    plain = simulate(scenario, work)
    assert chunked.replications_frame().equals(plain.replications_frame())
    assert chunked.timeseries_frame().equals(plain.timeseries_frame())
    assert _stable(summarize(chunked).to_json()) == _stable(summarize(plain).to_json())


@pytest.mark.integration
def test_a_sweep_summary_is_identical_on_a_local_pool_and_a_dask_cluster(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    from simulator.planning.executors import DaskExecutor, LocalExecutor
    from simulator.planning.sweeps import sweep

    grid = ["pools.h100.gpus=2,3"]
    texts = []
    for name, executor in [("local", LocalExecutor(2)), ("dask", DaskExecutor.local(2))]:
        with executor:
            work = Work(replications=30, chunk_size=8, executor=executor, engine="kernel")
            result = sweep(DEMO, grid, out=tmp_path / name, work=work, plots=False)
        texts.append(_stable(result.summary))
    assert texts[0] == texts[1]


def test_a_review_that_always_rejects_ends_at_the_horizon_undelivered() -> None:
    scenario = load_scenario(
        DEMO,
        [
            "shot_stages.supervisor_review.reject_probability=1",
            "shot_stages.supervisor_review.max_rounds=null",
            "run.horizon=10d",
        ],
    )
    for engine in ("kernel", "reference"):
        run = simulate(scenario, Work(replications=2, engine=engine))
        assert all(r.end_time == pytest.approx(240.0) for r in run.results), engine
        assert all(math.isnan(d) for r in run.results for d in r.delivery), engine
        summary = summarize(run)
        assert summary.season.p_any_miss.estimate == 1.0
        assert all(e.p_miss.estimate == 1.0 for e in summary.episodes)


def test_a_run_that_cannot_fit_one_replication_is_refused_with_the_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import simulator.engines.kernel
    from simulator.errors import UsageError

    monkeypatch.setattr(simulator.engines.kernel, "_available_memory", lambda: 1000)
    with pytest.raises(UsageError, match=r"needs [\d.]+ MiB .* only [\d.]+ MiB"):
        simulate(load_scenario(DEMO), Work(replications=5, engine="kernel"))


def test_report_flags_a_data_file_that_no_longer_matches_its_checksum(tmp_path: Path) -> None:
    from simulator.folders import ResultsFolder
    from simulator.report.page import file_warnings

    run = simulate(load_scenario(DEMO), Work(replications=5, engine="kernel"))
    write_results(run, tmp_path, plots=False)
    with open(tmp_path / "replications.parquet", "ab") as handle:
        handle.write(b"tampered")
    folder = ResultsFolder.open(tmp_path)
    assert folder.file_status["replications.parquet"] == "changed"
    assert not folder.usable("replications.parquet")
    assert any("replications.parquet is changed" in w for w in file_warnings(folder))
    from simulator.cli.commands import main

    assert main(["report", str(tmp_path)]) == 2  # refused: the numbers may not be the run's
    assert not (tmp_path / "report.html").exists()
    assert main(["report", str(tmp_path), "--allow-changed"]) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="signals as on POSIX")
def test_atomic_write_leaves_no_file_under_its_final_name_when_interrupted(
    tmp_path: Path,
) -> None:
    from simulator.files import atomic_write

    def write(tmp: Path) -> None:
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "data.parquet", write)
    assert list(tmp_path.iterdir()) == []


# --- a Dask worker killed mid-sweep -------------------------------------------------------


@pytest.mark.integration
def test_a_dask_worker_killed_mid_sweep_is_replaced_and_the_results_are_identical(
    tmp_path: Path,
) -> None:
    """SIGKILL one of two worker processes once the first chunk is on disk: Dask reruns the
    chunks it held elsewhere, the sweep completes, and points.parquet is byte-identical to
    the same sweep on the local executor."""
    distributed = pytest.importorskip("distributed")
    import threading

    from simulator.planning.executors import DaskExecutor, LocalExecutor, local_cluster
    from simulator.planning.sweeps import sweep

    grid = ["pools.h100.gpus=1,2"]
    chunks = 20  # 2 points × 200 replications in chunks of 20 (about 0.5 s each)

    def run(out: Path, executor: Any) -> None:
        work = Work(replications=200, chunk_size=20, executor=executor, engine="kernel")
        sweep(DEMO, grid, out=out, work=work, plots=False)

    with LocalExecutor(2) as local:
        run(tmp_path / "local", local)

    out = tmp_path / "dask"
    killed: dict[str, Any] = {}
    with (
        local_cluster(2) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids: dict[str, int] = client.run(os.getpid)
        assert len(pids) == 2

        def kill_after_first_chunk() -> None:
            deadline = time.monotonic() + 60
            while not _chunks(out) and time.monotonic() < deadline:
                time.sleep(0.005)
            pid = pids[min(pids)]
            killed["done_before"] = len(_chunks(out))
            os.kill(pid, signal.SIGKILL)
            killed["pid"] = pid

        killer = threading.Thread(target=kill_after_first_chunk, daemon=True)
        killer.start()
        run(out, DaskExecutor(client))
        killer.join(timeout=5)
        client.wait_for_workers(2, timeout=30)  # the nanny started a new worker
        assert killed["pid"] not in client.run(os.getpid).values()

    assert 1 <= killed["done_before"] < chunks, "the kill did not land while chunks ran"
    assert len(_chunks(out)) == chunks
    assert file_sha256(out / "points.parquet") == file_sha256(tmp_path / "local" / "points.parquet")
    local_chunks = {
        p.relative_to(tmp_path / "local"): file_sha256(p) for p in _chunks(tmp_path / "local")
    }
    assert {p.relative_to(out): file_sha256(p) for p in _chunks(out)} == local_chunks


# --- fuzzing the scenario text ------------------------------------------------------------
#
# test_scenario_fuzz.py damages the parsed data; here the damage is to the bytes of the
# file, as an editor, a bad copy or a cut-off download leaves it: truncated at any byte, a
# byte changed, a line duplicated, deleted, moved or re-indented, YAML punctuation typed in.
# The text goes through load_yaml (load_yaml_file where it is no longer UTF-8) and then
# parse_scenario: a Scenario or a ScenarioError whose problems all say something.
