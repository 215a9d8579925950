"""Every Python example in the README runs, and the public API is what it says."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import types
from pathlib import Path

import pytest

import simulator

ROOT = Path(__file__).parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{k}" for k in range(len(BLOCKS))])
def test_readme_python_examples_run(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
    finally:
        os.chdir(here)


def test_the_readme_has_examples() -> None:
    assert BLOCKS


def test_public_api() -> None:
    assert sorted(simulator.__all__) == [
        "InputError",
        "ReelsimError",
        "Run",
        "Scenario",
        "ScenarioError",
        "SeasonModel",
        "UnsupportedError",
        "UsageError",
        "Work",
        "__version__",
        "calibrate",
        "compare",
        "compile_season",
        "load_scenario",
        "preflight",
        "simulate",
        "staff",
        "sweep",
    ]
    # Import every module first: a module named like a public function would shadow it.
    for module in pkgutil.walk_packages(simulator.__path__, "simulator."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    for name in simulator.__all__:
        assert not isinstance(getattr(simulator, name), types.ModuleType), name
