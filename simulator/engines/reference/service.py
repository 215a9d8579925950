"""Dispatch and service: waiting work starts on free units or people, is served, and frees
them.

A task waits in the ``WaitingRoom`` until dispatch finds it a free option: a free slot of a
team, or ``gang`` free units of a pool, the best option first (reserved units and people
before cloud units, then the season's pool rule). Its service is a SimPy timeout of the
drawn duration; at its end the completion is posted to the ``Agenda`` and the task frees
what it held. A GPU failure, a spot preemption or a shift end interrupts
the service (``interrupt``): its end is void, the task frees what it held and waits again,
first in line.

Every change of a level that the results follow happens here, so the monitors are
attached here: the tasks waiting per resource (of a task's first option) and the hours
they waited, and the units or people busy per resource.

Service draws are addressed (``simulator.draws``): a GPU attempt by (shot, stage, pass,
attempt), a fallback by (shot, stage, pass), an episode stage by (episode, stage).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import simpy

from simulator.distributions import UniformSource
from simulator.draws import Address, Purpose, StartedStream, Stream, first_blocks, pack_sub
from simulator.engines.reference.agenda import Agenda, EventClass
from simulator.engines.reference.monitor import LevelMonitor
from simulator.engines.reference.resources import PoolState, Slot, TeamState, Unit
from simulator.engines.reference.stage_waits import StageWaits
from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.reference.tracing import interrupted_event, start_event
from simulator.engines.reference.waiting import Entry, WaitingRoom
from simulator.engines.trace import TraceEvent
from simulator.model.resources import ResourceKey, resource_keys
from simulator.model.season import Option, Resource, SeasonModel, StageKind

__all__ = ["MAX_PASS", "Service", "option_rank"]

MAX_PASS = 255
"""Passes past this share the draws of pass 255 (a draw address holds 8 bits of pass)."""

Candidate = tuple[tuple[int, float], Option, list[Unit], Slot | None]


def _fits(task: Task, pool: int, free: int) -> bool:
    """Does the task have an option on this pool that ``free`` units can take?"""
    for o in task.stage.options:
        if o.resource == Resource.POOL and o.index == pool and o.gang <= free:
            return True
    return False


def option_rank(model: SeasonModel, task: Task, option: Option) -> tuple[int, float]:
    """Smaller is better: reserved (and people) before cloud, then the pool rule."""
    if option.resource == Resource.TEAM:
        return (0, 0.0)
    pool = model.pools[option.index]
    tier = 1 if pool.cloud else 0
    frames = task.shot.frames if task.shot is not None else 0
    hours = option.mean_hours(frames)
    rule = model.pool_rule
    if rule == "cheapest":
        return (tier, pool.price_per_gpu_hour * option.gang * hours)
    if rule == "fastest":
        return (tier, hours)
    return (tier, 0.0)


class Service:
    """The pools and teams at work: queueing, dispatch, service and interruption.

    ``complete`` is called with a task whose service ended, after it freed what it held;
    a cloud unit that a task frees is appended to ``newly_idle``, the season's list of
    units whose idle timers start at the end of the round.
    """

    def __init__(
        self,
        env: simpy.Environment,
        agenda: Agenda,
        *,
        model: SeasonModel,
        pools: list[PoolState],
        teams: list[TeamState],
        seed: int,
        replication: int,
        complete: Callable[[Task], None],
        newly_idle: list[Unit],
        trace: list[TraceEvent] | None,
    ) -> None:
        self.env = env
        self.agenda = agenda
        self.model = model
        self.pools = pools
        self.teams = teams
        self.seed = seed
        self.replication = replication
        self.complete = complete
        self.newly_idle = newly_idle
        self.trace = trace
        self.waiting = WaitingRoom()
        keys = resource_keys(model)
        self.pool_keys, self.team_keys = keys[: len(model.pools)], keys[len(model.pools) :]
        """The resource keys of the pools and of the teams, by index (made once: hot paths
        look them up)."""
        self.busy = {key: LevelMonitor() for key in keys}
        """Per resource: units or people busy."""
        self.queue = {key: LevelMonitor() for key in keys}
        """Per resource (of a task's first option): tasks waiting."""
        self.waits: dict[ResourceKey, tuple[int, float]] = dict.fromkeys(keys, (0, 0.0))
        """Per resource (of a task's first option): tasks started and hours they waited."""
        self.attempts = [0] * model.n_episodes
        """GPU attempts started per episode (a restart after an interruption is none)."""
        self.stage_waits = StageWaits(model)
        """Per stage: waits, visits and their hours, tasks still queued at the end."""
        self._first_attempts: dict[tuple[int, int], tuple[list[float], list[float]]] = {}
        """Per (episode, shot stage): the first blocks of its shots' first attempts."""
        self._changed: set[ResourceKey] = set()
        """The resources where capacity was freed or work queued since the last dispatch."""
        self._largest_gang = [0] * len(pools)
        """Per pool: the most units any option asks of it."""
        for st in (*model.shot_stages, *model.fallbacks, *model.episode_stages):
            for o in st.options:
                if o.resource == Resource.POOL:
                    self._largest_gang[o.index] = max(self._largest_gang[o.index], o.gang)

    def enqueue(self, task: Task) -> None:
        """The task waits for dispatch."""
        now = float(self.env.now)
        task.queued_at = now
        self._changed.update(self.waiting.add(task))
        opt = task.stage.options[0]
        key = (self.pool_keys if opt.resource == Resource.POOL else self.team_keys)[opt.index]
        self.queue[key].add(now, 1)

    # --- dispatch -------------------------------------------------------------------

    def dispatch(self, everywhere: bool) -> None:
        """Start waiting tasks, smallest (interrupted first, key, arrival, id) first, until
        none can start; see ``simulator.engines.reference.waiting`` for why this is exact.

        Only a resource where capacity was freed or work queued since the last dispatch can
        have a task to start: on any other the last dispatch found none, and starting tasks
        only takes capacity. So dispatch looks at those (``everywhere``: at every resource,
        after a round whose events changed capacity other than through this service)."""
        changed = self._changed
        if everywhere:
            changed.update(self.pool_keys, self.team_keys)
        waiting = self.waiting
        while changed:
            best: Entry | None = None
            for key in list(changed):
                entries = waiting.on(key)
                if not entries:
                    changed.discard(key)
                    continue
                if key.kind == Resource.TEAM:
                    if self.teams[key.index].free_slot() is None:
                        changed.discard(key)
                    elif best is None or entries[0][0] < best[0]:
                        best = entries[0]
                    continue
                # Counted only as far as the largest gang could use.
                free = self.pools[key.index].count_free(self._largest_gang[key.index])
                if free == 0:
                    changed.discard(key)
                    continue
                for entry in entries:
                    if best is not None and entry[0] > best[0]:
                        break  # whatever fits here comes after the best so far
                    if _fits(entry[1], key.index, free):
                        best = entry
                        break
                else:  # no waiting task fits here
                    changed.discard(key)
            if best is None:
                return
            task = best[1]
            waiting.remove(task)
            started = self._try_start(task)
            assert started, "a candidate task must fit a free option"

    def _try_start(self, task: Task) -> bool:
        best: Candidate | None = None
        options = task.stage.options
        for option in options:
            units: list[Unit] = []
            slot: Slot | None = None
            if option.resource == Resource.TEAM:
                slot = self.teams[option.index].free_slot()
                if slot is None:
                    continue
            else:
                units = self.pools[option.index].free_units(option.gang)
                if len(units) < option.gang:
                    continue
            # With one option there is nothing to rank.
            rank = option_rank(self.model, task, option) if len(options) > 1 else (0, 0.0)
            if best is None or rank < best[0]:
                best = (rank, option, units, slot)
        if best is None:
            return False
        _, option, units, slot = best
        self._start(task, option, units, slot)
        return True

    # --- service --------------------------------------------------------------------

    def _duration(self, task: Task, option: Option) -> float:
        if task.remaining >= 0.0:
            return task.remaining
        shot = task.shot
        st = task.stage
        stream: UniformSource
        if st.kind == StageKind.EPISODE:
            sub = pack_sub(st.index, 0, 0)
            address = Address(
                self.seed, self.replication, Purpose.EPISODE_SERVICE, task.episode, sub
            )
            stream, frames = Stream.at(address), 0
        else:
            assert shot is not None
            purpose = Purpose.FALLBACK if st.kind == StageKind.FALLBACK else Purpose.SERVICE
            sub = pack_sub(st.index, min(task.pass_, MAX_PASS), task.attempt)
            address = Address(self.seed, self.replication, purpose, shot.id, sub)
            frames = shot.frames
            if purpose == Purpose.SERVICE and task.pass_ == 0 and task.attempt == 0:
                stream = self._first_attempt_stream(address, shot.episode, st.index)
            else:
                stream = Stream.at(address)
        hours = option.setup
        if option.per_frame is not None:
            hours += frames * option.per_frame.sample(stream)
        if option.per_task is not None:
            hours += option.per_task.sample(stream)
        return hours

    def _first_attempt_stream(self, address: Address, episode: int, stage: int) -> StartedStream:
        """The stream of a first attempt at a shot stage, its first block computed with those
        of the episode's other shots at that stage (``first_blocks``), the first time one
        of them needs it."""
        blocks = self._first_attempts.get((episode, stage))
        if blocks is None:
            ep = self.model.episodes[episode]
            shots = range(ep.first_shot, ep.first_shot + ep.n_shots)
            blocks = first_blocks(self.seed, self.replication, address.purpose, shots, address.sub)
            self._first_attempts[(episode, stage)] = blocks
        k = address.owner - self.model.episodes[episode].first_shot
        return StartedStream(blocks[0][k], blocks[1][k], address)

    def _start(self, task: Task, option: Option, units: list[Unit], slot: Slot | None) -> None:
        now = float(self.env.now)
        task.option, task.units, task.slot = option, units, slot
        task.start = now
        duration = self._duration(task, option)
        task.end = now + duration
        task.remaining = -1.0
        if slot is not None:
            slot.task = task
            self.busy[self.team_keys[slot.team.model.index]].add(now, 1)
        for unit in units:
            unit.task = task
            unit.idle_version += 1
        if units:
            self.busy[self.pool_keys[option.index]].add(now, len(units))
        opt0 = task.stage.options[0]
        qkey = (self.pool_keys if opt0.resource == Resource.POOL else self.team_keys)[opt0.index]
        self.queue[qkey].add(now, -1)
        count, hours = self.waits[qkey]
        self.waits[qkey] = (count + 1, hours + (now - task.queued_at))
        self.stage_waits.started(task, now)
        if task.stage.kind == StageKind.GPU and not task.interrupted:
            # A restart after a failure or preemption is not a new attempt.
            self.attempts[task.episode] += 1
        task.interrupted = False
        if self.trace is not None:
            self.trace.append(start_event(self.model, now, task, option, duration))
        end = self.env.timeout(duration)
        end.callbacks.append(partial(self._service_ended, task))
        task.service_end = end

    def _service_ended(self, task: Task, end: simpy.Event) -> None:
        if task.service_end is not end:  # interrupted: this end is void
            return
        task.service_end = None
        self.agenda.post_last(EventClass.COMPLETION, (task.id,), partial(self._served, task))

    def _served(self, task: Task) -> None:
        self.stage_waits.served(task, float(self.env.now))
        self._free(task)
        self.complete(task)

    def _free(self, task: Task) -> None:
        """Release the task's units or slot, booking its busy time to its episode."""
        now = float(self.env.now)
        busy = now - task.start
        if task.units:
            pool = task.units[0].pool
            pool.busy_by_episode[task.episode] += busy * len(task.units)
            self.busy[self.pool_keys[pool.model.index]].add(now, -len(task.units))
            self._changed.add(self.pool_keys[pool.model.index])
            for unit in task.units:
                unit.task = None
            if pool.model.cloud:
                self.newly_idle.extend(task.units)
        if task.slot is not None:
            slot = task.slot
            team = slot.team
            team.busy_by_episode[task.episode] += busy
            self.busy[self.team_keys[team.model.index]].add(now, -1)
            self._changed.add(self.team_keys[team.model.index])
            if slot.overtime_since >= 0.0:
                team.overtime_hours += now - slot.overtime_since
                slot.overtime_since = -1.0
            slot.task = None
        task.units, task.slot = [], None

    def interrupt(self, task: Task, cause: Interruption) -> None:
        """Stop a task in service and put it back at the head of the queue."""
        if task.service_end is not None:
            task.service_end = None
            if self.trace is not None:
                self.trace.append(interrupted_event(float(self.env.now), task, cause))
        if task.slot is not None:
            task.remaining = task.end - float(self.env.now)
        self._free(task)
        task.interrupted = True
        self.enqueue(task)

    def close(self, end: float) -> None:
        """Book the busy time of work still in service (a run cut off at the horizon)."""
        for pool in self.pools:
            for unit in pool.units:
                if unit.task is not None:
                    pool.busy_by_episode[unit.task.episode] += end - unit.task.start
        for team in self.teams:
            for slot in team.slots:
                if slot.task is not None:
                    team.busy_by_episode[slot.task.episode] += end - slot.task.start
