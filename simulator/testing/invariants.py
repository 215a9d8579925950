"""Checks that must hold for every replication of every scenario, whatever the policy.

Two kinds, for property tests of engines and of your own queue policies:

* ``check_round(season)`` looks at the reference engine's state at the end of a round
  (pass it as ``run_replication(..., on_round=check_round)``): busy units never exceed
  units up, every busy unit is leased, ready and up, a cloud pool's counts of leases and
  of units provisioning match its units, the units counted down are those not up, a repair
  crew repairs no more units than it has repairers and leaves none waiting while one of
  them is free, people work (or repair) only on duty or in overtime, and
  dispatch left no waiting task that a free option could take (work-conserving; a gang
  may wait for enough free units of one pool), and an episode is delivered only once each
  of its shots is through the pipeline or failed, never both.
* ``check_result(model, result)`` looks at a finished replication: every shot of a
  delivered episode was delivered exactly once or counted as failed, costs by category add
  up to the total and none is negative, reserved GPUs cost units × hours × price, and
  deliveries fall between the picture lock and the end of the run.

Each raises ``InvariantViolation`` naming what broke, at what time.
"""

from __future__ import annotations

import math

from simulator.engines.reference.resources import PoolState
from simulator.engines.reference.season import Season
from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.model.season import PoolKind, Resource, SeasonModel

__all__ = ["InvariantViolation", "check_result", "check_round"]


class InvariantViolation(AssertionError):
    """An invariant of the season model does not hold."""


def _fail(season: Season, message: str) -> None:
    raise InvariantViolation(f"t = {float(season.env.now):.9g} h: {message}")


def _check_repairs(season: Season, pool: PoolState) -> None:
    name, m = pool.model.name, pool.model
    down = sum(1 for u in pool.units if not u.up)
    if pool.down != down:
        _fail(season, f"pool {name}: {pool.down} units counted down, but {down} are not up")
    if m.repairers and not 0 <= pool.repairing <= m.repairers:
        _fail(season, f"pool {name}: {pool.repairing} repairs by {m.repairers} repairers")
    if pool.repair_queue and m.has_crew:
        team = season.teams[m.repair_team] if m.repair_team >= 0 else None
        free = (
            any(slot.repair is None for slot in team.slots[: team.on_duty])
            if team is not None
            else pool.repairing < m.repairers
        )
        if free:
            _fail(season, f"pool {name}: a repairer is free while a failed unit waits")


def check_round(season: Season) -> None:
    """The state at the end of a round: the season's pools, teams and shots, and the tasks
    waiting in its ``service``."""
    for pool in season.pools:
        name = pool.model.name
        up = sum(1 for u in pool.units if u.leased and u.ready and u.up)
        busy = sum(1 for u in pool.units if u.task is not None)
        if busy > up:
            _fail(season, f"pool {name}: {busy} busy units but only {up} up")
        for unit in pool.units:
            if unit.task is not None and not (unit.leased and unit.ready and unit.up):
                _fail(season, f"pool {name}: unit {unit.index} works while not usable")
        _check_repairs(season, pool)
        if pool.model.cloud:
            leased = sum(1 for u in pool.units if u.leased)
            waiting = sum(1 for u in pool.units if u.leased and not u.ready)
            if (pool.leases, pool.provisioning) != (leased, waiting):
                _fail(
                    season,
                    f"pool {name}: {pool.leases} leases and {pool.provisioning} provisioning "
                    f"counted, but {leased} units leased and {waiting} of them not ready",
                )
    for team in season.teams:
        for slot in team.slots[team.on_duty :]:
            working = slot.task is not None or slot.repair is not None
            if working and slot.overtime_since < 0.0:
                _fail(season, f"team {team.model.name}: slot {slot.index} works off shift")
    for ep in season.model.episodes:
        shots = season.shots[ep.first_shot : ep.first_shot + ep.n_shots]
        if any(shot.through and shot.failed for shot in shots):
            _fail(season, f"episode {ep.name}: a shot is both delivered and failed")
        if not math.isnan(season.delivered[ep.index]) and not all(
            shot.through or shot.failed for shot in shots
        ):
            _fail(season, f"episode {ep.name} delivered with shots still in the pipeline")
    free_units = [pool.count_free() for pool in season.pools]
    free_slots = [team.free_slot() is not None for team in season.teams]
    for task in season.service.waiting:
        for option in task.stage.options:
            fits = (
                free_slots[option.index]
                if option.resource == Resource.TEAM
                else free_units[option.index] >= option.gang
            )
            if fits:
                _fail(season, f"task {task.id} ({task.stage.name}) waits while an option is free")


def check_result(model: SeasonModel, result: ReplicationResult) -> None:
    where = f"replication {result.replication}"
    for category in COST_CATEGORIES:
        if any(c < -1e-9 for c in result.cost[category]):
            raise InvariantViolation(f"{where}: negative {category} cost")
    total = math.fsum(math.fsum(v) for v in result.cost.values())
    if not math.isclose(total, result.total_cost, rel_tol=1e-12, abs_tol=1e-9):
        raise InvariantViolation(f"{where}: categories add to {total}, total {result.total_cost}")
    paid = max(result.end_time, model.season_end)
    reserved = math.fsum(
        p.gpus * p.price_per_gpu_hour * (paid - model.now)
        for p in model.pools
        if p.kind == PoolKind.RESERVED
    )
    booked = math.fsum(result.cost["reserved_gpu"])
    if not math.isclose(reserved, booked, rel_tol=1e-9, abs_tol=1e-6):
        raise InvariantViolation(f"{where}: reserved GPUs cost {booked}, expected {reserved}")
    for ep in model.episodes:
        delivered = result.delivery[ep.index]
        if math.isnan(delivered):
            if result.end_time < model.horizon:
                raise InvariantViolation(f"{where}: {ep.name} undelivered before the horizon")
            continue
        if not ep.lock <= delivered <= result.end_time:
            raise InvariantViolation(
                f"{where}: {ep.name} delivered at {delivered}, outside [lock, end]"
            )
        through = result.shots[ep.index] - result.failed[ep.index]
        if through < 0:
            raise InvariantViolation(f"{where}: {ep.name} has more failed shots than shots")
