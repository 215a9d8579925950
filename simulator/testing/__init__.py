"""Tools for testing code that works with scenarios: engines, policies, reports.

``simulator.testing.strategies`` holds hypothesis strategies that generate valid
scenarios, the plain documents they load from, and documents with one known mistake;
its public names are re-exported here::

    from hypothesis import given
    from simulator.testing import scenarios

    @given(scenarios())
    def test_costs_are_never_negative(scenario): ...

``simulator.testing.profiles`` holds two hypothesis profiles: ``ci`` (derandomized, so a
red build fails the same way on a rerun, and printing the blob that reproduces a failure)
and ``dev`` (new examples on every run, failures remembered in ``.hypothesis/``); both
small (50 and 25 examples) and without a deadline. ``load_profile()`` in a ``conftest.py``
registers them and loads the one the ``HYPOTHESIS_PROFILE`` environment variable names
(``ci`` where it is unset and ``CI`` is set, else ``dev``)::

    # conftest.py
    from simulator.testing import load_profile

    load_profile()

``simulator.testing.agreement`` compares replication results field by field, and
``simulator.testing.invariants`` checks what every replication of the model must satisfy.
"""

from simulator.testing.profiles import load_profile, register_profiles
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
    "load_profile",
    "names",
    "register_profiles",
    "scenario_documents",
    "scenarios",
]
