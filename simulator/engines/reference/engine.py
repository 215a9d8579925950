"""The reference engine: replications of a season, one SimPy model each.

``run_raw`` simulates one replication and returns what it counted, a ``RawReplication``
that the batch kernel must reproduce to 1e-9; ``run_replication`` accounts for its costs
(``simulator.engines.accounting``), as the kernel's results are.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from simulator.engines.accounting import account
from simulator.engines.raw import RawReplication
from simulator.engines.reference.season import Season
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent
from simulator.model.policies import QueuePolicy
from simulator.model.resources import resource_keys
from simulator.model.season import SeasonModel

__all__ = ["run_raw", "run_replication"]


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Python's garbage collector leaves the objects made before the replication alone
    while it runs (``gc.freeze``), unless something else froze objects already.

    A replication makes many objects that live long (a season's shots, its tasks): each
    time they push a full collection, the collector would walk everything the process
    holds, the model included (about 1 µs a customer on the M/M/3 of 200,000 customers).
    Nothing changes but where the collector looks: what the replication makes is collected
    as before, and the frozen objects go back to the collector at the end.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_raw(
    model: SeasonModel,
    replication: int,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: list[TraceEvent] | None = None,
    on_round: Callable[[Season], None] | None = None,
) -> RawReplication:
    """Simulate replication ``replication`` of ``model``: what it counted. ``trace``, when
    given, receives every event; ``on_round`` sees the state at the end of every round (for
    invariant checks)."""
    with _older_objects_frozen():
        season = Season(model, replication, policies=policies, trace=trace, on_round=on_round)
        end = season.run()
        season.close(end)
    service = season.service
    keys = resource_keys(model)
    busy_bins = [service.busy[key].daily_areas(end) for key in keys]
    queue_bins = [service.queue[key].daily_areas(end) for key in keys]
    waits = [service.waits[key] for key in keys]
    by_stage = service.stage_waits
    by_stage.count_queued(service.waiting, keys, end)
    return RawReplication(
        replication=replication,
        end=end,
        events=season.agenda.events,
        delivered=list(season.delivered),
        pool_busy=[list(pool.busy_by_episode) for pool in season.pools],
        pool_billed_cost=[pool.billed_cost for pool in season.pools],
        team_busy=[list(team.busy_by_episode) for team in season.teams],
        team_overtime=[team.overtime_hours for team in season.teams],
        wait_count=[count for count, _ in waits],
        wait_hours=[hours for _, hours in waits],
        # Integrated to the end of the run by ``daily_areas`` above.
        queue_area=[service.queue[key].area for key in keys],
        busy_bins=busy_bins,
        queue_bins=queue_bins,
        flow_count=season.flow_count,
        flow_hours=season.flow_hours,
        escaped=list(season.escaped),
        failed=list(season.failed_shots),
        reworks=list(season.reworks),
        caught=list(season.caught),
        attempts=list(service.attempts),
        frames=list(season.frames),
        preemptions=[pool.preemptions for pool in season.pools],
        gpu_failures=[pool.failures for pool in season.pools],
        stage_wait_count=by_stage.wait_count,
        stage_wait_hours=by_stage.wait_hours,
        stage_visits=by_stage.visits,
        stage_visit_hours=by_stage.visit_hours,
        stage_queued=by_stage.queued,
        stage_queued_hours=by_stage.queued_hours,
        down_hours=[pool.down_area for pool in season.pools],
        repair_wait_hours=[pool.repair_wait_area for pool in season.pools],
        crew_repairs=[pool.crew_repairs for pool in season.pools],
    )


def run_replication(
    model: SeasonModel,
    replication: int,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: list[TraceEvent] | None = None,
    on_round: Callable[[Season], None] | None = None,
) -> ReplicationResult:
    """Simulate replication ``replication`` of ``model`` and account for its costs (see
    ``run_raw`` for ``trace`` and ``on_round``)."""
    raw = run_raw(model, replication, policies=policies, trace=trace, on_round=on_round)
    return account(model, raw)
