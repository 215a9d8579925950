"""What the command line prints: tables for people, built from library results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from simulator.model.cautions import cautions
from simulator.model.compiler import compile_season
from simulator.model.preflight import preflight
from simulator.model.season import Resource, SeasonModel
from simulator.report.words import (
    EPISODE_HEADINGS,
    PAID_UTILISATION,
    RUN_UTILISATION,
    STAGE_HEADINGS,
    WAITS_HEADINGS,
    SeasonCalendar,
    count,
    episode_rows,
    money,
    number,
    percent,
    stage_rows,
    utilisation_rows,
    verdict_line,
    waits_rows,
    with_interval,
)
from simulator.scenario.schema import Scenario

if TYPE_CHECKING:
    from simulator.results.summary import Summary

__all__ = ["render_run_summary", "render_validation"]

_VERDICT_STYLE = {"comfortable": "green", "tight": "yellow", "overloaded": "bold red"}


def _resource_name(model: SeasonModel, resource: Resource, index: int) -> str:
    if resource == Resource.POOL:
        return model.pools[index].label or model.pools[index].name
    return model.teams[index].label or model.teams[index].name


def render_validation(scenario: Scenario, console: Console) -> None:
    model = compile_season(scenario)
    check = preflight(model)
    frames = sum(model.mean_frames[ep.index] * ep.n_shots for ep in model.episodes)
    cal = SeasonCalendar(scenario.calendar.start, scenario.calendar)
    console.print(f"[bold]{scenario.name}[/bold]: valid")
    shows = len(model.shows)
    console.print(
        f"{shows} show{'' if shows == 1 else 's'}, {model.n_episodes} episodes, "
        f"{model.n_shots:,} shots, about {frames:,.0f} frames; the season ends "
        f"{cal.moment(model.season_end, deadline=True)}",
        highlight=False,
    )

    stages = Table(
        title="Work per stage (expected, on each stage's first option)", title_justify="left"
    )
    for col in (
        "stage",
        "kind",
        "served by",
        "visits/shot",
        "attempts/visit",
        "hours/attempt",
        "unit-hours",
    ):
        stages.add_column(col, justify="right" if col[0] in "vahu" else "left")
    for work in check.stages:
        st = work.stage
        stages.add_row(
            st.label or st.name,
            "episode" if work.visits is None else st.kind.name.lower(),
            _resource_name(model, work.resource.kind, work.resource.index),
            "–" if work.visits is None else number(work.visits, 2),
            number(work.attempts, 2),
            number(work.hours_per_attempt, 3),
            number(work.offered_hours, 0),
        )
    console.print(stages)

    table = Table(title="Pre-flight: offered work against capacity", title_justify="left")
    for col in (
        "resource",
        "offered h",
        "capacity h",
        "season utilisation",
        "worst deadline",
        "utilisation by then",
        "verdict",
    ):
        table.add_column(
            col, justify="left" if col in ("resource", "worst deadline", "verdict") else "right"
        )
    labels = model.labels()
    for load in check.loads:
        style = _VERDICT_STYLE[load.verdict]
        table.add_row(
            labels.get(f"{load.kind}:{load.name}", load.name),
            number(load.offered_hours, 0),
            number(load.capacity_hours, 0),
            percent(load.utilisation, 0),
            load.worst_deadline or "–",
            percent(load.worst_deadline_utilisation, 0),
            f"[{style}]{load.verdict}[/{style}]",
        )
    console.print(table)
    for note in check.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)
    for caution in cautions(scenario):
        console.print(f"[yellow]check:[/yellow] {caution}", highlight=False, soft_wrap=True)
    style = _VERDICT_STYLE[check.verdict]
    console.print(f"verdict: [{style}]{check.verdict}[/{style}]")


def render_run_summary(summary: Summary, console: Console) -> None:
    """A run's summary in the terminal: the same words and figures as its report."""
    wall = f" in {summary.run.wall_seconds:.1f} s" if summary.run is not None else ""
    console.print(
        f"[bold]{summary.scenario_name}[/bold]: {summary.replications:,} "
        f"replication{'' if summary.replications == 1 else 's'}, engine {summary.engine}, "
        f"seed {summary.seed}, {summary.events:,} events{wall} "
        f"(intervals at {summary.confidence:.0%} confidence)",
        highlight=False,
    )
    console.print(_episode_table(summary), _cost_table(summary), _utilisation_table(summary))
    if summary.waits is not None:
        console.print(_waits_table(summary))
    if stage_rows(summary):
        console.print(_stages_table(summary))
    p_any = summary.season.p_any_miss
    defects = summary.defects
    console.print(
        f"P(any miss): {with_interval(p_any, percent)}\n"
        f"defects per season: {count(defects.caught_mean)} caught in review, "
        f"{with_interval(defects.escaped, count)} escaped to delivery; "
        f"{count(defects.failed_shots_mean)} failed shots; "
        f"{count(defects.rework_passes_mean)} rework passes\n"
        f"verdict: [bold]{verdict_line(summary)}[/bold]",
        highlight=False,
        soft_wrap=True,
    )


def _episode_table(summary: Summary) -> Table:
    table = Table(title="Delivery per episode", title_justify="left")
    for col in EPISODE_HEADINGS[:-1]:
        table.add_column(col)
    table.add_column(EPISODE_HEADINGS[-1], justify="right")
    for row in episode_rows(summary, SeasonCalendar.of(summary)):
        table.add_row(*row)
    return table


def _cost_table(summary: Summary) -> Table:
    cost = summary.cost
    table = Table(title="Season cost", title_justify="left")
    table.add_column("")
    table.add_column("mean (interval)", justify="right")
    if cost.total.mean is not None:
        table.add_row("total", with_interval(cost.total.mean, money))
    table.add_row("total P90", with_interval(cost.total.p90, money))
    for category, iv in cost.by_category.items():
        if round(iv.estimate) != 0:
            table.add_row(f"  {category.replace('_', ' ')}", with_interval(iv, money))
    per_frame = cost.per_delivered_frame.mean
    if per_frame is not None:
        table.add_row("per delivered frame", with_interval(per_frame, lambda x: money(x, 2)))
    return table


def _utilisation_table(summary: Summary) -> Table:
    table = Table(title="Utilisation", title_justify="left")
    table.add_column("resource")
    table.add_column(f"{RUN_UTILISATION} (interval)", justify="right")
    table.add_column(f"{PAID_UTILISATION} (interval)", justify="right")
    for row in utilisation_rows(summary):
        table.add_row(*row)
    return table


def _waits_table(summary: Summary) -> Table:
    table = Table(title="Waits, per replication (mean)", title_justify="left")
    for k, heading in enumerate(WAITS_HEADINGS):
        table.add_column(
            f"{heading} (interval)" if k >= 2 else heading, justify="left" if k == 0 else "right"
        )
    for row in waits_rows(summary):
        table.add_row(*row)
    return table


def _stages_table(summary: Summary) -> Table:
    table = Table(title="Waits and time per stage, per replication (mean)", title_justify="left")
    for k, heading in enumerate(STAGE_HEADINGS):
        table.add_column(
            f"{heading} (interval)" if k in (2, 4, 5, 6) else heading,
            justify="left" if k == 0 else "right",
        )
    for row in stage_rows(summary):
        table.add_row(*row)
    return table
