"""The reference engine: replications of a season, one SimPy model each.

``run_replication`` simulates one replication and accounts for its costs; the result is
a plain ``ReplicationResult`` that the batch kernel must reproduce to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from simulator.engines.reference.season import Season
from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.model.policies import QueuePolicy
from simulator.model.season import PoolKind, SeasonModel

__all__ = ["run_replication"]


def _share(total: float, busy: list[float]) -> list[float]:
    """Split a shared cost over episodes by the busy hours each used (evenly if none)."""
    used = math.fsum(busy)
    if used > 0.0:
        return [total * b / used for b in busy]
    return [total / len(busy)] * len(busy) if busy else []


def run_replication(
    model: SeasonModel,
    replication: int,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: list[tuple[float, str, str]] | None = None,
    on_round: Callable[[Season], None] | None = None,
) -> ReplicationResult:
    """Simulate replication ``replication`` of ``model``; ``on_round`` sees the state at the
    end of every round (for invariant checks)."""
    season = Season(model, replication, policies=policies, trace=trace, on_round=on_round)
    end = season.run()
    season.close(end)
    paid_until = max(end, model.season_end)
    now = model.now  # a run from a starting state pays only for what comes after it
    n_ep = model.n_episodes
    cost = {c: [0.0] * n_ep for c in COST_CATEGORIES}

    def add(category: str, amounts: list[float]) -> None:
        for e, amount in enumerate(amounts):
            cost[category][e] += amount

    busy_hours: dict[str, float] = {}
    available: dict[str, float] = {}
    daily_busy: dict[str, list[float]] = {}
    daily_queue: dict[str, list[float]] = {}
    for pool in season.pools:
        m = pool.model
        key = f"pool:{m.name}"
        if m.kind == PoolKind.RESERVED:
            add(
                "reserved_gpu",
                _share(m.gpus * m.price_per_gpu_hour * (paid_until - now), pool.busy_by_episode),
            )
        else:
            add("cloud_gpu", _share(pool.billed_cost, pool.busy_by_episode))
        busy_hours[key] = math.fsum(pool.busy_by_episode)
        available[key] = m.gpus * (end - now)
        daily_busy[key] = season.busy_monitor[("pool", m.index)].finish(end)
        daily_queue[key] = season.queue_monitor[("pool", m.index)].finish(end)
    for team in season.teams:
        t = team.model
        key = f"team:{t.name}"
        add(
            "people",
            _share(
                (t.scheduled_person_hours(paid_until) - t.scheduled_person_hours(now))
                * t.hourly_rate,
                team.busy_by_episode,
            ),
        )
        add("overtime", _share(team.overtime_hours * t.overtime_rate, team.busy_by_episode))
        busy_hours[key] = math.fsum(team.busy_by_episode)
        available[key] = t.scheduled_person_hours(end) - t.scheduled_person_hours(now)
        daily_busy[key] = season.busy_monitor[("team", t.index)].finish(end)
        daily_queue[key] = season.queue_monitor[("team", t.index)].finish(end)

    waits: dict[str, tuple[int, float]] = {}
    queue_area: dict[str, float] = {}
    for kind, index in season.busy_monitor:
        name = model.pools[index].name if kind == "pool" else model.teams[index].name
        count, hours = season.waits[(kind, index)]
        waits[f"{kind}:{name}"] = (count, hours)
        queue_area[f"{kind}:{name}"] = season.queue_monitor[
            (kind, index)
        ].area  # integrated to the end above

    lateness = []
    for ep in model.episodes:
        delivered = season.delivered[ep.index]
        finish = model.horizon if math.isnan(delivered) else delivered
        lateness.append(max(0.0, finish - ep.deadline))
    add("lateness", [h * model.late_penalty_per_hour for h in lateness])
    add("failed_shots", [n * model.failed_shot_penalty for n in season.failed_shots])
    add("escaped_defects", [n * model.escaped_defect_penalty for n in season.escaped])
    if model.start is not None:
        add("before_now", list(model.start.costs_so_far))

    return ReplicationResult(
        replication=replication,
        end_time=end,
        events=season.agenda.events,
        delivery=list(season.delivered),
        lateness_hours=lateness,
        cost=cost,
        shots=[ep.n_shots for ep in model.episodes],
        frames=list(season.frames),
        attempts=list(season.attempts),
        reworks=list(season.reworks),
        escaped=list(season.escaped),
        caught=list(season.caught),
        failed=list(season.failed_shots),
        busy_hours=busy_hours,
        available_hours=available,
        daily_busy=daily_busy,
        daily_queue=daily_queue,
        waits=waits,
        queue_area=queue_area,
        flow=(season.flow_count, season.flow_hours),
        preemptions=sum(p.preemptions for p in season.pools),
        gpu_failures=sum(p.failures for p in season.pools),
    )
