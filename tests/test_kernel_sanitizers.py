"""The batch kernel under AddressSanitizer and UndefinedBehaviorSanitizer.

``tests/sanitize/driver.c`` includes ``kernels/reelsim_kernel.c`` and runs replications
of a packed model, each block in an allocation of exactly its size; it is compiled once
per session with ``-fsanitize=address,undefined -fno-sanitize-recover=all``, so the first
read or write out of bounds, signed overflow, misaligned access or other undefined
behaviour aborts it with a report. Checked on every shipped scenario, a run from a
starting state and generated seasons, each packed with room enough in its event heap that
no replication fills it, and on heaps far too small; every run's output rows must also be
bit for bit the CPU kernel's. Skipped only where no C compiler builds a program with both
sanitizers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from kernels import cpu
from simulator import compile_season, load_scenario
from simulator.calendar import hours_at, parse_moment
from simulator.engines.packing import pack
from simulator.model.season import SeasonModel
from simulator.model.starting_state import load_status, with_start
from simulator.testing import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("cpu_kernel")]

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "sanitize" / "driver.c"
FLAGS = [
    "-std=c99",
    "-O1",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
    "-ffp-contract=off",
]
# Every shipped scenario; the examples folder also holds a calibration mapping.
NOT_SCENARIOS = {"history-mapping.yaml"}
SHIPPED = [
    path
    for path in sorted((ROOT / "scenarios").glob("*.yaml"))
    + sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))
    if path.name not in NOT_SCENARIOS
]
REPORTS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")
# Sanitizer options: stop at the first report, check leaks too, exit 99 on a report so
# that it is never mistaken for the driver's own statuses.
ENVIRONMENT = {
    "ASAN_OPTIONS": "abort_on_error=0:detect_leaks=1:exitcode=99:detect_stack_use_after_return=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
}
TIME_LIMIT = 60
TRACE_CAPACITY = 64
GENERATED = 50


def _compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The driver built with both sanitizers; skips where no compiler supports them."""
    cc = _compiler()
    folder = tmp_path_factory.mktemp("sanitize")
    if cc is None:
        pytest.skip("no C compiler")
    trivial = folder / "trivial.c"
    trivial.write_text("int main(void) { return 0; }\n")
    probe = subprocess.run(
        [cc, "-fsanitize=address,undefined", str(trivial), "-o", str(folder / "trivial")],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"{cc} cannot build with -fsanitize=address,undefined: {probe.stderr}")
    program = folder / "driver"
    build = subprocess.run(
        [cc, *FLAGS, str(DRIVER), "-o", str(program), "-lm"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, f"the sanitized driver did not build:\n{build.stderr}"
    return program


def run_sanitized(
    driver: Path,
    model: SeasonModel,
    folder: Path,
    replications: int,
    *,
    heap_capacity: int | None = None,
    task_capacity: int | None = None,
) -> int:
    """Run ``replications`` of ``model`` (and one traced) in the driver; how many filled
    their event heap or ran out of task records.

    Fails unless the driver exits 0 without a sanitizer report and its output rows are bit
    for bit those of the CPU kernel. The heap holds eight times the packer's estimate
    unless ``heap_capacity`` says otherwise; ``task_capacity`` sets the task records.
    """
    if heap_capacity is None:
        heap_capacity = 8 * pack(model).heap_capacity
    packed = pack(model, heap_capacity=heap_capacity, task_capacity=task_capacity)
    mi, md = folder / "mi.bin", folder / "md.bin"
    out_d, out_i = folder / "out_d.bin", folder / "out_i.bin"
    packed.mi.tofile(mi)
    packed.md.tofile(md)
    args = [mi, md, replications, TRACE_CAPACITY, out_d, out_i]
    done = subprocess.run(
        [str(driver), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        env={**os.environ, **ENVIRONMENT},
        check=False,
    )
    failed = f"the sanitized kernel failed (exit {done.returncode}):\n{done.stderr}"
    assert done.returncode == 0, failed
    assert not [word for word in REPORTS if word in done.stderr], failed
    line = re.fullmatch(
        r"replications (\d+), heap full (\d+), trace records (\d+) .*\n", done.stdout
    )
    assert line is not None, done.stdout
    assert int(line[1]) == replications
    expected = cpu.run(packed.mi, packed.md, np.arange(replications), threads=1)
    # Bit for bit: the float64 rows compared as their 64-bit patterns.
    got_d = np.fromfile(out_d, dtype=np.int64).reshape(expected.out_d.shape)
    got_i = np.fromfile(out_i, dtype=np.int64).reshape(expected.out_i.shape)
    assert np.array_equal(got_d, expected.out_d.view(np.int64))
    assert np.array_equal(got_i, expected.out_i)
    return int(line[2])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name + "/" + p.stem)
def test_shipped_scenarios_run_clean_under_the_sanitizers(
    driver: Path, path: Path, tmp_path: Path
) -> None:
    model = compile_season(load_scenario(path))
    # A season of thousands of shots runs for seconds per replication under the sanitizers.
    replications = 20 if model.n_shots > 500 else 50
    assert run_sanitized(driver, model, tmp_path, replications) == 0


@pytest.mark.parametrize(
    ("name", "capacity"), [("demo", 0), ("demo", 4), ("season-hybrid", 16), ("season-hybrid", 32)]
)
def test_an_event_heap_that_fills_stops_the_replication_cleanly(
    driver: Path, name: str, capacity: int, tmp_path: Path
) -> None:
    """A heap far too small (full while the season is set up, or hundreds of events into
    the run) ends every replication with RS_HEAP_FULL, writing nothing past its end; the
    batch runner then reruns it with twice the room."""
    model = compile_season(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    assert run_sanitized(driver, model, tmp_path, 5, heap_capacity=capacity) == 5


@pytest.mark.parametrize(
    ("name", "capacity"), [("demo", 0), ("demo", 3), ("season-hybrid", 16), ("season-hybrid", 64)]
)
def test_task_records_that_run_out_stop_the_replication_cleanly(
    driver: Path, name: str, capacity: int, tmp_path: Path
) -> None:
    """Records for too few tasks in progress at once (none, or tens of tasks into the run)
    end every replication with RS_HEAP_FULL, writing nothing past the records; the batch
    runner then reruns it with twice the room."""
    model = compile_season(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    assert run_sanitized(driver, model, tmp_path, 5, task_capacity=capacity) == 5


def test_a_run_from_a_starting_state_runs_clean_under_the_sanitizers(
    driver: Path, tmp_path: Path
) -> None:
    """The mid-season replan of the examples: shots and episodes placed where a status says."""
    examples = ROOT / "scenarios" / "examples"
    scenario = load_scenario(examples / "known.yaml")
    model = compile_season(scenario)
    now = hours_at(scenario.calendar, parse_moment("2027-03-02T12:00"))
    status = load_status(examples / "status.csv", model, scenario.calendar, now)
    assert run_sanitized(driver, with_start(model, status), tmp_path, 50) == 0


@pytest.mark.parametrize(
    "bounds", [{}, {"max_episodes": 4, "max_shots": 25}], ids=["small", "larger"]
)
def test_generated_scenarios_run_clean_under_the_sanitizers(
    driver: Path, bounds: dict[str, int], tmp_path: Path
) -> None:
    """Generated seasons (a fixed sequence of examples), three replications each."""
    ran = []

    @settings(
        max_examples=GENERATED,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios(**bounds))
    def clean(scenario: Any) -> None:
        model = compile_season(scenario)
        assert run_sanitized(driver, model, tmp_path, min(model.replications, 3)) == 0
        ran.append(model)

    clean()
    assert len(ran) == GENERATED
