"""The JSON Schema of scenario files, for editors that complete and check YAML.

Scenario files carry the hint line ``# yaml-language-server: $schema=...`` pointing at
``docs/scenario.schema.json``, which is this function's output (a test keeps it current).
"""

from __future__ import annotations

from typing import Any

from simulator.scenario.schema import Scenario

__all__ = ["scenario_json_schema"]


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reelsim scenario"
    return schema
