"""What the command line prints: tables for people, built from library results."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from simulator.model.preflight import preflight
from simulator.model.season import Resource, SeasonModel, StageKind, compile_season
from simulator.scenario.schema import Scenario

if TYPE_CHECKING:
    from simulator.results.summary import Summary
    from simulator.stats import Interval

__all__ = ["render_run_summary", "render_validation"]

_VERDICT_STYLE = {"comfortable": "green", "tight": "yellow", "overloaded": "bold red"}


def _resource_name(model: SeasonModel, resource: Resource, index: int) -> str:
    if resource == Resource.POOL:
        return f"pool {model.pools[index].name}"
    return f"team {model.teams[index].name}"


def render_validation(scenario: Scenario, console: Console) -> None:
    model = compile_season(scenario)
    check = preflight(model)
    frames = sum(model.mean_frames[ep.index] * ep.n_shots for ep in model.episodes)
    console.print(f"[bold]{scenario.name}[/bold]: valid")
    console.print(
        f"{len(model.shows)} show(s), {model.n_episodes} episodes, {model.n_shots} shots, "
        f"about {frames:,.0f} frames; season end at {model.season_end / 24:.1f} days"
    )

    stages = Table(title="Work per shot stage (expected)", title_justify="left")
    for col in ("stage", "kind", "served by", "visits/shot", "hours/visit", "unit-hours"):
        stages.add_column(col, justify="right" if col[0] in "vhu" else "left")
    mean_frames = frames / model.n_shots if model.n_shots else 0.0
    for st, visits in zip(model.shot_stages, check.visits, strict=True):
        opt = st.options[0]
        per_visit = opt.mean_hours(mean_frames)
        total = per_visit * opt.gang * visits * model.n_shots
        if st.kind == StageKind.REVIEW:
            total *= st.sample_rate
        stages.add_row(
            st.name,
            st.kind.name.lower(),
            _resource_name(model, opt.resource, opt.index),
            f"{visits:.2f}",
            f"{per_visit:.3f}",
            f"{total:,.0f}",
        )
    for st in model.episode_stages:
        opt = st.options[0]
        per_visit = opt.mean_hours(0.0)
        stages.add_row(
            st.name,
            "episode",
            _resource_name(model, opt.resource, opt.index),
            "-",
            f"{per_visit:.2f}",
            f"{per_visit * opt.gang * model.n_episodes:,.0f}",
        )
    console.print(stages)

    table = Table(title="Pre-flight: offered work against capacity", title_justify="left")
    for col in (
        "resource",
        "offered h",
        "capacity h",
        "season util.",
        "worst deadline",
        "util. by then",
        "verdict",
    ):
        table.add_column(
            col, justify="left" if col in ("resource", "worst deadline", "verdict") else "right"
        )
    for load in check.loads:
        style = _VERDICT_STYLE[load.verdict]
        table.add_row(
            f"{load.kind} {load.name}",
            f"{load.offered_hours:,.0f}",
            f"{load.capacity_hours:,.0f}",
            f"{load.utilisation:.0%}",
            load.worst_deadline or "-",
            f"{load.worst_deadline_utilisation:.0%}",
            f"[{style}]{load.verdict}[/{style}]",
        )
    console.print(table)
    style = _VERDICT_STYLE[check.verdict]
    console.print(f"verdict: [{style}]{check.verdict}[/{style}]")


def _iv(iv: Interval | None, scale: float = 1.0, fmt: str = "{:,.1f}") -> str:
    """``estimate [low, high]``; ∞ for unbounded ends."""
    if iv is None:
        return "-"

    def f(x: float) -> str:
        return "∞" if not math.isfinite(x) else fmt.format(x * scale)

    return f"{f(iv.estimate)} [{f(iv.low)}, {f(iv.high)}]"


def render_run_summary(summary: Summary, console: Console) -> None:
    conf = f"{summary.confidence:.0%}"
    wall = f" in {summary.run.wall_seconds:.1f} s" if summary.run is not None else ""
    console.print(
        f"[bold]{summary.scenario_name}[/bold]: {summary.replications} replications, "
        f"engine {summary.engine}, seed {summary.seed}, {summary.events:,} events{wall} "
        f"(intervals at {conf})"
    )
    table = Table(title="Episodes", title_justify="left")
    for col in ("episode", "deadline", "delivery day: mean", "P50", "P90", "P(miss)"):
        table.add_column(col, justify="left" if col in ("episode", "deadline") else "right")
    for ep in summary.episodes:
        d = ep.delivery_h
        table.add_row(
            ep.id,
            ep.deadline_day.isoformat(),
            _iv(d.mean, 1 / 24),
            _iv(d.p50, 1 / 24),
            _iv(d.p90, 1 / 24),
            _iv(ep.p_miss, 100, "{:.1f}%").replace("%", "") + " %",
        )
    console.print(table)
    console.print(f"P(any episode misses): {_iv(summary.season.p_any_miss, 100, '{:.1f}')} %")
    cost = summary.cost
    table = Table(title="Cost (USD)", title_justify="left")
    table.add_column("")
    table.add_column("mean [interval]", justify="right")
    table.add_row("total", _iv(cost.total.mean, 1, "{:,.0f}"))
    table.add_row("total P50", _iv(cost.total.p50, 1, "{:,.0f}"))
    table.add_row("total P90", _iv(cost.total.p90, 1, "{:,.0f}"))
    for category, iv in cost.by_category.items():
        if iv.estimate:
            table.add_row(f"  {category.replace('_', ' ')}", _iv(iv, 1, "{:,.0f}"))
    table.add_row("per delivered frame", _iv(cost.per_delivered_frame.mean, 1, "{:,.2f}"))
    console.print(table)
    util = Table(title="Utilisation", title_justify="left")
    util.add_column("resource")
    util.add_column("busy share", justify="right")
    for key, iv in summary.utilisation.items():
        util.add_row(key, _iv(iv, 100, "{:.1f}") + " %")
    console.print(util)
    defects = summary.defects
    console.print(
        f"defects per season: {defects.caught_mean:.1f} caught, "
        f"{defects.escaped.estimate:.1f} escaped; {defects.failed_shots_mean:.1f} failed shots; "
        f"{defects.rework_passes_mean:.1f} rework passes"
    )
    console.print(f"verdict: [bold]{summary.verdict}[/bold] — {summary.verdict_text}")
