"""The profile-guided build of the CPU kernel (setup.py) and its training models.

``setup.py`` builds ``kernels._cpu`` plain, then trained on ``pgo/*.model``
and profile-guided; it keeps the profile-guided build only where every step worked.
Checked here: the stored models are what ``make training-models`` writes today (so they
fail here, not silently at install, when packing or the layout changes); the
profile-guided build gives the plain build's outputs bit for bit, on every shipped
scenario, the M/M/3 of the benchmarks and generated seasons, with replication numbers
other than the training run's; and a stale model leaves the plain build, not a failed
one. The build tests skip only where the compiler is not GCC 10 or later (as setup.py
then builds plain).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from kernels.layout import DEFINES, LAYOUT
from simulator import compile_season, load_scenario
from simulator.engines.packing import pack
from simulator.model.season import SeasonModel
from simulator.testing import scenarios

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "pgo"
SHIPPED = [
    path
    for path in sorted((ROOT / "scenarios").glob("*.yaml"))
    + sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))
    + [ROOT / "benchmarks" / "scenarios" / "mm3.yaml"]
    if path.name != "history-mapping.yaml"
]
REPLICATIONS = range(100, 106)  # the training run's are 0, 1, ...
GENERATED = 30


@cache
def _script(name: str) -> ModuleType:
    """A script of pgo/ (they are not in a package), loaded once."""
    spec = importlib.util.spec_from_file_location(f"training_{name}", TRAINING / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_the_stored_training_models_are_what_make_training_models_writes() -> None:
    train = _script("train")
    stored = {path.name: path for path in TRAINING.glob("*.model")}
    for path in stored.values():
        version = train.read_model(path).layout_version
        assert version == DEFINES["RS_LAYOUT_VERSION"], (
            f"{path.name} is of layout version {version}, the kernel's is "
            f"{DEFINES['RS_LAYOUT_VERSION']}: run `make training-models`"
        )
    written = _script("write_models").training_models()
    assert sorted(stored) == sorted(written), "run `make training-models`"
    stale = [name for name, data in written.items() if stored[name].read_bytes() != data]
    assert not stale, f"stale training models {stale}: run `make training-models`"


def _setup(source: Path, out: Path, pgo: bool) -> str:
    """``setup.py build_ext`` of ``source`` into ``out``; its messages."""
    env = dict(os.environ, REELSIM_PGO="1" if pgo else "0")
    done = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "-b", str(out / "lib"), "-t", str(out / "tmp")],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _load(out: Path) -> ModuleType:
    (path,) = (out / "lib" / "kernels").glob("_cpu*")
    return _script("train").load_extension(path)


def _builds(folder: Path) -> tuple[ModuleType, ModuleType]:
    """The plain and the profile-guided build of this tree's kernel."""
    _setup(ROOT, folder / "plain", pgo=False)
    messages = _setup(ROOT, folder / "pgo", pgo=True)
    if "plain -O3 build (the compiler is not GCC 10 or later)" in messages:
        pytest.skip("the compiler is not GCC 10 or later: setup.py builds plain")
    assert "kernels._cpu: profile-guided build, trained on" in messages, messages[-3000:]
    plain, guided = _load(folder / "plain"), _load(folder / "pgo")
    assert plain.__file__ != guided.__file__
    assert plain.run is not guided.run
    return plain, guided


def _outputs(extension: ModuleType, model: SeasonModel, trace: bool) -> list[bytes]:
    packed = pack(model)
    header = LAYOUT["rs_header"]
    reps = np.array(REPLICATIONS, dtype=np.int64)
    out_d = np.zeros((len(reps), int(packed.mi[header["RS_H_OUT_D_WORDS"]])))
    out_i = np.zeros((len(reps), int(packed.mi[header["RS_H_OUT_I_WORDS"]])), dtype=np.int64)
    scratch = np.empty(int(packed.mi[header["RS_H_SCRATCH_WORDS"]]), dtype=np.uint64)
    extension.run(packed.mi, packed.md, reps, out_d, out_i, scratch, 1)
    assert np.all(out_i[:, int(packed.mi[header["RS_H_OI_STATUS"]])] == 0)
    outputs = [out_d.tobytes(), out_i.tobytes()]
    if trace:
        records = np.zeros((20_000, DEFINES["RS_TRACE_WIDTH"]))
        made = extension.run(
            packed.mi, packed.md, reps[:1], out_d[:1], out_i[:1], scratch, 1, records
        )
        outputs += [records.tobytes(), str(made).encode()]
    return outputs


def test_the_profile_guided_build_gives_the_plain_builds_outputs(tmp_path: Path) -> None:
    """On every shipped scenario (with a trace) and generated seasons: one test, so that
    parallel test processes do not each build the kernel twice."""
    plain, guided = _builds(tmp_path)
    for scenario in SHIPPED:
        model = compile_season(load_scenario(scenario))
        same = _outputs(guided, model, trace=True) == _outputs(plain, model, trace=True)
        assert same, scenario.name
    compared = []

    @settings(
        max_examples=GENERATED,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios(max_episodes=4, max_shots=25))
    def generated(scenario: Any) -> None:
        model = compile_season(scenario)
        assert _outputs(guided, model, trace=False) == _outputs(plain, model, trace=False)
        compared.append(model)

    generated()
    assert len(compared) == GENERATED


def test_stale_training_models_leave_the_plain_build(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "kernels", source / "kernels", ignore=shutil.ignore_patterns("*.so"))
    shutil.copytree(ROOT / "pgo", source / "pgo")
    train = _script("train")
    stored = sorted((source / "pgo").glob("*.model"))
    model = train.read_model(stored[0])
    older = dataclasses.replace(model, layout_version=model.layout_version - 1)
    stored[0].write_bytes(older.to_bytes())
    messages = _setup(source, tmp_path / "out", pgo=True)
    if "plain -O3 build (the compiler is not GCC 10 or later)" in messages:
        pytest.skip("the compiler is not GCC 10 or later: setup.py builds plain")
    assert "kernels._cpu: plain -O3 build (the training run failed: " in messages
    assert f"{stored[0].name}: layout version {model.layout_version - 1}" in messages
    assert "profile-guided build, trained" not in messages
    extension = _load(tmp_path / "out")
    model_of = compile_season(load_scenario(ROOT / "scenarios" / "demo.yaml"))
    assert len(_outputs(extension, model_of, trace=False)) == 2
