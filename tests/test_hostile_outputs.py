"""Hostile conditions on the output side: used and shared results folders, places that
cannot be written, damaged chunks, edited manifests, policies that misbehave and CSV cells
that a spreadsheet would run. Each ends in a clear message and the right exit code (2 for
bad input, 1 for a write that failed where it should have worked), never a traceback, and
no number or file of another run reaches a results folder or a page."""

from __future__ import annotations

import base64
import copy
import errno
import json
import math
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from simulator.cli.commands import main
from simulator.errors import UsageError
from simulator.files import csv_safe_cell
from simulator.folders.claim import LOCK_NAME
from simulator.folders.manifest import check_manifest
from simulator.results import Work, simulate
from simulator.results.chunks import DamagedChunk
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"


def _run(out: Path, *extra: str, n: int = 4, seed: int = 1) -> int:
    return main(["run", str(DEMO), "-n", str(n), "--seed", str(seed), "--out", str(out), *extra])


def _summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


# --- 2. a folder holds only what its manifest lists ------------------------------------------


def test_a_rerun_without_plots_leaves_no_plot_or_report_of_the_previous_run(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    assert main(["report", str(out)]) == 0
    old_plot = (out / "cost.svg").read_bytes()
    assert _run(out, "--no-plots", n=5) == 0
    left = sorted(p.name for p in out.iterdir())
    assert left == sorted([LOCK_NAME, "summary.json", *_summary(out)["files"]])
    assert not list(out.glob("*.png"))
    assert not (out / "report.html").exists()
    assert _summary(out)["replications"] == 5
    # A plot put back by hand is not listed, so the report never shows it.
    (out / "cost.svg").write_bytes(old_plot)
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert base64.b64encode(old_plot).decode() not in page


def test_the_writer_removes_only_files_of_a_results_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    (out / "notes.txt").write_text("mine")
    summary = _summary(out)
    summary["files"]["../outside.png"] = "0" * 64  # an edited manifest names a file outside
    (out / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "outside.png").write_text("not reelsim's")
    assert _run(out, "--no-plots") == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (tmp_path / "outside.png").exists()


def test_a_sweep_rerun_without_plots_removes_the_previous_plots(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "-n", "4", "--chunk", "4"]
    assert main([*args, "--out", str(out), "--threads", "1"]) == 0
    assert (out / "sweep.png").exists()
    assert main([*args, "--out", str(out), "--threads", "1", "--no-plots"]) == 0
    assert not (out / "sweep.png").exists()
    assert not (out / "sweep.svg").exists()
    assert "sweep.png" not in _summary(out)["files"]
    assert _summary(out)["chunks"]["reused"] == 2  # the same sweep: its chunks were reused


def test_the_reader_uses_no_file_its_manifest_does_not_list(tmp_path: Path) -> None:
    from simulator.folders.read import ResultsFolder
    from simulator.report.page import folder_plot

    out = tmp_path / "out"
    assert _run(out, "--no-plots") == 0
    shutil.copy(out / "replications.parquet", out / "points.parquet")
    (out / "delivery.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    folder = ResultsFolder.open(out)
    assert not folder.usable("delivery.svg")
    assert folder_plot(folder, "delivery") is None
    assert folder.table("points.parquet") is None


# --- 6. one writer at a time, and only the writer the folder belongs to -----------------------

HOLD = """
import sys, time
from pathlib import Path
from simulator.folders.claim import FolderOwner, claim_folder
from simulator.scenario.load import load_scenario, scenario_sha256
demo = load_scenario(sys.argv[2])
demo = demo.model_copy(update={"run": demo.run.model_copy(update={"seed": 1})})
with claim_folder(Path(sys.argv[1]), FolderOwner("run", (("demo", scenario_sha256(demo)),), 1)):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_refused_at_once_and_a_killed_holder_leaves_no_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out), str(DEMO)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert _run(out) == 2
        err = capsys.readouterr().err
        assert f"{out} is being written by another reelsim process (pid {holder.pid})" in err
        assert "Traceback" not in err
        assert not (out / "summary.json").exists()
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert _run(out) == 0  # killed: the system released its lock


def test_another_seed_or_scenario_is_refused_and_the_folder_is_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    before = (out / "summary.json").read_bytes()
    capsys.readouterr()
    assert _run(out, seed=2) == 2
    assert "holds the results of seed 1, not 2" in capsys.readouterr().err
    assert _run(out, "--set", "pools.h100.gpus=3") == 2
    err = capsys.readouterr().err
    assert "scenario 'demo' with other values" in err
    assert "Give another --out, or remove the folder" in err
    sweep = ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "-n", "4", "--out", str(out)]
    assert main(sweep) == 2
    assert "holds the results of a reelsim run, not of a sweep" in capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == before
    assert not (out / "replications").exists()
    assert _run(out) == 0  # the same run again is welcome


def test_a_folder_written_before_owners_were_recorded_is_judged_by_its_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    (out / LOCK_NAME).unlink()
    assert _run(out, seed=3) == 2
    assert "seed 1" in capsys.readouterr().err


def test_a_resumed_run_of_the_same_scenario_and_seed_reuses_its_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.results.runs as runs

    out = tmp_path / "out"
    scenario = load_scenario(DEMO)
    work = Work(replications=6, seed=1, chunk_size=3, engine="reference")
    first = simulate(scenario, work, resume_in=out)
    assert len(first.chunks) == 2  # as an interrupted run leaves them

    def no_new_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a chunk on disk was computed again")

    monkeypatch.setattr(runs, "run_replications", no_new_work)
    monkeypatch.setattr(runs, "run_chunk_size", lambda engine: 3)
    assert _run(out, "--engine", "reference", n=6) == 0
    assert _summary(out)["replications"] == 6


# --- 11. places that cannot be written, and damaged chunks ------------------------------------


def test_an_out_that_cannot_be_a_folder_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(Path("/dev/null")) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert _run(tmp_path / "file") == 2
    assert _run(tmp_path / "file" / "below") == 2
    assert "not a folder" in capsys.readouterr().err
    assert _run(tmp_path / ("x" * 300)) == 2
    err = capsys.readouterr().err
    assert "the name is too long" in err
    assert "Traceback" not in err


def test_a_report_onto_something_not_a_file_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import stat

    out = tmp_path / "out"
    assert _run(out, "--no-plots") == 0
    pipe = tmp_path / "pipe"  # a named pipe: like /dev/null, not a plain file
    os.mkfifo(pipe)
    assert main(["report", str(out), "-o", str(pipe)]) == 2
    assert f"cannot write {pipe}" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_read_only_folder_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the system refuse as it would
        real_open = os.open

        def refuse(path: Any, *args: Any, **kwargs: Any) -> int:
            if str(path).startswith(str(out)):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    try:
        assert _run(out) == 2
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err
    assert f"cannot write in the results folder {out}: permission denied" in err


def test_a_full_disk_fails_with_a_message_and_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import simulator.files

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "out"
    monkeypatch.setattr(simulator.files.os, "fsync", full)
    assert _run(out) == 1  # not bad input: the place is right, the disk is full
    err = capsys.readouterr().err
    assert "the disk is full" in err
    assert "Traceback" not in err
    assert not list(out.rglob("*.tmp"))
    assert not (out / "summary.json").exists()


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_run_chunk_is_set_aside_and_computed_again(tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    work = Work(replications=6, seed=1, chunk_size=3, engine="reference")
    first = simulate(scenario, work, resume_in=tmp_path)
    _damage(first.chunks[1])
    with pytest.warns(DamagedChunk, match="set aside as .*corrupt"):
        again = simulate(scenario, work, resume_in=tmp_path)
    assert first.chunks[1].with_name(first.chunks[1].name + ".corrupt").exists()
    assert again.replications_frame().equals(first.replications_frame())


def test_a_truncated_sweep_chunk_is_set_aside_and_the_sweep_is_the_same(tmp_path: Path) -> None:
    from simulator.planning.executors import SerialExecutor
    from simulator.planning.sweeps import sweep

    def run() -> Any:
        return sweep(
            DEMO, ["pools.h100.gpus=1,2"], out=tmp_path, plots=False,
            work=Work(replications=4, chunk_size=2, executor=SerialExecutor()),
        )  # fmt: skip

    first = run()
    chunk = tmp_path / first.results[1].chunks[0].relative_path
    chunk.write_bytes(chunk.read_bytes()[:100])
    with pytest.warns(DamagedChunk):
        again = run()
    assert again.summary["chunks"]["computed"] == 1
    assert again.summary["points"] == first.summary["points"]


# --- 12. an edited summary.json: reported or refused, never a traceback -----------------------


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from simulator.planning.comparison import compare
    from simulator.planning.executors import SerialExecutor
    from simulator.planning.sensitivity import sensitivity
    from simulator.planning.staffing import staff
    from simulator.planning.sweeps import sweep

    root = tmp_path_factory.mktemp("kinds")
    assert _run(root / "run", n=10) == 0
    tight = ["shows.harbor-lights.episodes.0.deadline=2027-01-05"]
    grid = ["pools.h100.gpus=1:2", "teams.supervisors.shifts.0.people=1:2"]
    eight = Work(replications=8, executor=SerialExecutor())
    sweep(DEMO, grid, overrides=tight, out=root / "sweep", work=eight)
    staff(DEMO, grid, overrides=tight, target_risk=0.4, out=root / "staff", work=eight)
    compare(
        DEMO, DEMO, overrides_a=tight, overrides_b=[*tight, "pools.h100.gpus=3"],
        out=root / "compare", work=eight,
    )  # fmt: skip
    factors = [
        "shot_stages.image_to_video.failure_probability=0.01:0.2",
        "shot_stages.image_to_video.defect_probability=0.05:0.2",
    ]
    four = Work(replications=4, executor=SerialExecutor())
    sensitivity(DEMO, factors, samples=2, out=root / "sensitivity", work=four)
    return {kind: root / kind for kind in ("run", "sweep", "staff", "compare", "sensitivity")}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:2]):
            found += _paths(v, (*prefix, i))
    return found


EDITS: list[Any] = [
    "delete", None, "text", math.nan, math.inf, -math.inf, 10**400, 1e300, -1, [], {}, True,
]  # fmt: skip


def _edited(summary: dict[str, Any], path: tuple[Any, ...], edit: Any) -> dict[str, Any]:
    edited = copy.deepcopy(summary)
    parent = edited
    for key in path[:-1]:
        parent = parent[key]
    if edit == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = edit
    return edited


def test_150_edits_of_real_summaries_are_reported_or_refused(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picker = random.Random(12)
    outcomes = {0: 0, 2: 0}
    refusals = []
    for kind, source in folders.items():
        folder = tmp_path / kind
        shutil.copytree(source, folder)
        summary = _summary(source)
        paths = [p for p in _paths(summary) if p[0] != "files"]
        for path in picker.sample(paths, 30):
            edit = picker.choice(EDITS)
            edited = _edited(summary, path, edit)
            (folder / "summary.json").write_text(json.dumps(edited, allow_nan=True))
            code = main(["report", str(folder), "-o", str(tmp_path / "page.html")])
            err = capsys.readouterr().err
            assert code in (0, 2), (kind, path, edit, err)
            assert "Traceback" not in err
            outcomes[code] += 1
            if code == 2:
                assert err.startswith("error: "), err
                refusals.append(err)
    assert sum(outcomes.values()) == 150
    assert outcomes[0]  # edits that harm nothing report; the rest are refused
    assert outcomes[2]
    # Every refusal comes from the manifest check, naming the bad key.
    assert [e for e in refusals if "summary.json: " not in e or "cannot be laid out" in e] == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("season", "p_any_miss", "estimate"), math.nan, "season.p_any_miss.estimate must be a"),
        (("replications",), "20", "replications must be a whole number, got str"),
        (("episodes", 0, "p_miss"), None, "episodes.0.p_miss must be an object, got null"),
        (("cost", "total", "mean", "estimate"), 10**400, "cost.total.mean.estimate must be a"),
        (("files",), {"/etc/passwd": "ab"}, "files./etc/passwd must name a file inside"),
    ],
)
def test_a_bad_key_is_named(
    folders: dict[str, Path], path: tuple[Any, ...], value: Any, message: str
) -> None:
    summary = _edited(_summary(folders["run"]), path, value)
    with pytest.raises(UsageError, match=message.replace(".", r"\.").replace("/", "/")):
        check_manifest(summary)


def test_a_missing_key_is_named_with_the_kind(folders: dict[str, Path]) -> None:
    summary = _edited(_summary(folders["staff"]), ("target_risk",), "delete")
    with pytest.raises(UsageError, match="target_risk is missing; a staff summary has it"):
        check_manifest(summary)
    for folder in folders.values():
        check_manifest(_summary(folder))  # every real summary passes, utilisation either way
    large_seed = _edited(_summary(folders["run"]), ("seed",), 2**64 - 1)
    check_manifest(large_seed)  # any seed the command line takes
    renamed = _summary(folders["run"])
    renamed["utilization"] = renamed.pop("utilisation")  # the spelling of earlier folders
    check_manifest(renamed)
    renamed["utilization"]["pool:h100"]["estimate"] = "busy"
    with pytest.raises(UsageError, match=r"utilization\.pool:h100\.estimate must be a number"):
        check_manifest(renamed)


# --- 13. a policy of your own that misbehaves -------------------------------------------------

POLICIES = """
import math, time

class Raises:
    def key(self, task):
        return 1 / 0

class NotANumber:
    def key(self, task):
        return math.nan

class Infinite:
    def key(self, task):
        return -math.inf

class Text:
    def key(self, task):
        return "soon"

class CtrlC:
    def key(self, task):
        raise KeyboardInterrupt

class BrokenInit:
    def __init__(self):
        raise RuntimeError("no config")
    def key(self, task):
        return 0.0
"""


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Raises", "key() raised ZeroDivisionError: division by zero, for task"),
        ("NotANumber", "key() returned nan, not a finite number"),
        ("Infinite", "key() returned -inf, not a finite number"),
        ("Text", "key() returned str 'soon', not a number"),
        ("BrokenInit", "BrokenInit() raised RuntimeError: no config"),
    ],
)
def test_a_policy_that_misbehaves_is_named_with_the_task(
    name: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "hostile_policies.py").write_text(textwrap.dedent(POLICIES))
    monkeypatch.syspath_prepend(str(tmp_path))
    policy = f"supervisors=hostile_policies:{name}"
    assert _run(tmp_path / "out", "--policy", policy, "--no-plots", n=1) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    if name != "BrokenInit":
        assert f"policy hostile_policies:{name} for supervisors" in err


def test_ctrl_c_in_a_slow_policy_says_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "hostile_policies.py").write_text(textwrap.dedent(POLICIES))
    monkeypatch.syspath_prepend(str(tmp_path))
    policy = "supervisors=hostile_policies:CtrlC"
    assert _run(tmp_path / "out", "--policy", policy, n=1) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err
    assert "Traceback" not in err


# --- 14. CSV cells a spreadsheet would run ----------------------------------------------------


def test_text_that_starts_like_a_formula_is_neutralised_and_numbers_stay_numbers() -> None:
    for cell in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r=x", "=HYPERLINK"):
        assert csv_safe_cell(cell) == "'" + cell
    for cell in ("-3", "+1.5e3", "-0.25", "sh010", "", "a=b", 3, -3.5, None):
        assert csv_safe_cell(cell) == cell


def test_the_status_export_writes_no_formula(tmp_path: Path) -> None:
    import csv

    from simulator.model.starting_state import COLUMNS
    from simulator.results.status_export import write_status

    row = dict.fromkeys(COLUMNS, "")
    row.update({COLUMNS[0]: '=HYPERLINK("http://x")', COLUMNS[1]: "-2"})
    path = tmp_path / "status.csv"
    write_status([row], path)
    with open(path, newline="") as handle:
        written = next(csv.DictReader(handle))
    assert written[COLUMNS[0]] == '\'=HYPERLINK("http://x")'
    assert written[COLUMNS[1]] == "-2"
