"""GPU failures and repairs.

Each unit of a pool with failures fails after a draw of its time between failures, counted
from the moment it became ready or was last repaired, and is down for a draw of its repair
time; the k-th failure of a unit uses the draws addressed by (pool, unit, k). A task on a
unit that fails is interrupted (``Cause.GPU_FAILED``) and goes back to the queue. A cloud unit's
lease goes on while it is down, and a repaired cloud unit counts as newly idle (its idle
timer starts again). When a lease closes, the unit's ``life_version`` moves on, so a
failure or repair still pending from the old lease does nothing: the failure clock stops.

A reserved pool with a repair crew has ``PoolModel.repairers`` repairers around the clock,
or the people on duty of its ``repair_team``: a failed unit joins the pool's repair queue,
and in the dispatch step of each round (``start_repairs``) free repairers take the units
waiting, in failure order (a team's lowest free slot on duty first). A repair is drawn as
without a crew, from the address of the failure it mends, so a crew at least as large as
the pool repairs exactly as no crew does. A team's repair in hand at the end of a shift
follows the team's overtime rule (``Shifts``): finished in overtime, or paused
(``pause_repair``) and resumed, with the hours it has left, ahead of the waiting units.

Each pool's units down and units waiting for a repairer are integrated over time
(``PoolState.down_area``, ``repair_wait_area``): the engine boundary reports both.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from simulator.draws import Purpose, Stream
from simulator.engines.reference.agenda import Agenda, EventClass
from simulator.engines.reference.resources import PoolState, Slot, TeamState, Unit
from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.trace import Cause, TraceEvent, TraceKind
from simulator.model.resources import ResourceKey
from simulator.model.season import Resource

__all__ = ["GpuFailures"]


class GpuFailures:
    """Failure-and-repair cycles of the GPU units of a season.

    ``interrupt`` stops the task on a unit that fails; a repaired cloud unit is appended
    to ``newly_idle``, the season's list of units whose idle timers start at the end of
    the round.
    """

    def __init__(
        self,
        env: simpy.Environment,
        agenda: Agenda,
        *,
        seed: int,
        replication: int,
        interrupt: Callable[[Task, Interruption], None],
        newly_idle: list[Unit],
        trace: list[TraceEvent] | None,
        pools: list[PoolState],
        teams: list[TeamState],
        team_busy: Callable[[TeamState, int], None],
    ) -> None:
        self.env = env
        self.pools = pools
        self.crews = [p for p in pools if p.model.has_crew]
        self.teams = teams
        self.team_busy = team_busy
        """Changes a team's level of busy people (its busy monitor) by a delta."""
        self.agenda = agenda
        self.seed = seed
        self.replication = replication
        self.interrupt = interrupt
        self.newly_idle = newly_idle
        self.trace = trace

    def arm(self, unit: Unit) -> None:
        """Start the unit's clock to its next failure (if its pool fails at all)."""
        m = unit.pool.model
        if m.time_between_failures is None:
            return
        k = unit.failures_drawn
        unit.failures_drawn += 1
        owner = (m.index << 16) | unit.index
        stream = Stream(self.seed, self.replication, Purpose.GPU_FAILURE, owner, k)
        ttf = m.time_between_failures.sample(stream)
        version = unit.life_version
        self.agenda.at(
            ttf, EventClass.FAILURE, (m.index, unit.index), lambda: self._fail(unit, k, version)
        )

    def _fail(self, unit: Unit, k: int, version: int) -> None:
        if unit.life_version != version:
            return
        m = unit.pool.model
        self._integrate(unit.pool)
        unit.pool.down += 1
        unit.up = False
        unit.pool.failures += 1
        where = ResourceKey(Resource.POOL, m.index)
        if self.trace is not None:
            now = float(self.env.now)
            self.trace.append(
                TraceEvent(now, TraceKind.GPU_FAILURE, resource=where, unit=unit.index)
            )
        if unit.task is not None:
            self.interrupt(unit.task, Interruption(Cause.GPU_FAILED, where, unit.index))
        if m.has_crew:
            unit.pool.repair_queue.append(unit)
        else:
            self._begin_repair(unit, k, version)

    def _begin_repair(self, unit: Unit, k: int, version: int) -> None:
        """Post the end of the unit's repair: the hours a paused repair has left, or a draw
        for its ``k``-th failure."""
        m = unit.pool.model
        if unit.repair_left >= 0.0:
            repair, unit.repair_left = unit.repair_left, -1.0
        else:
            assert m.repair_time is not None
            owner = (m.index << 16) | unit.index
            stream = Stream(self.seed, self.replication, Purpose.GPU_REPAIR, owner, k)
            repair = m.repair_time.sample(stream)
        unit.repair_end = float(self.env.now) + repair
        rv = unit.repair_version
        self.agenda.at(
            repair,
            EventClass.REPAIR,
            (m.index, unit.index),
            lambda: self._repair(unit, version, rv),
        )

    def _free_repairer(self, pool: PoolState) -> Slot | bool | None:
        """A free repairer of the pool's crew: a team's lowest free slot on duty, or True
        for a crew around the clock; None or False when there is none."""
        if pool.model.repair_team < 0:
            return pool.repairing < pool.model.repairers
        team = self.teams[pool.model.repair_team]
        for slot in team.slots[: team.on_duty]:
            if slot.repair is None:
                return slot
        return None

    def start_repairs(self) -> None:
        """The dispatch step's repairs: in each crew's pool, free repairers take the
        waiting units in failure order."""
        for pool in self.crews:
            while pool.repair_queue and (repairer := self._free_repairer(pool)):
                self._integrate(pool)
                unit = pool.repair_queue.popleft()
                pool.repairing += 1
                pool.crew_repairs += 1
                if isinstance(repairer, Slot):
                    repairer.repair, unit.repair_slot = unit, repairer
                    self.team_busy(repairer.team, 1)
                self._trace_unit(TraceKind.REPAIR_STARTED, unit)
                self._begin_repair(unit, unit.failures_drawn - 1, unit.life_version)

    def pause_repair(self, slot: Slot) -> None:
        """A repair team's person goes off duty with more than the allowed overtime of a
        repair left: the repair stops, keeps the hours left, and its unit goes back to the
        head of the repair queue."""
        unit = slot.repair
        assert unit is not None
        pool = unit.pool
        self._integrate(pool)
        unit.repair_left = unit.repair_end - float(self.env.now)
        unit.repair_version += 1
        self._release_repairer(unit)
        pool.repair_queue.appendleft(unit)
        self._trace_unit(TraceKind.REPAIR_PAUSED, unit)

    def _trace_unit(self, kind: TraceKind, unit: Unit) -> None:
        if self.trace is not None:
            where = ResourceKey(Resource.POOL, unit.pool.model.index)
            now = float(self.env.now)
            self.trace.append(TraceEvent(now, kind, resource=where, unit=unit.index))

    def _release_repairer(self, unit: Unit) -> None:
        """The unit's repairer is free again (a team's slot ends its overtime)."""
        unit.pool.repairing -= 1
        slot = unit.repair_slot
        if slot is None:
            return
        if slot.overtime_since >= 0.0:
            slot.team.overtime_hours += float(self.env.now) - slot.overtime_since
            slot.overtime_since = -1.0
        slot.repair, unit.repair_slot = None, None
        self.team_busy(slot.team, -1)

    def _integrate(self, pool: PoolState, now: float | None = None) -> None:
        """Bring the pool's areas of units down and waiting for a repairer up to ``now``
        (default: the present)."""
        if now is None:
            now = float(self.env.now)
        dt = now - pool.repair_since
        pool.down_area += pool.down * dt
        pool.repair_wait_area += len(pool.repair_queue) * dt
        pool.repair_since = now

    def lease_closed(self, unit: Unit) -> None:
        """A cloud unit's lease closes: a unit down is down no more (its repair is void)."""
        if not unit.up:
            self._integrate(unit.pool)
            unit.pool.down -= 1

    def close(self, end: float) -> None:
        """Integrate every pool's areas to the end of the run."""
        for pool in self.pools:
            self._integrate(pool, end)

    def _repair(self, unit: Unit, version: int, repair_version: int) -> None:
        if unit.life_version != version or unit.repair_version != repair_version:
            return
        self._integrate(unit.pool)
        unit.pool.down -= 1
        if unit.pool.model.has_crew:
            self._release_repairer(unit)
        unit.up = True
        if unit.pool.model.cloud:
            self.newly_idle.append(unit)
        if self.trace is not None:
            where = ResourceKey(Resource.POOL, unit.pool.model.index)
            now = float(self.env.now)
            self.trace.append(TraceEvent(now, TraceKind.REPAIR, resource=where, unit=unit.index))
        self.arm(unit)
