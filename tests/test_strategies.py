"""The hypothesis strategies of ``simulator.testing``: what they generate is valid, and
their documents with one mistake are refused where the mistake is."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.testing
from simulator.errors import ScenarioError
from simulator.scenario.schema import GpuStage, ReviewStage, Scenario
from simulator.testing import (
    durations,
    invalid_scenario_documents,
    load_document,
    scenario_documents,
    scenarios,
)
from simulator.units import parse_duration_hours


def scenario_settings(**changes: int) -> settings:
    """Settings for tests that draw whole scenarios: a few hundred draws each is what
    they are, not a slow strategy to warn about."""
    return settings(suppress_health_check=[HealthCheck.too_slow], **changes)


def test_the_strategies_are_exported_by_the_package() -> None:
    # The package's whole list of public names is checked in test_public_api.py.
    for name in simulator.testing.strategies.__all__:
        assert getattr(simulator.testing, name) is getattr(simulator.testing.strategies, name)


@pytest.mark.slow
@scenario_settings(max_examples=300)
@given(scenario_documents())
def test_every_generated_document_loads_as_a_valid_scenario(document: dict) -> None:
    # load_document runs the loader's own validation, cross-references included; a
    # ScenarioError here names the generator's mistake with its line in the YAML text.
    scenario = load_document(document)
    assert scenario.name == document["name"]
    stages = list(scenario.shot_stages.values())
    for index, stage in enumerate(stages):
        if isinstance(stage, ReviewStage) and stage.rework_to == "origin":
            assert any(isinstance(before, GpuStage) for before in stages[:index])
        elif isinstance(stage, ReviewStage) and stage.rework_to is not None:
            assert list(scenario.shot_stages).index(stage.rework_to) < index


@scenario_settings()
@given(scenarios(max_shows=1, max_episodes=1, max_shots=2, max_shot_stages=1, max_pools=1))
def test_scenarios_respect_their_size_bounds(scenario: Scenario) -> None:
    assert isinstance(scenario, Scenario)
    assert len(scenario.shows) == 1
    assert len(scenario.shot_stages) == 1
    assert len(scenario.pools) == 1
    for show in scenario.shows.values():
        episodes = show.episodes
        count = len(episodes) if isinstance(episodes, tuple) else episodes.count
        assert count == 1


@scenario_settings()
@given(scenarios())
def test_gpu_stages_fit_their_pools(scenario: Scenario) -> None:
    for stage in scenario.shot_stages.values():
        if isinstance(stage, GpuStage):
            for option in stage.options:
                assert option.gang <= scenario.pools[option.pool].gpus


@given(st.floats(0.0, 100.0), st.data())
def test_durations_stay_within_their_bound(bound: float, data: st.DataObject) -> None:
    text = data.draw(durations(bound))
    assert 0.0 <= parse_duration_hours(text) <= bound


@pytest.mark.slow
@scenario_settings(max_examples=100)
@given(invalid_scenario_documents())
def test_one_known_mistake_is_reported_at_its_path(case: tuple[dict, str, str]) -> None:
    document, path, reason = case
    try:
        load_document(document, source="mistake.yaml")
    except ScenarioError as error:
        problems = error.problems
    else:
        raise AssertionError(f"accepted a document with a mistake at {path}: {reason}")
    at_path = [p for p in problems if p.path == path]
    assert at_path, f"no problem at {path!r}; got: {[str(p) for p in problems]}"
    assert any(reason in p.message for p in at_path), [str(p) for p in problems]
    # Located in the file, as a person would see it.
    assert all(p.file == "mistake.yaml" and p.line is not None for p in at_path)
