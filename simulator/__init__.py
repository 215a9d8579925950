"""reelsim: capacity simulator for AI-assisted film and TV post-production.

Load a scenario, check it, and (with an engine) simulate its season::

    from simulator import load_scenario
    scenario = load_scenario("scenarios/demo.yaml")
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

__all__ = [
    "InputError",
    "ReelsimError",
    "Scenario",
    "ScenarioError",
    "SeasonModel",
    "UnsupportedError",
    "UsageError",
    "__version__",
    "compile_season",
    "load_scenario",
    "preflight",
]
