"""The scenario language: YAML read safely, validated into a frozen ``Scenario``, overrides,
the JSON Schema and the reference doc.
"""

from __future__ import annotations

from simulator.scenario._files import (
    FILE_ROOTS_VARIABLE,
    ReadRefused,
    read_regular_file,
)
from simulator.scenario._located import (
    located_problems,
)
from simulator.scenario._overrides import (
    apply_overrides,
    parse_override_value,
)
from simulator.scenario._positions import (
    Positions,
    YamlPath,
)
from simulator.scenario._yaml import (
    MAX_ALIASES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_EXPANDED_BYTES,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    load_yaml,
    load_yaml_file,
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
from simulator.scenario.starter import (
    write_starter,
)

__all__ = [
    "FILE_ROOTS_VARIABLE",
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXPANDED_BYTES",
    "MAX_NODES",
    "MAX_NUMBER_DIGITS",
    "Positions",
    "ReadRefused",
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
    "read_regular_file",
    "scenario_json_schema",
    "scenario_sha256",
    "write_starter",
]
