"""The planning commands of ``reelsim``: ``sweep``, ``staff``, ``compare``, ``sensitivity``.

A thin shell like the rest of the command line: each command parses its options, calls
the library function of the same name (``simulator.planning.sweeps.sweep``,
``simulator.planning.staffing.staff``, ``simulator.planning.comparison.compare``,
``simulator.planning.sensitivity.sensitivity``) and renders what it returns. ``register(cli)``
adds them to the ``reelsim`` group.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from simulator.cli import _options as opt
from simulator.cli._progress import ProgressReport
from simulator.report.words import (
    DIFFERENCES,
    VERDICT_WORDS,
    SeasonCalendar,
    count,
    effect_format,
    effect_heading,
    level_format,
    money,
    no_difference_text,
    number,
    percent,
    quantity_name,
    setting_name,
    with_interval,
)

if TYPE_CHECKING:
    from simulator.results.work import Work

__all__ = ["register"]

WORK_OPTIONS = ("replications", "seed", "chunk_size", "threads", "workers", "scheduler", "engine")
"""The shared options that are ``Work``'s fields, by the same names."""


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every planning command shares — how many replications, which
    seed, from where the season stands, where the chunks run — to a command, which
    receives them as one ``Work``: ``work``."""

    @functools.wraps(function)
    def command(**kwargs: Any) -> Any:
        from simulator.results.work import Work

        status = opt.read_status(kwargs.pop("status"), kwargs.pop("now"))
        work = Work(status=status, **{name: kwargs.pop(name) for name in WORK_OPTIONS})
        return function(work=work, **kwargs)

    options: list[opt.Decorator] = [
        opt.replications_option(
            "Replications per configuration (default: the scenario's run.replications)."
        ),
        opt.seed_option(
            "Seed, the same for every configuration (default: the scenario's run.seed)."
        ),
        opt.from_status_options,
        click.option(
            "--chunk",
            "chunk_size",
            type=click.IntRange(min=1),
            default=1000,
            show_default=True,
            help="Replications per chunk (the unit of work, of files and of resuming).",
        ),
        opt.threads_option,
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Start a local Dask cluster of N worker processes.",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="Run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786).",
        ),
        opt.engine_option,
    ]
    decorated: Callable[..., Any] = command
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


@contextmanager
def _executor(
    work: Work, console: Console, what: str, each: str | None = None
) -> Iterator[tuple[Work, ProgressReport]]:
    """``work`` on the executor its options ask for, said on ``console``, and closed on
    leaving (a pool's processes end, a cluster started for the work stops), telling its
    progress until its results are written (``ProgressReport(console, what, each=each)``)."""
    from simulator.planning.executors import make_executor

    with (
        make_executor(work, processes=work.engine == "reference") as executor,
        ProgressReport(console, what, each=each) as report,
    ):
        console.print(f"running on {executor.description}")
        yield replace(work, executor=executor, progress=report), report


def _labels(scenario: Path, overrides: tuple[str, ...]) -> dict[str, str]:
    """What the scenario's people call its pools, teams, stages and shows."""
    from simulator.model.compiler import compile_season
    from simulator.scenario.load import load_scenario

    return compile_season(load_scenario(scenario, overrides)).labels()


def _settings(values: Any) -> str:
    """A configuration's values, as ``--set`` would write them (a path is the point)."""
    return ", ".join(f"{path}={value}" for path, value in values)


@click.command(
    epilog=opt.examples(
        "reelsim sweep my-season/scenario.yaml --vary pools.h100.gpus=1,2,4 -n 200",
        "reelsim sweep my-season/scenario.yaml --vary pools.h100.gpus=1:4 \\\n"
        "      --vary teams.supervisors.shifts.0.people=1:2",
    )
)
@click.argument("scenario", type=opt.FILE)
@click.option(
    "--vary",
    "vary",
    multiple=True,
    required=True,
    metavar="PATH=V1,V2,...|LO:HI[:STEP]",
    help="A dimension of the grid, e.g. pools.h100-reserved.gpus=8:24:4 (repeatable).",
)
@click.option(
    "--precision",
    type=click.FloatRange(min=0.0, min_open=True, max=1.0, max_open=True),
    default=None,
    help="Add replications until each probability is within ±X and each mean within ±X "
    "of itself (relative).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=None,
    help="Replications added per round for --precision (default: --replications).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=1),
    default=None,
    help="Cap per point for --precision (default: 100 × --replications).",
)
@click.option(
    "--out",
    type=opt.FOLDER,
    default=None,
    help="Results folder (default: results/<scenario name>-sweep).",
)
@opt.sets_option
@_common
@click.option("--no-plots", is_flag=True, help="Skip the PNG plot.")
def sweep(
    scenario: Path,
    vary: tuple[str, ...],
    precision: float | None,
    batch: int | None,
    max_replications: int | None,
    out: Path | None,
    overrides: tuple[str, ...],
    work: Work,
    no_plots: bool,
) -> None:
    """Run a grid of changes × replications on common random numbers (resumable: a rerun
    of the same command skips the chunks already in the results folder)."""
    from simulator.planning.sweeps import sweep as run_sweep
    from simulator.scenario.load import load_scenario

    folder = out if out is not None else Path("results") / f"{load_scenario(scenario).name}-sweep"
    opt.claim_output(folder, "sweep", [(scenario, overrides)], work.seed)
    console = Console(stderr=True)
    with _executor(work, console, "sweep") as (on_executor, _):
        result = run_sweep(
            scenario,
            vary,
            out=folder,
            work=on_executor,
            overrides=overrides,
            precision=precision,
            batch=batch,
            max_replications=max_replications,
            plots=not no_plots,
        )
    table = Table(title=f"{result.summary['scenario']['name']}: sweep", title_justify="left")
    paths = [v["path"] for v in result.summary["vary"]]
    labels = _labels(scenario, overrides)
    for path in paths:
        table.add_column(setting_name(path, labels), justify="right")
    for col in (
        "replications",
        "P(any miss) (interval)",
        "season cost, mean (interval)",
        "escaped defects",
        "verdict",
    ):
        table.add_column(col, justify="left" if col == "verdict" else "right")
    for r in result.results:
        table.add_row(
            *(v for _, v in r.point.values),
            f"{r.replications:,}",
            with_interval(r.p_any_miss, percent),
            with_interval(r.cost_mean, money),
            count(r.summary.defects.escaped.estimate),
            VERDICT_WORDS[r.summary.verdict],
        )
    opt.stdout_console().print(table)
    chunks = result.summary["chunks"]
    console.print(
        f"{chunks['total']} chunks: {chunks['computed']} computed, {chunks['reused']} found on "
        f"disk; results written to {folder}/"
    )
    opt.next_step(console, f"reelsim report {folder} -o {folder.name}.html")


@click.command(
    epilog=opt.examples(
        "reelsim staff my-season/scenario.yaml --target-risk 0.05 \\\n"
        "      --vary pools.h100.gpus=1:4 \\\n"
        "      --vary teams.supervisors.shifts.0.people=1:3",
    )
)
@click.argument("scenario", type=opt.FILE)
@click.option(
    "--target-risk",
    type=click.FloatRange(min=0.0, min_open=True, max=1.0, max_open=True),
    required=True,
    help="The most P(any episode misses) may be, at its upper confidence bound.",
)
@click.option(
    "--vary",
    "vary",
    multiple=True,
    required=True,
    metavar="PATH=LO:HI",
    help="A capacity to choose, e.g. pools.h100-reserved.gpus=8:24 (repeatable).",
)
@click.option(
    "--out",
    type=opt.FOLDER,
    default=None,
    help="Results folder (default: results/<scenario name>-staff).",
)
@opt.sets_option
@_common
@click.option("--no-plots", is_flag=True, help="Skip the frontier plot.")
def staff(
    scenario: Path,
    target_risk: float,
    vary: tuple[str, ...],
    out: Path | None,
    overrides: tuple[str, ...],
    work: Work,
    no_plots: bool,
) -> None:
    """Find the cheapest configuration whose deadline risk is under a target, starting
    from queueing theory and searching along the feasible boundary."""
    from simulator.planning.staffing import staff as run_staff
    from simulator.scenario.load import load_scenario

    folder = out if out is not None else Path("results") / f"{load_scenario(scenario).name}-staff"
    opt.claim_output(folder, "staff", [(scenario, overrides)], work.seed)
    console = Console(stderr=True)
    with _executor(work, console, "staff", each="configuration") as (on_executor, _):

        def simulated(result: Any, n: int) -> None:
            risk = result.p_any_miss
            console.print(
                f"  {n:>3}. {_settings(result.point.values)}: P(any miss) "
                f"{percent(risk.estimate)} (up to {percent(risk.high)}), season cost "
                f"{money(result.cost_mean.estimate)}",
                highlight=False,
            )

        result = run_staff(
            scenario,
            vary,
            target_risk=target_risk,
            out=folder,
            work=on_executor,
            overrides=overrides,
            plots=not no_plots,
            on_configuration=simulated,
        )
    stdout = opt.stdout_console()
    labels = _labels(scenario, overrides)
    stdout.print(_estimates_table(result, labels))
    frontier = _frontier_table(result, labels)
    stdout.print(frontier)
    console.print(
        f"{result.configurations_simulated} of {result.grid_size} configurations simulated"
    )
    target = percent(target_risk)
    if result.chosen is None:
        stdout.print(
            f"[bold red]no configuration in the ranges keeps P(any miss) under {target}[/]"
        )
    else:
        values = _settings(result.values(result.chosen).items())
        risk = result.chosen.p_any_miss
        stdout.print(
            f"[bold]cheapest with P(any miss) under {target}:[/bold] {values}: season cost "
            f"{with_interval(result.chosen.cost_mean, money)}, P(any miss) "
            f"{with_interval(risk, percent)}",
            highlight=False,
        )
        for n in result.cheaper_neighbours:
            nv = _settings(result.values(n).items())
            stdout.print(
                f"  one step cheaper, {nv}: P(any miss) up to {percent(n.p_any_miss.high)}",
                highlight=False,
            )
    console.print(f"results written to {folder}/")
    opt.next_step(console, f"reelsim report {folder} -o {folder.name}.html")


def _estimates_table(result: Any, labels: dict[str, str]) -> Table:
    estimates = Table(title="Where theory starts", title_justify="left")
    for col in ("dimension", "offered (erlangs)", "floor", "start", "P(wait), Erlang C"):
        estimates.add_column(col, justify="left" if col == "dimension" else "right")
    for e in result.estimates:
        estimates.add_row(
            setting_name(e.path, labels),
            "–" if e.offered_erlangs is None else number(e.offered_erlangs, 2),
            str(e.floor),
            str(e.start),
            "–" if e.wait_probability is None else percent(e.wait_probability),
        )
    return estimates


def _frontier_table(result: Any, labels: dict[str, str]) -> Table:
    frontier = Table(title="Cost–risk frontier (simulated)", title_justify="left")
    paths = [d.path for d in result.dimensions]
    for path in paths:
        frontier.add_column(setting_name(path, labels), justify="right")
    frontier.add_column("season cost, mean (interval)", justify="right")
    frontier.add_column("P(any miss) (interval)", justify="right")
    frontier.add_column("", justify="left")
    for r in result.frontier:
        mark = "← chosen" if r is result.chosen else ""
        frontier.add_row(
            *(v for _, v in r.point.values),
            with_interval(r.cost_mean, money),
            with_interval(r.p_any_miss, percent),
            mark,
        )
    return frontier


@click.command(
    epilog=opt.examples(
        "reelsim compare my-season/scenario.yaml \\\n"
        "      --set-a pools.h100.gpus=2 --set-b pools.h100.gpus=3",
        'reelsim compare plan.yaml shift-left.yaml -n 500 --label-a plan --label-b "shift left"',
    )
)
@click.argument("scenario_a", type=opt.FILE)
@click.argument("scenario_b", type=opt.FILE, required=False)
@click.option("--set-a", "overrides_a", multiple=True, metavar="PATH=VALUE", help="Change A.")
@click.option("--set-b", "overrides_b", multiple=True, metavar="PATH=VALUE", help="Change B.")
@click.option(
    "--label-a",
    default=None,
    help="What to call A (default: the changes only A has, else its scenario's name).",
)
@click.option(
    "--label-b",
    default=None,
    help="What to call B (default: the changes only B has, else its scenario's name).",
)
@click.option(
    "--out",
    type=opt.FOLDER,
    default=None,
    help="Results folder (default: results/compare-A-B, by the scenarios' names).",
)
@_common
def compare(
    scenario_a: Path,
    scenario_b: Path | None,
    overrides_a: tuple[str, ...],
    overrides_b: tuple[str, ...],
    label_a: str | None,
    label_b: str | None,
    out: Path | None,
    work: Work,
) -> None:
    """Compare two scenarios, or one scenario with two sets of changes (give one SCENARIO
    and --set-a/--set-b), on common random numbers: paired differences A − B with
    intervals."""
    from simulator.planning.comparison import compare as run_compare
    from simulator.scenario.load import load_scenario

    a_name = load_scenario(scenario_a).name
    b_name = a_name if scenario_b is None else load_scenario(scenario_b).name
    default = f"compare-{a_name}" if a_name == b_name else f"compare-{a_name}-{b_name}"
    folder = out if out is not None else Path("results") / default
    sides = [(scenario_a, overrides_a), (scenario_b or scenario_a, overrides_b)]
    opt.claim_output(folder, "compare", sides, work.seed)
    console = Console(stderr=True)
    with _executor(work, console, "compare") as (on_executor, _):
        result = run_compare(
            scenario_a,
            scenario_b,
            out=folder,
            work=on_executor,
            overrides_a=overrides_a,
            overrides_b=overrides_b,
            label_a=label_a,
            label_b=label_b,
        )
    stdout = opt.stdout_console()
    if result.any_differed:
        stdout.print(_comparison_table(result))
    else:
        stdout.print(
            no_difference_text(f"A ({result.label_a})", f"B ({result.label_b})"),
            soft_wrap=True,
        )
    console.print(f"results written to {folder}/")
    opt.next_step(console, f"reelsim report {folder} -o {folder.name}.html")


def _comparison_table(result: Any) -> Table:
    from simulator.plots.planning import difference_group

    cal = SeasonCalendar.of(result.a.summary)
    table = Table(
        title=f"A = {result.label_a}, B = {result.label_b}: A − B on common random numbers "
        f"({result.summary['replications']:,} replications)",
        title_justify="left",
    )
    for col in ("quantity", "A", "B", "A − B (interval)", "replications differing", "variance ×"):
        table.add_column(col, justify="left" if col == "quantity" else "right")
    for row in result.table.to_dict(orient="records"):
        if row["quantity"].startswith("cost_") and row["mean_a"] == row["mean_b"] == 0:
            continue  # a category neither side has
        group = difference_group(row["quantity"])
        level, difference = level_format(group, cal), DIFFERENCES[group]
        vr = row["variance_reduction"]
        table.add_row(
            quantity_name(row["quantity"]),
            level(row["mean_a"]),
            level(row["mean_b"]),
            f"{difference(row['difference'])} ({difference(row['low'])} – "
            f"{difference(row['high'])})",
            f"{row['differing']:,} of {row['n']:,}",
            "–" if not math.isfinite(vr) else f"{number(vr, 1)}×",
        )
    return table


@click.command(
    epilog=opt.examples(
        "reelsim sensitivity my-season/scenario.yaml \\\n"
        "      --factor shot_stages.supervisor_review.catch_probability=0.6:0.95 \\\n"
        "      --factor shot_stages.image_to_video.failure_probability=0.02:0.2",
        "reelsim sensitivity my-season/scenario.yaml --method sobol --samples 32 \\\n"
        "      --factor shot_stages.supervisor_review.catch_probability=0.6:0.95 \\\n"
        "      --factor shot_stages.image_to_video.failure_probability=0.02:0.2",
    )
)
@click.argument("scenario", type=opt.FILE)
@click.option(
    "--factor",
    "factors",
    multiple=True,
    required=True,
    metavar="PATH=LO:HI",
    help="An uncertain input and its range, e.g. "
    "shot_stages.supervisor_review.catch_probability=0.7:0.95 (repeatable).",
)
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="Morris elementary effects (cheap) or Sobol' indices (variance-based).",
)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=None,
    help="Morris trajectories (default: 10), or Sobol's base sample, a power of two (default: 16).",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    type=click.Choice(["p_any_miss", "cost_mean", "escaped_mean"]),
    help="What to rank the inputs for (default: p_any_miss and cost_mean).",
)
@click.option(
    "--out",
    type=opt.FOLDER,
    default=None,
    help="Results folder (default: results/<scenario name>-sensitivity).",
)
@opt.sets_option
@_common
@click.option("--no-plots", is_flag=True, help="Skip the ranked chart.")
def sensitivity(
    scenario: Path,
    factors: tuple[str, ...],
    method: str,
    samples: int | None,
    outputs: tuple[str, ...],
    out: Path | None,
    overrides: tuple[str, ...],
    work: Work,
    no_plots: bool,
) -> None:
    """Rank uncertain inputs by how much they drive deadline risk and cost."""
    from simulator.planning.sensitivity import sensitivity as run_sensitivity
    from simulator.scenario.load import load_scenario

    name = load_scenario(scenario).name
    folder = out if out is not None else Path("results") / f"{name}-sensitivity"
    opt.claim_output(folder, "sensitivity", [(scenario, overrides)], work.seed)
    console = Console(stderr=True)
    with _executor(work, console, "sensitivity") as (on_executor, _):
        result = run_sensitivity(
            scenario,
            factors,
            out=folder,
            work=on_executor,
            method=method,
            samples=samples,
            outputs=outputs or ("p_any_miss", "cost_mean"),
            overrides=overrides,
            plots=not no_plots,
        )
    measure = "mu_star" if method == "morris" else "ST"
    labels = _labels(scenario, overrides)
    table = Table(
        title=f"{name}: {method} ({result.summary['points']} points × "
        f"{result.summary['replications']} replications)",
        title_justify="left",
    )
    for col in ("output", "rank", "input", f"{effect_heading(method)} ± interval"):
        table.add_column(col, justify="left" if col in ("output", "input") else "right")
    for row in result.indices.to_dict(orient="records"):
        fmt = effect_format(method, row["output"])
        table.add_row(
            quantity_name(row["output"]),
            str(row["rank"]),
            setting_name(row["factor"], labels),
            f"{fmt(row[measure])} ± {fmt(row[f'{measure}_conf'])}",
        )
    opt.stdout_console().print(table)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)
    console.print(f"results written to {folder}/")
    opt.next_step(console, f"reelsim report {folder} -o {folder.name}.html")


def register(group: click.Group) -> None:
    """Add the planning commands to the ``reelsim`` command group."""
    for command in (sweep, staff, compare, sensitivity):
        group.add_command(command)
