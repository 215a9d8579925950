"""Every error reelsim raises on purpose, in one tree.

    ReelsimError                  base: the CLI prints the message and exits 1
    ├── InputError                bad input from a person: the CLI exits 2, no traceback
    │   ├── ScenarioError         a scenario (or prices, shot-list, override) is wrong;
    │   │                         carries one Problem per bad value, each with its location
    │   └── UsageError            a command line or API call asks for something impossible
    └── UnsupportedError          a valid scenario uses a feature an engine does not have
                                  (names the feature; never silently approximated)

A ``Problem`` says where (file, line, column, dotted path), what was expected and what
was found, so that ``str(ScenarioError)`` reads like
``scenarios/s2.yaml:41:7 pools.h100.gpus: must be an integer >= 0, got -3``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "InputError",
    "Problem",
    "ReelsimError",
    "ScenarioError",
    "UnsupportedError",
    "UsageError",
]


class ReelsimError(Exception):
    """Base of every error reelsim raises on purpose."""


class InputError(ReelsimError):
    """Bad input: a person can fix it. Exit code 2."""


class UsageError(InputError):
    """A command or call asks for something that cannot be done as asked."""


class UnsupportedError(ReelsimError):
    """A valid scenario needs a feature the chosen engine does not implement."""


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is and what is wrong with it."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [p for p in (where, self.path) if p]
        head = " ".join(parts)
        return f"{head}: {self.message}" if head else self.message


class ScenarioError(InputError):
    """A scenario file (or something it refers to) is not valid."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
