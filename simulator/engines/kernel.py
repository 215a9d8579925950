"""Running a season on the batch kernel and reading back what it produced.

The batch kernel (``kernels/``) knows nothing of scenarios: it reads flat arrays.
``simulator.engines.packing`` lays a season model out as those arrays; this module runs
them and turns the kernel's outputs back into results.

``run_batch(model, replications)`` runs replications on CPU threads (or on the GPU) and
returns the same ``ReplicationResult`` objects as the reference engine's
``run_replication``, computing the costs from the kernel's accumulators exactly as
``simulator.engines.reference.engine`` does. A batch whose memory would not fit is refused with
the numbers before anything is allocated. ``event_counts`` says which event classes and
kinds of same-time ties a run exercised; ``trace_replication`` gives the kernel's event
trace in the reference trace's words.

What the kernel cannot run is refused with ``UnsupportedError`` naming the feature: a
user's Python queue policy, and sizes beyond the draw-address layout (DESIGN §2).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

from kernels import cpu
from kernels.layout import LAYOUT
from simulator.engines.packing import Packed, pack, scratch_bytes_per_replication
from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.errors import ReelsimError, UnsupportedError, UsageError
from simulator.model.policies import QueuePolicy
from simulator.model.season import PoolKind, Resource, SeasonModel

__all__ = [
    "BACKENDS",
    "EVENT_CLASSES",
    "TIE_KINDS",
    "Packed",
    "event_counts",
    "pack",
    "run_batch",
    "scratch_bytes_per_replication",
    "trace_replication",
]

_H = LAYOUT["rs_header"]
_STATUS = LAYOUT["rs_status"]
_TRACE = LAYOUT["rs_trace_code"]
_HOURS_PER_BIN = 24.0
_MAX_HEAP_DOUBLINGS = 24


# --- running ------------------------------------------------------------------------------


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation, when the system says."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def _check_memory(packed: Packed, n: int, threads: int, available: int | None) -> None:
    need = n * packed.output_bytes + threads * packed.scratch_bytes
    if available is not None and need > available:
        mib = 1024 * 1024
        raise UsageError(
            f"a batch of {n} replications on {threads} threads needs {need / mib:.1f} MiB "
            f"({packed.output_bytes} bytes of results per replication and "
            f"{packed.scratch_bytes} bytes of scratch per thread), but only "
            f"{available / mib:.1f} MiB are available; run fewer replications at a time"
        )


BACKENDS = ("cpu", "gpu")


def _launch(
    packed: Packed, reps: npt.NDArray[np.int64], threads: int, backend: str
) -> cpu.KernelRun:
    if backend == "gpu":
        from kernels import gpu

        try:
            return gpu.run(packed.mi, packed.md, reps)
        except MemoryError as error:
            raise UsageError(f"the batch does not fit on the GPU: {error}") from None
    return cpu.run(packed.mi, packed.md, reps, threads=threads)


def _run_arrays(
    model: SeasonModel,
    packed: Packed,
    reps: npt.NDArray[np.int64],
    threads: int,
    backend: str = "cpu",
) -> tuple[Packed, cpu.KernelRun]:
    """Run ``reps``; rerun those that filled their event heap with twice the room."""
    result = _launch(packed, reps, threads, backend)
    full = np.flatnonzero(result.status == _STATUS["RS_HEAP_FULL"])
    doublings = 0
    while full.size:
        doublings += 1
        if doublings > _MAX_HEAP_DOUBLINGS:
            raise ReelsimError(
                f"replication {int(reps[full[0]])} needs an event heap of more than "
                f"{packed.heap_capacity} events"
            )
        packed = pack(model, heap_capacity=2 * packed.heap_capacity)
        _check_memory(packed, len(full), threads if backend == "cpu" else 0, _available_memory())
        again = _launch(packed, reps[full], threads, backend)
        result.out_d[full] = again.out_d
        result.out_i[full] = again.out_i
        full = full[again.status == _STATUS["RS_HEAP_FULL"]]
    if not len(reps):
        return packed, result
    bad = np.flatnonzero(result.status != _STATUS["RS_OK"])
    if bad.size:
        raise ReelsimError(
            f"the batch kernel stopped replication {int(reps[bad[0]])} with status "
            f"{int(result.status[bad[0]])} (an internal layout error)"
        )
    return packed, result


def run_batch(
    model: SeasonModel,
    replications: Iterable[int],
    threads: int | None = None,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    memory_limit: int | None = None,
    heap_capacity: int | None = None,
    backend: str = "cpu",
) -> list[ReplicationResult]:
    """Run ``replications`` of ``model`` on the batch kernel: CPU threads or the GPU.

    Returns what ``simulator.engines.reference.engine.run_replication`` returns for each, in the
    order given. ``threads`` defaults to every core this process may use. A batch whose
    memory (results plus one scratch slice per thread) exceeds ``memory_limit`` (default:
    the memory available now) is refused before anything is allocated. ``heap_capacity``
    sets the first size of the event heap (a replication that fills it runs again with
    twice the room; the results do not depend on it). ``backend="gpu"`` runs on the GPU
    through CuPy, in batches sized to free device memory; the results are the same.
    """
    packed, reps, result = _run_checked(
        model, replications, threads, policies, memory_limit, heap_capacity, backend
    )
    return [
        _unpack(model, packed, int(reps[k]), result.out_d[k], result.out_i[k])
        for k in range(len(reps))
    ]


def _run_checked(
    model: SeasonModel,
    replications: Iterable[int],
    threads: int | None,
    policies: Mapping[str, QueuePolicy] | None,
    memory_limit: int | None,
    heap_capacity: int | None,
    backend: str = "cpu",
) -> tuple[Packed, npt.NDArray[np.int64], cpu.KernelRun]:
    if backend not in BACKENDS:
        raise UsageError(f"no kernel backend named {backend!r} (choose from cpu, gpu)")
    if backend == "gpu":
        from kernels import gpu

        if not gpu.available():
            raise UnsupportedError("no GPU: CuPy is not installed or sees no usable device")
    if policies:
        raise UnsupportedError(
            "the batch kernel runs index policies only; a Python queue policy for "
            f"{', '.join(sorted(policies))} needs the reference engine"
        )
    if backend == "cpu" and not cpu.available():
        raise UnsupportedError(
            "the CPU batch kernel is not built in this installation (kernels._cpu is missing)"
        )
    reps = np.array(list(replications), dtype=np.int64)
    if reps.size and (reps.min() < 0 or reps.max() > 0xFFFFFFFF):
        raise UsageError(
            f"replication numbers must lie in [0, 2**32), got {int(reps.min())}..{int(reps.max())}"
        )
    packed = pack(model, heap_capacity=heap_capacity)
    n = len(reps)
    threads = cpu.default_threads() if threads is None else threads
    if threads < 1:
        raise UsageError(f"threads must be at least 1, got {threads}")
    threads = max(1, min(threads, n)) if n else 1
    available = memory_limit if memory_limit is not None else _available_memory()
    # On a GPU the scratch lives in device memory (batches fit it); here only the results.
    _check_memory(packed, n, threads if backend == "cpu" else 0, available)
    packed, result = _run_arrays(model, packed, reps, threads, backend)
    return packed, reps, result


_CLASS_NAMES = {v: k.removeprefix("RS_EV_").lower() for k, v in LAYOUT["rs_event_class"].items()}
_TIE_NAMES = ("same_class", "mixed_round", "same_instant")

EVENT_CLASSES: tuple[str, ...] = tuple(_CLASS_NAMES.values())
"""The event classes of DESIGN §1b "Instants", in their order: ``completion``, ..."""
TIE_KINDS: tuple[str, ...] = tuple(f"tie:{name}" for name in _TIE_NAMES)
"""The kinds of same-time ties ``event_counts`` counts."""


def event_counts(
    model: SeasonModel, replications: Iterable[int], threads: int | None = None
) -> dict[str, int]:
    """Events the kernel handled, summed over replications: per event class
    (``completion``, ``failure``, ...) and per kind of tie (``tie:same_class``: events of
    one class at one instant; ``tie:mixed_round``: rounds holding several classes;
    ``tie:same_instant``: rounds that follow another at the same instant)."""
    packed, _, result = _run_checked(model, replications, threads, None, None, None)
    counts: dict[str, int] = dict.fromkeys(_CLASS_NAMES.values(), 0)
    at = packed.header("RS_H_OI_CLASS_COUNTS")
    for cls, name in _CLASS_NAMES.items():
        counts[name] = int(result.out_i[:, at + cls].sum())
    at = packed.header("RS_H_OI_TIES")
    for k, name in enumerate(_TIE_NAMES):
        counts[f"tie:{name}"] = int(result.out_i[:, at + k].sum())
    return counts


# --- unpacking ----------------------------------------------------------------------------


def _share(total: float, busy: list[float]) -> list[float]:
    """Split a shared cost by busy hours: the reference engine's rule, to the bit."""
    used = math.fsum(busy)
    if used > 0.0:
        return [total * b / used for b in busy]
    return [total / len(busy)] * len(busy) if busy else []


def _unpack(
    model: SeasonModel,
    packed: Packed,
    replication: int,
    od: npt.NDArray[np.float64],
    oi: npt.NDArray[np.int64],
) -> ReplicationResult:
    """A ``ReplicationResult`` from a replication's output rows, costed as the reference."""
    h = packed.header
    n_ep = model.n_episodes
    n_pools, n_teams = len(model.pools), len(model.teams)
    n_days = packed.n_days
    end = float(od[h("RS_H_OD_END")])
    paid_until = max(end, model.season_end)
    now = model.now  # a run from a starting state pays only for what comes after it
    cost = {c: [0.0] * n_ep for c in COST_CATEGORIES}

    def add(category: str, amounts: list[float]) -> None:
        for e, amount in enumerate(amounts):
            cost[category][e] += amount

    def reals(name: str, start: int, count: int) -> list[float]:
        at = h(name) + start
        values: list[float] = od[at : at + count].tolist()  # Python floats, the same bits
        return values

    def ints(name: str, start: int, count: int) -> list[int]:
        at = h(name) + start
        values: list[int] = oi[at : at + count].tolist()
        return values

    days = max(1, math.ceil(end / _HOURS_PER_BIN))

    def daily(name: str, r: int) -> list[float]:
        return [area / _HOURS_PER_BIN for area in reals(name, r * n_days, n_days)[:days]]

    busy_hours: dict[str, float] = {}
    available: dict[str, float] = {}
    daily_busy: dict[str, list[float]] = {}
    daily_queue: dict[str, list[float]] = {}
    for p in model.pools:
        key = packed.resources[p.index]
        busy = reals("RS_H_OD_POOL_BUSY", p.index * n_ep, n_ep)
        if p.kind == PoolKind.RESERVED:
            add("reserved_gpu", _share(p.gpus * p.price_per_gpu_hour * (paid_until - now), busy))
        else:
            billed = reals("RS_H_OD_POOL_BILLED", p.index, 1)[0]
            add("cloud_gpu", _share(billed, busy))
        busy_hours[key] = math.fsum(busy)
        available[key] = p.gpus * (end - now)
        daily_busy[key] = daily("RS_H_OD_BUSY_BINS", p.index)
        daily_queue[key] = daily("RS_H_OD_QUEUE_BINS", p.index)
    for t in model.teams:
        r = n_pools + t.index
        key = packed.resources[r]
        busy = reals("RS_H_OD_TEAM_BUSY", t.index * n_ep, n_ep)
        overtime = reals("RS_H_OD_TEAM_OVERTIME", t.index, 1)[0]
        scheduled = t.scheduled_person_hours(paid_until) - t.scheduled_person_hours(now)
        add("people", _share(scheduled * t.hourly_rate, busy))
        add("overtime", _share(overtime * t.overtime_rate, busy))
        busy_hours[key] = math.fsum(busy)
        available[key] = t.scheduled_person_hours(end) - t.scheduled_person_hours(now)
        daily_busy[key] = daily("RS_H_OD_BUSY_BINS", r)
        daily_queue[key] = daily("RS_H_OD_QUEUE_BINS", r)

    wait_counts = ints("RS_H_OI_WAIT_COUNT", 0, n_pools + n_teams)
    wait_hours = reals("RS_H_OD_WAIT_HOURS", 0, n_pools + n_teams)
    queue_areas = reals("RS_H_OD_QUEUE_AREA", 0, n_pools + n_teams)
    waits = {key: (wait_counts[r], wait_hours[r]) for r, key in enumerate(packed.resources)}
    queue_area = {key: queue_areas[r] for r, key in enumerate(packed.resources)}

    delivered = reals("RS_H_OD_DELIVERED", 0, n_ep)
    lateness = []
    for ep in model.episodes:
        d = delivered[ep.index]
        finish = model.horizon if math.isnan(d) else d
        lateness.append(max(0.0, finish - ep.deadline))
    failed = ints("RS_H_OI_FAILED", 0, n_ep)
    escaped = ints("RS_H_OI_ESCAPED", 0, n_ep)
    add("lateness", [hours * model.late_penalty_per_hour for hours in lateness])
    add("failed_shots", [k * model.failed_shot_penalty for k in failed])
    add("escaped_defects", [k * model.escaped_defect_penalty for k in escaped])
    if model.start is not None:
        add("before_now", list(model.start.costs_so_far))

    return ReplicationResult(
        replication=replication,
        end_time=end,
        events=int(oi[h("RS_H_OI_EVENTS")]),
        delivery=delivered,
        lateness_hours=lateness,
        cost=cost,
        shots=[ep.n_shots for ep in model.episodes],
        frames=ints("RS_H_OI_FRAMES", 0, n_ep),
        attempts=ints("RS_H_OI_ATTEMPTS", 0, n_ep),
        reworks=ints("RS_H_OI_REWORKS", 0, n_ep),
        escaped=escaped,
        caught=ints("RS_H_OI_CAUGHT", 0, n_ep),
        failed=failed,
        busy_hours=busy_hours,
        available_hours=available,
        daily_busy=daily_busy,
        daily_queue=daily_queue,
        waits=waits,
        queue_area=queue_area,
        flow=(int(oi[h("RS_H_OI_FLOW_COUNT")]), float(od[h("RS_H_OD_FLOW_HOURS")])),
        preemptions=sum(ints("RS_H_OI_PREEMPTIONS", 0, n_pools)),
        gpu_failures=sum(ints("RS_H_OI_FAILURES", 0, n_pools)),
    )


# --- tracing ------------------------------------------------------------------------------


def trace_replication(
    model: SeasonModel, replication: int, *, capacity: int = 1_000_000, events: bool = False
) -> list[tuple[float, str, str]]:
    """The kernel's trace of one replication, in the reference trace's words.

    A debugging aid: ``simulator.engines.reference.engine.run_replication(..., trace=log)`` records
    the same entries, so the two can be compared instant by instant (within an instant the
    reference logs an interruption when SimPy delivers it, after the round's other
    entries). ``events=True`` adds an ``event`` entry for every event the kernel handles
    (class, key, posting order): what the reference's agenda runs.
    """
    packed = pack(model)
    run, records, made = cpu.trace(packed.mi, packed.md, replication, capacity=capacity)
    while run.status[0] == _STATUS["RS_HEAP_FULL"]:
        packed = pack(model, heap_capacity=2 * packed.heap_capacity)
        run, records, made = cpu.trace(packed.mi, packed.md, replication, capacity=capacity)
    codes = {v: k for k, v in _TRACE.items()}
    draining: list[int] = []
    outcomes = {v: k.removeprefix("RS_OUT_").lower() for k, v in LAYOUT["rs_outcome"].items()}
    pools = [p.name for p in model.pools]
    teams = [t.name for t in model.teams]
    out: list[tuple[float, str, str]] = []
    options = [
        o
        for st in (*model.shot_stages, *model.fallbacks, *model.episode_stages)
        for o in st.options
    ]
    causes = {
        1: ("GpuFailed", pools, "unit"),
        2: ("Preempted", pools, "unit"),
        3: ("ShiftEnded", teams, "slot"),
    }
    for t, code, x, y, z, w in records.tolist():
        what = codes.get(int(code), "?")
        a, b_ = int(x), int(y)
        if what == "RS_TR_RELEASE_SHOT":
            out.append((t, "release", f"shot {a}"))
        elif what == "RS_TR_START":
            o = options[int(w)]
            where = (
                f"pool:{pools[o.index]}/{o.gang}"
                if o.resource == Resource.POOL
                else f"team:{teams[o.index]}"
            )
            out.append((t, "start", f"task {a} {packed.stage_names[b_]} on {where} for {z!r} h"))
        elif what == "RS_TR_INTERRUPTED":
            name, owners, slot = causes[b_]
            out.append((t, "interrupted", f"task {a}: {name}({owners[int(z)]}, {slot} {int(w)})"))
        elif what == "RS_TR_ATTEMPT_FAILED":
            out.append((t, "attempt failed", f"shot {a} {packed.stage_names[b_]} attempt {int(z)}"))
        elif what == "RS_TR_SHOT_FAILED":
            out.append((t, "shot failed", f"shot {a} at {packed.stage_names[b_]}"))
        elif what == "RS_TR_REWORK":
            out.append((t, "rework", f"shot {a} from {packed.stage_names[b_]} to stage {int(z)}"))
        elif what == "RS_TR_DELIVERED":
            out.append((t, "delivered", f"episode {model.episodes[a].name}"))
        elif what == "RS_TR_PROVISION":
            out.append((t, "lease opened", f"{pools[a]} unit {b_}"))
        elif what == "RS_TR_RELEASE_UNIT":
            out.append((t, "lease closed", f"{pools[a]} unit {b_}"))
        elif what == "RS_TR_END":
            outcome, rest = int(z) % 8, int(z) // 8
            pass_, attempt = rest // 65536, rest % 65536
            out.append(
                (
                    t,
                    "end",
                    f"task {a} {packed.stage_names[b_]} {outcomes[outcome]} pass {pass_} "
                    f"attempt {attempt} started {w!r}",
                )
            )
        elif what == "RS_TR_DRAINING":
            draining.append(b_)
        elif what == "RS_TR_PREEMPTION_NOTICE":
            out.append((t, "preemption notice", f"{pools[a]} units {sorted(draining)}"))
            draining = []
        elif what == "RS_TR_GPU_FAILURE":
            out.append((t, "gpu failure", f"{pools[a]} unit {b_}"))
        elif what == "RS_TR_REPAIR":
            out.append((t, "repair", f"{pools[a]} unit {b_}"))
        elif what == "RS_TR_EVENT":
            if events:
                out.append((t, "event", f"class {a} key {b_} {int(z)} posted {int(w)}"))
        elif what == "RS_TR_SHIFT_CHANGE":
            out.append((t, "shift change", f"{teams[a]}: {b_} -> {int(z)}"))
        else:
            out.append((t, what, f"{x} {y} {z}"))
    if made > capacity:
        out.append((math.nan, "cut", f"{made - capacity} more records"))
    return out
