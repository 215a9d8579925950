"""GPU units and people slots: who is free, who is busy, what it costs.

A pool has ``gpus`` unit slots. A reserved pool's units are always leased and ready. A
cloud pool's slots are leased on demand: a lease opens at the provisioning decision
(billing starts), the unit becomes ready after the provisioning delay, and the lease
closes at an idle-timeout release, a spot preemption's take, or the end of the run; it is
billed ``max(minimum, ceil(length / increment) × increment)`` hours. A new lease takes the
lowest slot index not leased. A unit that fails is down until repaired (a cloud unit's
lease goes on). Gangs take the lowest free unit indices.

A team has ``max_people`` slots; slots below the current head count are on duty. Work
goes to the lowest free on-duty slot.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.model.season import PoolModel, TeamModel

if TYPE_CHECKING:
    from simulator.engines.reference.tasks import Task

__all__ = ["PoolState", "Slot", "TeamState", "Unit", "billed_hours"]


def billed_hours(pool: PoolModel, length: float) -> float:
    """Hours billed for a cloud lease of ``length`` hours."""
    inc = pool.billing_increment
    rounded = math.ceil(length / inc - 1e-9) * inc if inc > 0.0 else length
    return max(pool.billing_minimum, rounded)


@dataclass(slots=True, eq=False)
class Unit:
    pool: PoolState
    index: int
    leased: bool = False
    ready: bool = False
    up: bool = True
    draining: bool = False
    task: Task | None = None
    lease_start: float = 0.0
    lease_order: int = 0
    """Increases with each lease: the most recently provisioned unit has the largest."""
    idle_version: int = 0
    """Bumped whenever the unit's idle timer is void (it took work, or was released)."""
    life_version: int = 0
    """Bumped at each release, voiding a pending failure of the old lease."""
    failures_drawn: int = 0
    repair_version: int = 0
    """Bumped when the unit's repair pauses, voiding the pending end of it."""
    repair_left: float = -1.0
    """Hours of a paused repair still to do (-1: no repair paused)."""
    repair_end: float = 0.0
    repair_slot: Slot | None = None
    """The repair team's slot repairing the unit, if one is."""

    @property
    def free(self) -> bool:
        return self.task is None and self.leased and self.ready and self.up and not self.draining


@dataclass(slots=True, eq=False)
class PoolState:
    model: PoolModel
    units: list[Unit] = field(default_factory=list)
    provisioning: int = 0
    """Leases opened whose units are not ready yet."""
    leases: int = 0
    billed_cost: float = 0.0
    """Cost of closed cloud leases."""
    busy_by_episode: list[float] = field(default_factory=list)
    """Busy unit-hours per episode (for sharing the pool's cost)."""
    preemptions: int = 0
    exposure: float = 0.0
    """Ready, undrained unit-hours so far (spot preemptions arrive per unit-hour)."""
    exposure_time: float = 0.0
    exposure_target: float = 0.0
    preempt_version: int = 0
    failures: int = 0
    down: int = 0
    """Units failed and not yet repaired."""
    repair_queue: deque[Unit] = field(default_factory=deque)
    """A repair crew's pool: failed units waiting for a repairer, in failure order."""
    repairing: int = 0
    """A repair crew's pool: repairers at work."""
    crew_repairs: int = 0
    repair_since: float = 0.0
    down_area: float = 0.0
    """Units down, and units waiting for a repairer, integrated over time to
    ``repair_since``."""
    repair_wait_area: float = 0.0

    def free_units(self, wanted: int) -> list[Unit]:
        """The ``wanted`` free units of lowest index, or all free units if fewer."""
        found = []
        for u in self.units:
            if u.free:
                found.append(u)
                if len(found) == wanted:
                    break
        return found

    def count_free(self, enough: int | None = None) -> int:
        """The free units, counted up to ``enough`` (all when None)."""
        n = 0
        for u in self.units:
            if u.free:
                n += 1
                if n == enough:
                    break
        return n

    def exposed_units(self) -> int:
        return sum(1 for u in self.units if u.leased and u.ready and not u.draining)

    def open_lease_cost(self, now: float) -> float:
        """The billed cost of the pool's open leases to ``now``, added unit by unit."""
        m = self.model
        total = 0.0
        for u in self.units:
            if u.leased:
                total += billed_hours(m, now - u.lease_start) * m.price_per_gpu_hour
        return total


@dataclass(slots=True, eq=False)
class Slot:
    team: TeamState
    index: int
    task: Task | None = None
    overtime_since: float = -1.0
    """When the slot's shift ended while it still had work (-1: not in overtime)."""
    repair: Unit | None = None
    """A repair team's slot: the unit it is repairing."""


@dataclass(slots=True, eq=False)
class TeamState:
    model: TeamModel
    slots: list[Slot] = field(default_factory=list)
    on_duty: int = 0
    overtime_hours: float = 0.0
    busy_by_episode: list[float] = field(default_factory=list)

    def free_slot(self) -> Slot | None:
        for slot in self.slots[: self.on_duty]:
            if slot.task is None:
                return slot
        return None
