"""Packing a season model into the batch kernel's arrays.

``pack(model)`` lays a ``SeasonModel`` out as two blocks: ``mi`` (int64: a header of
sizes and offsets, then integer tables: episodes, stages, options, pools, teams,
distributions) and ``md`` (float64: the real-valued columns and tables). Every real the
kernel needs that the reference engine computes once (a distribution's parameters, its
mean, an option's setup) is taken here from the reference's own Python objects, so both
engines start from the same doubles. The meaning of every slot is written once, as enums
in the kernel source, and read from there (``kernels.layout``).

The header also lays out a replication's scratch memory and outputs: the kernel
allocates nothing, and the memory one replication needs is known before anything runs
(``Packed.scratch_bytes``, ``Packed.output_bytes``). The event heap is the one size that
depends on the run: it starts at an estimate, and a replication that fills it is run
again with twice the room (``heap_capacity``).

A run from a starting state (``model.start``, a snapshot of the season in progress) is
packed too: per shot and episode where it stands, and the time the run starts. What the
draw addresses cannot hold (DESIGN §2) is refused with ``UnsupportedError``, with the
numbers.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kernels.layout import DEFINES, LAYOUT
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
from simulator.errors import UnsupportedError
from simulator.model.season import Option, Resource, SeasonModel, StageKind, StageModel

__all__ = ["Packed", "pack", "pack_distributions", "scratch_bytes_per_replication"]

_H = LAYOUT["rs_header"]
_G = LAYOUT["rs_global_d"]
_OI = LAYOUT["rs_option_i"]
_DI = LAYOUT["rs_dist_i"]
_DK = LAYOUT["rs_dist_kind"]

_HOURS_PER_BIN = 24.0
# Draw addresses (simulator/draws.py): owner has 24 bits, a stage index 8, an attempt 16;
# a GPU's failure owner is (pool << 16) | unit.
_OWNER_BOUND = 1 << 24
_STAGE_BOUND = 1 << 8
_ATTEMPT_BOUND = 1 << 16
_UNIT_BOUND = 1 << 16


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


def scratch_bytes_per_replication(packed: Packed) -> int:
    """Bytes of working memory one replication needs (one slice per thread)."""
    return packed.scratch_bytes


# --- packing ------------------------------------------------------------------------------


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


class _Distributions:
    """Distribution rows (kind, parameter offset, count) and their parameters."""

    def __init__(self, blocks: _Blocks) -> None:
        self.blocks = blocks
        self.rows: list[int] = []

    def add(self, dist: Distribution | None) -> int:
        if dist is None:
            return -1
        kind, params, count = _dist_params(dist)
        offset = self.blocks.put_reals(params)
        self.rows.extend((kind, offset, count))
        return len(self.rows) // _DI["RS_DI_SIZE"] - 1


def _dist_params(dist: Distribution) -> tuple[int, list[float], int]:
    """Kind code, parameters (the distribution's own cached values) and count."""
    # The private cached parameters are read on purpose: they are the doubles the reference
    # samples with, so no re-derivation can differ in the last bit.
    if isinstance(dist, Constant):
        return _DK["RS_DIST_CONSTANT"], [dist.value], 0
    if isinstance(dist, Exponential):
        return _DK["RS_DIST_EXPONENTIAL"], [dist.mean], 0
    if isinstance(dist, LogNormal):
        mu, sigma = dist._mu_sigma
        return _DK["RS_DIST_LOGNORMAL"], [mu, sigma], 0
    if isinstance(dist, Gamma):
        k, theta, d, c, boosted = dist._params
        return _DK["RS_DIST_GAMMA"], [k, theta, d, c, 1.0 if boosted else 0.0], 0
    if isinstance(dist, TruncatedNormal):
        _, _, pa, pb = dist._cdf_bounds
        high = 0.0 if dist.high is None else dist.high
        has_high = 0.0 if dist.high is None else 1.0
        params = [pa, pb, dist.loc, dist.scale, dist.low, high, has_high]
        return _DK["RS_DIST_TRUNCATED_NORMAL"], params, 0
    if isinstance(dist, Uniform):
        return _DK["RS_DIST_UNIFORM"], [dist.low, dist.high], 0
    if isinstance(dist, Triangular):
        return _DK["RS_DIST_TRIANGULAR"], [dist.low, dist.mode, dist.high], 0
    if isinstance(dist, Empirical):
        cum = list(dist._cumulative)
        return _DK["RS_DIST_EMPIRICAL"], cum + list(dist.values), len(cum)
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


def _check_supported(model: SeasonModel) -> None:
    """Refuse, naming the feature, what the draw addresses or the kernel cannot hold."""
    n_tasks = model.n_shots + model.n_episodes
    if n_tasks >= _OWNER_BOUND:
        raise UnsupportedError(
            f"the batch kernel runs at most {_OWNER_BOUND - 1} shots and episodes in all "
            f"(the draw-address owner field), got {n_tasks}"
        )
    for kind, stages in (
        ("shot stages", model.shot_stages),
        ("episode stages", model.episode_stages),
    ):
        if len(stages) > _STAGE_BOUND:
            raise UnsupportedError(
                f"the batch kernel runs at most {_STAGE_BOUND} {kind} (the draw address has "
                f"8 bits for a stage), got {len(stages)}"
            )
    for st in model.shot_stages:
        if st.max_attempts > _ATTEMPT_BOUND:
            raise UnsupportedError(
                f"stage {st.name!r}: the batch kernel allows at most {_ATTEMPT_BOUND} attempts "
                f"(the draw address has 16 bits for an attempt), got {st.max_attempts}"
            )
    for pool in model.pools:
        if pool.time_between_failures is not None and (
            pool.gpus > _UNIT_BOUND or pool.index >= _STAGE_BOUND
        ):
            raise UnsupportedError(
                f"pool {pool.name!r}: GPU failures are addressed by (pool << 16) | unit, which "
                f"holds at most {_STAGE_BOUND} pools of {_UNIT_BOUND} GPUs; got pool "
                f"{pool.index} with {pool.gpus} GPUs"
            )


def pack(model: SeasonModel, *, heap_capacity: int | None = None) -> Packed:
    """Lay a season model out as the kernel's arrays.

    ``heap_capacity`` overrides the first estimate of the event heap's size (the batch
    runner doubles it for a replication that fills it).
    """
    _check_supported(model)
    b = _Blocks()
    dists = _Distributions(b)
    n_shot_stages = len(model.shot_stages)
    n_fallbacks = len(model.fallbacks)
    n_episode_stages = len(model.episode_stages)
    n_pools, n_teams = len(model.pools), len(model.teams)
    n_res = n_pools + n_teams
    n_eps, n_shots = model.n_episodes, model.n_shots
    n_tasks = n_shots + n_eps

    # Episodes, and the shot -> episode map.
    fixed_frames: list[int] = []
    ep_i: list[int] = []
    ep_d: list[float] = []
    shot_episode: list[int] = []
    for ep in model.episodes:
        fixed_at = -1
        if ep.fixed_frames:
            fixed_at = len(fixed_frames)
            fixed_frames.extend(ep.fixed_frames)
        frames_dist = dists.add(ep.frames) if not ep.fixed_frames else -1
        ep_i += [ep.first_shot, ep.n_shots, int(ep.release), frames_dist, fixed_at]
        ep_d += [ep.lock, ep.deadline, ep.priority, ep.window, ep.shots_per_hour]
        shot_episode += [ep.index] * ep.n_shots

    # Stages: shot stages, fallbacks, episode stages; their options in one table.
    stages: list[tuple[StageModel, int]] = [(st, st.index) for st in model.shot_stages]
    stages += [(fb, fb.index) for fb in model.fallbacks]
    stages += [(es, es.index) for es in model.episode_stages]
    op_i: list[int] = []
    op_d: list[float] = []
    st_i: list[int] = []
    st_d: list[float] = []
    review_slot = 0
    max_gang = 1
    for st, address in stages:
        first_option = len(op_i) // _OI["RS_OI_SIZE"]
        for o in st.options:
            max_gang = max(max_gang, o.gang)
            op_i += [
                int(o.resource),
                o.index,
                o.gang,
                dists.add(o.per_frame),
                dists.add(o.per_task),
            ]
            op_d += [
                o.setup,
                o.per_frame.mean if o.per_frame is not None else 0.0,
                o.per_task.mean if o.per_task is not None else 0.0,
            ]
        reject_at = b.put_reals(st.reject_probabilities)
        slot = -1
        if st.kind == StageKind.REVIEW:
            slot = review_slot
            review_slot += 1
        fallback = n_shot_stages + st.fallback if st.fallback >= 0 else -1
        st_i += [
            int(st.kind),
            address,
            len(st.options),
            first_option,
            st.max_attempts,
            fallback,
            st.max_rounds,
            st.rework_to,
            len(st.reject_probabilities),
            reject_at,
            slot,
        ]
        st_d += [
            st.failure_probability,
            st.backoff,
            st.defect_probability,
            st.sample_rate,
            st.catch_probability,
        ]
    n_reviews = review_slot

    # Pools and their units; teams, their head-count steps and slots.
    pl_i: list[int] = []
    pl_d: list[float] = []
    first_unit = 0
    cloud_units = 0
    for p in model.pools:
        w = p.policy
        pl_i += [
            int(p.kind),
            p.gpus,
            p.min_gpus,
            p.preemption_batch,
            dists.add(p.time_between_failures),
            dists.add(p.repair_time),
            first_unit,
        ]
        pl_d += [
            p.price_per_gpu_hour,
            p.billing_increment,
            p.billing_minimum,
            p.provisioning_delay,
            p.idle_timeout,
            p.preemptions_per_gpu_hour,
            p.preemption_notice,
            w.arrival,
            w.deadline,
            w.priority,
            w.expected_work,
            w.remaining_work,
        ]
        first_unit += p.gpus
        if p.cloud:
            cloud_units += p.gpus
    n_units = first_unit
    tm_i: list[int] = []
    tm_d: list[float] = []
    step_time: list[float] = []
    step_people: list[int] = []
    first_slot = 0
    for t in model.teams:
        w = t.policy
        tm_i += [t.max_people, len(t.headcount), len(step_time), first_slot]
        tm_d += [
            t.max_overtime,
            w.arrival,
            w.deadline,
            w.priority,
            w.expected_work,
            w.remaining_work,
        ]
        step_time += [s for s, _ in t.headcount]
        step_people += [n for _, n in t.headcount]
        first_slot += t.max_people
    n_slots = first_slot

    # Waiting lists: one per resource, as long as the tasks that may wait there.
    shot_resources = {
        _resource_index(model, o)
        for st in (*model.shot_stages, *model.fallbacks)
        for o in st.options
    }
    episode_resources = {
        _resource_index(model, o) for st in model.episode_stages for o in st.options
    }
    wait_offsets: list[int] = []
    wait_total = 0
    for r in range(n_res):
        wait_offsets.append(wait_total)
        wait_total += (n_shots if r in shot_resources else 0) + (
            n_eps if r in episode_resources else 0
        )

    g = [0.0] * _G["RS_G_SIZE"]
    g[_G["RS_G_HORIZON"]] = model.horizon
    g[_G["RS_G_BURST_WAIT"]] = model.burst_wait
    g[_G["RS_G_BURST_SLACK"]] = model.burst_slack if model.burst_slack is not None else 0.0
    g[_G["RS_G_BURST_BUDGET"]] = model.burst_budget if model.burst_budget is not None else 0.0
    g[_G["RS_G_NOW"]] = model.now

    b.set("RS_H_EPISODE_I", b.put_ints(ep_i))
    b.set("RS_H_EPISODE_D", b.put_reals(ep_d))
    b.set("RS_H_STAGE_I", b.put_ints(st_i))
    b.set("RS_H_STAGE_D", b.put_reals(st_d))
    b.set("RS_H_OPTION_I", b.put_ints(op_i))
    b.set("RS_H_OPTION_D", b.put_reals(op_d))
    b.set("RS_H_POOL_I", b.put_ints(pl_i))
    b.set("RS_H_POOL_D", b.put_reals(pl_d))
    b.set("RS_H_TEAM_I", b.put_ints(tm_i))
    b.set("RS_H_TEAM_D", b.put_reals(tm_d))
    b.set("RS_H_DIST_I", b.put_ints(dists.rows))
    b.set("RS_H_SHOT_EPISODE_I", b.put_ints(shot_episode))
    b.set("RS_H_FIXED_FRAMES_I", b.put_ints(fixed_frames))
    b.set("RS_H_STEP_PEOPLE_I", b.put_ints(step_people))
    b.set("RS_H_WAIT_OFFSET_I", b.put_ints(wait_offsets))
    b.set("RS_H_STEP_TIME_D", b.put_reals(step_time))
    b.set("RS_H_GLOBAL_D", b.put_reals(g))
    _pack_start(b, model)

    # Daily bins count from the season start; a run ends at the horizon at the latest.
    n_days = math.ceil(model.horizon / _HOURS_PER_BIN) + 1
    seed = model.seed
    rule = {"cheapest": 0, "fastest": 1}.get(model.pool_rule, 2)
    for name, value in (
        ("RS_H_VERSION", DEFINES["RS_LAYOUT_VERSION"]),
        ("RS_H_N_SHOTS", n_shots),
        ("RS_H_N_EPISODES", n_eps),
        ("RS_H_N_SHOT_STAGES", n_shot_stages),
        ("RS_H_N_FALLBACKS", n_fallbacks),
        ("RS_H_N_EPISODE_STAGES", n_episode_stages),
        ("RS_H_N_OPTIONS", len(op_i) // _OI["RS_OI_SIZE"]),
        ("RS_H_N_POOLS", n_pools),
        ("RS_H_N_TEAMS", n_teams),
        ("RS_H_N_UNITS", n_units),
        ("RS_H_N_SLOTS", n_slots),
        ("RS_H_N_DAYS", n_days),
        ("RS_H_N_REVIEWS", n_reviews),
        ("RS_H_MAX_GANG", max_gang),
        ("RS_H_POOL_RULE", rule),
        ("RS_H_HAS_SLACK", model.burst_slack is not None),
        ("RS_H_HAS_BUDGET", model.burst_budget is not None),
        # The reference adds open lease costs with Python's sum(), which compensates
        # rounding (Neumaier) from Python 3.12 on.
        ("RS_H_NEUMAIER_SUM", sys.version_info >= (3, 12)),
        ("RS_H_SEED_LO", seed & 0xFFFFFFFF),
        ("RS_H_SEED_HI", (seed >> 32) & 0xFFFFFFFF),
        ("RS_H_HAS_START", model.start is not None),
    ):
        b.set(name, int(value))

    if heap_capacity is None:
        # Live events: a release, back-off or completion per task, a failure or repair,
        # a provisioning and an idle timer per unit, a notice per pool, a shift per team.
        # Voided events wait in the heap until their time, so leave room; a replication
        # that fills the heap anyway is run again with twice the room.
        heap_capacity = 2 * n_tasks + 8 * n_units + 4 * n_pools + 2 * n_teams + 64
    idle_capacity = 4 * cloud_units + 1
    _lay_out_scratch(
        b,
        n_shots=n_shots,
        n_tasks=n_tasks,
        n_reviews=n_reviews,
        max_gang=max_gang,
        n_res=n_res,
        wait_total=wait_total,
        n_units=n_units,
        n_pools=n_pools,
        n_slots=n_slots,
        n_teams=n_teams,
        n_eps=n_eps,
        idle_capacity=idle_capacity,
        heap_capacity=heap_capacity,
    )
    _lay_out_outputs(b, n_eps=n_eps, n_pools=n_pools, n_teams=n_teams, n_days=n_days)

    mi = np.array(b.ints, dtype=np.int64)
    md = np.array(b.reals if b.reals else [0.0], dtype=np.float64)
    resources = tuple(f"pool:{p.name}" for p in model.pools) + tuple(
        f"team:{t.name}" for t in model.teams
    )
    names = tuple(st.name for st, _ in stages)
    return Packed(mi=mi, md=md, n_days=n_days, resources=resources, stage_names=names)


_SHOT_STATUS = LAYOUT["rs_shot_status"]
_EPISODE_STATUS = LAYOUT["rs_episode_status"]
# The model's status names -> the kernel's codes (matched by name, not by number).
_SHOT_CODES = {
    "NOT_STARTED": _SHOT_STATUS["RS_SHOT_NOT_STARTED"],
    "AT_STAGE": _SHOT_STATUS["RS_SHOT_AT_STAGE"],
    "THROUGH": _SHOT_STATUS["RS_SHOT_IS_THROUGH"],
    "FAILED": _SHOT_STATUS["RS_SHOT_IS_FAILED"],
}
_EPISODE_CODES = {
    "OPEN": _EPISODE_STATUS["RS_EPISODE_OPEN"],
    "AT_STAGE": _EPISODE_STATUS["RS_EPISODE_AT_STAGE"],
    "DELIVERED": _EPISODE_STATUS["RS_EPISODE_DELIVERED"],
}


def _pack_start(b: _Blocks, model: SeasonModel) -> None:
    """The starting state's tables (empty without one: the kernel then reads none)."""
    start = model.start
    shots: list[int] = []
    episodes: list[int] = []
    delivered: list[float] = []
    if start is not None:
        for k in range(model.n_shots):
            shots += [
                _SHOT_CODES[start.shot_status[k].name],
                start.shot_stage[k],
                start.shot_pass[k],
                start.shot_attempt[k],
                start.shot_frames[k],
            ]
        for e in range(model.n_episodes):
            episodes += [_EPISODE_CODES[start.episode_status[e].name], start.episode_stage[e]]
        delivered = list(start.episode_delivered)
    b.set("RS_H_START_SHOT_I", b.put_ints(shots))
    b.set("RS_H_START_EPISODE_I", b.put_ints(episodes))
    b.set("RS_H_START_DELIVERED_D", b.put_reals(delivered))


def _lay_out_scratch(b: _Blocks, **n: int) -> None:
    """Word offsets of a replication's scratch arrays (int32 arrays take half words)."""
    at = 0

    def words(name: str, count: int) -> None:
        nonlocal at
        b.set(name, at)
        at += count

    def halves(name: str, count: int) -> None:
        words(name, (count + 1) // 2)

    task_d = len(LAYOUT["rs_task_d"]) - 1
    task_i = len(LAYOUT["rs_task_i"]) - 1
    words("RS_H_S_SHOT_FRAMES", n["n_shots"])
    words("RS_H_S_SHOT_RELEASE", n["n_shots"])
    for name in ("STAGE", "PASS", "ATTEMPT", "FLAG", "STATE"):
        halves(f"RS_H_S_SHOT_{name}", n["n_shots"])
    halves("RS_H_S_SHOT_ROUNDS", n["n_shots"] * n["n_reviews"])
    words("RS_H_S_TASK_D", n["n_tasks"] * task_d)
    halves("RS_H_S_TASK_I", n["n_tasks"] * task_i)
    halves("RS_H_S_TASK_UNITS", n["n_tasks"] * n["max_gang"])
    halves("RS_H_S_WAIT_COUNT", n["n_res"])
    halves("RS_H_S_WAIT_LISTS", n["wait_total"])
    words("RS_H_S_UNIT_D", n["n_units"] * (len(LAYOUT["rs_unit_d"]) - 1))
    words("RS_H_S_UNIT_I", n["n_units"] * (len(LAYOUT["rs_unit_i"]) - 1))
    words("RS_H_S_POOL_D", n["n_pools"] * (len(LAYOUT["rs_pool_state_d"]) - 1))
    halves("RS_H_S_POOL_I", n["n_pools"] * (len(LAYOUT["rs_pool_state_i"]) - 1))
    words("RS_H_S_SLOT_D", n["n_slots"])
    halves("RS_H_S_SLOT_I", n["n_slots"])
    halves("RS_H_S_TEAM_I", n["n_teams"] * (len(LAYOUT["rs_team_state_i"]) - 1))
    words("RS_H_S_MONITOR_D", 2 * n["n_res"] * (len(LAYOUT["rs_monitor_d"]) - 1))
    halves("RS_H_S_EPISODE_I", n["n_eps"])
    halves("RS_H_S_IDLE", n["idle_capacity"])
    words("RS_H_S_HEAP", n["heap_capacity"] * DEFINES["RS_EVENT_WORDS"])
    b.set("RS_H_SCRATCH_WORDS", max(at, 1))
    b.set("RS_H_HEAP_CAPACITY", n["heap_capacity"])
    b.set("RS_H_IDLE_CAPACITY", n["idle_capacity"])


def _lay_out_outputs(b: _Blocks, *, n_eps: int, n_pools: int, n_teams: int, n_days: int) -> None:
    n_res = n_pools + n_teams
    at = 0
    for name, count in (
        ("RS_H_OD_END", 1),
        ("RS_H_OD_DELIVERED", n_eps),
        ("RS_H_OD_POOL_BUSY", n_pools * n_eps),
        ("RS_H_OD_POOL_BILLED", n_pools),
        ("RS_H_OD_TEAM_BUSY", n_teams * n_eps),
        ("RS_H_OD_TEAM_OVERTIME", n_teams),
        ("RS_H_OD_WAIT_HOURS", n_res),
        ("RS_H_OD_QUEUE_AREA", n_res),
        ("RS_H_OD_BUSY_BINS", n_res * n_days),
        ("RS_H_OD_QUEUE_BINS", n_res * n_days),
        ("RS_H_OD_FLOW_HOURS", 1),
    ):
        b.set(name, at)
        at += count
    b.set("RS_H_OUT_D_WORDS", at)
    at = 0
    for name, count in (
        ("RS_H_OI_STATUS", 1),
        ("RS_H_OI_EVENTS", 1),
        ("RS_H_OI_ESCAPED", n_eps),
        ("RS_H_OI_FAILED", n_eps),
        ("RS_H_OI_REWORKS", n_eps),
        ("RS_H_OI_CAUGHT", n_eps),
        ("RS_H_OI_ATTEMPTS", n_eps),
        ("RS_H_OI_FRAMES", n_eps),
        ("RS_H_OI_WAIT_COUNT", n_res),
        ("RS_H_OI_FLOW_COUNT", 1),
        ("RS_H_OI_PREEMPTIONS", n_pools),
        ("RS_H_OI_FAILURES", n_pools),
        ("RS_H_OI_CLASS_COUNTS", DEFINES["RS_N_CLASSES"]),
        ("RS_H_OI_TIES", DEFINES["RS_N_TIES"]),
    ):
        b.set(name, at)
        at += count
    b.set("RS_H_OUT_I_WORDS", at)
