"""The ``reelsim`` command: a thin shell that parses, calls the library and renders.

Exit codes: 0 done, 2 bad input (a located message, no traceback), 1 anything else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console

from simulator import __version__
from simulator.errors import InputError, ReelsimError

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reelsim")
def cli() -> None:
    """Capacity simulator for AI-assisted post-production: cost, deadline risk, GPUs and
    reviewers for a season, before the money is spent."""


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a value of the scenario, e.g. pools.h100.gpus=12.",
)
def validate(scenario: Path, overrides: tuple[str, ...]) -> None:
    """Check a scenario and show the season at a glance with a capacity pre-flight."""
    from simulator.render import render_validation
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(scenario, overrides)
    render_validation(loaded, Console())


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from simulator.scenario.jsonschema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code instead of raising."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="reelsim",
            standalone_mode=False,
        )
    except click.exceptions.Exit as done:
        return int(done.exit_code or 0)
    except click.ClickException as error:
        error.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return 130
    except InputError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_BAD_INPUT
    except ReelsimError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
