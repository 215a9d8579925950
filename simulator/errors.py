"""Every error reelsim raises on purpose, in one tree.

    ReelsimError                  base: the CLI prints the message and exits 1
    ├── InputError                bad input from a person: the CLI exits 2, no traceback
    │   ├── ScenarioError         a scenario (or prices, shot-list, override) is wrong;
    │   │                         carries one Problem per bad value, each with its location
    │   └── UsageError            a command line or API call asks for something impossible
    ├── UnsupportedError          a valid scenario uses a feature an engine does not have
    │                             (names the feature; never silently approximated)
    └── ChunksFailed              chunks of a sweep failed: each named by its point and
                                  replication range; every other chunk is kept on disk

    Interrupted                   (a KeyboardInterrupt) Ctrl-C stopped resumable work: says
                                  how much is kept and how to resume; the CLI exits 130

A ``Problem`` says where (file, line, column, dotted path), what was expected and what
was found, so that ``str(ScenarioError)`` reads like
``scenarios/s2.yaml:41:7 pools.h100.gpus: must be an integer >= 0, got -3``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ChunkFailure",
    "ChunksFailed",
    "InputError",
    "Interrupted",
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


RESUME_HINT = "rerun the same command to resume"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a resumable run or sweep: ``kept`` of ``total`` replications are on
    disk in ``out``, and the same command resumes from them."""

    def __init__(self, kept: int, total: int, out: Path) -> None:
        super().__init__(
            f"interrupted: {kept:,} of {total:,} replications kept in {out}; {RESUME_HINT}"
        )
        self.kept = kept
        self.total = total
        self.out = out


@dataclass(frozen=True)
class ChunkFailure:
    """A chunk that raised instead of finishing: which work, and what went wrong."""

    point: str
    """The sweep point in words: its index and the values it varies."""
    start: int
    stop: int
    error: str
    """The error's type and message."""

    def __str__(self) -> str:
        return f"{self.point}, replications {self.start:,}-{self.stop - 1:,}: {self.error}"


class ChunksFailed(ReelsimError):
    """Some chunks of a sweep failed; every other chunk finished and is kept in ``out``."""

    def __init__(self, failures: list[ChunkFailure], kept: int, total: int, out: Path) -> None:
        self.failures = tuple(failures)
        self.kept = kept
        self.total = total
        self.out = out
        lines = [
            f"{len(failures)} chunk{'s' if len(failures) != 1 else ''} failed; "
            f"{kept:,} of {total:,} replications are kept in {out} (rerun the same command "
            "to retry what failed):"
        ]
        lines += [f"  {failure}" for failure in failures]
        super().__init__("\n".join(lines))
