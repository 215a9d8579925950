"""What one replication produces, the same for both engines: made from what the replication
counted (``simulator.engines.raw.RawReplication``) by ``simulator.engines.accounting``.

A ``ReplicationResult`` holds, per episode: delivery time (NaN if not delivered by the
horizon), lateness, cost by category, shots, frames, GPU attempts, rework passes, escaped
and caught defects and failed shots; per pool and team: busy and available unit-hours and
daily time-weighted bins of busy units and queue length; per stage: the waits of the tasks
started from its queue, the visits whose service ended with their hours in the stage, and
the tasks still queued when the run ended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["COST_CATEGORIES", "ReplicationResult", "waited_at_end"]

COST_CATEGORIES = (
    "reserved_gpu",
    "cloud_gpu",
    "people",
    "overtime",
    "failed_shots",
    "escaped_defects",
    "lateness",
    "before_now",
)
"""Cost categories, in USD. Shared costs go to episodes by the busy hours they used.
``before_now``: what a starting state says was spent before the run starts."""


@dataclass
class ReplicationResult:
    replication: int
    end_time: float
    events: int
    delivery: list[float]
    lateness_hours: list[float]
    cost: dict[str, list[float]]
    shots: list[int]
    frames: list[int]
    attempts: list[int]
    reworks: list[int]
    escaped: list[int]
    caught: list[int]
    """Rejections of shots that had a latent defect."""
    failed: list[int]
    busy_hours: dict[str, float] = field(default_factory=dict)
    """Busy unit-hours per resource, keyed ``pool:NAME`` or ``team:NAME``."""
    available_hours: dict[str, float] = field(default_factory=dict)
    """Per resource: unit-hours available over the run, [now, end of run] (a cloud pool at
    its maximum number of units)."""
    paid_hours: dict[str, float] = field(default_factory=dict)
    """Per resource: unit-hours paid for (DESIGN §1b "Costs at the end"): a reserved pool's
    GPUs and a team's scheduled person-hours over [now, max(end of run, season end)], plus a
    team's overtime; a cloud pool's billed lease unit-hours (its billed cost over its price)."""
    daily_busy: dict[str, list[float]] = field(default_factory=dict)
    daily_queue: dict[str, list[float]] = field(default_factory=dict)
    waits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per resource (a task's first option): tasks started and total hours they waited."""
    queue_area: dict[str, float] = field(default_factory=dict)
    """Per resource: ∫ queue length dt over the run. It equals the hours waited by the tasks
    started plus the hours waited so far by the tasks still queued at the end of the run
    (``waited_at_end``)."""
    queued: dict[str, int] = field(default_factory=dict)
    """Per resource (a task's first option): tasks still queued when the run ended."""
    flow: tuple[int, float] = (0, 0.0)
    """Shots through the pipeline and their total hours from release to through."""
    stage_waits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per stage (``stage:NAME``): tasks started from its queue and the hours they waited."""
    stage_visits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per stage: visits whose service ended and their hours in the stage, from arrival at
    its queue to the end of service."""
    stage_queued: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per stage: tasks still queued when the run ended and the hours they had waited."""
    preemptions: int = 0
    gpu_failures: int = 0
    down_hours: dict[str, float] = field(default_factory=dict)
    """Per pool: unit-hours its units were down (failed, not yet repaired)."""
    repair_wait_hours: dict[str, float] = field(default_factory=dict)
    """Per pool: unit-hours its failed units waited for a repairer (a repair crew's)."""
    crew_repairs: int = 0
    """Repairs started by repair crews."""

    @property
    def total_cost(self) -> float:
        return math.fsum(math.fsum(v) for v in self.cost.values())

    def utilisation(self, resource: str) -> float:
        """Busy share of available hours over the run (0 when none were available)."""
        available = self.available_hours.get(resource, 0.0)
        return self.busy_hours.get(resource, 0.0) / available if available > 0 else 0.0

    def paid_utilisation(self, resource: str) -> float:
        """Busy share of paid hours to the season end (0 when none were paid for)."""
        paid = self.paid_hours.get(resource, 0.0)
        return self.busy_hours.get(resource, 0.0) / paid if paid > 0 else 0.0

    def waited_at_end(self, resource: str) -> float:
        """Hours waited so far by the tasks still queued for ``resource`` when the run
        ended (``waited_at_end``)."""
        _, started = self.waits.get(resource, (0, 0.0))
        return float(waited_at_end(self.queue_area.get(resource, 0.0), started))


def waited_at_end(queue_area: ArrayLike, waited: ArrayLike) -> np.ndarray:
    """Hours waited so far by the tasks still queued at the end of a run: the queue's area
    (every queued task's time in the queue) less the hours waited by the tasks that started.
    The two are sums of many terms in different orders, so a difference within a billionth
    of the area is rounding, and zero. Works on numbers or arrays alike."""
    area = np.asarray(queue_area, dtype=np.float64)
    left = area - np.asarray(waited, dtype=np.float64)
    return np.where(left > 1e-9 * np.maximum(area, 1.0), left, 0.0)
