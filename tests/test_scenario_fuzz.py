"""Fuzzing the loader: a damaged scenario is refused with located problems, never a crash.

Each example scenario is read once; hypothesis then damages a copy of its data the way
hands and scripts do (a key deleted, a subtree pasted under another key, a value replaced
by one of the wrong type, a huge or negative number, NaN, infinity, arbitrary text, a
deeply nested list) and hands it to ``parse_scenario``; a second test damages the file's
bytes instead (truncated, a byte changed, lines moved or re-indented, YAML punctuation
typed in) and reads them as ``load_scenario`` would. Whatever the damage, the result
is a ``Scenario`` or a ``ScenarioError`` whose problems each say something: any other
exception is a bug (it would reach a person as a traceback).

A third check, in the slow tier, sets every numeric leaf and every duration of the examples
in turn to extreme values (±1e308, 5e-324, NaN, ±inf, 2**64, huge and tiny durations, the
wrong type) and runs whatever is valid on the batch kernel under a time limit.
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.scenario import YamlPath, load_yaml, load_yaml_file
from simulator.scenario.load import load_scenario, parse_scenario
from simulator.scenario.schema import Scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
CASES_PER_SCENARIO = 250  # four examples: 1,000 damaged scenarios a run


def _refused_with_messages_or_accepted(load: Callable[[], Scenario]) -> None:
    """``load()`` gives a ``Scenario``, or raises a ``ScenarioError`` whose problems each
    say something; any other exception fails the test."""
    try:
        scenario = load()
    except ScenarioError as error:
        problems = error.problems
    else:
        assert isinstance(scenario, Scenario)
        return
    assert problems
    for problem in problems:
        assert problem.message.strip(), f"a problem without a message: {problem!r}"
        assert str(problem)


def _paths(data: Any, prefix: YamlPath = ()) -> list[YamlPath]:
    """Every path in the data, the root included."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


BAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**400), 10**400),
    st.sampled_from([-1, 0, 2**63, 2**64, -(2**70), 10**300]),
    st.floats(),  # NaN and both infinities included
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324, -1.5]),
    st.text(max_size=400),
    st.sampled_from(["", "∞", "🎬 ep01", "1e400h", "-5m", "24:01", "2027-02-30", "\x00", "nan"]),
    st.integers(1, 120).map(_nested),
    st.lists(st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
    st.dates(),
)


@st.composite
def damaged(draw: st.DrawFn, data: dict[str, Any], paths: list[YamlPath]) -> dict[str, Any]:
    """A copy of ``data`` with one piece of damage."""
    result = copy.deepcopy(data)
    path = draw(st.sampled_from(paths[1:]))
    parent: Any = result
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = draw(st.sampled_from(["delete", "paste", "replace", "replace", "replace"]))
    if action == "delete":
        del parent[last]
    elif action == "paste":
        # A subtree copied under another mapping, at a new key or over an existing one.
        source = draw(st.sampled_from(paths))
        subtree: Any = data
        for step in source:
            subtree = subtree[step]
        holders = [p for p in paths if isinstance(_at(result, p), dict)]
        holder = _at(result, draw(st.sampled_from(holders)))
        key = draw(st.one_of(st.sampled_from(sorted(holder) or ["x"]), st.text(max_size=10)))
        holder[key] = copy.deepcopy(subtree)
    else:
        parent[last] = draw(BAD_VALUES)
    return result


def _at(data: Any, path: YamlPath) -> Any:
    for step in path:
        data = data[step]
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_damaged_scenarios_are_refused_with_messages_or_accepted(path: Path) -> None:
    data, positions = load_yaml_file(path)
    paths = _paths(data)

    @settings(
        max_examples=CASES_PER_SCENARIO,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(damaged(data, paths))
    def check(document: dict[str, Any]) -> None:
        _refused_with_messages_or_accepted(
            lambda: parse_scenario(
                document, positions.copy(), source=str(path), base_dir=path.parent
            )
        )

    check()


TEXT_CASES_PER_SCENARIO = 250  # four examples: 1,000 damaged texts a run
YAML_PUNCTUATION = [":", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "? ", "|", ">",
                    "%", "#", '"', "'", "\t", "\n", "\x00", "\ufeff", "<<: *a\n", "~"]  # fmt: skip


def _damaged_text(draw: Any, data: bytes) -> bytes:
    lines = data.split(b"\n")
    action = draw(st.sampled_from(
        ["truncate", "flip", "duplicate", "delete", "indent", "move", "insert"]
    ))  # fmt: skip
    if action == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if action == "flip":
        at = draw(st.integers(0, len(data) - 1))
        value = data[at] ^ draw(st.integers(1, 255))
        return data[:at] + bytes([value]) + data[at + 1 :]
    if action == "insert":
        at = draw(st.integers(0, len(data)))
        piece = draw(st.sampled_from(YAML_PUNCTUATION)).encode()
        return data[:at] + piece + data[at:]
    k = draw(st.integers(0, len(lines) - 1))
    if action == "duplicate":
        lines.insert(k, lines[k])
    elif action == "delete":
        del lines[k]
    elif action == "move":
        lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(k))
    else:
        body = lines[k].lstrip(b" ")
        indent = len(lines[k]) - len(body)
        change = draw(st.sampled_from([-4, -2, -1, 1, 2, 4, 0]))
        prefix = b"\t" * indent if change == 0 else b" " * max(0, indent + change)
        lines[k] = prefix + body
    return b"\n".join(lines)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_damaged_scenario_text_is_refused_with_messages_or_accepted(
    path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same, for damage to the file's bytes: read by ``load_yaml`` (``load_yaml_file``
    where the bytes are no longer UTF-8), then ``parse_scenario``."""
    original = path.read_bytes()
    scratch = tmp_path_factory.mktemp("text") / path.name

    @settings(
        max_examples=TEXT_CASES_PER_SCENARIO,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(drawn: st.DataObject) -> None:
        data = _damaged_text(drawn.draw, original)

        def load() -> Scenario:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                scratch.write_bytes(data)
                document, positions = load_yaml_file(scratch)
            else:
                document, positions = load_yaml(text, str(path))
            return parse_scenario(document, positions, source=str(path), base_dir=path.parent)

        _refused_with_messages_or_accepted(load)

    check()


def test_every_example_is_fuzzed() -> None:
    assert len(SCENARIOS) >= 4


# --- refused as located problems, never a traceback ------------------------------------

LONG_NAME = "x" * 300  # over the 255 bytes a file name may have on common file systems


@pytest.mark.parametrize("key", ["prices", "shot_list"])
def test_a_referred_file_name_too_long_is_a_located_problem(key: str) -> None:
    data, positions = load_yaml_file(SCENARIOS[0])
    if key == "prices":
        data["prices"] = LONG_NAME + ".yaml"
    else:
        next(iter(data["shows"].values()))["shot_list"] = LONG_NAME + ".csv"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, positions, source="s.yaml", base_dir=SCENARIOS[0].parent)
    assert any(p.path.endswith(key) for p in caught.value.problems)


def test_a_scenario_file_name_too_long_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        load_scenario(tmp_path / (LONG_NAME + ".yaml"))


def test_a_shot_list_with_a_huge_field_is_a_located_problem(tmp_path: Path) -> None:
    data, positions = load_yaml_file(SCENARIOS[0])
    show = next(iter(data["shows"].values()))
    show["shot_list"] = "shots.csv"
    episode = show["episodes"][0]["name"]
    (tmp_path / "shots.csv").write_text(f"episode,shot,frames\n{episode},sh010,{'9' * 200_000}\n")
    with pytest.raises(ScenarioError):
        parse_scenario(data, positions, source="s.yaml", base_dir=tmp_path)


def test_an_integer_beyond_the_float_range_is_a_located_problem() -> None:
    data, positions = load_yaml_file(SCENARIOS[0])
    stage = next(iter(data["shot_stages"].values()))
    stage["options"][0]["seconds_per_frame"] = 10**400  # a 401-digit number in the file
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, positions, source="s.yaml", base_dir=SCENARIOS[0].parent)
    assert any(p.path.endswith("seconds_per_frame") for p in caught.value.problems)


# --- extreme values: every numeric leaf of every example, set to the edge of a double -------
#
# Each case sets one numeric leaf (or one duration) of an example to an extreme value or a
# value of the wrong type. The case is then either refused (a ``ScenarioError``: exit code 2
# at the command line) or valid, and a valid one must compile, pass the pre-flight and run
# two replications on the batch kernel, summary included, within ``EXTREME_CASE_LIMIT_S``.
# Cases run in worker processes: a case that hangs (in C, where no signal reaches it) is
# caught by the overall time limit instead of hanging the test.

EXTREME_NUMBERS: tuple[Any, ...] = (
    0, -0.0, 1e308, -1e308, 5e-324, -5e-324, math.nan, math.inf, -math.inf,
    2**63, 2**64, 10**30, -1, 1e-9, "x", True, None, [1], {"a": 1},
)  # fmt: skip
EXTREME_DURATIONS: tuple[Any, ...] = (
    "0s", "1e300h", "5e-324h", "87660h", "87661h", "1e-9s", "1e308s", 0, 1e308, "x", None, "-1h",
)  # fmt: skip
EXTREME_CASE_LIMIT_S = 30.0
_DURATION_TEXT = re.compile(r"^(\s*(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*[smhdwSMHDW])+\s*$")


def _extreme_cases() -> list[tuple[str, YamlPath, Any]]:
    cases: list[tuple[str, YamlPath, Any]] = []
    for path in SCENARIOS:
        data, _ = load_yaml_file(path)
        for leaf in _paths(data):
            value = _at(data, leaf)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cases += [(str(path), leaf, v) for v in EXTREME_NUMBERS]
            elif isinstance(value, str) and _DURATION_TEXT.match(value):
                cases += [(str(path), leaf, v) for v in EXTREME_DURATIONS]
    return cases


def _run_extreme_case(case: tuple[str, YamlPath, Any]) -> tuple[str, str, float]:
    """``(outcome, detail, seconds)``: ``refused``, ``ran``, or ``crashed`` with the error."""
    from simulator.model import compile_season, preflight
    from simulator.results import Work, simulate, summarize

    started = time.perf_counter()
    file, leaf, value = case
    path = Path(file)
    data, positions = load_yaml_file(path)
    parent = _at(data, leaf[:-1])
    parent[leaf[-1]] = value
    try:
        scenario = parse_scenario(data, positions, source=file, base_dir=path.parent)
    except ScenarioError as error:
        ok = all(p.message.strip() for p in error.problems)
        return ("refused" if ok else "crashed", str(error)[:200], time.perf_counter() - started)
    try:
        preflight(compile_season(scenario))
        summarize(simulate(scenario, Work(replications=2, engine="kernel", threads=1)))
    except Exception as error:  # any exception here would reach a person as a traceback
        return ("crashed", f"{type(error).__name__}: {error}"[:300], time.perf_counter() - started)
    return ("ran", "", time.perf_counter() - started)


@pytest.mark.slow
def test_extreme_values_are_refused_or_run_quickly() -> None:
    cases = _extreme_cases()
    assert len(cases) >= 2000
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        pending = pool.map_async(_run_extreme_case, cases, chunksize=8)
        # Every case within its limit; the whole set within the sum of a fair share of them.
        results = pending.get(timeout=EXTREME_CASE_LIMIT_S + len(cases) * 0.5)
    outcomes = Counter(outcome for outcome, _, _ in results)
    crashed = [
        (case, detail)
        for case, (o, detail, _) in zip(cases, results, strict=False)
        if o == "crashed"
    ]
    slow = [
        (case, s)
        for case, (_, _, s) in zip(cases, results, strict=False)
        if s > EXTREME_CASE_LIMIT_S
    ]
    print(f"extreme cases: {len(cases)}, {dict(outcomes)}, slowest "
          f"{max(s for _, _, s in results):.2f} s")  # fmt: skip
    assert not crashed, crashed[:10]
    assert not slow, slow[:10]
    assert outcomes["ran"] > 0
    assert outcomes["refused"] > 0
