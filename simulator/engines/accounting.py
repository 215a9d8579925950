"""Costs at the end: a ``RawReplication`` becomes a ``ReplicationResult``.

The rules of DESIGN §1b "Costs at the end", written once for both engines:

* A reserved pool is paid for every GPU over [now, max(end of run, season end)]; a cloud
  pool costs what its leases were billed (each closed, at the latest at the end of the run,
  with its rounding).
* A team is paid its scheduled person-hours over the same span at its hourly rate, and its
  overtime hours at the overtime rate.
* Each of these shared costs goes to the episodes in proportion to the busy unit-hours or
  person-hours each used on that resource (evenly when none was used).
* A team that repairs a pool's GPUs works for no episode: its busy hours are its busy
  monitor's (the hours its people spent on repairs), and its pay goes to the episodes
  evenly.
* What was paid for, in unit-hours, is kept beside what was available over the run, so
  that utilisation can be told against either: a reserved pool's GPUs and a team's
  scheduled person-hours (plus overtime) over the span above, a cloud pool's billed lease
  unit-hours (its billed cost over its price per GPU-hour).
* An episode is late by the hours from its deadline to its delivery, or to the horizon when
  it was not delivered (it is then censored); lateness, failed shots and escaped defects
  are charged their penalties; a run from a starting state adds what was spent before now.

Sums are explicit loops in a fixed order (DESIGN §1b "Numbers"): the categories in the
order above, the pools and then the teams in file order, episodes by index. The share of a
resource's busy hours is ``math.fsum`` of them, the same here for both engines.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.engines.raw import HOURS_PER_BIN, RawReplication
from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.engines.trace import stage_keys, stages
from simulator.model.resources import ResourceKey, resource_keys
from simulator.model.season import PoolKind, SeasonModel

__all__ = ["account", "share"]


def share(total: float, busy: list[float]) -> list[float]:
    """Split a shared cost over episodes by the busy hours each used (evenly if none)."""
    used = math.fsum(busy)
    if used > 0.0:
        return [total * b / used for b in busy]
    return [total / len(busy)] * len(busy) if busy else []


def _add(into: list[float], amounts: list[float]) -> None:
    for e, amount in enumerate(amounts):
        into[e] += amount


def _daily_means(areas: list[float]) -> list[float]:
    return [area / HOURS_PER_BIN for area in areas]


def _by_stage(model: SeasonModel, raw: RawReplication, labels: list[str]) -> dict[str, Any]:
    """The per-stage fields of a result, and the tasks still queued per resource: those of
    the stages whose first option is that resource."""
    keys = stage_keys(model)
    queued = dict.fromkeys(labels, 0)
    for k, st in enumerate(stages(model)):
        first = st.options[0]
        queued[labels[ResourceKey(first.resource, first.index).position(model)]] += (
            raw.stage_queued[k]
        )
    return {
        "queued": queued,
        "stage_waits": {
            key: (raw.stage_wait_count[k], raw.stage_wait_hours[k]) for k, key in enumerate(keys)
        },
        "stage_visits": {
            key: (raw.stage_visits[k], raw.stage_visit_hours[k]) for k, key in enumerate(keys)
        },
        "stage_queued": {
            key: (raw.stage_queued[k], raw.stage_queued_hours[k]) for k, key in enumerate(keys)
        },
    }


def _total(counts: list[int]) -> int:
    total = 0
    for n in counts:
        total += n
    return total


def _team_busy_hours(model: SeasonModel, raw: RawReplication, team: int) -> float:
    """A team's busy person-hours: on episodes' work, or a repair team's on repairs (its
    busy monitor: repairs are no episode's work)."""
    if any(p.repair_team == team for p in model.pools):
        return math.fsum(raw.busy_bins[len(model.pools) + team])
    return math.fsum(raw.team_busy[team])


def account(model: SeasonModel, raw: RawReplication) -> ReplicationResult:
    """The costs and results of a replication from what it counted."""
    end = raw.end
    paid_until = max(end, model.season_end)
    now = model.now  # a run from a starting state pays only for what comes after it
    cost = {c: [0.0] * model.n_episodes for c in COST_CATEGORIES}
    keys = resource_keys(model)
    labels = [key.label(model) for key in keys]
    busy_hours: dict[str, float] = {}
    available: dict[str, float] = {}
    paid_hours: dict[str, float] = {}
    for p in model.pools:
        busy = raw.pool_busy[p.index]
        if p.kind == PoolKind.RESERVED:
            paid_hours[labels[p.index]] = p.gpus * (paid_until - now)
            paid = p.gpus * p.price_per_gpu_hour * (paid_until - now)
            _add(cost["reserved_gpu"], share(paid, busy))
        else:
            billed = raw.pool_billed_cost[p.index]
            price = p.price_per_gpu_hour
            paid_hours[labels[p.index]] = billed / price if price > 0 else 0.0
            _add(cost["cloud_gpu"], share(billed, busy))
        busy_hours[labels[p.index]] = math.fsum(busy)
        available[labels[p.index]] = p.gpus * (end - now)
    for t in model.teams:
        label = labels[len(model.pools) + t.index]
        busy = raw.team_busy[t.index]
        scheduled = t.scheduled_person_hours(paid_until) - t.scheduled_person_hours(now)
        _add(cost["people"], share(scheduled * t.hourly_rate, busy))
        _add(cost["overtime"], share(raw.team_overtime[t.index] * t.overtime_rate, busy))
        paid_hours[label] = scheduled + raw.team_overtime[t.index]
        busy_hours[label] = _team_busy_hours(model, raw, t.index)
        available[label] = t.scheduled_person_hours(end) - t.scheduled_person_hours(now)

    lateness = []
    for ep in model.episodes:
        delivered = raw.delivered[ep.index]
        finish = model.horizon if math.isnan(delivered) else delivered
        lateness.append(max(0.0, finish - ep.deadline))
    _add(cost["lateness"], [h * model.late_penalty_per_hour for h in lateness])
    _add(cost["failed_shots"], [n * model.failed_shot_penalty for n in raw.failed])
    _add(cost["escaped_defects"], [n * model.escaped_defect_penalty for n in raw.escaped])
    if model.start is not None:
        _add(cost["before_now"], list(model.start.costs_so_far))

    preemptions = 0
    for n in raw.preemptions:
        preemptions += n
    gpu_failures = 0
    for n in raw.gpu_failures:
        gpu_failures += n
    return ReplicationResult(
        replication=raw.replication,
        end_time=end,
        events=raw.events,
        delivery=list(raw.delivered),
        lateness_hours=lateness,
        cost=cost,
        shots=[ep.n_shots for ep in model.episodes],
        frames=list(raw.frames),
        attempts=list(raw.attempts),
        reworks=list(raw.reworks),
        escaped=list(raw.escaped),
        caught=list(raw.caught),
        failed=list(raw.failed),
        busy_hours=busy_hours,
        available_hours=available,
        paid_hours=paid_hours,
        daily_busy={label: _daily_means(raw.busy_bins[r]) for r, label in enumerate(labels)},
        daily_queue={label: _daily_means(raw.queue_bins[r]) for r, label in enumerate(labels)},
        waits={label: (raw.wait_count[r], raw.wait_hours[r]) for r, label in enumerate(labels)},
        queue_area={label: raw.queue_area[r] for r, label in enumerate(labels)},
        flow=(raw.flow_count, raw.flow_hours),
        **_by_stage(model, raw, labels),
        preemptions=preemptions,
        gpu_failures=gpu_failures,
        down_hours=dict(zip(labels, raw.down_hours, strict=False)),  # the pools come first
        repair_wait_hours=dict(zip(labels, raw.repair_wait_hours, strict=False)),
        crew_repairs=_total(raw.crew_repairs),
    )
