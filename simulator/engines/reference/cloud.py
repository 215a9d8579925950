"""The cloud side of a season: bursting waiting work to cloud pools, leases, spot preemption.

A cloud pool (on demand or spot) has ``gpus`` unit slots and no GPUs until it leases them.
At the end of every round, after dispatch, each cloud pool counts the GPUs *wanted* by the
waiting tasks that have earned a cloud unit (the burst rule: waited ``burst_wait``, or
slack under ``burst_slack``) and whose best cloud option it is; it takes off the units it
is already provisioning and its free units, and opens leases for the rest: at least up to
``min_gpus``, at most up to ``gpus``, and none past the burst budget (DESIGN §1b
"Dispatch"). Billing starts when a lease opens; the unit is ready after the provisioning
delay; the lease closes at an idle-timeout release, a preemption's take or the end of the
run, and is billed with the pool's minimum and increment (``billed_hours``).

A spot pool is preempted at a rate per unit-hour of *exposure*, the unit-hours of its
leased, ready, undrained units: each gap between preemptions is an exponential draw in
exposure, addressed by the preemption's number, and the next notice is rescheduled
whenever the number of exposed units changes. A notice drains the most recently leased
units (they take no new work); at the end of the notice a task still on one is
interrupted (``Cause.PREEMPTED``) and the leases close.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from simulator.draws import Purpose
from simulator.engines.reference.agenda import Agenda, EventClass
from simulator.engines.reference.resources import PoolState, Unit, billed_hours
from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.reference.waiting import WaitingRoom
from simulator.engines.trace import Cause, TraceEvent, TraceKind
from simulator.model.resources import ResourceKey
from simulator.model.season import Option, PoolKind, Resource, SeasonModel

__all__ = ["CloudPools"]


class CloudPools:
    """Cloud provisioning, leases and spot preemption of a ``Season``."""

    model: SeasonModel
    env: simpy.Environment
    agenda: Agenda
    waiting: WaitingRoom
    cloud_pools: list[PoolState]
    cloud_spend_closed: float
    lease_counter: int
    newly_idle: list[Unit]
    pool_keys: tuple[ResourceKey, ...]
    trace: list[TraceEvent] | None
    _u: Callable[[Purpose, int, int], float]
    _option_rank: Callable[[Task, Option], tuple[int, float]]
    _interrupt: Callable[[Task, Interruption], None]
    _arm_failure: Callable[[Unit], None]

    # --- cloud provisioning ---------------------------------------------------------

    def _bursts(self, task: Task, now: float) -> bool:
        """The burst rule: has this waiting task earned a cloud unit?"""
        m = self.model
        if now - task.arrival >= m.burst_wait:
            return True
        return (
            m.burst_slack is not None and task.deadline - now - task.remaining_work < m.burst_slack
        )

    def _best_cloud_option(self, task: Task) -> Option | None:
        best: tuple[tuple[int, float], Option] | None = None
        for option in task.stage.options:
            if option.resource != Resource.POOL or not self.model.pools[option.index].cloud:
                continue
            rank = self._option_rank(task, option)
            if best is None or rank < best[0]:
                best = (rank, option)
        return best[1] if best else None

    def _cloud_spend(self, now: float) -> float:
        """Closed cloud leases plus open ones billed to ``now``, added pool by pool."""
        open_cost = 0.0
        for pool in self.cloud_pools:
            open_cost += pool.open_lease_cost(now)
        return self.cloud_spend_closed + open_cost

    def _provision(self) -> None:
        """Open leases for the GPUs that waiting work wants (DESIGN §1b "Dispatch")."""
        cloud = self.cloud_pools
        if not cloud:
            return
        now = float(self.env.now)
        budget = self.model.burst_budget
        for pool in cloud:
            m = pool.model
            if pool.leases >= m.gpus:
                continue
            # Count wanted GPUs only as far as they could matter: up to the pool's room.
            enough = m.gpus - pool.leases + pool.provisioning + pool.count_free()
            wanted = 0
            for _, task in self.waiting.on(self.pool_keys[m.index]):
                if wanted >= enough:
                    break
                if self._bursts(task, now):
                    option = self._best_cloud_option(task)
                    if option is not None and option.index == m.index:
                        wanted += option.gang
            need = wanted - pool.provisioning - pool.count_free()
            need = max(need, m.min_gpus - pool.leases)
            for _ in range(min(need, m.gpus - pool.leases)):
                if budget is not None and (
                    self._cloud_spend(now) + m.price_per_gpu_hour * m.billing_minimum > budget
                ):
                    break
                self._open_lease(pool, now)

    def _open_lease(self, pool: PoolState, now: float) -> None:
        unit = next(u for u in pool.units if not u.leased)
        self.lease_counter += 1
        unit.leased, unit.ready, unit.draining, unit.up = True, False, False, True
        unit.lease_start, unit.lease_order = now, self.lease_counter
        pool.leases += 1
        pool.provisioning += 1
        version = unit.life_version
        if self.trace is not None:
            self.trace.append(_unit_event(now, TraceKind.LEASE_OPENED, unit))
        self.agenda.at(
            pool.model.provisioning_delay,
            EventClass.PROVISIONED,
            (pool.model.index, unit.index),
            lambda: self._provisioned(unit, version),
        )

    def _provisioned(self, unit: Unit, version: int) -> None:
        if unit.life_version != version:
            return
        pool = unit.pool
        self._advance_exposure(pool)
        unit.ready = True
        pool.provisioning -= 1
        self.newly_idle.append(unit)
        self._arm_failure(unit)
        self._reschedule_preemption(pool)

    def _close_lease(self, unit: Unit) -> None:
        pool = unit.pool
        m = pool.model
        now = float(self.env.now)
        self._advance_exposure(pool)
        cost = billed_hours(m, now - unit.lease_start) * m.price_per_gpu_hour
        pool.billed_cost += cost
        self.cloud_spend_closed += cost
        if not unit.ready:
            pool.provisioning -= 1
        unit.leased = unit.ready = unit.draining = False
        unit.up = True
        unit.life_version += 1
        unit.idle_version += 1
        pool.leases -= 1
        if self.trace is not None:
            self.trace.append(_unit_event(now, TraceKind.LEASE_CLOSED, unit))
        self._reschedule_preemption(pool)

    # --- spot preemption ------------------------------------------------------------

    def _preemption_gap(self, pool: PoolState, k: int) -> float:
        """Exposure (unit-hours) between preemption k - 1 and k: Exp(rate)."""
        rate = pool.model.preemptions_per_gpu_hour
        return -math.log(self._u(Purpose.PREEMPTION, pool.model.index, k)) / rate

    def _advance_exposure(self, pool: PoolState) -> None:
        if pool.model.kind != PoolKind.SPOT:
            return
        now = float(self.env.now)
        pool.exposure += pool.exposed_units() * (now - pool.exposure_time)
        pool.exposure_time = now

    def _reschedule_preemption(self, pool: PoolState) -> None:
        if pool.model.kind != PoolKind.SPOT or pool.model.preemptions_per_gpu_hour <= 0.0:
            return
        pool.preempt_version += 1
        n = pool.exposed_units()
        if n == 0:
            return
        version = pool.preempt_version
        delay = (pool.exposure_target - pool.exposure) / n
        self.agenda.at(
            delay,
            EventClass.PREEMPTION_NOTICE,
            (pool.model.index,),
            lambda: self._preemption_notice(pool, version),
        )

    def _preemption_notice(self, pool: PoolState, version: int) -> None:
        if pool.preempt_version != version:
            return
        self._advance_exposure(pool)
        pool.preemptions += 1
        pool.exposure_target += self._preemption_gap(pool, pool.preemptions)
        exposed = [u for u in pool.units if u.leased and u.ready and not u.draining]
        exposed.sort(key=lambda u: (-u.lease_order, -u.index))
        taken = sorted(exposed[: pool.model.preemption_batch], key=lambda u: u.index)
        for unit in taken:
            unit.draining = True
        if self.trace is not None:
            notice = TraceEvent(
                float(self.env.now),
                TraceKind.PREEMPTION_NOTICE,
                resource=ResourceKey(Resource.POOL, pool.model.index),
                units=tuple(u.index for u in taken),
            )
            self.trace.append(notice)
        self._reschedule_preemption(pool)
        versions = [(u, u.life_version) for u in taken]
        self.agenda.at(
            pool.model.preemption_notice,
            EventClass.PREEMPTION_TAKE,
            (pool.model.index, pool.preemptions),
            lambda: self._preemption_take(versions),
        )

    def _preemption_take(self, units: list[tuple[Unit, int]]) -> None:
        for unit, version in units:
            if unit.life_version != version:
                continue
            if unit.task is not None:
                where = ResourceKey(Resource.POOL, unit.pool.model.index)
                self._interrupt(unit.task, Interruption(Cause.PREEMPTED, where, unit.index))
            self._close_lease(unit)


def _unit_event(now: float, kind: TraceKind, unit: Unit) -> TraceEvent:
    """A trace event about one GPU unit of a pool."""
    return TraceEvent(
        now, kind, resource=ResourceKey(Resource.POOL, unit.pool.model.index), unit=unit.index
    )
