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

from simulator.distributions import Distribution
from simulator.scenario.schema import (
    IndexWeights,
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
]


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
    """The shot stage a rejected shot goes back to (-1: the review never rejects); with
    ``rework_to_origin``, only a shot that carries no latent defect (a note)."""
    rework_to_origin: bool = False
    """A rejected shot with latent defects goes back to the earliest stage that left one."""
    label: str = ""
    """What people call the stage: the scenario's ``label``, or its name."""

    def rework_target(self, defects: int) -> int:
        """Where a rejection sends a shot whose latent defect flags (bit k: shot stage k)
        are ``defects``: with ``rework_to_origin`` and a flag, the earliest flagged stage."""
        if self.rework_to_origin and defects:
            return (defects & -defects).bit_length() - 1
        return self.rework_to

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
    repairers: int = 0
    """Units that can be under repair at once, around the clock (a repair crew)."""
    repair_team: int = -1
    """The team whose people on duty repair the units (-1: none). Without ``repairers``
    or a ``repair_team``, every failed unit is repaired at once, on its own."""

    @property
    def has_crew(self) -> bool:
        return self.repairers > 0 or self.repair_team >= 0

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
