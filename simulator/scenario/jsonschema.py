"""The JSON Schema of scenario files, for editors that complete and check YAML.

Scenario files carry the hint line ``# yaml-language-server: $schema=...`` pointing at
``docs/scenario.schema.json``, which is this function's output (a test keeps it current,
and checks that every example scenario passes it).

The schema describes a file *as written*, not the models it is validated into: a duration
is held in hours but written ``"90s"`` or ``"4h"``; a moment is a date, a date and time,
or an offset such as ``"21d"``; a distribution may be a bare number. Pydantic would
describe the held type (a number of hours), and an editor would then mark every correct
``window: 1d`` as an error. So the generator below describes these few types by the
validator that reads them, and gives duration defaults in the written form too.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BeforeValidator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, NoDefault
from pydantic_core import core_schema

from simulator.distributions import DistributionSpec
from simulator.scenario._values import ClockTime, Duration, TimePoint
from simulator.scenario.schema import Scenario

__all__ = ["DURATION_PATTERN", "duration_text", "scenario_json_schema"]

DURATION_PATTERN = (
    r"^(\s*(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*[smhdwSMHDW])+\s*$"  # see simulator.units
)
_CLOCK_PATTERN = r"^\s*([01]?\d|2[0-4]):[0-5]\d\s*$"


def _reader(alias: Any) -> Any:
    """The function that reads values of an ``Annotated`` alias (its BeforeValidator)."""
    for meta in get_args(alias)[1:]:
        if isinstance(meta, BeforeValidator):
            return meta.func
    raise LookupError(f"{alias} has no BeforeValidator")


def duration_text(hours: float) -> str:
    """Hours as a scenario writes them: ``"10m"``, ``"1s"``, ``"365d"``."""
    for unit, size in (("w", 168.0), ("d", 24.0), ("h", 1.0), ("m", 1 / 60), ("s", 1 / 3600)):
        count = hours / size
        if count >= 1.0 and abs(count - round(count)) < 1e-9:
            return f"{round(count)}{unit}"
    return f"{hours * 3600.0:g}s" if hours > 0 else "0s"


_DURATION = {
    "type": "string",
    "pattern": DURATION_PATTERN,
    "examples": ["90s", "15m", "4h", "3d", "1h30m"],
}
_AS_WRITTEN: dict[Any, Any] = {
    _reader(Duration): lambda inner: dict(_DURATION),
    _reader(TimePoint): lambda inner: {
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            dict(_DURATION),
        ]
    },
    _reader(ClockTime): lambda inner: {"type": "string", "pattern": _CLOCK_PATTERN},
    _reader(DistributionSpec): lambda inner: {"anyOf": [{"type": "number", "minimum": 0}, inner()]},
}


def _function_of(schema: Any) -> Any:
    """The reading function of a value's core schema, through its constraint checks."""
    while isinstance(schema, dict) and schema.get("type") == "function-after":
        schema = schema["schema"]
    if isinstance(schema, dict) and schema.get("type") == "function-before":
        return schema["function"]["function"]
    return None


_JSON_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _drop_held_bounds(node: Any) -> None:
    # A bound on the hours held ("ge": 0) means nothing for a string as written. A bound
    # checked after a reading function comes out under pydantic's own name: give a number
    # its JSON Schema name.
    if isinstance(node, dict):
        if node.get("pattern") == DURATION_PATTERN:
            for key in _JSON_BOUNDS:
                node.pop(key, None)
        elif node.get("type") in ("number", "integer"):
            for key, name in _JSON_BOUNDS.items():
                if key in node:
                    node[name] = node.pop(key)
        for value in node.values():
            _drop_held_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _drop_held_bounds(value)


class _AsWritten(GenerateJsonSchema):
    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        written = _AS_WRITTEN.get(_function_of(schema))
        if written is None:
            return super().function_before_schema(schema)
        result: JsonSchemaValue = written(lambda: self.generate_inner(schema["schema"]))
        return result

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        default = super().get_default_value(schema)
        if default is not NoDefault and _function_of(schema["schema"]) is _reader(Duration):
            return duration_text(float(default))
        return default


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(mode="validation", schema_generator=_AsWritten)
    _drop_held_bounds(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reelsim scenario"
    return schema
