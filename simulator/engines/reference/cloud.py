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

from simulator.draws import Purpose, uniform
from simulator.engines.reference.agenda import Action, Agenda, EventClass
from simulator.engines.reference.failures import GpuFailures
from simulator.engines.reference.resources import PoolState, Unit, billed_hours
from simulator.engines.reference.service import option_rank
from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.reference.waiting import WaitingRoom
from simulator.engines.trace import Cause, TraceEvent, TraceKind
from simulator.model.resources import ResourceKey
from simulator.model.season import Option, PoolKind, Resource, SeasonModel

__all__ = ["CloudPools"]


class CloudPools:
    """Cloud provisioning, leases, idle releases and spot preemption of a season's pools.

    ``waiting`` is the season's waiting room (what waiting work wants), ``failures`` arms
    the failure clock of a unit that becomes ready, and ``interrupt`` stops a task on a
    preempted unit. ``newly_idle`` is the season's list of cloud units that became idle in
    this round (freed, ready or repaired); ``end_of_round`` starts their timers.
    """

    def __init__(
        self,
        env: simpy.Environment,
        agenda: Agenda,
        *,
        model: SeasonModel,
        pools: list[PoolState],
        waiting: WaitingRoom,
        seed: int,
        replication: int,
        failures: GpuFailures,
        interrupt: Callable[[Task, Interruption], None],
        newly_idle: list[Unit],
        trace: list[TraceEvent] | None,
    ) -> None:
        self.env = env
        self.agenda = agenda
        self.model = model
        self.pools = [pool for pool in pools if pool.model.cloud]
        self.waiting_keys = [ResourceKey(Resource.POOL, pool.model.index) for pool in self.pools]
        self.waiting = waiting
        self.seed = seed
        self.replication = replication
        self.failures = failures
        self.interrupt = interrupt
        self.newly_idle = newly_idle
        self.trace = trace
        self.lease_counter = 0
        self.spend_closed = 0.0
        """The billed cost of the leases closed so far."""

    def start(self) -> None:
        """Draw each spot pool's exposure to its first preemption."""
        for pool in self.pools:
            if pool.model.kind == PoolKind.SPOT and pool.model.preemptions_per_gpu_hour > 0:
                pool.exposure_target = self._preemption_gap(pool, 0)

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
            rank = option_rank(self.model, task, option)
            if best is None or rank < best[0]:
                best = (rank, option)
        return best[1] if best else None

    def _cloud_spend(self, now: float) -> float:
        """Closed cloud leases plus open ones billed to ``now``, added pool by pool."""
        open_cost = 0.0
        for pool in self.pools:
            open_cost += pool.open_lease_cost(now)
        return self.spend_closed + open_cost

    def _provision(self) -> None:
        """Open leases for the GPUs that waiting work wants (DESIGN §1b "Dispatch")."""
        now = float(self.env.now)
        budget = self.model.burst_budget
        for pool, key in zip(self.pools, self.waiting_keys, strict=True):
            m = pool.model
            if pool.leases >= m.gpus:
                continue
            waiting = self.waiting.on(key)
            # Free units only count against wanted ones (none without waiting work).
            free = pool.count_free() if waiting else 0
            # Count wanted GPUs only as far as they could matter: up to the pool's room.
            enough = m.gpus - pool.leases + pool.provisioning + free
            wanted = 0
            for _, task in waiting:
                if wanted >= enough:
                    break
                if self._bursts(task, now):
                    option = self._best_cloud_option(task)
                    if option is not None and option.index == m.index:
                        wanted += option.gang
            need = wanted - pool.provisioning - free
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
        self.failures.arm(unit)
        self._reschedule_preemption(pool)

    def _close_lease(self, unit: Unit) -> None:
        pool = unit.pool
        m = pool.model
        now = float(self.env.now)
        self._advance_exposure(pool)
        cost = billed_hours(m, now - unit.lease_start) * m.price_per_gpu_hour
        pool.billed_cost += cost
        self.spend_closed += cost
        if not unit.ready:
            pool.provisioning -= 1
        unit.leased = unit.ready = unit.draining = False
        self.failures.lease_closed(unit)
        unit.up = True
        unit.life_version += 1
        unit.idle_version += 1
        pool.leases -= 1
        if self.trace is not None:
            self.trace.append(_unit_event(now, TraceKind.LEASE_CLOSED, unit))
        self._reschedule_preemption(pool)

    # --- end of round, idle releases ----------------------------------------------

    def end_of_round(self, idle_releases: list[Action]) -> None:
        """After dispatch: the provisioning decisions, the idle-timeout releases due now,
        then the idle timers of the units that became idle in this round and are still
        free."""
        if self.pools:
            self._provision()
        for release in idle_releases:
            release()
        for unit in self.newly_idle:
            if unit.free:
                unit.idle_version += 1
                version = unit.idle_version
                pool = unit.pool
                self.agenda.at(
                    pool.model.idle_timeout,
                    EventClass.IDLE_RELEASE,
                    (pool.model.index, unit.index),
                    self._idle_check(unit, version),
                )
        self.newly_idle.clear()

    def _idle_check(self, unit: Unit, version: int) -> Action:
        def check() -> None:
            pool = unit.pool
            if unit.idle_version != version or not unit.free:
                return
            if pool.leases <= pool.model.min_gpus:
                return
            self._close_lease(unit)

        return check

    def close(self) -> None:
        """At the end of the run: close the open leases (billed with rounding)."""
        for pool in self.pools:
            for unit in pool.units:
                if unit.leased:
                    self._close_lease(unit)

    # --- spot preemption ------------------------------------------------------------

    def _preemption_gap(self, pool: PoolState, k: int) -> float:
        """Exposure (unit-hours) between preemption k - 1 and k: Exp(rate)."""
        rate = pool.model.preemptions_per_gpu_hour
        u = uniform(self.seed, self.replication, Purpose.PREEMPTION, pool.model.index, k)
        return -math.log(u) / rate

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
                self.interrupt(unit.task, Interruption(Cause.PREEMPTED, where, unit.index))
            self._close_lease(unit)


def _unit_event(now: float, kind: TraceKind, unit: Unit) -> TraceEvent:
    """A trace event about one GPU unit of a pool."""
    return TraceEvent(
        now, kind, resource=ResourceKey(Resource.POOL, unit.pool.model.index), unit=unit.index
    )
