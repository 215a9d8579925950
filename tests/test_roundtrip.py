"""A validated scenario written back to YAML loads as the same scenario.

The loader promises a self-contained result that "can be hashed, shipped to a worker, or
written back to YAML". This checks the last promise for every example and for generated
scenarios: ``model_dump(mode="json")`` → ``yaml.safe_dump`` → the project's loader →
an equal ``Scenario`` (and so the same ``scenario_sha256``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from simulator.scenario import load_yaml
from simulator.scenario.load import load_scenario, parse_scenario, scenario_sha256
from simulator.scenario.schema import GpuStage, Scenario
from simulator.testing import scenarios

EXAMPLES = Path(__file__).parent.parent / "scenarios"


# yaml.safe_dump, with the C emitter where PyYAML has it (the Python one is most of the
# time of this test otherwise).
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def round_trip(scenario: Scenario, base_dir: Path) -> Scenario:
    data = scenario.model_dump(mode="json")
    text = yaml.dump(data, Dumper=SAFE_DUMPER, sort_keys=False, allow_unicode=True)
    data, positions = load_yaml(text, "round-trip.yaml")
    return parse_scenario(data, positions, source="round-trip.yaml", base_dir=base_dir)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_survives_a_round_trip(path: Path) -> None:
    scenario = load_scenario(path)
    again = round_trip(scenario, path.parent)
    assert again == scenario
    assert scenario_sha256(again) == scenario_sha256(scenario)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_scenarios_survive_a_round_trip(scenario: Scenario) -> None:
    again = round_trip(scenario, Path("."))
    assert again == scenario
    assert scenario_sha256(again) == scenario_sha256(scenario)


def test_a_sub_second_duration_survives_a_round_trip() -> None:
    stage = GpuStage.model_validate(
        {"kind": "gpu", "options": [{"pool": "h100", "seconds_per_frame": 1}], "backoff": "0.1s"}
    )
    assert GpuStage.model_validate(stage.model_dump(mode="json")) == stage
