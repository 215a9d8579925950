"""reelsim: capacity simulator for AI-assisted film and TV post-production.

Load a scenario, check it, and simulate its season::

    from simulator import load_scenario, simulate
    scenario = load_scenario("scenarios/demo.yaml")
    run = simulate(scenario, replications=50)
"""

from simulator._version import __version__
from simulator.errors import (
    InputError,
    ReelsimError,
    ScenarioError,
    UnsupportedError,
    UsageError,
)
from simulator.model import SeasonModel, compile_season
from simulator.preflight import preflight
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario
from simulator.simulate import Run, simulate

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
    "compile_season",
    "load_scenario",
    "preflight",
    "simulate",
]
