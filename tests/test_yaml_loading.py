"""Safe YAML loading, positions, overrides and located validation errors (scenario._yaml)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.scenario import (
    MAX_ALIASES,
    MAX_BYTES,
    MAX_DEPTH,
    Positions,
    _yaml,  # white-box: its node limit is lowered for one test
    apply_overrides,
    load_yaml,
    load_yaml_file,
    located_problems,
)

SOURCE = "s.yaml"


def refusal(text: str) -> Problem:
    """The single problem a document is refused with."""
    with pytest.raises(ScenarioError) as caught:
        load_yaml(text, SOURCE)
    (problem,) = caught.value.problems
    assert problem.file == SOURCE
    return problem


def where(problem: Problem) -> tuple[int | None, int | None]:
    return problem.line, problem.column


# --- plain data ---------------------------------------------------------------------------


def test_scalars_follow_yaml_1_2_numbers_and_keep_dates() -> None:
    data, _ = load_yaml(
        "a: [1, -2, 1_000, 0x1F, 2.5, 1e-6, .5, .inf, 9:30, '3', 010, yes, Off, ~, '']\n"
        "day: 2027-03-15\n"
        "at: 2027-03-15 18:00:00\n"
        "text: plain words\n",
        SOURCE,
    )
    assert data["a"] == [
        1,
        -2,
        1000,
        31,
        2.5,
        1e-6,
        0.5,
        float("inf"),
        "9:30",
        "3",
        "010",
        True,
        False,
        None,
        "",
    ]
    assert data["day"] == dt.date(2027, 3, 15)
    assert data["at"] == dt.datetime(2027, 3, 15, 18, 0, 0)
    assert data["text"] == "plain words"


def test_nan_is_left_for_the_schema() -> None:
    data, _ = load_yaml("x: .nan\n", SOURCE)
    assert data["x"] != data["x"]


def test_explicit_standard_tags_are_allowed() -> None:
    data, _ = load_yaml("a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: ! 3\n", SOURCE)
    assert data == {"a": "12", "b": 7, "c": 1.0, "d": "3"}


def test_positions_of_keys_values_and_list_items() -> None:
    text = (
        "name: demo\n"  # 1
        "pools:\n"  # 2
        "  h100:\n"  # 3
        "    gpus: 8\n"  # 4
        "teams:\n"  # 5
        "  night:\n"  # 6
        "    shifts:\n"  # 7
        "      - start: '21:00'\n"  # 8
        "        people: 2\n"  # 9
        "      - {start: '09:00', people: 3}\n"  # 10
    )
    _, positions = load_yaml(text, SOURCE)
    assert positions.of(()) == (1, 1)
    assert positions.of(("name",)) == (1, 7)
    assert positions.key_of(("name",)) == (1, 1)
    assert positions.key_of(("pools", "h100")) == (3, 3)
    assert positions.of(("pools", "h100", "gpus")) == (4, 11)
    assert positions.key_of(("pools", "h100", "gpus")) == (4, 5)
    assert positions.of(("teams", "night", "shifts", 0)) == (8, 9)
    assert positions.of(("teams", "night", "shifts", 0, "people")) == (9, 17)
    assert positions.of(("teams", "night", "shifts", 1, "people")) == (10, 34)
    assert positions.key_of(("teams", "night", "shifts", 1)) == (10, 9)  # list item: its value
    # Unknown paths fall back to the nearest ancestor (its key, where it has one).
    assert positions.of(("pools", "h100", "price", "x")) == (3, 3)
    assert positions.has(("teams", "night", "shifts", 1))
    assert not positions.has(("teams", "day"))


def test_aliases_are_copied_and_located_at_their_use() -> None:
    text = "base: &b {mean: 3}\nx: *b\n"
    data, positions = load_yaml(text, SOURCE)
    assert data == {"base": {"mean": 3}, "x": {"mean": 3}}
    assert data["x"] is not data["base"]
    assert positions.of(("x",)) == (2, 4)  # the '*b'
    assert positions.of(("x", "mean")) == (1, 17)  # inside: where the anchor wrote it


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_documents_are_refused(text: str) -> None:
    problem = refusal(text)
    assert "empty" in problem.message
    assert where(problem) == (1, 1)


@pytest.mark.parametrize(
    ("text", "found", "at"),
    [
        ("- a\n- b\n", "a list", (1, 1)),
        ("\n  just words\n", "'just words'", (2, 3)),
        ("42\n", "42", (1, 1)),
    ],
)
def test_the_top_must_be_a_mapping(text: str, found: str, at: tuple[int, int]) -> None:
    problem = refusal(text)
    assert problem.message == f"expected a mapping of scenario keys, got {found}"
    assert where(problem) == at


def test_a_second_document_is_refused() -> None:
    problem = refusal("a: 1\n---\nb: 2\n")
    assert "second YAML document" in problem.message
    assert where(problem) == (2, 1)


def test_syntax_errors_use_the_parser_position() -> None:
    problem = refusal("a: 1\nb: [1, 2\nc: 3\n")
    assert problem.message.startswith("invalid YAML: ")
    assert where(problem) == (3, 2)
    tab = refusal("a:\n\tb: 1\n")
    assert where(tab) == (2, 1)
    assert "spaces, not tabs" in tab.message


def test_duplicate_keys_are_refused_at_the_second() -> None:
    problem = refusal("pools:\n  h100: {}\n  a100: {}\n  h100: {}\n")
    assert problem.message == "key 'h100' appears twice (first at line 2)"
    assert where(problem) == (4, 3)


def test_merge_keys_are_refused() -> None:
    problem = refusal("base: &b {gpus: 1}\npool:\n  <<: *b\n  price: 2\n")
    assert problem.message == "merge keys are not allowed; write the values out"
    assert where(problem) == (3, 3)


@pytest.mark.parametrize(
    ("text", "tag", "at"),
    [
        (
            "a: !!python/object/apply:os.system ['true']\n",
            "!!python/object/apply:os.system",
            (1, 4),
        ),
        ("a:\n  b: !!python/name:os.system ''\n", "!!python/name:os.system", (2, 6)),
        ("a: !foo bar\n", "!foo", (1, 4)),
        ("a: !!set {x, y}\n", "!!set", (1, 4)),
        ("a: !!binary aGk=\n", "!!binary", (1, 4)),
        ("a: !!map [1]\n", "!!map", (1, 4)),
    ],
)
def test_non_standard_tags_are_refused(text: str, tag: str, at: tuple[int, int]) -> None:
    problem = refusal(text)
    assert problem.message.startswith(f"tag {tag!r} is not allowed")
    assert where(problem) == at


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ScenarioError):
        load_yaml(text, SOURCE)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "found", "at"),
    [
        (
            "on: 1\n",
            "the boolean true (YAML reads 'on' as a boolean); write it in quotes: 'on'",
            (1, 1),
        ),
        (
            "a:\n  no: 1\n",
            "the boolean false (YAML reads 'no' as a boolean); write it in quotes: 'no'",
            (2, 3),
        ),
        ("3: x\n", "the number 3; write it in quotes: '3'", (1, 1)),
        ("a: 1\n~: 2\n", "null; write it in quotes: '~'", (2, 1)),
        ("? [a, b]\n: 1\n", "a list", (1, 3)),
    ],
)
def test_keys_must_be_strings(text: str, found: str, at: tuple[int, int]) -> None:
    problem = refusal(text)
    assert problem.message == f"key must be a string, got {found}"
    assert where(problem) == at


def test_impossible_dates_are_refused() -> None:
    problem = refusal("start: 2027-02-30\n")
    assert "'2027-02-30' is written like a date but is not one" in problem.message
    assert where(problem) == (1, 8)


def test_control_characters_are_refused_with_a_position() -> None:
    problem = refusal("a: 1\nb: é\x07\n")
    assert "U+0007" in problem.message
    assert where(problem) == (2, 5)


# --- limits -------------------------------------------------------------------------------


def test_size_is_checked_before_parsing() -> None:
    text = "a: '" + "x" * MAX_BYTES + "'\n"
    problem = refusal(text)
    assert problem.message == f"file is {len(text):,} bytes; the limit is {MAX_BYTES:,} bytes"


def test_deep_nesting_is_refused() -> None:
    problem = refusal("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    assert problem.message == f"nesting is deeper than {MAX_DEPTH} levels (the limit)"
    assert where(problem) == (1, 3 + MAX_DEPTH)  # the first bracket one level too deep
    # Exactly at the limit is fine (the top mapping is level 1).
    load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n", SOURCE)


def test_nesting_through_aliases_is_counted() -> None:
    inner = "[" * 30 + "1" + "]" * 30
    text = f"a: &a {inner}\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    problem = refusal(text)
    assert "once alias '*a' is expanded" in problem.message
    assert where(problem) == (2, 34)


def test_too_many_aliases_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    problem = refusal(text)
    assert problem.message == f"more than {MAX_ALIASES} aliases ('*name') in one file (the limit)"
    assert where(problem) == (2, 5 + 4 * MAX_ALIASES)


def test_recursive_and_undefined_aliases_are_refused() -> None:
    assert "no complete anchor '&a'" in refusal("a: &a [*a]\n").message
    assert where(refusal("x: 1\ny: *nope\n")) == (2, 4)


def test_a_one_megabyte_alias_bomb_is_refused_quickly() -> None:
    # The classic "billion laughs", padded to a megabyte so the parse is not trivial: nine
    # levels of nine aliases each would expand to 9**9 (about 387 million) values.
    lines = ["pad: '" + "x" * 1_000_000 + "'", 'l0: &l0 ["lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    assert len(text) > 1_000_000
    started = time.perf_counter()
    problem = refusal(text)
    elapsed = time.perf_counter() - started
    assert "once aliases are expanded" in problem.message
    assert problem.line == 7  # l5 is the first level past MAX_NODES: 9 * 33,625 values
    assert elapsed < 1.0, f"refusing the alias bomb took {elapsed:.2f} s"


def test_node_limit_without_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "MAX_NODES", 50)
    problem = refusal("a: [" + ", ".join(["1"] * 60) + "]\n")
    assert problem.message == "the document holds more than 50 values (the limit)"
    assert problem.line == 1


# --- files --------------------------------------------------------------------------------


def test_load_yaml_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")  # a byte-order mark is not content
    data, positions = load_yaml_file(path)
    assert data == {"a": 1}
    assert positions.of(("a",)) == (1, 4)
    path.write_text("a: 1\na: 2\n")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    assert str(caught.value) == f"{path}:2:1: key 'a' appears twice (first at line 1)"


def test_bad_encoding_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: demo\ntitle: Ré\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    (problem,) = caught.value.problems
    assert problem.message == "file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    assert (problem.file, problem.line, problem.column) == (str(path), 2, 9)


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(ScenarioError, match="the limit is 2,000,000 bytes"):
        load_yaml_file(path)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_yaml_file(tmp_path / "missing.yaml")


# --- overrides ----------------------------------------------------------------------------

BASE = (
    "pools:\n"
    "  h100:\n"
    "    gpus: 8\n"
    "teams:\n"
    "  supervisors:\n"
    "    shifts:\n"
    "      - {start: '09:00', people: 2}\n"
)


def test_overrides_set_values_without_touching_the_input() -> None:
    data, positions = load_yaml(BASE, SOURCE)
    new = apply_overrides(
        data,
        [
            "pools.h100.gpus=12",
            "teams.supervisors.shifts.0.people=3",
            "pools.h100.speed={dist: exponential, mean: 3}",
            'pools.h100.setup="4h"',
            "pools.h100.weights=[1, 0.5]",
        ],
        positions,
    )
    assert new["pools"]["h100"] == {
        "gpus": 12,
        "speed": {"dist": "exponential", "mean": 3},
        "setup": "4h",
        "weights": [1, 0.5],
    }
    assert new["teams"]["supervisors"]["shifts"][0]["people"] == 3
    assert data["pools"]["h100"] == {"gpus": 8}
    assert data["teams"]["supervisors"]["shifts"][0]["people"] == 2
    # Overridden values are no longer in the file.
    assert positions.of(("pools", "h100", "gpus")) is None
    assert positions.override_label(("pools", "h100", "speed", "mean")) == (
        "--set pools.h100.speed={dist: exponential, mean: 3}"
    )
    assert positions.has(("pools", "h100", "speed", "mean"))
    assert positions.has(("pools", "h100", "weights", 1))
    assert positions.of(("teams", "supervisors", "shifts", 0, "start")) == (7, 17)


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [
        (
            "pools.h10.gpus=1",
            "pools.h10.gpus",
            "no key 'h10' under 'pools'; did you mean 'h100'? (valid keys: h100)",
        ),
        (
            "poolz.h100.gpus=1",
            "poolz.h100.gpus",
            "no key 'poolz' at the top level; did you mean 'pools'? (valid keys: pools, teams)",
        ),
        (
            "teams.supervisors.shifts.1.people=1",
            "teams.supervisors.shifts.1.people",
            "'teams.supervisors.shifts' is a list of 1 items; expected an index (0 to 0), got '1'",
        ),
        (
            "pools.h100.gpus.max=1",
            "pools.h100.gpus.max",
            "'pools.h100.gpus' is 8, not a mapping or a list; there is nothing named 'max' inside "
            "it",
        ),
        (
            "pools.h100.gpus=[1,",
            "pools.h100.gpus",
            "cannot read the value '[1,': invalid YAML: did not find expected node content",
        ),
        (
            "pools.h100.gpus=!!python/name:os.system",
            "pools.h100.gpus",
            "cannot read the value '!!python/name:os.system' at column 1: tag "
            "'!!python/name:os.system' is not allowed: a scenario holds only plain mappings, "
            "lists, strings, numbers, booleans, dates and null",
        ),
        (
            "pools.h100.gpus",
            "",
            "expected PATH=VALUE (e.g. pools.h100.gpus=12), got 'pools.h100.gpus'",
        ),
    ],
)
def test_bad_overrides_are_refused(override: str, path: str, message: str) -> None:
    data, _ = load_yaml(BASE, SOURCE)
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(data, [override])
    (problem,) = caught.value.problems
    assert (problem.file, problem.path, problem.message) == ("--set", path, message)


def test_override_of_a_parent_replaces_an_earlier_one() -> None:
    data, positions = load_yaml(BASE, SOURCE)
    apply_overrides(data, ["pools.h100.gpus=1", "pools.h100={gpus: 2}"], positions)
    assert positions.override_label(("pools", "h100", "gpus")) == "--set pools.h100={gpus: 2}"


# --- located validation errors -----------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Constant(_Strict):
    kind: Literal["constant"]
    value: float = Field(ge=0)


class Exponential(_Strict):
    kind: Literal["exponential"]
    mean: float = Field(gt=0)


class Lognormal(_Strict):
    kind: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)


def _bare_number(value: object) -> object:
    return {"kind": "constant", "value": value} if isinstance(value, int | float) else value


Dist = Annotated[
    Annotated[Constant | Exponential | Lognormal, Field(discriminator="kind")],
    BeforeValidator(_bare_number),
]


class Pool(_Strict):
    gpu: str = ""
    gpus: int = Field(ge=0)
    price_per_gpu_hour: float = Field(ge=0)
    speed: Dist | None = None


class Shift(_Strict):
    start: str
    people: int = Field(ge=0)


class Team(_Strict):
    shifts: Annotated[tuple[Shift, ...], Field(min_length=1)] = (Shift(start="09:00", people=1),)
    reject: float | tuple[float, ...] = 0.0


class Weights(_Strict):
    deadline: float = 0.0
    arrival: float = 0.0


class Season(_Strict):
    name: str
    pools: dict[str, Pool] = {}
    teams: dict[str, Team] = {}
    policy: Literal["fifo", "edf", "priority"] | Weights = "fifo"


def problems_for(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    data, positions = load_yaml(text, SOURCE)
    if overrides:
        data = apply_overrides(data, overrides, positions)
    with pytest.raises(ValidationError) as caught:
        Season.model_validate(data)
    return [str(p) for p in located_problems(caught.value, positions, SOURCE, Season)]


def test_located_problems_name_file_line_column_path_and_values() -> None:
    text = (
        "name: demo\n"  # 1
        "pools:\n"  # 2
        "  h100:\n"  # 3
        "    gpuz: 8\n"  # 4
        "    price_per_gpu_hour: -3\n"  # 5
        "    speed: {kind: lognorm, median: 1}\n"  # 6
        "  a100:\n"  # 7
        "    gpus: abc\n"  # 8
        "    price_per_gpu_hour: 2\n"  # 9
        "    speed: {kind: exponential, mean: 2, sigma: 1}\n"  # 10
        "teams:\n"  # 11
        "  night:\n"  # 12
        "    shifts:\n"  # 13
        "      - {start: '21:00', people: 2}\n"  # 14
        "      - start: '09:00'\n"  # 15
        "        people: -1\n"  # 16
        "policy: fifu\n"  # 17
        "zzzz: 1\n"  # 18
    )
    assert problems_for(text) == [
        "s.yaml:3:3 pools.h100: missing required key 'gpus'",
        "s.yaml:4:5 pools.h100.gpuz: unknown key 'gpuz'; did you mean 'gpus'?",
        "s.yaml:5:25 pools.h100.price_per_gpu_hour: must be >= 0, got -3",
        "s.yaml:6:19 pools.h100.speed: expected kind to be one of constant, exponential, "
        "lognormal, got 'lognorm'; did you mean 'lognormal'?",
        "s.yaml:8:11 pools.a100.gpus: expected an integer, got 'abc'",
        "s.yaml:10:41 pools.a100.speed.sigma: unknown key 'sigma'; valid keys: kind, mean",
        "s.yaml:16:17 teams.night.shifts.1.people: must be an integer >= 0, got -1",
        "s.yaml:17:9 policy: expected one of 'fifo', 'edf', 'priority' or a mapping of keys, "
        "got 'fifu'; did you mean 'fifo'?",
        "s.yaml:18:1 zzzz: unknown key 'zzzz'; valid keys: name, pools, teams, policy",
    ]


def test_missing_keys_at_the_top_and_missing_tags() -> None:
    text = "pools:\n  h100:\n    gpus: 1\n    price_per_gpu_hour: 1\n    speed: {mean: 1}\n"
    assert problems_for(text) == [
        "s.yaml:1:1: missing required key 'name'",
        "s.yaml:5:5 pools.h100.speed: missing required key 'kind' (one of constant, "
        "exponential, lognormal)",
    ]


def test_wrong_kinds_of_value() -> None:
    text = "name: [a]\npools: 3\nteams:\n  night:\n    shifts: {start: '09:00'}\n    reject: abc\n"
    assert problems_for(text) == [
        "s.yaml:1:1 name: expected a string, got a list",
        "s.yaml:2:8 pools: expected a mapping of keys, got 3",
        "s.yaml:5:5 teams.night.shifts: expected a list, got a mapping",
        "s.yaml:6:13 teams.night.reject: expected a number or a list, got 'abc'",
    ]


def test_plain_unions_report_the_form_that_fits() -> None:
    text = "name: x\nteams:\n  night:\n    reject: [0.5, x]\n"
    assert problems_for(text) == [
        "s.yaml:4:19 teams.night.reject.1: expected a number, got 'x'",
    ]


def test_suggestions_prefer_missing_keys_over_keys_already_written() -> None:
    text = "name: x\npools:\n  h100:\n    gpu: H100\n    gpuz: 2\n    price_per_gpu_hour: 1\n"
    assert problems_for(text) == [
        "s.yaml:3:3 pools.h100: missing required key 'gpus'",
        "s.yaml:5:5 pools.h100.gpuz: unknown key 'gpuz'; did you mean 'gpus'?",
    ]


def test_a_value_a_validator_reshaped_is_reported_where_it_was_written() -> None:
    # ``speed: -3`` becomes {kind: constant, value: -3}; the path stays the user's.
    text = "name: x\npools:\n  h100: {gpus: 1, price_per_gpu_hour: 1, speed: -3}\n"
    assert problems_for(text) == ["s.yaml:3:49 pools.h100.speed: must be >= 0, got -3"]


def test_too_few_items_is_not_reported_when_the_items_failed() -> None:
    text = "name: x\nteams:\n  night:\n    shifts: [{start: '09:00'}]\n  day:\n    shifts: []\n"
    assert problems_for(text) == [
        "s.yaml:4:14 teams.night.shifts.0: missing required key 'people'",
        "s.yaml:6:5 teams.day.shifts: must have at least 1 item, got 0",
    ]


def test_booleans_where_text_is_expected_get_a_hint() -> None:
    (problem,) = problems_for("name: no\n")
    assert problem.startswith("s.yaml:1:7 name: expected a string, got false (YAML reads")


def test_problems_in_overridden_values_name_the_override() -> None:
    text = "name: x\npools:\n  h100: {gpus: 1, price_per_gpu_hour: 1}\n"
    assert problems_for(text, ("pools.h100.gpus=-2", "pools.h100.speed={kind: exponential}")) == [
        "--set pools.h100.gpus=-2 pools.h100.gpus: must be an integer >= 0, got -2",
        "--set pools.h100.speed={kind: exponential} pools.h100.speed: missing required key 'mean'",
    ]


def test_positions_problem_helper() -> None:
    _, positions = load_yaml("a:\n  b: 1\n", SOURCE)
    problem = positions.problem(("a", "b"), "bad", SOURCE)
    assert str(problem) == "s.yaml:2:6 a.b: bad"
    assert str(positions.problem(("a", "b"), "bad", SOURCE, key=True)) == "s.yaml:2:3 a.b: bad"
    copy = positions.copy()
    assert isinstance(copy, Positions)
    copy.override(("a",), "--set a=1", 1)
    assert positions.override_label(("a", "b")) is None
    assert copy.override_label(("a", "b")) == "--set a=1"
