"""reelsim: capacity simulator for AI-assisted film and TV post-production.

Load a scenario, check it, and simulate its season::

    from simulator import load_scenario, simulate
    scenario = load_scenario("scenarios/demo.yaml")
    run = simulate(scenario, replications=50)

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
    from simulator.calibration import calibrate
    from simulator.capacity import preflight
    from simulator.comparison import compare
    from simulator.model import SeasonModel, compile_season
    from simulator.runs import Run, simulate
    from simulator.scenario.load import load_scenario
    from simulator.scenario.schema import Scenario
    from simulator.staffing import staff
    from simulator.sweeps import sweep

_LAZY = {
    "Run": "simulator.runs",
    "Scenario": "simulator.scenario.schema",
    "SeasonModel": "simulator.model",
    "calibrate": "simulator.calibration",
    "compare": "simulator.comparison",
    "compile_season": "simulator.model",
    "load_scenario": "simulator.scenario.load",
    "preflight": "simulator.capacity",
    "simulate": "simulator.runs",
    "staff": "simulator.staffing",
    "sweep": "simulator.sweeps",
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
