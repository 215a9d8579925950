"""What one replication produces, the same for both engines: made from what the replication
counted (``simulator.engines.raw.RawReplication``) by ``simulator.engines.accounting``.

A ``ReplicationResult`` holds, per episode: delivery time (NaN if not delivered by the
horizon), lateness, cost by category, shots, frames, GPU attempts, rework passes, escaped
and caught defects and failed shots; per pool and team: busy and available unit-hours and
daily time-weighted bins of busy units and queue length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["COST_CATEGORIES", "ReplicationResult"]

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
    daily_busy: dict[str, list[float]] = field(default_factory=dict)
    daily_queue: dict[str, list[float]] = field(default_factory=dict)
    waits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per resource (a task's first option): tasks started and total hours they waited."""
    queue_area: dict[str, float] = field(default_factory=dict)
    """Per resource: ∫ queue length dt over the run (Little's law: equals the waits)."""
    flow: tuple[int, float] = (0, 0.0)
    """Shots through the pipeline and their total hours from release to through."""
    preemptions: int = 0
    gpu_failures: int = 0

    @property
    def total_cost(self) -> float:
        return math.fsum(math.fsum(v) for v in self.cost.values())

    def utilisation(self, resource: str) -> float:
        available = self.available_hours.get(resource, 0.0)
        return self.busy_hours.get(resource, 0.0) / available if available > 0 else 0.0
