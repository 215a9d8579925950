"""Generated docs stay in step with the code: the scenario reference and its JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.scenario.jsonschema import scenario_json_schema
from simulator.scenario.reference_doc import scenario_reference, scenario_schema_text
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
REGENERATE = "regenerate it: python -m simulator.scenario.reference_doc docs"
HINT = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


def test_the_scenario_reference_is_generated_from_the_schema() -> None:
    assert (DOCS / "scenario.md").read_text(encoding="utf-8") == scenario_reference(), (
        f"docs/scenario.md is out of date; {REGENERATE}"
    )


def test_the_json_schema_file_is_the_one_the_code_makes() -> None:
    assert (DOCS / "scenario.schema.json").read_text(encoding="utf-8") == scenario_schema_text(), (
        f"docs/scenario.schema.json is out of date; {REGENERATE}"
    )


def test_every_key_of_every_model_is_in_the_reference() -> None:
    text = scenario_reference()
    for model in (Scenario, *_models(Scenario)):
        assert f"## {model.__name__}" in text
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in text, f"{model.__name__}.{name}"


def _models(model: Any, seen: set[Any] | None = None) -> set[Any]:
    from simulator.scenario.reference_doc import _DISTRIBUTIONS, _children

    seen = set() if seen is None else seen
    for field in model.model_fields.values():
        for child, _ in _children(field.annotation):
            if child not in seen and child not in _DISTRIBUTIONS:
                seen.add(child)
                _models(child, seen)
    return seen


# --- the schema against the files editors will check with it ------------------------------


def _as_an_editor_reads(value: Any) -> Any:
    # YAML's unquoted dates are strings to a JSON Schema validator.
    if isinstance(value, dict):
        return {k: _as_an_editor_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_an_editor_reads(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _hinted() -> list[Path]:
    # tests/bad_scenarios holds broken files on purpose (some not even UTF-8): not these.
    files = sorted(ROOT.glob("scenarios/**/*.yaml")) + sorted(ROOT.glob("tests/theory/*.yaml"))
    return [p for p in files if HINT.search(p.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator(
        scenario_json_schema(), format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize("path", _hinted(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_hinted_scenario_passes_the_schema_it_names(path: Path, validator: Any) -> None:
    text = path.read_text(encoding="utf-8")
    match = HINT.search(text)
    assert match is not None
    assert (path.parent / match.group(1)).resolve() == (DOCS / "scenario.schema.json").resolve()
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(_as_an_editor_reads(yaml.safe_load(text)))
    ]
    assert errors == []


def test_the_examples_carry_the_hint() -> None:
    names = {p.name for p in _hinted()}
    assert {"demo.yaml", "season-hybrid.yaml"} <= names


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("run", "horizon"), 60),  # a duration without its unit
        (("run", "horizon"), "60 days"),
        (("pools", "h100", "kind"), "owned"),
        (("teams", "supervisors", "shifts", 0, "start"), "9am"),
        (("pools", "h100", "gpu_count"), 2),  # an unknown key
    ],
)
def test_the_schema_flags_what_the_loader_refuses(
    validator: Any, where: tuple[Any, ...], value: Any
) -> None:
    document = _as_an_editor_reads(yaml.safe_load((ROOT / "scenarios" / "demo.yaml").read_text()))
    node = document
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    assert list(validator.iter_errors(document))


def test_reelsim_schema_prints_the_same_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli.commands import main

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(scenario_schema_text())
