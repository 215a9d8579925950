"""Checks that span parts of a scenario: names that must exist, orders that must hold.

Each finding is ``(path, message)`` with ``path`` the tuple of keys and indices of the
value at fault, so the loader can point at its line in the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from simulator.scenario._values import MAX_SEASON_HOURS, MAX_SHOTS
from simulator.scenario.schema import (
    BUILTIN_POLICIES,
    REWORK_TO_ORIGIN,
    EpisodeSeries,
    GpuStage,
    IndexWeights,
    Pool,
    ReviewStage,
    Scenario,
    Show,
    Team,
)

__all__ = ["Finding", "check_references", "effective_policy"]

Finding = tuple[tuple[str | int, ...], str]


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(known) if known else "none defined"
    return f"no {kind} named {name!r}{hint} (defined: {listed})"


def effective_policy(resource: Pool | Team, scenario: Scenario) -> IndexWeights:
    """The index weights that order a pool's or team's queue."""
    chosen = resource.policy if resource.policy is not None else scenario.policy.queue
    return BUILTIN_POLICIES[chosen] if isinstance(chosen, str) else chosen


def check_references(scenario: Scenario) -> list[Finding]:
    found: list[Finding] = []
    pools, teams = scenario.pools, scenario.teams

    def pool_ref(path: tuple[str | int, ...], name: str, gang: int) -> None:
        if name not in pools:
            found.append(((*path, "pool"), _unknown("pool", name, pools)))
        elif gang > pools[name].gpus:
            found.append(
                (
                    (*path, "gang"),
                    f"a gang of {gang} GPUs can never run: pool {name!r} has at most "
                    f"{pools[name].gpus}",
                )
            )

    def team_ref(path: tuple[str | int, ...], name: str) -> None:
        if name not in teams:
            found.append(((*path, "team"), _unknown("team", name, teams)))

    for stage_name, stage in scenario.shot_stages.items():
        path: tuple[str | int, ...] = ("shot_stages", stage_name)
        if isinstance(stage, GpuStage):
            for k, option in enumerate(stage.options):
                pool_ref((*path, "options", k), option.pool, option.gang)
            if stage.fallback is not None:
                team_ref((*path, "fallback"), stage.fallback.team)
            served_by: list[Pool | Team] = [pools[o.pool] for o in stage.options if o.pool in pools]
        else:
            assert isinstance(stage, ReviewStage)
            if stage.pool is not None:
                pool_ref(path, stage.pool, stage.gang)
            if stage.team is not None:
                team_ref(path, stage.team)
            served_by = []
        policies = {effective_policy(r, scenario) for r in served_by}
        if len(policies) > 1:
            found.append(
                (
                    (*path, "options"),
                    "the pools of one stage must share a queue policy (tasks of the stage "
                    "wait in one order); give them the same 'policy'",
                )
            )

    found.extend(_check_rework_to(scenario))
    for stage_name, estage in scenario.episode_stages.items():
        path = ("episode_stages", stage_name)
        if estage.pool is not None:
            pool_ref(path, estage.pool, estage.gang)
        if estage.team is not None:
            team_ref(path, estage.team)

    for show_name in scenario.shows:
        found.extend(_check_show_dates(scenario, show_name))
    found.extend([*_check_season_end(scenario), *_check_repair_teams(scenario)])
    shots = sum(_shot_count(show) for show in scenario.shows.values())
    episodes = sum(_episode_count(show) for show in scenario.shows.values())
    if shots + episodes > MAX_SHOTS:
        found.append(
            (
                ("shows",),
                f"the season has {shots:,} shots and {episodes:,} episodes; random draws are "
                f"addressed by shot or episode, which allows at most {MAX_SHOTS:,} in all",
            )
        )
    return found


def _check_rework_to(scenario: Scenario) -> list[Finding]:
    """A review's ``rework_to``: an earlier shot stage, or ``origin`` with a GPU stage before
    the review; and no stage called ``origin``."""
    found: list[Finding] = []
    names = list(scenario.shot_stages)
    stages = list(scenario.shot_stages.values())
    for index, (stage_name, stage) in enumerate(scenario.shot_stages.items()):
        path = ("shot_stages", stage_name, "rework_to")
        if stage_name == REWORK_TO_ORIGIN:
            found.append(
                (
                    path[:2],
                    f"a shot stage may not be called {REWORK_TO_ORIGIN!r}: 'rework_to: "
                    "origin' means the stage that left the defect; rename the stage",
                )
            )
        if not isinstance(stage, ReviewStage) or stage.rework_to is None:
            continue
        if stage.rework_to == REWORK_TO_ORIGIN:
            if not any(isinstance(before, GpuStage) for before in stages[:index]):
                found.append(
                    (
                        path,
                        f"'origin' needs a GPU stage before {stage_name!r} (the stage that "
                        "left a defect, or for a note the last one before the review)",
                    )
                )
        elif stage.rework_to not in scenario.shot_stages:
            found.append((path, _unknown("shot stage", stage.rework_to, names)))
        elif names.index(stage.rework_to) >= index:
            found.append(
                (
                    path,
                    f"must name a stage before {stage_name!r}, got {stage.rework_to!r} "
                    f"(earlier stages: {', '.join(names[:index]) or 'none'})",
                )
            )
    return found


def _stages_of_team(scenario: Scenario, team: str) -> list[str]:
    """The stages whose work a team does (reviews, fallbacks, episode stages)."""
    names = []
    for name, stage in scenario.shot_stages.items():
        if isinstance(stage, ReviewStage) and stage.team == team:
            names.append(name)
        elif isinstance(stage, GpuStage) and stage.fallback and stage.fallback.team == team:
            names.append(f"{name} (its fallback)")
    names += [name for name, st in scenario.episode_stages.items() if st.team == team]
    return names


def _check_repair_teams(scenario: Scenario) -> list[Finding]:
    """A repair team exists, repairs one pool only and works on no stage."""
    found: list[Finding] = []
    crewed: dict[str, str] = {}
    for pool_name, pool in scenario.pools.items():
        team = pool.repair.team if pool.repair is not None else None
        if team is None:
            continue
        path: tuple[str | int, ...] = ("pools", pool_name, "repair", "team")
        if team not in scenario.teams:
            found.append((path, _unknown("team", team, scenario.teams)))
        elif team in crewed:
            found.append((path, f"team {team!r} already repairs pool {crewed[team]!r}"))
        elif stages := _stages_of_team(scenario, team):
            found.append(
                (
                    path,
                    f"team {team!r} also works on stage {', '.join(stages)}; a repair team "
                    "works on no stage (give the repairs a team of their own)",
                )
            )
        crewed.setdefault(team, pool_name)
    return found


def _episode_count(show: Show) -> int:
    return show.episodes.count if isinstance(show.episodes, EpisodeSeries) else len(show.episodes)


def _beyond_season(hours: float) -> str | None:
    """Why a moment ``hours`` from the start is out of range (None if it is not)."""
    if hours > MAX_SEASON_HOURS:
        return (
            f"lies {hours / 24.0:,.0f} days after the calendar's start; every moment of a "
            f"season must lie within {MAX_SEASON_HOURS / 24.0:,.0f} days (ten years) of it"
        )
    return None


def _check_season_end(scenario: Scenario) -> list[Finding]:
    from simulator.calendar import hours_at

    end = scenario.calendar.season_end
    if end is None:
        return []
    why = _beyond_season(hours_at(scenario.calendar, end, end_of_day=True))
    return [(("calendar", "season_end"), f"the season's end {why}")] if why else []


def _shot_count(show: Show) -> int:
    if show.shot_records:
        return len(show.shot_records)
    if isinstance(show.episodes, EpisodeSeries):
        return show.episodes.count * (show.episodes.shots or 0)
    return sum(ep.shots or 0 for ep in show.episodes)


def _check_show_dates(scenario: Scenario, show_name: str) -> list[Finding]:
    # Imported here: the calendar module builds on the schema.
    from simulator.calendar import hours_at

    show = scenario.shows[show_name]
    found: list[Finding] = []
    path: tuple[str | int, ...]
    pairs: list[tuple[tuple[str | int, ...], float, float, str]]
    if isinstance(show.episodes, EpisodeSeries):
        base: tuple[str | int, ...] = ("shows", show_name, "episodes")
        series = show.episodes
        lock = hours_at(scenario.calendar, series.first_lock)
        deadline = hours_at(scenario.calendar, series.first_deadline, end_of_day=True)
        pairs = [(base, lock, deadline, "first_deadline")]
        last = series.count - 1
        for key, first, every in (
            ("lock_every", lock, series.lock_every),
            ("deadline_every", deadline, series.deadline_every),
        ):
            why = _beyond_season(first + last * every)
            if why:
                found.append(((*base, key), f"episode {series.count}'s {key[:-6]} {why}"))
    else:
        pairs = []
        for k, ep in enumerate(show.episodes):
            path = ("shows", show_name, "episodes", k)
            pairs.append(
                (
                    path,
                    hours_at(scenario.calendar, ep.lock),
                    hours_at(scenario.calendar, ep.deadline, end_of_day=True),
                    "deadline",
                )
            )
        names = [ep.name for ep in show.episodes]
        for k, name in enumerate(names):
            if name in names[:k]:
                found.append(
                    (("shows", show_name, "episodes", k, "name"), f"episode {name!r} appears twice")
                )
    for path, lock, deadline, key in pairs:
        lock_key = "first_lock" if key == "first_deadline" else "lock"
        for moment, at in ((lock, lock_key), (deadline, key)):
            why = _beyond_season(moment)
            if why:
                found.append(((*path, at), f"the moment {why}"))
        if lock < 0:
            found.append(
                (
                    (*path, "first_lock" if key == "first_deadline" else "lock"),
                    "picture lock is before the calendar's start",
                )
            )
        if deadline <= lock:
            found.append(((*path, key), "the deadline must come after the picture lock"))
    return found
