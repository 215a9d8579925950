"""Command-line overrides: ``--set PATH=VALUE`` applied to loaded data.

A value is read as YAML by the same safe reader as a file (``_yaml``); a path is dotted,
mapping keys by name and list items by index. Each overridden path is marked in the
document's ``Positions`` so that problems in it name the override.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from simulator.errors import Problem, ScenarioError
from simulator.scenario._positions import Positions, YamlPath
from simulator.scenario._words import describe, suggest
from simulator.scenario._yaml import build, compose

__all__ = ["apply_overrides", "parse_override_value"]


def parse_override_value(text: str, where: str = "--set", path: str = "") -> Any:
    """A ``--set`` value read as YAML: ``4``, ``0.5``, ``"4h"``, ``[1, 2]``,
    ``{dist: exponential, mean: 3}``. An empty value is null, as in YAML."""
    try:
        root = compose(text, where)
    except ScenarioError as error:
        first = error.problems[0]
        # Lines and "while parsing ... at line 2" mean little in a one-line value.
        reason = re.sub(r" \(while [^)]*\)", "", first.message)
        at = f" at column {first.column}" if first.column is not None and first.line == 1 else ""
        raise ScenarioError(
            Problem(f"cannot read the value {text!r}{at}: {reason}", path, where)
        ) from None
    if root is None:
        return None
    return build(root, (), Positions())


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[str], positions: Positions | None = None
) -> dict[str, Any]:
    """A copy of ``data`` with each ``PATH=VALUE`` override applied, in order.

    ``PATH`` is dotted (``pools.h100.gpus``, ``teams.night.shifts.0.people``): mapping keys
    by name, list items by index. Every step must exist except the last key of a mapping,
    which may be new (the schema then decides if it is allowed). When ``positions`` is
    given, each overridden path is marked so that later problems in it read
    ``--set PATH=VALUE`` rather than a line of the file.
    """
    result = _copy_plain(data)
    for override in overrides:
        path_text, sep, value_text = override.partition("=")
        path_text = path_text.strip()
        if not sep or not path_text:
            raise ScenarioError(
                Problem(
                    f"expected PATH=VALUE (e.g. pools.h100.gpus=12), got {override!r}", "", "--set"
                )
            )
        value = parse_override_value(value_text.strip(), "--set", path_text)
        path = _set_path(result, path_text, value)
        if positions is not None:
            positions.override(path, f"--set {path_text}={value_text.strip()}", value)
    return result


def _copy_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_plain(item) for item in value]
    return value  # scalars (str, numbers, dates, None) are immutable


def _set_path(data: dict[str, Any], path_text: str, value: Any) -> YamlPath:
    parts = path_text.split(".")
    walked: list[str | int] = []

    def refuse(message: str) -> ScenarioError:
        return ScenarioError(Problem(message, path_text, "--set"))

    def here() -> str:
        return f"under {'.'.join(str(p) for p in walked)!r}" if walked else "at the top level"

    node: Any = data
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if not part:
            raise refuse(f"empty step in path {path_text!r}")
        if isinstance(node, dict):
            if part not in node and not last:
                raise refuse(f"no key {part!r} {here()}{suggest(part, list(node), always=True)}")
            if last:
                node[part] = value
            else:
                node = node[part]
            walked.append(part)
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                span = f"0 to {len(node) - 1}" if node else "none: the list is empty"
                raise refuse(
                    f"{'.'.join(str(p) for p in walked)!r} is a list of {len(node)} items; "
                    f"expected an index ({span}), got {part!r}"
                )
            index = int(part)
            if last:
                node[index] = value
            else:
                node = node[index]
            walked.append(index)
        else:
            raise refuse(
                f"{'.'.join(str(p) for p in walked)!r} is {describe(node)}, not a mapping or "
                f"a list; there is nothing named {part!r} inside it"
            )
    return tuple(walked)
