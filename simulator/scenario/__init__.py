"""The scenario language: YAML read safely, validated into a frozen ``Scenario``, overrides,
the JSON Schema and the reference doc.
"""

from __future__ import annotations

from simulator.scenario._located import (
    located_problems,
)
from simulator.scenario._yaml import (
    Positions,
    YamlPath,
    apply_overrides,
    load_yaml,
    load_yaml_file,
    parse_override_value,
)
from simulator.scenario.jsonschema import (
    scenario_json_schema,
)
from simulator.scenario.load import (
    load_prices,
    load_scenario,
    parse_scenario,
    scenario_sha256,
)
from simulator.scenario.schema import (
    Scenario,
)

__all__ = [
    "Positions",
    "Scenario",
    "YamlPath",
    "apply_overrides",
    "load_prices",
    "load_scenario",
    "load_yaml",
    "load_yaml_file",
    "located_problems",
    "parse_override_value",
    "parse_scenario",
    "scenario_json_schema",
    "scenario_sha256",
]
