"""A scenario in words, for the report: the question it asks and what it assumes.

A planning meeting does not read YAML. This module says what a validated ``Scenario``
assumes in sentences and small tables: the season (episodes, shots, locks, deadlines), the
pipeline stage by stage, the GPU pools and the teams on their shifts, the rules (queue
policy, cloud bursting), the penalties and the run settings. It says only what the file
says; every figure is the scenario's own, so the page and the file cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from simulator.calendar import date_at
from simulator.distributions import Constant
from simulator.model.compiler import compile_season
from simulator.report.page import Block, Table, Text
from simulator.scenario.schema import (
    REWORK_TO_ORIGIN,
    Calendar,
    GpuStage,
    IndexWeights,
    Pool,
    PublicHolidays,
    ReviewStage,
    Scenario,
    Team,
)

__all__ = ["assumptions", "question", "resource_labels"]


def _duration(hours: float) -> str:
    if hours <= 0.0:
        return "0"
    if hours < 1.0 / 60.0:
        return f"{hours * 3600.0:.3g} s"
    if hours < 1.0:
        return f"{hours * 60.0:.3g} min"
    if hours < 48.0:
        return f"{hours:.3g} h"
    days = hours / 24.0
    return f"{days:,.0f} d" if days >= 100 else f"{days:.3g} d"


def _share(p: float) -> str:
    return f"{100.0 * p:.3g}%"


def _dist(spec: object, unit: str = "") -> str:
    """``lognormal, mean 2 min, cv 0.5``: the distribution as written, with its unit."""
    suffix = f" {unit}" if unit else ""
    if isinstance(spec, Constant):
        return f"{spec.value:g}{suffix}"
    fields = spec.model_dump(by_alias=True, exclude_none=True)  # type: ignore[attr-defined]
    name = str(fields.pop("dist")).replace("_", " ")
    unitless = {"cv", "sigma", "weights"}
    parts = []
    for key, value in fields.items():
        if isinstance(value, list | tuple):
            parts.append(f"{len(value)} {key}")
        else:
            parts.append(f"{key} {value:g}{'' if key in unitless else suffix}")
    return f"{name}: {', '.join(parts)}"


def _moment(calendar: Calendar, hours: float, *, deadline: bool = False) -> str:
    at = date_at(calendar, hours)
    if deadline and at.hour == 0 and at.minute == 0:
        return f"{(at - timedelta(days=1)):%a %d %b %Y} 24:00"
    if at.hour == 0 and at.minute == 0:
        return f"{at:%a %d %b %Y}"
    return f"{at:%a %d %b %Y %H:%M}"


def _policy(policy: str | IndexWeights) -> str:
    if isinstance(policy, str):
        return policy
    weights = policy.model_dump()
    return "weighted: " + ", ".join(f"{k} × {v:g}" for k, v in weights.items() if v)


def _schedule(team: Team) -> str:
    if team.around_the_clock is not None:
        return f"{team.around_the_clock} around the clock"
    shifts = []
    for shift in team.shifts or ():
        days = shift.days
        day_text = f"{days[0]}–{days[-1]}" if len(days) > 2 else ", ".join(days)
        label = f" ({shift.label})" if shift.label else ""
        shifts.append(f"{shift.people} × {day_text} {shift.start}–{shift.end}{label}")
    if team.utc_offset_hours is not None:
        zone = f" (UTC{team.utc_offset_hours:+g})"
    else:
        zone = f" ({team.time_zone})" if team.time_zone is not None else ""
    return "; ".join(shifts) + zone + _holidays(team.holidays, " off")


def _holidays(holidays: tuple[date, ...] | PublicHolidays, off: str = "") -> str:
    """'; 2 holidays' or '; US-CA public holidays and 1 more day'."""
    dates = holidays if isinstance(holidays, tuple) else holidays.dates
    count = f"{len(dates)} holiday{'s' if len(dates) > 1 else ''}{off}" if dates else ""
    if isinstance(holidays, tuple):
        return f"; {count}" if count else ""
    region = "-".join(filter(None, (holidays.country, holidays.subdivision)))
    return f"; {region} public holidays{off}" + (f" and {count}" if count else "")


def _overtime_rate(team: Team) -> float:
    return team.overtime_rate if team.overtime_rate is not None else 1.5 * team.hourly_rate


def _gpu(text: str, pool: str) -> str:
    """The GPU in a few words: "H100 80GB SXM, spot (8-GPU instances)" → "H100 80GB SXM"."""
    return text.split(",")[0].split("(")[0].strip() or pool


def _failures(scenario: Scenario, pool: Pool) -> list[str]:
    """How often a pool's GPUs fail, how long a repair takes, and who repairs them."""
    assert pool.failures is not None
    said = [
        f"fails every {_duration(pool.failures.time_between_failures_hours.mean)} "
        f"on average, repaired in {_duration(pool.failures.repair_hours.mean)}"
    ]
    if pool.repair is not None and pool.repair.team is not None:
        crew = scenario.teams[pool.repair.team].label or pool.repair.team
        said.append(f"a failed GPU waits for a repairer of {crew}, in failure order")
    elif pool.repair is not None:
        n = pool.repair.repairers
        who = "the one repairer" if n == 1 else f"one of {n} repairers"
        said.append(f"a failed GPU waits for {who} around the clock, in failure order")
    return said


def resource_labels(scenario: Scenario) -> dict[str, str]:
    """``pool:NAME`` / ``team:NAME`` → a few words on what it is."""
    labels = {}
    for name, pool in scenario.pools.items():
        amount = f"up to {pool.gpus}" if pool.kind != "reserved" else str(pool.gpus)
        gpu = f" {_gpu(pool.gpu, name)}" if pool.gpu else ""
        price = pool.price_per_gpu_hour or 0.0
        labels[f"pool:{name}"] = (
            f"{amount} {pool.kind.replace('_', '-')}{gpu} GPUs, {price:,.2f} USD per GPU-hour"
        )
    for name, team in scenario.teams.items():
        labels[f"team:{name}"] = f"{_schedule(team)}; {team.hourly_rate:,.0f} USD per hour"
    return labels


def _counted(items: Sequence[str], word: str) -> str:
    text = ", ".join(items[:-1]) + (f" and {items[-1]}" if len(items) > 1 else items[0])
    return f"{text} {word}" if word else text


def question(scenario: Scenario) -> str:
    """The question a run of ``scenario`` answers, with the resources it tries."""
    model = compile_season(scenario)
    titles = [show.title or name for name, show in scenario.shows.items()]
    deadlines = sorted(ep.deadline for ep in model.episodes)
    span = (
        f" ({_moment(scenario.calendar, deadlines[0], deadline=True)[:-6]} to "
        f"{_moment(scenario.calendar, deadlines[-1], deadline=True)[:-6]})"
        if deadlines
        else ""
    )
    pools = [
        f"{'' if pool.kind == 'reserved' else 'up to '}{pool.gpus} "
        f"{pool.kind.replace('_', '-')} {_gpu(pool.gpu, name)} GPUs"
        for name, pool in scenario.pools.items()
    ]
    teams = [
        f"{name} ({_schedule(team)})" if len(scenario.teams) <= 4 else name
        for name, team in scenario.teams.items()
    ]
    resources = [*pools, *teams]
    with_what = f", with {_counted(resources, '')}" if resources else ""
    return (
        f"Will the {model.n_episodes} episodes of {_counted(titles, '')} be delivered by their "
        f"deadlines{span}, and what will the season cost{with_what}?"
    )


def _stage_rows(scenario: Scenario) -> list[list[str]]:
    rows = []
    pool, team = _called(scenario.pools), _called(scenario.teams)
    for name, stage in scenario.shot_stages.items():
        if isinstance(stage, GpuStage):
            options = "; ".join(
                f"{pool[o.pool]}{f' ×{o.gang}' if o.gang > 1 else ''}: "
                f"{_dist(o.seconds_per_frame, 's/frame')}"
                + (f", setup {_duration(o.setup)}" if o.setup else "")
                for o in stage.options
            )
            rules = [f"fails {_share(stage.failure_probability)} of attempts"]
            rules.append(f"up to {stage.max_attempts} attempts")
            if stage.fallback is not None:
                rules.append(f"then manual work by {team[stage.fallback.team]}")
            if stage.defect_probability:
                rules.append(f"leaves a hidden defect in {_share(stage.defect_probability)}")
            rows.append(
                [
                    stage.label or name,
                    f"model {stage.model}" if stage.model else "model",
                    options,
                    "; ".join(rules),
                ]
            )
        elif isinstance(stage, ReviewStage):
            who = team[stage.team] if stage.team else f"QC model on {pool[stage.pool or '']}"
            time = (
                _dist(stage.minutes_per_shot, "min/shot")
                if stage.minutes_per_shot is not None
                else _dist(stage.seconds_per_frame, "s/frame")
            )
            rejects = ", ".join(_share(p) for p in stage.reject_probabilities)
            rules = [f"reviews {_share(stage.sample_rate)} of shots"]
            if stage.catch_probability:
                rules.append(f"catches {_share(stage.catch_probability)} of defects")
            if any(stage.reject_probabilities):
                rules.append(f"sends back clean shots {rejects} (by round)")
            if stage.max_rounds is not None:
                rules.append(f"at most {stage.max_rounds} rounds")
            if stage.rework_to:
                rules.append(f"rework goes to {_rework_target(scenario, stage.rework_to)}")
            rows.append([stage.label or name, f"review by {who}", time, "; ".join(rules)])
    for name, episode_stage in scenario.episode_stages.items():
        who = team[episode_stage.team] if episode_stage.team else pool[episode_stage.pool or ""]
        time = _dist(episode_stage.hours_per_episode, "h")
        rows.append([episode_stage.label or name, f"episode stage, {who}", time, ""])
    return rows


def _called(named: Mapping[str, Pool | Team]) -> dict[str, str]:
    """What people call each pool or team: its label, or its name."""
    return {name: item.label or name for name, item in named.items()}


def _rework_target(scenario: Scenario, rework_to: str) -> str:
    if rework_to == REWORK_TO_ORIGIN:
        return "the stage that left the defect"
    return scenario.shot_stages[rework_to].label or rework_to


def assumptions(scenario: Scenario) -> list[Block]:
    """The scenario's assumptions as text and tables for the report."""
    model = compile_season(scenario)
    start = scenario.calendar.start
    blocks: list[Block] = []
    if scenario.description.strip():
        blocks.append(Text(" ".join(scenario.description.split())))
    cal = scenario.calendar
    zone = f", {cal.time_zone}" if cal.time_zone != "UTC" else ""
    holidays = _holidays(cal.holidays)
    blocks.append(
        Text(
            f"The season starts {start:%a %d %b %Y} (time 0{zone}){holidays}. "
            f"{model.n_episodes} episodes, {model.n_shots:,} AI-assisted shots."
        )
    )
    episode_rows = [
        [
            ep.name,
            model.shows[ep.show],
            str(ep.n_shots),
            _moment(scenario.calendar, ep.lock),
            _moment(scenario.calendar, ep.deadline, deadline=True),
            f"{ep.priority:g}",
        ]
        for ep in model.episodes
    ]
    blocks.append(
        Table(
            ["episode", "show", "shots", "picture lock", "deadline", "priority"],
            episode_rows,
            title="Episodes",
            numeric=[False, False, True, False, False, True],
        )
    )
    show_rows = []
    for name, show in scenario.shows.items():
        frames = (
            f"from the shot list ({len(show.shot_records):,} shots)"
            if show.shot_records
            else (_dist(show.frames_per_shot, "frames") if show.frames_per_shot else "per episode")
        )
        release = show.release.pattern.replace("_", " ")
        if show.release.window is not None:
            release += f" over {_duration(show.release.window)}"
        if show.release.shots_per_day is not None:
            release += f" at {show.release.shots_per_day:g} shots a day"
        show_rows.append([show.label or name, show.title, frames, release])
    blocks.append(
        Table(["show", "title", "frames per shot", "shots released"], show_rows, title="Shows")
    )
    stage_rows = _stage_rows(scenario)
    blocks.append(
        Table(
            ["stage", "what", "time", "rules"],
            stage_rows,
            title="Pipeline, in order (shot stages, then episode stages)",
        )
    )
    if scenario.pools:
        pool_rows = []
        for name, pool in scenario.pools.items():
            extra = []
            if pool.failures is not None:
                extra += _failures(scenario, pool)
            if pool.preemptions_per_gpu_hour:
                every = 1.0 / pool.preemptions_per_gpu_hour
                extra.append(f"preempted once per {every:,.0f} GPU-hours on average")
            if pool.kind != "reserved":
                extra.append(
                    f"provisioned in {_duration(pool.provisioning_delay)}, released after "
                    f"{_duration(pool.idle_timeout)} idle"
                )
            pool_rows.append(
                [
                    pool.label or name,
                    pool.kind.replace("_", "-"),
                    pool.gpu,
                    str(pool.gpus),
                    f"{pool.price_per_gpu_hour or 0.0:,.2f}",
                    "; ".join(extra),
                ]
            )
        blocks.append(
            Table(
                ["pool", "kind", "GPU", "GPUs", "USD per GPU-hour", "notes"],
                pool_rows,
                title="GPU pools",
                numeric=[False, False, False, True, True, False],
            )
        )
    if scenario.teams:
        team_rows = [
            [
                team.label or name,
                _schedule(team),
                f"{team.hourly_rate:,.0f}",
                f"{_overtime_rate(team):,.0f}",
                _duration(team.max_overtime),
            ]
            for name, team in scenario.teams.items()
        ]
        blocks.append(
            Table(
                [
                    "team",
                    "people × shifts",
                    "USD per hour",
                    "overtime USD per hour",
                    "max overtime",
                ],
                team_rows,
                title="Teams",
                numeric=[False, False, True, True, True],
            )
        )
    policy = scenario.policy
    burst = policy.burst
    burst_text = "at once" if burst.wait == 0 else f"after {_duration(burst.wait)} waiting"
    if burst.slack is not None:
        burst_text += f", or when slack is under {_duration(burst.slack)}"
    if burst.budget_usd is not None:
        burst_text += f", within a cloud budget of {burst.budget_usd:,.0f} USD"
    penalties = scenario.penalties
    run = scenario.run
    blocks.append(
        Table(
            ["rule", "value"],
            [
                ["queue order", _policy(policy.queue)],
                ["which pool takes a task", policy.pool_rule],
                ["cloud GPUs are rented", burst_text],
                ["penalty per escaped defect", f"{penalties.escaped_defect:,.0f} USD"],
                ["penalty per failed shot", f"{penalties.failed_shot:,.0f} USD"],
                ["penalty per episode per day late", f"{penalties.late_per_day:,.0f} USD"],
                ["a replication stops at", f"{_duration(run.horizon)} from the start"],
            ],
            title="Rules, penalties and run settings",
        )
    )
    return blocks
