"""Running a season on the batch kernel and reading back what it produced.

The batch kernel (``kernels/``) knows nothing of scenarios: it reads flat arrays.
``simulator.engines.packing`` lays a season model out as those arrays; this module runs
them and turns the kernel's outputs back into results.

``run_raw_batch(model, replications)`` runs replications on CPU threads (or on the GPU)
and reads each one's output rows into a ``RawReplication`` (``OUTPUTS`` names the header
slot of every field); ``run_batch`` accounts for their costs
(``simulator.engines.accounting``), so it returns what the reference engine's
``run_replication`` returns. A batch whose memory would not fit is refused with the
numbers before anything is allocated. ``event_counts`` says which event classes and kinds
of same-time ties a run exercised; ``trace_replication`` decodes the kernel's numeric
trace records into the reference engine's ``TraceEvent``s.

What the kernel cannot run is refused with ``UnsupportedError`` naming the feature: a
user's Python queue policy, and sizes beyond the draw-address layout (DESIGN §2).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from kernels import cpu
from kernels.layout import DEFINES, LAYOUT
from simulator.engines.accounting import account
from simulator.engines.packing import Packed, pack, scratch_bytes_per_replication
from simulator.engines.raw import PER_DAY, RawReplication, days_until
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import Cause, Outcome, TraceEvent, TraceKind, stages
from simulator.errors import ReelsimError, UnsupportedError, UsageError
from simulator.model.policies import QueuePolicy
from simulator.model.resources import ResourceKey
from simulator.model.season import Resource, SeasonModel

__all__ = [
    "BACKENDS",
    "EVENT_CLASSES",
    "KERNEL_ONLY_OUTPUTS",
    "OUTPUTS",
    "TIE_KINDS",
    "Packed",
    "event_counts",
    "output_sizes",
    "pack",
    "run_batch",
    "run_raw_batch",
    "scratch_bytes_per_replication",
    "trace_replication",
]

_H = LAYOUT["rs_header"]
_STATUS = LAYOUT["rs_status"]
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
    """Run ``reps``; rerun those that filled their event heap or ran out of task records
    with twice the room."""
    result = _launch(packed, reps, threads, backend)
    full = np.flatnonzero(result.status == _STATUS["RS_HEAP_FULL"])
    doublings = 0
    while full.size:
        doublings += 1
        if doublings > _MAX_HEAP_DOUBLINGS:
            raise ReelsimError(
                f"replication {int(reps[full[0]])} needs an event heap of more than "
                f"{packed.heap_capacity} events or more than {packed.task_capacity} tasks "
                "in progress at once"
            )
        packed = pack(
            model,
            heap_capacity=2 * packed.heap_capacity,
            task_capacity=2 * packed.task_capacity,
        )
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
    task_capacity: int | None = None,
    backend: str = "cpu",
) -> list[ReplicationResult]:
    """Run ``replications`` of ``model`` on the batch kernel: CPU threads or the GPU.

    Returns what ``simulator.engines.reference.run_replication`` returns for each, in the
    order given; ``run_raw_batch`` takes the same arguments. ``threads`` defaults to every
    core this process may use. A batch whose memory (results plus one scratch slice per
    thread) exceeds ``memory_limit`` (default: the memory available now) is refused before
    anything is allocated. ``heap_capacity`` and ``task_capacity`` set the first size of
    the event heap and the first number of tasks in progress at once that have room (a
    replication that runs out of either runs again with twice the room; the results do not
    depend on them). ``backend="gpu"`` runs on the GPU through CuPy, in batches sized to
    free device memory; the results are the same.
    """
    raws = run_raw_batch(
        model,
        replications,
        threads,
        policies=policies,
        memory_limit=memory_limit,
        heap_capacity=heap_capacity,
        task_capacity=task_capacity,
        backend=backend,
    )
    return [account(model, raw) for raw in raws]


def run_raw_batch(
    model: SeasonModel,
    replications: Iterable[int],
    threads: int | None = None,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    memory_limit: int | None = None,
    heap_capacity: int | None = None,
    task_capacity: int | None = None,
    backend: str = "cpu",
) -> list[RawReplication]:
    """What each of ``replications`` of ``model`` counted on the batch kernel, in the order
    given (see ``run_batch``)."""
    packed, reps, result = _run_checked(
        model,
        replications,
        threads,
        policies,
        memory_limit,
        (heap_capacity, task_capacity),
        backend,
    )
    slots = _output_slots(model, packed)
    return [
        _raw(model, slots, packed.n_days, int(reps[k]), result.out_d[k], result.out_i[k])
        for k in range(len(reps))
    ]


def _run_checked(
    model: SeasonModel,
    replications: Iterable[int],
    threads: int | None,
    policies: Mapping[str, QueuePolicy] | None,
    memory_limit: int | None,
    capacities: tuple[int | None, int | None],
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
    packed = pack(model, heap_capacity=capacities[0], task_capacity=capacities[1])
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
    packed, _, result = _run_checked(model, replications, threads, None, None, (None, None))
    counts: dict[str, int] = dict.fromkeys(_CLASS_NAMES.values(), 0)
    at = packed.header("RS_H_OI_CLASS_COUNTS")
    for cls, name in _CLASS_NAMES.items():
        counts[name] = int(result.out_i[:, at + cls].sum())
    at = packed.header("RS_H_OI_TIES")
    for k, name in enumerate(_TIE_NAMES):
        counts[f"tie:{name}"] = int(result.out_i[:, at + k].sum())
    return counts


# --- unpacking ----------------------------------------------------------------------------

OUTPUTS: dict[str, str] = {
    "end": "RS_H_OD_END",
    "events": "RS_H_OI_EVENTS",
    "delivered": "RS_H_OD_DELIVERED",
    "pool_busy": "RS_H_OD_POOL_BUSY",
    "pool_billed_cost": "RS_H_OD_POOL_BILLED",
    "team_busy": "RS_H_OD_TEAM_BUSY",
    "team_overtime": "RS_H_OD_TEAM_OVERTIME",
    "wait_count": "RS_H_OI_WAIT_COUNT",
    "wait_hours": "RS_H_OD_WAIT_HOURS",
    "queue_area": "RS_H_OD_QUEUE_AREA",
    "busy_bins": "RS_H_OD_BUSY_BINS",
    "queue_bins": "RS_H_OD_QUEUE_BINS",
    "flow_count": "RS_H_OI_FLOW_COUNT",
    "flow_hours": "RS_H_OD_FLOW_HOURS",
    "escaped": "RS_H_OI_ESCAPED",
    "failed": "RS_H_OI_FAILED",
    "reworks": "RS_H_OI_REWORKS",
    "caught": "RS_H_OI_CAUGHT",
    "attempts": "RS_H_OI_ATTEMPTS",
    "frames": "RS_H_OI_FRAMES",
    "preemptions": "RS_H_OI_PREEMPTIONS",
    "gpu_failures": "RS_H_OI_FAILURES",
    "stage_wait_count": "RS_H_OI_STAGE_WAIT_COUNT",
    "stage_wait_hours": "RS_H_OD_STAGE_WAIT_HOURS",
    "stage_visits": "RS_H_OI_STAGE_VISITS",
    "stage_visit_hours": "RS_H_OD_STAGE_VISIT_HOURS",
    "stage_queued": "RS_H_OI_STAGE_QUEUED",
    "stage_queued_hours": "RS_H_OD_STAGE_QUEUED_HOURS",
    "down_hours": "RS_H_OD_DOWN_HOURS",
    "repair_wait_hours": "RS_H_OD_REPAIR_WAIT_HOURS",
    "crew_repairs": "RS_H_OI_CREW_REPAIRS",
}
"""The kernel's output slot (a member of its ``rs_header`` enum) of each ``RawReplication``
field but ``replication``, which the caller knows. Reals are ``RS_H_OD_*``, counts
``RS_H_OI_*``."""

KERNEL_ONLY_OUTPUTS = ("RS_H_OI_STATUS", "RS_H_OI_CLASS_COUNTS", "RS_H_OI_TIES")
"""Output slots that are no accumulator of the model: a replication's status, and the
counts of event classes and ties (``event_counts``)."""


def output_sizes(model: SeasonModel, n_days: int) -> dict[str, int]:
    """Words of each ``OUTPUTS`` field in a replication's output row, by its ``per``."""
    n_ep, n_pools, n_teams = model.n_episodes, len(model.pools), len(model.teams)
    words = {
        "run": 1,
        "episode": n_ep,
        "pool": n_pools,
        "team": n_teams,
        "resource": n_pools + n_teams,
        "stage": len(model.shot_stages) + len(model.fallbacks) + len(model.episode_stages),
        "pool, episode": n_pools * n_ep,
        "team, episode": n_teams * n_ep,
        PER_DAY: (n_pools + n_teams) * n_days,
    }
    return {name: words[_PER[name]] for name in OUTPUTS}


_PER = {f.name: f.metadata["per"] for f in dataclasses.fields(RawReplication)}

_Slots = list[tuple[str, bool, int, int, str]]


def _output_slots(model: SeasonModel, packed: Packed) -> _Slots:
    """Each field's place in the output rows: name, real (or count), start, words, per."""
    sizes = output_sizes(model, packed.n_days)
    return [
        (name, slot.startswith("RS_H_OD_"), packed.header(slot), sizes[name], _PER[name])
        for name, slot in OUTPUTS.items()
    ]


def _raw(
    model: SeasonModel,
    slots: _Slots,
    n_days: int,
    replication: int,
    od: npt.NDArray[np.float64],
    oi: npt.NDArray[np.int64],
) -> RawReplication:
    """A replication's output rows, by name (Python floats and ints, the same bits)."""
    n_ep = model.n_episodes
    days = days_until(float(od[slots[0][2]]))  # OUTPUTS lists ``end`` first
    values: dict[str, Any] = {"replication": replication}
    for name, real, at, words, per in slots:
        flat = (od if real else oi)[at : at + words].tolist()
        if per == "run":
            values[name] = flat[0]
        elif per in ("pool, episode", "team, episode"):
            values[name] = [flat[k : k + n_ep] for k in range(0, words, n_ep)]
        elif per == PER_DAY:
            values[name] = [flat[k : k + days] for k in range(0, words, n_days)]
        else:
            values[name] = flat
    return RawReplication(**values)


# --- tracing ------------------------------------------------------------------------------

_TRACE = {code: name.removeprefix("RS_TR_") for name, code in LAYOUT["rs_trace_code"].items()}
_KIND = {
    "RELEASE_SHOT": TraceKind.RELEASE,
    "START": TraceKind.START,
    "INTERRUPTED": TraceKind.INTERRUPTED,
    "ATTEMPT_FAILED": TraceKind.ATTEMPT_FAILED,
    "SHOT_FAILED": TraceKind.SHOT_FAILED,
    "REWORK": TraceKind.REWORK,
    "DELIVERED": TraceKind.DELIVERED,
    "PROVISION": TraceKind.LEASE_OPENED,
    "RELEASE_UNIT": TraceKind.LEASE_CLOSED,
    "PREEMPTION_NOTICE": TraceKind.PREEMPTION_NOTICE,
    "GPU_FAILURE": TraceKind.GPU_FAILURE,
    "REPAIR": TraceKind.REPAIR,
    "REPAIR_STARTED": TraceKind.REPAIR_STARTED,
    "REPAIR_PAUSED": TraceKind.REPAIR_PAUSED,
    "SHIFT_CHANGE": TraceKind.SHIFT_CHANGE,
    "END": TraceKind.END,
}
"""The trace event of each kernel record code (``rs_trace_code``); the kernel's ``DRAINING``
records are the units of the ``PREEMPTION_NOTICE`` that follows them, and its ``EVENT``
records (every event handled) have no trace event."""
_OUTCOME = {
    code: Outcome[name.removeprefix("RS_OUT_")] for name, code in LAYOUT["rs_outcome"].items()
}
_CAUSE = {
    code: Cause[name.removeprefix("RS_CAUSE_")]
    for name, code in DEFINES.items()
    if name.startswith("RS_CAUSE_")
}
# An end record packs outcome, attempt and pass into one value: outcome + 8 (attempt +
# 65536 pass) (kernels/reelsim_kernel.c rs_trace_end).
_OUTCOME_CODES, _ATTEMPT_CODES = 8, 65536


def trace_replication(
    model: SeasonModel, replication: int, *, capacity: int = 1_000_000
) -> list[TraceEvent]:
    """The kernel's trace of one replication, as the reference engine's ``TraceEvent``s.

    A debugging aid: ``simulator.engines.reference.run_replication(..., trace=events)``
    records the same events, so the two can be compared instant by instant (within an
    instant the reference records an interruption when SimPy delivers it, after the
    round's other events). A trace of more than ``capacity`` records is refused.
    """
    packed = pack(model)
    run, records, made = cpu.trace(packed.mi, packed.md, replication, capacity=capacity)
    while run.status[0] == _STATUS["RS_HEAP_FULL"]:
        packed = pack(
            model, heap_capacity=2 * packed.heap_capacity, task_capacity=2 * packed.task_capacity
        )
        run, records, made = cpu.trace(packed.mi, packed.md, replication, capacity=capacity)
    if made > capacity:
        raise UsageError(
            f"replication {replication} made {made} trace records, more than the capacity of "
            f"{capacity}; pass a larger capacity"
        )
    options = [o for st in stages(model) for o in st.options]
    events: list[TraceEvent] = []
    draining: list[int] = []
    for t, code, x, y, z, w in records.tolist():
        what = _TRACE[int(code)]
        if what == "DRAINING":
            draining.append(int(y))
        elif what in _KIND:
            events.append(_event(model, options, t, _KIND[what], int(x), y, z, w, draining))
            if what == "PREEMPTION_NOTICE":
                draining = []
    return events


def _event(
    model: SeasonModel,
    options: list[Any],
    t: float,
    kind: TraceKind,
    a: int,
    y: float,
    z: float,
    w: float,
    draining: list[int],
) -> TraceEvent:
    """One trace record, decoded (see the ``rs_trace`` calls in the kernel source)."""
    pool = ResourceKey(Resource.POOL, a)
    if kind == TraceKind.RELEASE:
        return TraceEvent(t, kind, task=a)
    if kind == TraceKind.START:
        o = options[int(w)]
        where = ResourceKey(o.resource, o.index)
        return TraceEvent(t, kind, task=a, stage=int(y), resource=where, gang=o.gang, hours=z)
    if kind == TraceKind.INTERRUPTED:
        cause = _CAUSE[int(y)]
        where = ResourceKey(Resource.TEAM if cause == Cause.SHIFT_ENDED else Resource.POOL, int(z))
        return TraceEvent(t, kind, task=a, resource=where, cause=cause, unit=int(w))
    if kind == TraceKind.ATTEMPT_FAILED:
        return TraceEvent(t, kind, task=a, stage=int(y), attempt=int(z))
    if kind == TraceKind.SHOT_FAILED:
        return TraceEvent(t, kind, task=a, stage=int(y))
    if kind == TraceKind.REWORK:
        return TraceEvent(t, kind, task=a, stage=int(y), back_to=int(z))
    if kind == TraceKind.DELIVERED:
        return TraceEvent(t, kind, task=model.n_shots + a)
    if kind == TraceKind.PREEMPTION_NOTICE:
        return TraceEvent(t, kind, resource=pool, units=tuple(sorted(draining)))
    if kind == TraceKind.SHIFT_CHANGE:
        return TraceEvent(t, kind, resource=ResourceKey(Resource.TEAM, a), people=int(z))
    if kind == TraceKind.END:
        packed = int(z)
        rest = packed // _OUTCOME_CODES
        return TraceEvent(
            t,
            kind,
            task=a,
            stage=int(y),
            pass_=rest // _ATTEMPT_CODES,
            attempt=rest % _ATTEMPT_CODES,
            outcome=_OUTCOME[packed % _OUTCOME_CODES],
            started=w,
        )
    return TraceEvent(t, kind, resource=pool, unit=int(y))  # a lease, a failure, a repair
