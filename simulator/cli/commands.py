"""The ``reelsim`` command: a thin shell that parses, calls the library and renders.

Exit codes: 0 done, 2 bad input (a located message, no traceback), 1 anything else.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from simulator._version import __version__
from simulator.cli import _options as opt
from simulator.cli._progress import ProgressReport
from simulator.errors import InputError, Interrupted, ReelsimError

if TYPE_CHECKING:
    from simulator.results.summary import Summary

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reelsim")
def cli() -> None:
    """Capacity simulator for AI-assisted post-production: cost, deadline risk, GPUs and
    reviewers for a season, before the money is spent."""


@cli.command(epilog=opt.examples("reelsim init", "reelsim init my-season"))
@click.argument("folder", type=opt.FOLDER, default="my-season")
def init(folder: Path) -> None:
    """Write a starter scenario (the demo season) and its prices file into FOLDER
    (default: my-season), ready to validate, run and change."""
    from simulator.scenario.starter import write_starter

    written = write_starter(folder)
    console = Console(stderr=True)
    console.print(
        f"starter scenario written to {written} (prices in {folder}/prices/)",
        highlight=False,
        soft_wrap=True,
    )
    opt.next_step(console, f"reelsim validate {written}")


@cli.command(
    epilog=opt.examples(
        "reelsim validate my-season/scenario.yaml",
        "reelsim validate my-season/scenario.yaml --set pools.h100.gpus=4",
    )
)
@click.argument("scenario", type=opt.FILE)
@opt.sets_option
def validate(scenario: Path, overrides: tuple[str, ...]) -> None:
    """Check a scenario and show the season at a glance with a capacity pre-flight."""
    from simulator.cli.render import render_validation
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(scenario, overrides)
    render_validation(loaded, opt.stdout_console())
    opt.next_step(
        Console(stderr=True),
        f"reelsim run {scenario} --out {Path('results') / loaded.name}",
    )


@cli.command(
    epilog=opt.examples(
        "reelsim run my-season/scenario.yaml --out results/demo",
        "reelsim run my-season/scenario.yaml -n 500 --set pools.h100.gpus=4",
        "reelsim run season.yaml --from status.csv --now today",
    )
)
@click.argument("scenario", type=opt.FILE)
@opt.engine_option
@opt.replications_option("Replications to run (default: the scenario's run.replications).")
@opt.seed_option("Seed (default: the scenario's run.seed).")
@click.option(
    "--out",
    "out",
    type=opt.FOLDER,
    default=None,
    help="Results folder (default: results/<scenario name>).",
)
@opt.sets_option
@opt.threads_option
@click.option("--trace", is_flag=True, help="Record every event (reference engine).")
@click.option(
    "--policy",
    "policy_specs",
    multiple=True,
    metavar="RESOURCE=MODULE:NAME",
    help="Order a pool's or team's queue by a policy of your own (an object with a "
    "key(task) method, imported from a module by name; reference engine).",
)
@opt.from_status_options
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
def run(
    scenario: Path,
    engine: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    overrides: tuple[str, ...],
    threads: int | None,
    trace: bool,
    policy_specs: tuple[str, ...],
    status: Path | None,
    now: str | None,
    no_plots: bool,
) -> None:
    """Run replications of a scenario; print the summary and write the results folder."""
    from simulator.cli.render import render_run_summary
    from simulator.folders.write import write_results
    from simulator.model.policies import load_policy
    from simulator.results.runs import simulate
    from simulator.results.work import Work
    from simulator.scenario.load import load_scenario

    console = Console(stderr=True)
    loaded = load_scenario(scenario, overrides)
    policies = dict(load_policy(spec) for spec in policy_specs)
    folder = out if out is not None else Path("results") / loaded.name
    opt.claim_output(folder, "run", [(scenario, overrides)], seed)
    with ProgressReport(console, "run") as report:
        work = Work(
            replications=replications,
            seed=seed,
            status=opt.read_status(status, now),
            engine=engine,
            threads=threads,
            progress=report,
        )
        result = simulate(loaded, work, policies=policies, trace=trace, resume_in=folder)
        console.print(f"engine: {result.engine} ({result.engine_reason})")
        report.step("writing the results folder" + ("" if no_plots else " and plots"))
        summary = write_results(result, folder, plots=not no_plots)
    result.discard_chunks()  # the folder is complete: nothing is left to resume
    render_run_summary(summary, opt.stdout_console())
    if status is not None:
        _warn_if_too_few(summary, console)
    console.print(f"results written to {folder}/")
    opt.next_step(console, f"reelsim report {folder} -o {folder.name}.html")


def _warn_if_too_few(summary: Summary, console: Console) -> None:
    """A run from a status file decides what is left of a season: say when its
    replications are too few for any verdict but "inconclusive"."""
    from simulator.results.summary import RISK_LIMIT
    from simulator.stats import replications_to_bound

    least = replications_to_bound(0.0, RISK_LIMIT, level=summary.confidence)
    if least is not None and summary.replications < least:
        console.print(
            f"warning: {summary.replications:,} replications from a status file are too few "
            f"to show the rest of the season on time: even with no miss it takes at least "
            f"{least:,} (-n {least})",
            highlight=False,
            soft_wrap=True,
        )


@cli.command(epilog=opt.examples("reelsim schema > scenario.schema.json"))
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from simulator.scenario.jsonschema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=2))


@cli.command(
    epilog=opt.examples(
        "reelsim report results/demo -o demo.html",
        "reelsim report results/sweep",
    )
)
@click.argument("results_dir", type=opt.FOLDER)
@click.option(
    "-o",
    "--output",
    type=opt.FILE,
    default=None,
    help="The HTML file to write (default: RESULTS_DIR/report.html).",
)
@click.option(
    "--allow-changed",
    is_flag=True,
    help="Report a folder whose files no longer match their checksums, leaving them out.",
)
def report(results_dir: Path, output: Path | None, allow_changed: bool) -> None:
    """Write one self-contained HTML page of a results folder, for a planning meeting."""
    from simulator.report.page import write_report

    written = write_report(results_dir, output, allow_changed=allow_changed)
    console = Console(stderr=True)
    console.print(f"report written to {written}")
    opt.next_step(console, f"open {written} in a browser, or reelsim export {results_dir}")


@cli.command(
    epilog=opt.examples(
        "reelsim calibrate history.csv",
        "reelsim calibrate history.csv --mapping mapping.yaml -o fitted.yaml",
    )
)
@click.argument("history", type=opt.FILE)
@click.option(
    "--mapping",
    type=opt.FILE,
    default=None,
    help="A YAML file naming the export's columns, statuses and stages (default: reelsim's "
    "own names).",
)
@click.option(
    "-o",
    "--output",
    type=opt.FILE,
    default=None,
    help="Write the fitted scenario fragment here, with a PNG per stage in OUTPUT-plots/ "
    "(default: print the fragment).",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 1.0, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the intervals.",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
def calibrate(
    history: Path, mapping: Path | None, output: Path | None, confidence: float, no_plots: bool
) -> None:
    """Fit a scenario's distributions and rates to a tracker's task history (CSV)."""
    from simulator.planning.calibration import calibrate as fit_history

    fitted = fit_history(history, mapping, level=confidence)
    console = Console(stderr=True)
    for note in fitted.notes:
        console.print(f"note: {note}", highlight=False)
    for assumption in fitted.assumptions:
        console.print(f"assumed: {assumption}", highlight=False)
    if output is None:
        click.echo(fitted.fragment(), nl=False)
        return
    written = fitted.write(output, plots=not no_plots)
    console.print(f"fragment written to {written[0]}", highlight=False)
    if len(written) > 1:
        console.print(f"{len(written) - 1} plot(s) written to {written[1].parent}/")
    opt.next_step(
        console, f"copy the keys of {written[0]} into your scenario, then reelsim validate it"
    )


@cli.command(
    epilog=opt.examples(
        "reelsim explore my-season/scenario.yaml",
        "reelsim explore my-season/scenario.yaml --port 8765 --no-browser",
    )
)
@click.argument("scenario", type=opt.FILE)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (0: a free one)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; anything but loopback lets other machines in (with a warning).",
)
@click.option("--no-browser", is_flag=True, help="Print the address only; open no browser.")
@opt.replications_option("Replications per configuration (default: 200).")
@opt.seed_option("Seed of every configuration (default: the scenario's run.seed).")
@click.option(
    "--first",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Replications of the first answer, before it is refined.",
)
@opt.threads_option
@opt.engine_option
def explore(
    scenario: Path,
    port: int,
    host: str,
    no_browser: bool,
    replications: int | None,
    seed: int | None,
    first: int,
    threads: int | None,
    engine: str,
) -> None:
    """A live planning session in the browser: turn the scenario's knobs and see each
    change answered in seconds, against the plan the session started from, on common
    random numbers. Ctrl-C stops it."""
    from simulator.explore import Session, serve

    session = Session(
        scenario,
        seed=seed,
        replications=replications or 200,
        first=first,
        threads=threads,
        engine=engine,
    )
    serve(session, host=host, port=port, open_browser=not no_browser)


def _show_warning(message: Warning | str, *args: object, **kwargs: object) -> None:
    """A warning (a damaged chunk set aside, say) as one line, without the source line."""
    click.echo(f"warning: {message}", err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code instead of raising."""
    try:
        # Without standalone mode, click returns (not raises) the code of an Exit raised in
        # a command, such as 130 for a run stopped by Ctrl-C.
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="reelsim",
                standalone_mode=False,
            )
    except click.exceptions.Exit as done:
        return int(done.exit_code or 0)
    except click.ClickException as error:
        error.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Abort as stopped:
        # Ctrl-C: click turns the KeyboardInterrupt into Abort; resumable work (a run or a
        # sweep with a folder) says what it kept and how to resume.
        cause = stopped.__cause__
        click.echo(str(cause) if isinstance(cause, Interrupted) else "interrupted", err=True)
        return 130
    except InputError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_BAD_INPUT
    except ReelsimError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_FAILED
    except OSError as error:
        # A write the system refused outside atomic_write (which says so itself): a wrong
        # place is bad input, a full disk is not.
        from simulator.folders.claim import write_failure

        failure = write_failure(error, error.filename or "a file")
        click.echo(f"error: {failure}", err=True)
        return EXIT_BAD_INPUT if isinstance(failure, InputError) else EXIT_FAILED
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


from simulator.cli._export import export  # noqa: E402
from simulator.cli._planning import register  # noqa: E402  (sweep, staff, compare, sensitivity)

register(cli)
cli.add_command(export)
