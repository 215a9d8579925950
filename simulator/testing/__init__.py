"""Tools for testing code that works with scenarios: engines, policies, reports.

``simulator.testing.strategies`` holds hypothesis strategies that generate valid
scenarios, the plain documents they load from, and documents with one known mistake;
its public names are re-exported here::

    from hypothesis import given
    from simulator.testing import scenarios

    @given(scenarios())
    def test_costs_are_never_negative(scenario): ...
"""

from simulator.testing.strategies import (
    distributions,
    document_to_yaml,
    durations,
    invalid_scenario_documents,
    load_document,
    names,
    scenario_documents,
    scenarios,
)

__all__ = [
    "distributions",
    "document_to_yaml",
    "durations",
    "invalid_scenario_documents",
    "load_document",
    "names",
    "scenario_documents",
    "scenarios",
]
