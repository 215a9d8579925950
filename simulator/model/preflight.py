"""Capacity on paper (the pre-flight of `reelsim validate`), before any simulation.

For every pool and team, the work the season offers it (expected hours, counting gangs,
retries and rework) against the hours it can give:

* **season**: all work against capacity from the first picture lock to the season end;
* **deadlines**: for each deadline D, the work of every episode due by D against the
  capacity between the earliest of those episodes' locks and D (a demand-bound check:
  if any of these is over 1, some episode cannot be on time even with perfect ordering).

Expected work of a stage is the mean on its first listed option. Expected visits per
shot: a GPU stage is attempted ``Σ_{k<m} p^k`` times (failure probability p, m attempts);
a review that rejects with probability r_k on its k-th round (a defect is caught with the
catch probability, a clean shot gets a note) sends a shot back ``Σ_k Π_{j≤k} r_j`` times
on average, and each return repeats the stages from the rework target to the review (for
rework to origin, the target of a catch is the earliest stage that left a defect, in
proportion to the chance that it was that stage, and that of a note the review's
``rework_to``; both weighted by their odds at the first round).
Fallbacks are not counted (they are rare by design), and a stage with several options
(a reserved pool that bursts to spot, say) is assumed to run all its work on its first
listed option: the simulation is where the split is decided (``notes`` says so for each
such stage). It is a first-order estimate: the simulation is what answers; the verdict
says where to look.

A team that repairs a pool's GPUs (``repair: {team: ...}``) is offered the pool's expected
repair hours from the first lock to the season end: GPUs × hours × MTTR / (MTBF + MTTR),
each unit's share of time in repair were repairs never to wait (a first-order figure: a
queue for repairs means fewer failures, as units wait instead of running). It answers to no
deadline.

``stages`` gives the same expected hours stage by stage (visits × attempts per visit ×
hours per attempt × shots): each resource's offered hours are the sum of its stages'.

Verdict per resource by its worst utilisation: under 0.7 comfortable, up to 0.9 tight,
above 0.9 overloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.resources import ResourceKey, resource_keys
from simulator.model.season import (
    Option,
    PoolModel,
    Resource,
    SeasonModel,
    StageKind,
    StageModel,
    TeamModel,
)

__all__ = [
    "OVERLOADED",
    "TIGHT",
    "Load",
    "Preflight",
    "StageWork",
    "expected_visits",
    "preflight",
    "verdict",
]

TIGHT = 0.7
OVERLOADED = 0.9


def verdict(utilisation: float) -> str:
    if utilisation > OVERLOADED:
        return "overloaded"
    if utilisation >= TIGHT:
        return "tight"
    return "comfortable"


@dataclass(frozen=True)
class Load:
    """Offered work against capacity for one pool or team."""

    kind: str
    """``pool`` or ``team``."""
    name: str
    offered_hours: float
    """Expected busy unit-hours (GPU-hours, person-hours) over the season."""
    capacity_hours: float
    """Unit-hours available from the first lock to the season end."""
    worst_deadline: str
    """The episode whose deadline gives the largest demand-bound utilisation."""
    worst_deadline_utilisation: float

    @property
    def utilisation(self) -> float:
        if self.capacity_hours <= 0.0:
            return float("inf") if self.offered_hours > 0.0 else 0.0
        return self.offered_hours / self.capacity_hours

    @property
    def verdict(self) -> str:
        return verdict(max(self.utilisation, self.worst_deadline_utilisation))


@dataclass(frozen=True)
class StageWork:
    """The expected work of one stage over the season, on its first listed option."""

    stage: StageModel
    resource: ResourceKey
    visits: float | None
    """Expected visits per shot (None: an episode stage, once per episode)."""
    attempts: float
    """Expected attempts per visit: retries after failures (a GPU stage), the share of
    shots reviewed (a review's sample rate), else 1."""
    hours_per_attempt: float
    """Mean unit-hours of one attempt (gang included), over the season's shots."""
    offered_hours: float
    """Expected unit-hours over the season."""


@dataclass(frozen=True)
class Preflight:
    loads: tuple[Load, ...]
    visits: tuple[float, ...]
    """Expected visits per shot to each shot stage."""
    stages: tuple[StageWork, ...]
    """Expected work stage by stage: shot stages, then episode stages."""
    notes: tuple[str, ...]
    """How the estimate splits work where the simulation decides: stages with more than
    one option."""

    @property
    def verdict(self) -> str:
        order = ["comfortable", "tight", "overloaded"]
        worst = max((order.index(load.verdict) for load in self.loads), default=0)
        return order[worst]


def _expected_attempts(stage: StageModel) -> float:
    p = stage.failure_probability
    total = 0.0
    for k in range(stage.max_attempts):
        total += p**k
    return total


def _expected_rejections(stage: StageModel, defect_chance: float) -> float:
    """Mean number of times a review sends a shot back."""
    total, survive = 0.0, 1.0
    rounds = stage.max_rounds if stage.max_rounds >= 0 else 10_000
    for k in range(rounds):
        r = stage.sample_rate * (
            defect_chance * stage.catch_probability
            + (1.0 - defect_chance) * stage.reject_probability(k)
        )
        survive *= r
        if survive < 1e-12:
            break
        total += survive
    return total


def expected_visits(model: SeasonModel) -> tuple[float, ...]:
    """Expected passes per shot through each shot stage (see the module docstring)."""
    stages = model.shot_stages
    visits = [1.0] * len(stages)
    clean = 1.0
    for k, st in enumerate(stages):
        if st.kind == StageKind.GPU:
            clean *= 1.0 - st.defect_probability
        elif st.kind == StageKind.REVIEW and st.rework_to >= 0:
            back = _expected_rejections(st, 1.0 - clean) * visits[k]
            for target, share in _rework_targets(stages, st, clean):
                for j in range(target, k + 1):
                    visits[j] += back * share
    return tuple(visits)


def _rework_targets(
    stages: tuple[StageModel, ...], review: StageModel, clean: float
) -> list[tuple[int, float]]:
    """Where a review's rejections go back to, with their shares (first round's odds): all
    to ``rework_to``, or for rework to origin a catch to the earliest stage that left a
    defect (stage j first with chance Π_{i<j}(1 − d_i) d_j) and a note to ``rework_to``."""
    if not review.rework_to_origin:
        return [(review.rework_to, 1.0)]
    caught = (1.0 - clean) * review.catch_probability
    noted = clean * review.reject_probability(0)
    if caught + noted <= 0.0:
        return [(review.rework_to, 1.0)]
    targets = [(review.rework_to, noted / (caught + noted))]
    still_clean = 1.0
    for st in stages[: review.index]:
        if st.kind == StageKind.GPU and st.defect_probability > 0.0:
            first_here = still_clean * st.defect_probability / (1.0 - clean)
            targets.append((st.index, first_here * caught / (caught + noted)))
            still_clean *= 1.0 - st.defect_probability
    return targets


def _capacity(model: SeasonModel, resource: ResourceKey, a: float, b: float) -> float:
    if b <= a:
        return 0.0
    if resource.kind == Resource.POOL:
        return model.pools[resource.index].gpus * (b - a)
    team = model.teams[resource.index]
    return team.scheduled_person_hours(b) - team.scheduled_person_hours(a)


def _attempts(stage: StageModel) -> float:
    """Expected attempts per visit (see ``StageWork.attempts``)."""
    if stage.kind == StageKind.GPU:
        return _expected_attempts(stage)
    if stage.kind == StageKind.REVIEW:
        return stage.sample_rate
    return 1.0


def _stage_work(
    model: SeasonModel, visits: tuple[float, ...]
) -> tuple[list[StageWork], dict[ResourceKey, list[float]]]:
    """Expected work per stage over the season, and per resource and episode."""
    # offered[key][episode] = expected unit-hours that episode asks of that resource
    offered = {key: [0.0] * model.n_episodes for key in resource_keys(model)}
    shot_hours = [0.0] * len(model.shot_stages)
    episode_hours = [0.0] * len(model.episode_stages)
    for ep in model.episodes:
        frames = model.mean_frames[ep.index]
        for k, st in enumerate(model.shot_stages):
            opt = st.options[0]
            hours = ep.n_shots * visits[k] * (opt.mean_hours(frames) * opt.gang * _attempts(st))
            offered[ResourceKey(opt.resource, opt.index)][ep.index] += hours
            shot_hours[k] += hours
        for k, st in enumerate(model.episode_stages):
            opt = st.options[0]
            hours = opt.mean_hours(0.0) * opt.gang
            offered[ResourceKey(opt.resource, opt.index)][ep.index] += hours
            episode_hours[k] += hours
    stages = []
    for k, st in enumerate(model.shot_stages):
        opt, tries = st.options[0], _attempts(st)
        per_try = shot_hours[k] / (model.n_shots * visits[k] * tries) if shot_hours[k] else 0.0
        key = ResourceKey(opt.resource, opt.index)
        stages.append(StageWork(st, key, visits[k], tries, per_try, shot_hours[k]))
    for k, st in enumerate(model.episode_stages):
        opt = st.options[0]
        per_try = opt.mean_hours(0.0) * opt.gang
        key = ResourceKey(opt.resource, opt.index)
        stages.append(StageWork(st, key, None, 1.0, per_try, episode_hours[k]))
    return stages, offered


def _split_notes(model: SeasonModel) -> tuple[str, ...]:
    """Where the estimate puts all of a stage's work on its first option, one note per
    set of options."""

    def called(option: Option) -> str:
        unit: PoolModel | TeamModel = (
            model.pools[option.index]
            if option.resource == Resource.POOL
            else model.teams[option.index]
        )
        return f"“{unit.label or unit.name}”"

    grouped: dict[tuple[str, ...], list[str]] = {}
    for st in (*model.shot_stages, *model.episode_stages):
        if len(st.options) > 1:
            names = tuple(called(o) for o in st.options)
            grouped.setdefault(names, []).append(st.label or st.name)
    wait = f"{model.burst_wait * 60.0:g} min"
    return tuple(
        f"{', '.join(stages)}: all the work is counted on {first}, the first option; the "
        f"simulation also sends work to {', '.join(others)} (policy.pool_rule "
        f"{model.pool_rule!r}; a cloud GPU is leased for a task that has waited {wait})"
        for (first, *others), stages in grouped.items()
    )


def _repair_load(model: SeasonModel, team: ResourceKey, pool: PoolModel, first_lock: float) -> Load:
    """A repair team's load: its pool's expected repair hours (see the module docstring)."""
    assert pool.time_between_failures is not None
    assert pool.repair_time is not None
    mtbf, mttr = pool.time_between_failures.mean, pool.repair_time.mean
    span = max(0.0, model.season_end - first_lock)
    return Load(
        kind="team",
        name=team.name(model),
        offered_hours=pool.gpus * span * mttr / (mtbf + mttr),
        capacity_hours=_capacity(model, team, first_lock, model.season_end),
        worst_deadline="",
        worst_deadline_utilisation=0.0,
    )


def preflight(model: SeasonModel) -> Preflight:
    visits = expected_visits(model)
    stages, offered = _stage_work(model, visits)

    first_lock = min((ep.lock for ep in model.episodes), default=0.0)
    by_deadline = sorted(model.episodes, key=lambda e: (e.deadline, e.index))
    loads = []
    repairs = {p.repair_team: p for p in model.pools if p.repair_team >= 0}
    for resource, work in offered.items():
        if resource.kind == Resource.TEAM and resource.index in repairs:
            loads.append(_repair_load(model, resource, repairs[resource.index], first_lock))
            continue
        worst_u, worst_name = 0.0, ""
        offered_hours = 0.0
        for hours in work:  # episode by episode, left to right (docs/model.md "Numbers")
            offered_hours += hours
        demand, earliest = 0.0, float("inf")
        for ep in by_deadline:
            demand += work[ep.index]
            earliest = min(earliest, ep.lock)
            cap = _capacity(model, resource, earliest, ep.deadline)
            u = demand / cap if cap > 0 else (float("inf") if demand > 0 else 0.0)
            if u > worst_u:
                worst_u, worst_name = u, ep.name
        loads.append(
            Load(
                kind="pool" if resource.kind == Resource.POOL else "team",
                name=resource.name(model),
                offered_hours=offered_hours,
                capacity_hours=_capacity(model, resource, first_lock, model.season_end),
                worst_deadline=worst_name,
                worst_deadline_utilisation=worst_u,
            )
        )
    return Preflight(
        loads=tuple(loads), visits=visits, stages=tuple(stages), notes=_split_notes(model)
    )
