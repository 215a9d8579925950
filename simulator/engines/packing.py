"""Packing a season model into the batch kernel's arrays.

``pack(model)`` lays a ``SeasonModel`` out as two blocks: ``mi`` (int64: a header of
sizes and offsets, then integer tables: episodes, stages, options, pools, teams,
distributions) and ``md`` (float64: the real-valued columns and tables). Every real the
kernel needs that the reference engine computes once (a distribution's parameters, its
mean, an option's setup) is taken here from the reference's own Python objects, so both
engines start from the same doubles. The meaning of every slot is written once, as enums
in the kernel source, and read from there (``kernels.layout``): a table's row is built from
values named after its columns, and a row that misses one or names one the kernel does not
have is refused. Codes are the model's enums (kinds, statuses), equal to the kernel's
member for member (``tests/test_kernel_layout.py``), or looked up by name (a
distribution's ``dist``, the pool rule).

The header also lays out a replication's scratch memory and outputs (``_memory``): the
kernel allocates nothing, and the memory one replication needs is known before anything
runs (``Packed.scratch_bytes``, ``Packed.output_bytes``). The event heap and the task
records (one for each task made and not yet ended) are the sizes that depend on the run:
they start at an estimate, and a replication that runs out of either is run again with
twice the room (``heap_capacity``, ``task_capacity``).

A run from a starting state (``model.start``, a snapshot of the season in progress) is
packed too: per shot and episode where it stands, and the time the run starts. What the
draw addresses cannot hold (DESIGN §2) is refused with ``UnsupportedError``, with the
numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kernels.layout import DEFINES, LAYOUT, Columns
from simulator.distributions import (
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    TruncatedNormal,
    Uniform,
)
from simulator.engines._limits import check_supported
from simulator.engines._memory import (
    first_heap_capacity,
    first_task_capacity,
    output_layout,
    scratch_layout,
)
from simulator.errors import UnsupportedError
from simulator.model.season import (
    Option,
    ReleasePattern,
    Resource,
    SeasonModel,
    ShotStatus,
    StageKind,
)
from simulator.scenario.schema import IndexWeights

__all__ = ["Packed", "pack", "pack_distributions", "scratch_bytes_per_replication"]

_H = LAYOUT["rs_header"]
_DK = LAYOUT["rs_dist_kind"]

_HOURS_PER_BIN = 24.0


@dataclass(frozen=True)
class Packed:
    """A season model as the kernel's arrays, with the sizes of a replication's memory."""

    mi: npt.NDArray[np.int64]
    md: npt.NDArray[np.float64]
    n_days: int
    resources: tuple[str, ...]
    """Result keys of the pools, then the teams: ``pool:NAME``, ``team:NAME``."""
    stage_names: tuple[str, ...] = field(default=())

    def header(self, name: str) -> int:
        return int(self.mi[_H[name]])

    @property
    def scratch_words(self) -> int:
        return self.header("RS_H_SCRATCH_WORDS")

    @property
    def scratch_bytes(self) -> int:
        """Working memory of one replication while it runs."""
        return 8 * self.scratch_words

    @property
    def output_bytes(self) -> int:
        """Results of one replication, kept until unpacked."""
        return 8 * (self.header("RS_H_OUT_D_WORDS") + self.header("RS_H_OUT_I_WORDS"))

    @property
    def heap_capacity(self) -> int:
        return self.header("RS_H_HEAP_CAPACITY")

    @property
    def task_capacity(self) -> int:
        return self.header("RS_H_TASK_CAPACITY")


def scratch_bytes_per_replication(packed: Packed) -> int:
    """Bytes of working memory one replication needs (one slice per thread)."""
    return packed.scratch_bytes


# --- packing ------------------------------------------------------------------------------


_EPISODE_I, _EPISODE_D = Columns("rs_episode_i"), Columns("rs_episode_d")
_STAGE_I, _STAGE_D = Columns("rs_stage_i"), Columns("rs_stage_d")
_OPTION_I, _OPTION_D = Columns("rs_option_i"), Columns("rs_option_d")
_POOL_I, _POOL_D = Columns("rs_pool_i"), Columns("rs_pool_d")
_TEAM_I, _TEAM_D = Columns("rs_team_i"), Columns("rs_team_d")
_DIST_I = Columns("rs_dist_i")
_START_SHOT_I, _START_EPISODE_I = Columns("rs_start_shot_i"), Columns("rs_start_episode_i")
_GLOBAL_D = Columns("rs_global_d")


class _Blocks:
    """The two growing blocks; ``put_*`` returns where a run of values starts."""

    def __init__(self) -> None:
        self.ints: list[int] = [0] * _H["RS_H_SIZE"]
        self.reals: list[float] = []

    def put_ints(self, values: Iterable[int]) -> int:
        at = len(self.ints)
        self.ints.extend(int(v) for v in values)
        return at

    def put_reals(self, values: Iterable[float]) -> int:
        at = len(self.reals)
        self.reals.extend(float(v) for v in values)
        return at

    def set(self, name: str, value: int) -> None:
        self.ints[_H[name]] = int(value)

    def int_table(self, name: str, rows: Iterable[int]) -> None:
        """Put a table's rows and point the header slot ``name`` at them."""
        self.set(name, self.put_ints(rows))

    def real_table(self, name: str, rows: Iterable[float]) -> None:
        self.set(name, self.put_reals(rows))


class _Distributions:
    """Distribution rows (kind, parameter offset, count) and their parameters."""

    def __init__(self, blocks: _Blocks) -> None:
        self.blocks = blocks
        self.rows: list[int] = []

    def add(self, dist: Distribution | None) -> int:
        if dist is None:
            return -1
        params, count = _dist_params(dist)
        offset = self.blocks.put_reals(params)
        self.rows += _DIST_I.row(
            kind=_DK[f"RS_DIST_{dist.dist.upper()}"], offset=offset, count=count
        )
        return len(self.rows) // len(_DIST_I.names) - 1


def _dist_params(dist: Distribution) -> tuple[list[float], int]:
    """Parameters (the distribution's own cached values) and count of a distribution."""
    # The private cached parameters are read on purpose: they are the doubles the reference
    # samples with, so no re-derivation can differ in the last bit.
    if isinstance(dist, Constant):
        return [dist.value], 0
    if isinstance(dist, Exponential):
        return [dist.mean], 0
    if isinstance(dist, LogNormal):
        mu, sigma = dist._mu_sigma
        return [mu, sigma], 0
    if isinstance(dist, Gamma):
        k, theta, d, c, boosted = dist._params
        return [k, theta, d, c, 1.0 if boosted else 0.0], 0
    if isinstance(dist, TruncatedNormal):
        _, _, pa, pb = dist._cdf_bounds
        high = 0.0 if dist.high is None else dist.high
        has_high = 0.0 if dist.high is None else 1.0
        return [pa, pb, dist.loc, dist.scale, dist.low, high, has_high], 0
    if isinstance(dist, Uniform):
        return [dist.low, dist.high], 0
    if isinstance(dist, Triangular):
        return [dist.low, dist.mode, dist.high], 0
    if isinstance(dist, Empirical):
        cum = list(dist._cumulative)
        return cum + list(dist.values), len(cum)
    raise UnsupportedError(
        f"the batch kernel has no sampler for distribution {type(dist).__name__}"
    )


def pack_distributions(
    dists: Sequence[Distribution],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Distribution rows and parameters alone (what ``kernels._cpu.sample`` reads)."""
    blocks = _Blocks()
    blocks.ints = []
    table = _Distributions(blocks)
    for d in dists:
        table.add(d)
    return np.array(table.rows, dtype=np.int64), np.array(blocks.reals or [0.0])


def _resource_index(model: SeasonModel, option: Option) -> int:
    return option.index if option.resource == Resource.POOL else len(model.pools) + option.index


def pack(
    model: SeasonModel, *, heap_capacity: int | None = None, task_capacity: int | None = None
) -> Packed:
    """Lay a season model out as the kernel's arrays.

    ``heap_capacity`` and ``task_capacity`` override the first estimates of the event
    heap's size and of the tasks in progress at once (the batch runner doubles both for a
    replication that runs out of either; more task records than tasks are never laid out).
    """
    check_supported(model)
    n_tasks = model.n_shots + model.n_episodes
    if task_capacity is None:
        task_capacity = first_task_capacity(model)
    task_capacity = min(task_capacity, n_tasks)
    b = _Blocks()
    dists = _Distributions(b)
    _pack_episodes(b, dists, model)
    stages = _pack_stages(b, dists, model)
    units = _pack_pools(b, dists, model)
    n_slots = _pack_teams(b, model)
    wait_total = _pack_waiting_lists(b, model, task_capacity)
    b.int_table("RS_H_DIST_I", dists.rows)
    b.real_table("RS_H_GLOBAL_D", _global_row(model))
    _pack_start(b, model)

    # Daily bins count from the season start; a run ends at the horizon at the latest.
    n_days = math.ceil(model.horizon / _HOURS_PER_BIN) + 1
    _set_counts(b, model, stages, units, n_slots=n_slots, n_days=n_days)
    n_pools, n_teams = len(model.pools), len(model.teams)
    n_eps, n_shots = model.n_episodes, model.n_shots

    if heap_capacity is None:
        heap_capacity = first_heap_capacity(model, units.n_units, task_capacity)
    scratch = scratch_layout(
        n_shots=n_shots,
        drawn_releases=0
        if all(ep.release == ReleasePattern.ALL_AT_ONCE for ep in model.episodes)
        else n_shots,
        ordered_releases=n_shots
        if model.start is not None
        or any(ep.release == ReleasePattern.WINDOW for ep in model.episodes)
        else 0,
        n_tasks=n_tasks,
        n_reviews=stages.n_reviews,
        n_res=n_pools + n_teams,
        wait_total=wait_total,
        n_units=units.n_units,
        n_pools=n_pools,
        n_slots=n_slots,
        n_teams=n_teams,
        n_eps=n_eps,
        idle_capacity=4 * units.cloud_units + 1,
        heap_capacity=heap_capacity,
        task_capacity=task_capacity,
    )
    outputs = output_layout(
        n_eps=n_eps, n_pools=n_pools, n_teams=n_teams, n_days=n_days, n_stages=len(stages.names)
    )
    for name, value in (*scratch.items(), *outputs.items()):
        b.set(name, value)

    mi = np.array(b.ints, dtype=np.int64)
    md = np.array(b.reals if b.reals else [0.0], dtype=np.float64)
    resources = tuple(f"pool:{p.name}" for p in model.pools) + tuple(
        f"team:{t.name}" for t in model.teams
    )
    return Packed(mi=mi, md=md, n_days=n_days, resources=resources, stage_names=stages.names)


def _set_counts(
    b: _Blocks, model: SeasonModel, stages: _StageSizes, units: _Units, *, n_slots: int, n_days: int
) -> None:
    """The header's version, sizes, switches and seed."""
    seed = model.seed
    for name, value in (
        ("RS_H_VERSION", DEFINES["RS_LAYOUT_VERSION"]),
        ("RS_H_N_SHOTS", model.n_shots),
        ("RS_H_N_EPISODES", model.n_episodes),
        ("RS_H_N_SHOT_STAGES", len(model.shot_stages)),
        ("RS_H_N_FALLBACKS", len(model.fallbacks)),
        ("RS_H_N_EPISODE_STAGES", len(model.episode_stages)),
        ("RS_H_N_OPTIONS", stages.n_options),
        ("RS_H_N_POOLS", len(model.pools)),
        ("RS_H_N_TEAMS", len(model.teams)),
        ("RS_H_N_UNITS", units.n_units),
        ("RS_H_N_SLOTS", n_slots),
        ("RS_H_N_DAYS", n_days),
        ("RS_H_N_REVIEWS", stages.n_reviews),
        ("RS_H_MAX_GANG", stages.max_gang),
        ("RS_H_POOL_RULE", LAYOUT["rs_pool_rule"][f"RS_RULE_{model.pool_rule.upper()}"]),
        ("RS_H_HAS_SLACK", model.burst_slack is not None),
        ("RS_H_HAS_BUDGET", model.burst_budget is not None),
        ("RS_H_SEED_LO", seed & 0xFFFFFFFF),
        ("RS_H_SEED_HI", (seed >> 32) & 0xFFFFFFFF),
        ("RS_H_HAS_START", model.start is not None),
    ):
        b.set(name, int(value))


def _pack_episodes(b: _Blocks, dists: _Distributions, model: SeasonModel) -> None:
    """Episode rows, the frames of shot lists, and the shot -> episode map."""
    fixed_frames: list[int] = []
    ep_i: list[int] = []
    ep_d: list[float] = []
    shot_episode: list[int] = []
    for ep in model.episodes:
        fixed_at = -1
        if ep.fixed_frames:
            fixed_at = len(fixed_frames)
            fixed_frames.extend(ep.fixed_frames)
        ep_i += _EPISODE_I.row(
            first_shot=ep.first_shot,
            n_shots=ep.n_shots,
            release=int(ep.release),
            frames_dist=dists.add(ep.frames) if not ep.fixed_frames else -1,
            fixed_offset=fixed_at,
        )
        ep_d += _EPISODE_D.row(
            lock=ep.lock,
            deadline=ep.deadline,
            priority=ep.priority,
            window=ep.window,
            shots_per_hour=ep.shots_per_hour,
        )
        shot_episode += [ep.index] * ep.n_shots
    b.int_table("RS_H_EPISODE_I", ep_i)
    b.real_table("RS_H_EPISODE_D", ep_d)
    b.int_table("RS_H_SHOT_EPISODE_I", shot_episode)
    b.int_table("RS_H_FIXED_FRAMES_I", fixed_frames)


@dataclass(frozen=True)
class _StageSizes:
    names: tuple[str, ...]
    n_options: int
    n_reviews: int
    max_gang: int


def _pack_stages(b: _Blocks, dists: _Distributions, model: SeasonModel) -> _StageSizes:
    """Stage rows (shot stages, fallbacks, episode stages) and their options in one table."""
    stages = (*model.shot_stages, *model.fallbacks, *model.episode_stages)
    n_shot_stages = len(model.shot_stages)
    op_i: list[int] = []
    op_d: list[float] = []
    st_i: list[int] = []
    st_d: list[float] = []
    n_options = n_reviews = 0
    max_gang = 1
    for st in stages:
        for o in st.options:
            max_gang = max(max_gang, o.gang)
            op_i += _OPTION_I.row(
                resource=int(o.resource),
                index=o.index,
                gang=o.gang,
                per_frame=dists.add(o.per_frame),
                per_task=dists.add(o.per_task),
            )
            op_d += _OPTION_D.row(
                setup=o.setup,
                per_frame_mean=o.per_frame.mean if o.per_frame is not None else 0.0,
                per_task_mean=o.per_task.mean if o.per_task is not None else 0.0,
            )
        first = st.options[0]
        review_slot = -1
        if st.kind == StageKind.REVIEW:
            review_slot, n_reviews = n_reviews, n_reviews + 1
        st_i += _STAGE_I.row(
            kind=int(st.kind),
            address=st.index,
            n_options=len(st.options),
            first_option=n_options,
            max_attempts=st.max_attempts,
            fallback=n_shot_stages + st.fallback if st.fallback >= 0 else -1,
            max_rounds=st.max_rounds,
            rework_to=st.rework_to,
            n_reject=len(st.reject_probabilities),
            reject_offset=b.put_reals(st.reject_probabilities),
            review_slot=review_slot,
            rework_origin=int(st.rework_to_origin),
            has_per_frame=int(first.per_frame is not None),
            has_per_task=int(first.per_task is not None),
        )
        st_d += _STAGE_D.row(
            failure_p=st.failure_probability,
            backoff=st.backoff,
            defect_p=st.defect_probability,
            sample_rate=st.sample_rate,
            catch_p=st.catch_probability,
            setup=first.setup,
            per_frame_mean=first.per_frame.mean if first.per_frame is not None else 0.0,
            per_task_mean=first.per_task.mean if first.per_task is not None else 0.0,
            mean_hours_no_frames=first.mean_hours(0.0),
        )
        n_options += len(st.options)
    b.int_table("RS_H_STAGE_I", st_i)
    b.real_table("RS_H_STAGE_D", st_d)
    b.int_table("RS_H_OPTION_I", op_i)
    b.real_table("RS_H_OPTION_D", op_d)
    names = tuple(st.name for st in stages)
    return _StageSizes(names=names, n_options=n_options, n_reviews=n_reviews, max_gang=max_gang)


def _weights(w: IndexWeights) -> dict[str, float]:
    """A queue policy's index weights as the ``w_*`` columns of pool and team rows (a
    weight the kernel has no column for is refused by the row)."""
    return {f"w_{name}": getattr(w, name) for name in IndexWeights.model_fields}


@dataclass(frozen=True)
class _Units:
    n_units: int
    cloud_units: int


def _pack_pools(b: _Blocks, dists: _Distributions, model: SeasonModel) -> _Units:
    """Pool rows; a pool's units are numbered from its ``first_unit``."""
    pl_i: list[int] = []
    pl_d: list[float] = []
    first_unit = cloud_units = 0
    for p in model.pools:
        pl_i += _POOL_I.row(
            kind=int(p.kind),
            gpus=p.gpus,
            min_gpus=p.min_gpus,
            batch=p.preemption_batch,
            failure_dist=dists.add(p.time_between_failures),
            repair_dist=dists.add(p.repair_time),
            first_unit=first_unit,
            repairers=p.repairers,
            repair_team=p.repair_team,
        )
        pl_d += _POOL_D.row(
            price=p.price_per_gpu_hour,
            billing_increment=p.billing_increment,
            billing_minimum=p.billing_minimum,
            provisioning_delay=p.provisioning_delay,
            idle_timeout=p.idle_timeout,
            preemption_rate=p.preemptions_per_gpu_hour,
            preemption_notice=p.preemption_notice,
            **_weights(p.policy),
        )
        first_unit += p.gpus
        if p.cloud:
            cloud_units += p.gpus
    b.int_table("RS_H_POOL_I", pl_i)
    b.real_table("RS_H_POOL_D", pl_d)
    return _Units(n_units=first_unit, cloud_units=cloud_units)


def _pack_teams(b: _Blocks, model: SeasonModel) -> int:
    """Team rows and their head-count steps; returns the number of people slots."""
    tm_i: list[int] = []
    tm_d: list[float] = []
    step_time: list[float] = []
    step_people: list[int] = []
    first_slot = 0
    for t in model.teams:
        tm_i += _TEAM_I.row(
            max_people=t.max_people,
            n_steps=len(t.headcount),
            first_step=len(step_time),
            first_slot=first_slot,
        )
        tm_d += _TEAM_D.row(max_overtime=t.max_overtime, **_weights(t.policy))
        step_time += [s for s, _ in t.headcount]
        step_people += [n for _, n in t.headcount]
        first_slot += t.max_people
    b.int_table("RS_H_TEAM_I", tm_i)
    b.real_table("RS_H_TEAM_D", tm_d)
    b.int_table("RS_H_STEP_PEOPLE_I", step_people)
    b.real_table("RS_H_STEP_TIME_D", step_time)
    return first_slot


def _pack_waiting_lists(b: _Blocks, model: SeasonModel, task_capacity: int) -> int:
    """Where each resource's waiting list starts: one per resource, as long as the tasks
    that may wait there or the tasks in progress at once, whichever is fewer (a waiting
    task has a record), and where the last one ends. Returns their total length."""
    shot_resources = {
        _resource_index(model, o)
        for st in (*model.shot_stages, *model.fallbacks)
        for o in st.options
    }
    episode_resources = {
        _resource_index(model, o) for st in model.episode_stages for o in st.options
    }
    offsets: list[int] = []
    total = 0
    for r in range(len(model.pools) + len(model.teams)):
        offsets.append(total)
        total += min(
            task_capacity,
            (model.n_shots if r in shot_resources else 0)
            + (model.n_episodes if r in episode_resources else 0),
        )
    offsets.append(total)
    b.int_table("RS_H_WAIT_OFFSET_I", offsets)
    return total


def _global_row(model: SeasonModel) -> list[float]:
    return _GLOBAL_D.row(
        horizon=model.horizon,
        burst_wait=model.burst_wait,
        burst_slack=model.burst_slack if model.burst_slack is not None else 0.0,
        burst_budget=model.burst_budget if model.burst_budget is not None else 0.0,
        now=model.now,
    )


def _pack_start(b: _Blocks, model: SeasonModel) -> None:
    """The starting state's tables (empty without one: the kernel then reads none)."""
    start = model.start
    shots: list[int] = []
    episodes: list[int] = []
    delivered: list[float] = []
    if start is not None:
        posted = 0  # the start posts the releases of the shots not through, in id order
        for k in range(model.n_shots):
            status = start.shot_status[k]
            shots += _START_SHOT_I.row(
                status=int(status),
                stage=start.shot_stage[k],
                passes=start.shot_pass[k],
                attempt=start.shot_attempt[k],
                frames=start.shot_frames[k],
                posted=posted,
            )
            posted += status in (ShotStatus.NOT_STARTED, ShotStatus.AT_STAGE)
        for e in range(model.n_episodes):
            episodes += _START_EPISODE_I.row(
                status=int(start.episode_status[e]), stage=start.episode_stage[e]
            )
        delivered = list(start.episode_delivered)
    b.int_table("RS_H_START_SHOT_I", shots)
    b.int_table("RS_H_START_EPISODE_I", episodes)
    b.real_table("RS_H_START_DELIVERED_D", delivered)
