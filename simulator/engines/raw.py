"""The raw record of one replication: what an engine counted, before any cost rule.

Both engines return a ``RawReplication``: the accumulators the batch kernel writes to its
output rows (``kernels/reelsim_kernel.c``, the ``RS_H_OD_*`` and ``RS_H_OI_*`` slots of its
header), with names. Nothing in it is a cost computed by a rule of DESIGN §1b "Costs at
the end" — the billed cost of closed cloud leases is what the leases were billed as they
closed — so ``simulator.engines.accounting`` can turn it into a ``ReplicationResult`` the
same way, once, for both engines, and the agreement of the engines is the agreement of
these fields (``simulator.testing.agreement.raw_difference`` names the one that differs).

Every field says in its metadata what it is counted per (``per``: ``run``, ``episode``,
``pool``, ``team``, ``resource`` — the pools, then the teams —, ``pool, episode``,
``team, episode``, ``stage`` — the shot stages, their fallbacks, then the episode stages,
as ``simulator.engines.trace.stages`` lists them — or ``resource, day``) and what it is
(``what``), so that a difference
can be named in words ("billed cost of pool spot"). Daily bins hold the time-weighted
area of a level over each day of [0, end]: ``days_until(end)`` of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

__all__ = [
    "ACCUMULATORS",
    "HOURS_PER_BIN",
    "PER",
    "PER_DAY",
    "RawReplication",
    "days_until",
]

HOURS_PER_BIN = 24.0
"""Hours in a daily bin; bins count from the season start (t = 0)."""

PER = ("run", "episode", "pool", "team", "resource", "pool, episode", "team, episode", "stage")
PER_DAY = "resource, day"


def days_until(end: float) -> int:
    """Daily bins a run that ends at ``end`` reports: the days it touched, at least one."""
    return max(1, math.ceil(end / HOURS_PER_BIN))


def _about(per: str, what: str) -> dict[str, str]:
    """A field's metadata: counted per ``per``, described as ``what``."""
    assert per in PER or per == PER_DAY, per
    return {"per": per, "what": what}


@dataclass
class RawReplication:
    """What one replication counted (the kernel's output rows, with names)."""

    replication: int = field(metadata=_about("run", "replication"))
    end: float = field(metadata=_about("run", "end of the run (hours)"))
    events: int = field(metadata=_about("run", "events handled"))
    delivered: list[float] = field(metadata=_about("episode", "delivery time (NaN: not delivered)"))
    pool_busy: list[list[float]] = field(metadata=_about("pool, episode", "busy unit-hours"))
    pool_billed_cost: list[float] = field(
        metadata=_about("pool", "billed cost of closed cloud leases (USD)")
    )
    team_busy: list[list[float]] = field(metadata=_about("team, episode", "busy person-hours"))
    team_overtime: list[float] = field(metadata=_about("team", "overtime person-hours"))
    wait_count: list[int] = field(
        metadata=_about("resource", "tasks started (first option's queue)")
    )
    wait_hours: list[float] = field(
        metadata=_about("resource", "hours waited by the tasks started")
    )
    queue_area: list[float] = field(
        metadata=_about("resource", "queue length integrated over time")
    )
    busy_bins: list[list[float]] = field(metadata=_about(PER_DAY, "busy unit-hours in the day"))
    queue_bins: list[list[float]] = field(metadata=_about(PER_DAY, "queued task-hours in the day"))
    flow_count: int = field(metadata=_about("run", "shots through the pipeline"))
    flow_hours: float = field(metadata=_about("run", "hours of shots from release to through"))
    escaped: list[int] = field(metadata=_about("episode", "escaped defects"))
    failed: list[int] = field(metadata=_about("episode", "failed shots"))
    reworks: list[int] = field(metadata=_about("episode", "rework passes"))
    caught: list[int] = field(
        metadata=_about("episode", "rejections of shots with a latent defect")
    )
    attempts: list[int] = field(metadata=_about("episode", "GPU attempts"))
    frames: list[int] = field(metadata=_about("episode", "frames"))
    preemptions: list[int] = field(metadata=_about("pool", "spot preemption notices"))
    gpu_failures: list[int] = field(metadata=_about("pool", "GPU failures"))
    stage_wait_count: list[int] = field(
        metadata=_about("stage", "tasks started from the stage's queue")
    )
    stage_wait_hours: list[float] = field(
        metadata=_about("stage", "hours waited by the tasks started")
    )
    stage_visits: list[int] = field(metadata=_about("stage", "visits whose service ended"))
    stage_visit_hours: list[float] = field(
        metadata=_about("stage", "hours of the ended visits from arrival to the end of service")
    )
    stage_queued: list[int] = field(
        metadata=_about("stage", "tasks still queued when the run ended")
    )
    stage_queued_hours: list[float] = field(
        metadata=_about("stage", "hours waited so far by the tasks still queued")
    )
    down_hours: list[float] = field(
        metadata=_about("pool", "unit-hours down (failed, not yet repaired)")
    )
    repair_wait_hours: list[float] = field(
        metadata=_about("pool", "unit-hours waiting for a repairer")
    )
    crew_repairs: list[int] = field(metadata=_about("pool", "repairs started by a repair crew"))


ACCUMULATORS: tuple[str, ...] = tuple(f.name for f in fields(RawReplication))
"""The fields of ``RawReplication``, in order."""
