"""Where each value of a loaded document was written: ``Positions``.

Pydantic reports an error at a path such as ``("pools", "h100", "gpus")``; a person needs
``s2.yaml:41:7``. ``Positions`` maps every path of the loaded data to the line and column
(1-based) of its value, and of its key for mapping entries. Values set on the command line
with ``--set PATH=VALUE`` are marked so that problems in them name the override instead of
a line of the file, which no longer holds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.errors import Problem

__all__ = ["LineColumn", "Positions", "YamlPath"]

YamlPath = tuple[str | int, ...]
"""A path into loaded YAML data: mapping keys as ``str``, list indices as ``int``."""

LineColumn = tuple[int, int]
_Override = tuple[str, frozenset[YamlPath]]  # label, paths inside the value (relative)


class Positions:
    """Line and column (1-based) of every key and value of a loaded document.

    ``of(path)`` is where the value at ``path`` was written; ``key_of(path)`` is where its
    key was written (for a mapping entry). Both fall back to the nearest ancestor that has
    a position, so a missing key is located at the mapping that lacks it. A path set by an
    override has no position in the file: ``override_label(path)`` names the override and
    ``of`` returns None. ``problem`` builds a located ``Problem`` either way.
    """

    __slots__ = ("_keys", "_overrides", "_values")

    def __init__(self) -> None:
        self._values: dict[YamlPath, LineColumn] = {}
        self._keys: dict[YamlPath, LineColumn] = {}
        # path -> (label, the paths inside the override's value, relative to path)
        self._overrides: dict[YamlPath, _Override] = {}

    def record(self, path: YamlPath, line: int, column: int, *, key: bool = False) -> None:
        """Remember where the value (or, with ``key=True``, the key) at ``path`` is."""
        (self._keys if key else self._values)[path] = (line, column)

    def override(self, path: YamlPath, label: str, value: Any = None) -> None:
        """Mark ``path`` (and everything under it) as set by an override named ``label``.

        ``value`` is the new value: its inner paths are remembered so that ``has`` still
        knows the data's shape under the override.
        """
        # A later override of an ancestor replaces earlier ones below it.
        for other in [p for p in self._overrides if p[: len(path)] == path]:
            del self._overrides[other]
        self._overrides[path] = (label, frozenset(_paths_in(value)))

    def override_label(self, path: YamlPath) -> str | None:
        """The label of the override that set ``path`` or one of its ancestors, if any."""
        found = self._override_at(path)
        return found[1][0] if found else None

    def of(self, path: YamlPath) -> LineColumn | None:
        """Where the value at ``path`` is written, else its nearest ancestor's key or value.

        None when the value comes from an override, or when nothing is recorded.
        """
        if self._override_at(path):
            return None
        if path in self._values:
            return self._values[path]
        if path in self._keys:
            return self._keys[path]
        for end in range(len(path) - 1, -1, -1):
            ancestor = path[:end]
            # The key that names a mapping reads better than the mapping's first line.
            where = self._keys.get(ancestor) or self._values.get(ancestor)
            if where:
                return where
        return None

    def key_of(self, path: YamlPath) -> LineColumn | None:
        """Where the key of the entry at ``path`` is written (its value's place for list
        items and the top level)."""
        if self._override_at(path):
            return None
        return self._keys.get(path) or self.of(path)

    def described(self) -> bool:
        """Whether these positions describe any data (data built in Python has none)."""
        return bool(self._values)

    def has(self, path: YamlPath) -> bool:
        """Whether ``path`` exists in the data these positions describe."""
        found = self._override_at(path)
        if found:
            base, (_, inner) = found
            return path[len(base) :] in inner
        return path in self._values

    def problem(
        self, path: YamlPath, message: str, source: str | None, *, key: bool = False
    ) -> Problem:
        """A ``Problem`` at ``path``: in ``source`` at its line and column, or in the
        override that set it. ``key=True`` points at the entry's key rather than its value."""
        dotted = ".".join(str(p) for p in path)
        label = self.override_label(path)
        if label is not None:
            return Problem(message, dotted, label)
        where = self.key_of(path) if key else self.of(path)
        line, column = where if where else (None, None)
        return Problem(message, dotted, source, line, column)

    def copy(self) -> Positions:
        """An independent copy (overrides applied to it leave this one as it is)."""
        new = Positions()
        new._values = dict(self._values)
        new._keys = dict(self._keys)
        new._overrides = dict(self._overrides)
        return new

    def _override_at(self, path: YamlPath) -> tuple[YamlPath, _Override] | None:
        if not self._overrides:
            return None
        for end in range(len(path), -1, -1):
            entry = self._overrides.get(path[:end])
            if entry is not None:
                return path[:end], entry
        return None


def _paths_in(value: Any, prefix: YamlPath = ()) -> Iterator[YamlPath]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_in(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_in(item, (*prefix, index))
