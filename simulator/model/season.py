"""The season model both engines run: flat, indexed, every duration in hours.

``compile_season`` turns a validated ``Scenario`` (what the planner wrote) into a
``SeasonModel`` (what an engine needs): names become indices in file order, durations and
speeds become hours, dates become hours from the season start, team shifts become head
count steps, policies become index weights. The loader converts every duration to hours
once, here, so the reference engine and the batch kernel receive the same doubles.

Work is a list of *stages*. Every stage, whatever it is (a model on GPUs, a review by
people or by a QC model, a fallback by artists, an episode's conform), is served by one of
its *options*: a resource (a pool or a team), a gang size, and a time per task
``setup + frames × per_frame`` or ``per_task``. One draw decides the time of an attempt,
whichever option takes it (DESIGN §1b "Service").
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

from simulator.calendar import headcount_changes, hours_at
from simulator.distributions import Distribution
from simulator.scenario.references import effective_policy
from simulator.scenario.schema import (
    Calendar,
    EpisodeSeries,
    Fallback,
    GpuStage,
    IndexWeights,
    Release,
    ReviewStage,
    Scenario,
    Show,
)

__all__ = [
    "EpisodeModel",
    "EpisodeStatus",
    "Option",
    "PoolKind",
    "PoolModel",
    "ReleasePattern",
    "Resource",
    "SeasonModel",
    "ShotStatus",
    "StageKind",
    "StageModel",
    "StartingState",
    "TeamModel",
    "compile_season",
]

SECONDS = 1.0 / 3600.0
MINUTES = 1.0 / 60.0


class Resource(IntEnum):
    POOL = 0
    TEAM = 1


class PoolKind(IntEnum):
    RESERVED = 0
    ON_DEMAND = 1
    SPOT = 2


class StageKind(IntEnum):
    GPU = 0
    REVIEW = 1
    FALLBACK = 2
    EPISODE = 3


class ReleasePattern(IntEnum):
    ALL_AT_ONCE = 0
    WINDOW = 1
    POISSON = 2


class ShotStatus(IntEnum):
    NOT_STARTED = 0
    """Not released yet: released as the scenario says, or at ``now`` if that is past."""
    AT_STAGE = 1
    """Waiting for, or in work at, a shot stage (work in hand restarts from its start)."""
    THROUGH = 2
    """Through the pipeline, waiting for its episode's stages."""
    FAILED = 3


class EpisodeStatus(IntEnum):
    OPEN = 0
    """Its shots are still in the pipeline (or not started)."""
    AT_STAGE = 1
    """At an episode stage."""
    DELIVERED = 2


@dataclass(frozen=True)
class StartingState:
    """Where the season stands at ``now``: a run simulates only what is left.

    Per shot: its status, and for ``AT_STAGE`` the stage, the rework passes and the
    attempts so far at that stage; frames known from the tracker (0: drawn as usual). Per
    episode: its status, its episode stage, and for a delivered episode when it was
    delivered. ``costs_so_far`` (USD per episode) is what was spent before ``now``.
    A state with ``now = 0`` and every shot not started is the same as no state.
    """

    now: float
    shot_status: tuple[ShotStatus, ...]
    shot_stage: tuple[int, ...]
    shot_pass: tuple[int, ...]
    shot_attempt: tuple[int, ...]
    shot_frames: tuple[int, ...]
    episode_status: tuple[EpisodeStatus, ...]
    episode_stage: tuple[int, ...]
    episode_delivered: tuple[float, ...]
    costs_so_far: tuple[float, ...]


@dataclass(frozen=True)
class Option:
    """One way to serve a stage's task."""

    resource: Resource
    index: int
    """Pool or team index."""
    gang: int
    setup: float
    """Hours per attempt before the work itself."""
    per_frame: Distribution | None
    """Hours per frame (the whole gang's wall-clock), or None."""
    per_task: Distribution | None
    """Hours per task (shot or episode), or None."""

    def mean_hours(self, frames: float) -> float:
        work = self.per_frame.mean * frames if self.per_frame is not None else 0.0
        if self.per_task is not None:
            work += self.per_task.mean
        return self.setup + work


@dataclass(frozen=True)
class StageModel:
    index: int
    """Index among stages of its list (shot stages, fallbacks, episode stages)."""
    name: str
    kind: StageKind
    options: tuple[Option, ...]
    failure_probability: float = 0.0
    max_attempts: int = 1
    backoff: float = 0.0
    fallback: int = -1
    """Index into ``SeasonModel.fallbacks``, or -1: a shot out of attempts has failed."""
    defect_probability: float = 0.0
    sample_rate: float = 1.0
    catch_probability: float = 0.0
    reject_probabilities: tuple[float, ...] = (0.0,)
    max_rounds: int = -1
    """Rejections by this stage after which a shot is approved as it is; -1: no limit."""
    rework_to: int = -1
    label: str = ""
    """What people call the stage: the scenario's ``label``, or its name."""

    def reject_probability(self, round_: int) -> float:
        """The chance a clean shot is rejected on this stage's ``round_``-th review (0-based)."""
        ps = self.reject_probabilities
        return ps[min(round_, len(ps) - 1)]


@dataclass(frozen=True)
class PoolModel:
    index: int
    name: str
    kind: PoolKind
    gpus: int
    min_gpus: int
    price_per_gpu_hour: float
    billing_increment: float
    billing_minimum: float
    provisioning_delay: float
    idle_timeout: float
    preemptions_per_gpu_hour: float
    preemption_notice: float
    preemption_batch: int
    time_between_failures: Distribution | None
    repair_time: Distribution | None
    policy: IndexWeights
    label: str = ""
    """What people call the pool: the scenario's ``label``, or its name."""

    @property
    def cloud(self) -> bool:
        return self.kind != PoolKind.RESERVED


@dataclass(frozen=True)
class TeamModel:
    index: int
    name: str
    headcount: tuple[tuple[float, int], ...]
    """Steps ``(t, people)`` from t = 0 to the horizon."""
    max_people: int
    hourly_rate: float
    overtime_rate: float
    max_overtime: float
    policy: IndexWeights
    label: str = ""
    """What people call the team: the scenario's ``label``, or its name."""

    def people_at(self, t: float) -> int:
        people = 0
        for start, n in self.headcount:
            if start > t:
                break
            people = n
        return people

    @cached_property
    def _steps(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Each head-count step's start, and the person-hours on shift before it, summed
        step by step from t = 0."""
        starts: list[float] = []
        before: list[float] = []
        total = 0.0
        steps = self.headcount
        for k, (start, n) in enumerate(steps):
            starts.append(start)
            before.append(total)
            if k + 1 < len(steps):
                total += n * (steps[k + 1][0] - start)
        return tuple(starts), tuple(before)

    def scheduled_person_hours(self, until: float) -> float:
        """Person-hours on shift in [0, until]: the steps before the one ``until`` falls in,
        plus that step's part (the same sums in the same order as adding step by step, so
        the same bits; a season has thousands of steps and this is asked per replication)."""
        starts, before = self._steps
        k = bisect_left(starts, until) - 1  # the last step that starts before ``until``
        if k < 0:
            return 0.0
        return before[k] + self.headcount[k][1] * (until - starts[k])


@dataclass(frozen=True)
class EpisodeModel:
    index: int
    show: int
    name: str
    lock: float
    deadline: float
    priority: float
    release: ReleasePattern
    window: float
    shots_per_hour: float
    first_shot: int
    """Global id of the episode's first shot; its shots are consecutive."""
    n_shots: int
    frames: Distribution | None
    """Frames per shot, drawn per shot; None when ``fixed_frames`` is given."""
    fixed_frames: tuple[int, ...] = ()
    """Frames of each shot from a shot list."""
    shot_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeasonModel:
    """Everything an engine needs, in hours, by index."""

    name: str
    shows: tuple[str, ...]
    episodes: tuple[EpisodeModel, ...]
    n_shots: int
    shot_stages: tuple[StageModel, ...]
    fallbacks: tuple[StageModel, ...]
    episode_stages: tuple[StageModel, ...]
    pools: tuple[PoolModel, ...]
    teams: tuple[TeamModel, ...]
    pool_rule: str
    burst_wait: float
    burst_slack: float | None
    burst_budget: float | None
    escaped_defect_penalty: float
    failed_shot_penalty: float
    late_penalty_per_hour: float
    horizon: float
    season_end: float
    seed: int
    replications: int
    confidence: float
    mean_frames: tuple[float, ...] = field(default=())
    """Mean frames per shot of each episode."""
    start: StartingState | None = None
    """Where the season stands when the run starts; None: at its beginning."""
    show_labels: tuple[str, ...] = ()
    """What people call each show (in ``shows``' order): its ``label``, title or name."""

    def labels(self) -> dict[str, str]:
        """What people call each pool, team, stage and show, by key: ``pool:NAME``,
        ``team:NAME``, ``stage:NAME``, ``show:NAME``."""
        out = {f"pool:{p.name}": p.label or p.name for p in self.pools}
        out.update({f"team:{t.name}": t.label or t.name for t in self.teams})
        for st in (*self.shot_stages, *self.episode_stages):
            out[f"stage:{st.name}"] = st.label or st.name
        for name, label in zip(self.shows, self.show_labels, strict=False):
            out[f"show:{name}"] = label or name
        return out

    @property
    def now(self) -> float:
        """When the run starts (hours from the season start)."""
        return self.start.now if self.start is not None else 0.0

    @property
    def n_episodes(self) -> int:
        return len(self.episodes)

    def episode_of_shot(self, shot: int) -> EpisodeModel:
        for ep in self.episodes:
            if ep.first_shot <= shot < ep.first_shot + ep.n_shots:
                return ep
        raise IndexError(shot)


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
        )
        for k, (name, p) in enumerate(scenario.pools.items())
    )


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
    stage_names = list(scenario.shot_stages)
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
                    rework_to=-1 if st.rework_to is None else stage_names.index(st.rework_to),
                    label=st.label or name,
                )
            )
    return tuple(shot_stages), tuple(fallbacks)


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
