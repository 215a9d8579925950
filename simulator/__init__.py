"""reelsim: capacity simulator for AI-assisted film and TV post-production.

Load a scenario, check it, and simulate its season::

    from simulator import Work, load_scenario, simulate
    scenario = load_scenario("scenarios/demo.yaml")
    run = simulate(scenario, Work(replications=50))

The names below are imported on first use, so that ``import simulator`` (and the
``reelsim`` command) start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator._version import __version__
from simulator.errors import (
    InputError,
    ReelsimError,
    ScenarioError,
    UnsupportedError,
    UsageError,
)

if TYPE_CHECKING:
    from simulator.model.compiler import compile_season
    from simulator.model.preflight import preflight
    from simulator.model.season import SeasonModel
    from simulator.planning.calibration import calibrate
    from simulator.planning.comparison import compare
    from simulator.planning.staffing import staff
    from simulator.planning.sweeps import sweep
    from simulator.results.runs import Run, simulate
    from simulator.results.work import Work
    from simulator.scenario.load import load_scenario
    from simulator.scenario.schema import Scenario

_LAZY = {
    "Run": "simulator.results.runs",
    "Scenario": "simulator.scenario.schema",
    "SeasonModel": "simulator.model.season",
    "calibrate": "simulator.planning.calibration",
    "compare": "simulator.planning.comparison",
    "compile_season": "simulator.model.compiler",
    "load_scenario": "simulator.scenario.load",
    "preflight": "simulator.model.preflight",
    "simulate": "simulator.results.runs",
    "staff": "simulator.planning.staffing",
    "sweep": "simulator.planning.sweeps",
    "Work": "simulator.results.work",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
