"""Compiling a scenario into the season model both engines run: every date an hour from
t = 0, every duration in hours, every name an index (``simulator.model.season``)."""

from __future__ import annotations

from simulator.calendar import headcount_changes, hours_at
from simulator.distributions import Distribution
from simulator.model.season import (
    EpisodeModel,
    Option,
    PoolKind,
    PoolModel,
    ReleasePattern,
    Resource,
    SeasonModel,
    StageKind,
    StageModel,
    TeamModel,
)
from simulator.scenario.references import effective_policy
from simulator.scenario.schema import (
    REWORK_TO_ORIGIN,
    Calendar,
    EpisodeSeries,
    Fallback,
    GpuStage,
    Release,
    ReviewStage,
    Scenario,
    Show,
)

__all__ = ["compile_season"]

SECONDS = 1.0 / 3600.0
MINUTES = 1.0 / 60.0


def _release_fields(release: Release) -> tuple[ReleasePattern, float, float]:
    pattern = ReleasePattern[release.pattern.upper()]
    window = release.window or 0.0
    rate = (release.shots_per_day or 0.0) / 24.0
    return pattern, window, rate


def compile_season(scenario: Scenario) -> SeasonModel:
    """Flatten a validated scenario into the model both engines run."""
    cal = scenario.calendar
    pool_index = {name: k for k, name in enumerate(scenario.pools)}
    team_index = {name: k for k, name in enumerate(scenario.teams)}
    episodes = _compile_episodes(scenario)
    horizon = scenario.run.horizon
    season_end = (
        hours_at(cal, cal.season_end, end_of_day=True)
        if cal.season_end is not None
        else max((ep.deadline for ep in episodes), default=0.0)
    )
    shot_stages, fallbacks = _compile_shot_stages(scenario, pool_index, team_index)
    burst = scenario.policy.burst
    return SeasonModel(
        name=scenario.name,
        shows=tuple(scenario.shows),
        show_labels=tuple(sh.label or sh.title or name for name, sh in scenario.shows.items()),
        episodes=tuple(episodes),
        n_shots=sum(ep.n_shots for ep in episodes),
        shot_stages=shot_stages,
        fallbacks=fallbacks,
        episode_stages=_compile_episode_stages(scenario, pool_index, team_index),
        pools=_compile_pools(scenario),
        teams=_compile_teams(scenario, max(horizon, season_end)),
        pool_rule=scenario.policy.pool_rule,
        burst_wait=burst.wait,
        burst_slack=burst.slack,
        burst_budget=burst.budget_usd,
        escaped_defect_penalty=scenario.penalties.escaped_defect,
        failed_shot_penalty=scenario.penalties.failed_shot,
        late_penalty_per_hour=scenario.penalties.late_per_day / 24.0,
        horizon=horizon,
        season_end=season_end,
        seed=scenario.run.seed,
        replications=scenario.run.replications,
        confidence=scenario.run.confidence,
        mean_frames=tuple(_mean_frames(ep) for ep in episodes),
    )


_EpisodeSpec = tuple[str, float, float, int | None, float, Distribution | None, Release]
"""An episode as written: name, lock, deadline, shots, priority, frames per shot, release."""


def _episode_specs(show: Show, cal: Calendar) -> list[_EpisodeSpec]:
    """A show's episodes as written, a series expanded, dates in hours."""
    if isinstance(show.episodes, EpisodeSeries):
        series = show.episodes
        first_lock = hours_at(cal, series.first_lock)
        first_deadline = hours_at(cal, series.first_deadline, end_of_day=True)
        return [
            (
                series.name_format.format(number=k + 1),
                first_lock + k * series.lock_every,
                first_deadline + k * series.deadline_every,
                series.shots,
                series.priority,
                show.frames_per_shot,
                show.release,
            )
            for k in range(series.count)
        ]
    return [
        (
            ep.name,
            hours_at(cal, ep.lock),
            hours_at(cal, ep.deadline, end_of_day=True),
            ep.shots,
            ep.priority,
            ep.frames_per_shot or show.frames_per_shot,
            ep.release or show.release,
        )
        for ep in show.episodes
    ]


def _compile_episodes(scenario: Scenario) -> list[EpisodeModel]:
    """Every show's episodes in file order, their shots numbered consecutively."""
    episodes: list[EpisodeModel] = []
    next_shot = 0
    for show_k, (show_name, show) in enumerate(scenario.shows.items()):
        records_by_episode: dict[str, list[tuple[str, int]]] = {}
        for rec in show.shot_records:
            records_by_episode.setdefault(rec.episode, []).append((rec.shot, rec.frames))
        for name, lock, deadline, shots, priority, frames, release in _episode_specs(
            show, scenario.calendar
        ):
            records = records_by_episode.get(name)
            fixed = tuple(f for _, f in records) if records else ()
            n = len(fixed) if records else int(shots or 0)
            pattern, window, rate = _release_fields(release)
            episodes.append(
                EpisodeModel(
                    index=len(episodes),
                    show=show_k,
                    name=name if len(scenario.shows) == 1 else f"{show_name}/{name}",
                    lock=lock,
                    deadline=deadline,
                    priority=priority,
                    release=pattern,
                    window=window,
                    shots_per_hour=rate,
                    first_shot=next_shot,
                    n_shots=n,
                    frames=None if records else frames,
                    fixed_frames=fixed,
                    shot_codes=tuple(c for c, _ in records) if records else (),
                )
            )
            next_shot += n
    return episodes


def _mean_frames(ep: EpisodeModel) -> float:
    if ep.fixed_frames:
        return sum(ep.fixed_frames) / len(ep.fixed_frames)
    return max(1.0, ep.frames.mean) if ep.frames is not None else 0.0


def _compile_pools(scenario: Scenario) -> tuple[PoolModel, ...]:
    return tuple(
        PoolModel(
            index=k,
            name=name,
            kind=PoolKind[p.kind.upper()],
            gpus=p.gpus,
            min_gpus=p.min_gpus,
            price_per_gpu_hour=float(p.price_per_gpu_hour or 0.0),
            billing_increment=p.billing_increment,
            billing_minimum=p.billing_minimum,
            provisioning_delay=p.provisioning_delay,
            idle_timeout=p.idle_timeout,
            preemptions_per_gpu_hour=p.preemptions_per_gpu_hour,
            preemption_notice=p.preemption_notice,
            preemption_batch=p.preemption_batch,
            time_between_failures=p.failures.time_between_failures_hours if p.failures else None,
            repair_time=p.failures.repair_hours if p.failures else None,
            policy=effective_policy(p, scenario),
            label=p.label or name,
            repairers=p.repair.repairers or 0 if p.repair else 0,
            repair_team=_team_index(scenario, p.repair.team if p.repair else None),
        )
        for k, (name, p) in enumerate(scenario.pools.items())
    )


def _team_index(scenario: Scenario, name: str | None) -> int:
    return list(scenario.teams).index(name) if name is not None else -1


def _compile_teams(scenario: Scenario, until: float) -> tuple[TeamModel, ...]:
    """Teams with their head-count steps from t = 0 to ``until``."""
    teams = []
    for k, (name, t) in enumerate(scenario.teams.items()):
        steps = tuple(headcount_changes(t, scenario.calendar, until))
        teams.append(
            TeamModel(
                index=k,
                name=name,
                headcount=steps,
                max_people=max(n for _, n in steps),
                hourly_rate=t.hourly_rate,
                overtime_rate=t.overtime_rate
                if t.overtime_rate is not None
                else 1.5 * t.hourly_rate,
                max_overtime=t.max_overtime,
                policy=effective_policy(t, scenario),
                label=t.label or name,
            )
        )
    return tuple(teams)


def _compile_shot_stages(
    scenario: Scenario, pool_index: dict[str, int], team_index: dict[str, int]
) -> tuple[tuple[StageModel, ...], tuple[StageModel, ...]]:
    """The shot stages in file order, and the fallbacks of GPU stages in the same order."""
    fallbacks: list[StageModel] = []
    shot_stages: list[StageModel] = []
    for k, (name, st) in enumerate(scenario.shot_stages.items()):
        if isinstance(st, GpuStage):
            fb = -1
            if st.fallback is not None:
                fb = len(fallbacks)
                fallbacks.append(_fallback_stage(fb, name, st.fallback, team_index))
            shot_stages.append(_gpu_stage(k, name, st, fb, pool_index))
        else:
            assert isinstance(st, ReviewStage)
            shot_stages.append(
                StageModel(
                    index=k,
                    name=name,
                    kind=StageKind.REVIEW,
                    options=(_review_option(st, pool_index, team_index),),
                    sample_rate=st.sample_rate,
                    catch_probability=st.catch_probability,
                    reject_probabilities=st.reject_probabilities,
                    max_rounds=-1 if st.max_rounds is None else st.max_rounds,
                    rework_to=_rework_to(scenario, k, st.rework_to),
                    rework_to_origin=st.rework_to == REWORK_TO_ORIGIN,
                    label=st.label or name,
                )
            )
    return tuple(shot_stages), tuple(fallbacks)


def _rework_to(scenario: Scenario, review: int, name: str | None) -> int:
    """The stage review ``review`` sends a rejected shot back to: the one it names, or for
    ``origin`` (a shot with no defect) the last GPU stage before the review."""
    if name is None:
        return -1
    if name != REWORK_TO_ORIGIN:
        return list(scenario.shot_stages).index(name)
    stages = list(scenario.shot_stages.values())[:review]
    return max(k for k, st in enumerate(stages) if isinstance(st, GpuStage))


def _gpu_stage(
    index: int, name: str, st: GpuStage, fallback: int, pool_index: dict[str, int]
) -> StageModel:
    options = tuple(
        Option(
            Resource.POOL,
            pool_index[o.pool],
            o.gang,
            o.setup,
            o.seconds_per_frame.scaled(SECONDS),
            None,
        )
        for o in st.options
    )
    return StageModel(
        index=index,
        name=name,
        kind=StageKind.GPU,
        options=options,
        failure_probability=st.failure_probability,
        max_attempts=st.max_attempts,
        backoff=st.backoff,
        fallback=fallback,
        defect_probability=st.defect_probability,
        label=st.label or name,
    )


def _fallback_stage(
    index: int, stage_name: str, fallback: Fallback, team_index: dict[str, int]
) -> StageModel:
    """Manual work by a team for a shot that ran out of attempts at a GPU stage."""
    option = Option(
        Resource.TEAM,
        team_index[fallback.team],
        1,
        0.0,
        None,
        fallback.minutes_per_shot.scaled(MINUTES),
    )
    return StageModel(
        index=index, name=f"{stage_name}/fallback", kind=StageKind.FALLBACK, options=(option,)
    )


def _compile_episode_stages(
    scenario: Scenario, pool_index: dict[str, int], team_index: dict[str, int]
) -> tuple[StageModel, ...]:
    return tuple(
        StageModel(
            index=k,
            name=name,
            kind=StageKind.EPISODE,
            options=(
                Option(
                    Resource.POOL if es.pool is not None else Resource.TEAM,
                    pool_index[es.pool] if es.pool is not None else team_index[es.team or ""],
                    es.gang,
                    0.0,
                    None,
                    es.hours_per_episode,
                ),
            ),
            label=es.label or name,
        )
        for k, (name, es) in enumerate(scenario.episode_stages.items())
    )


def _review_option(
    st: ReviewStage, pool_index: dict[str, int], team_index: dict[str, int]
) -> Option:
    resource = Resource.POOL if st.pool is not None else Resource.TEAM
    index = pool_index[st.pool] if st.pool is not None else team_index[st.team or ""]
    per_frame = st.seconds_per_frame.scaled(SECONDS) if st.seconds_per_frame else None
    per_task = st.minutes_per_shot.scaled(MINUTES) if st.minutes_per_shot else None
    return Option(resource, index, st.gang, 0.0, per_frame, per_task)
