"""Options and helpers the ``reelsim`` commands share, defined once.

Each ``*_option`` is a decorator for a click command; those whose wording differs between
``run`` (one scenario) and the planning commands (many configurations) take their help
text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

if TYPE_CHECKING:
    from simulator.model.starting_state import Status

__all__ = [
    "FILE",
    "FOLDER",
    "Decorator",
    "claim_output",
    "engine_option",
    "examples",
    "from_status_options",
    "next_step",
    "read_status",
    "replications_option",
    "seed_option",
    "sets_option",
    "stdout_console",
    "threads_option",
]

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(file_okay=False, path_type=Path)


def examples(*commands: str) -> str:
    """A command's ``--help`` epilog: examples, one per line, as they are typed."""
    # \b keeps click from rewrapping the lines into one paragraph
    return "\b\nExamples:\n" + "\n".join(f"  {command}" for command in commands)


def next_step(console: Console, command: str) -> None:
    """The last line of a command: what to do next."""
    console.print(f"next: {command}", highlight=False, soft_wrap=True)


def sets_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Change a value of the scenario first, e.g. pools.h100.gpus=12.",
    )(function)


def engine_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--engine",
        type=click.Choice(["reference", "kernel", "auto"]),
        default="auto",
        show_default=True,
        help="Which engine runs the replications.",
    )(function)


def replications_option(help: str) -> Decorator:
    return click.option("--replications", "-n", type=click.IntRange(min=1), default=None, help=help)


def seed_option(help: str) -> Decorator:
    return click.option(
        "--seed", type=click.IntRange(min=0, max=2**64 - 1), default=None, help=help
    )


def threads_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--threads``: one meaning in every command, the cores of this machine to use."""
    return click.option(
        "--threads",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Cores of this machine to use (default: every core): the batch kernel's "
        "threads in run, replications computed at once in the planning commands.",
    )(function)


def from_status_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--from STATUS --now DATE``: every replication starts from where the season stands."""
    function = click.option(
        "--now",
        default=None,
        metavar="DATE",
        help="The moment the status describes: 2027-02-15 (00:00 of that day), "
        "2027-02-15T18:00, or today (00:00 of this machine's date); with --from.",
    )(function)
    return click.option(
        "--from",
        "status",
        type=FILE,
        default=None,
        help="Start every replication from where the season stands: a status export "
        "(see docs/mid-season.md).",
    )(function)


def read_status(status: Path | None, now: str | None) -> Status | None:
    """The ``Status`` that ``--from`` and ``--now`` describe, or None without them."""
    from simulator.errors import UsageError
    from simulator.model.starting_state import Status

    if status is None and now is None:
        return None
    if status is None or now is None:
        raise UsageError("--from and --now go together")
    return Status.read(status, now)


def claim_output(
    folder: Path,
    kind: str,
    scenarios: Sequence[tuple[Path, Sequence[str]]],
    seed: int | None,
) -> None:
    """Hold the results ``folder`` for this command until it ends
    (``simulator.folders.claim``): refused at once if another process is writing it, or if
    it holds the results of another kind of command, scenario or seed. ``scenarios`` are
    the command's scenario files with their ``--set`` overrides; ``seed`` is ``--seed``
    (``None``: the first scenario's)."""
    from simulator.folders.claim import FolderOwner, claim_folder
    from simulator.scenario.load import load_scenario, scenario_sha256

    loaded = [load_scenario(path, overrides) for path, overrides in scenarios]
    seed = loaded[0].run.seed if seed is None else seed
    fingerprints = []
    for scenario in loaded:
        run = scenario.run.model_copy(update={"seed": seed})
        fingerprints.append(
            (scenario.name, scenario_sha256(scenario.model_copy(update={"run": run})))
        )
    owner = FolderOwner(kind, tuple(fingerprints), seed)
    click.get_current_context().with_resource(claim_folder(folder, owner))


def stdout_console() -> Console:
    """Standard output; tables get 160 columns when it is a file or a pipe (rich would
    assume 80 and wrap them)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)
