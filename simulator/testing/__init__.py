"""Tools for testing code that works with scenarios: engines, policies, reports.

``simulator.testing.strategies`` holds hypothesis strategies that generate valid
scenarios (and scenario documents, and documents with one known mistake); its public
names are re-exported here::

    from hypothesis import given
    from simulator.testing import scenarios

    @given(scenarios())
    def test_costs_are_never_negative(scenario): ...
"""

from simulator.testing.strategies import (
    distributions,
    durations,
    invalid_scenario_documents,
    names,
    scenario_documents,
    scenarios,
)

__all__ = [
    "distributions",
    "durations",
    "invalid_scenario_documents",
    "names",
    "scenario_documents",
    "scenarios",
]
