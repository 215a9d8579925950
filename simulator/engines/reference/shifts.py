"""Review-team shifts: the head count on duty over the season, and overtime.

A team has ``max_people`` slots; the slots below the current head count are on duty. A
team's head count is a list of (time, people) steps; a plain SimPy process per team posts
a shift change at each step before the horizon (starting mid-season, from the step in
force now). When a change lowers the head count, a person at or above the new count who
has a task finishes it in overtime, unless more than ``max_overtime`` of it is left: then
the task is interrupted (``Cause.SHIFT_ENDED``), keeps the work left, and goes back to the
queue. A repair team's repair follows the same rule (``pause_repair`` puts the unit back at
the head of its repair queue). A slot back on duty ends its overtime.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from simulator.engines.reference.agenda import Action, Agenda, EventClass
from simulator.engines.reference.resources import Slot, TeamState
from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.trace import Cause, TraceEvent, TraceKind
from simulator.model.resources import ResourceKey
from simulator.model.season import Resource

__all__ = ["Shifts"]


class Shifts:
    """Shift changes of the review teams of a season; ``interrupt`` stops a task whose
    person goes off duty with more than the allowed overtime left."""

    def __init__(
        self,
        env: simpy.Environment,
        agenda: Agenda,
        *,
        teams: list[TeamState],
        horizon: float,
        interrupt: Callable[[Task, Interruption], None],
        trace: list[TraceEvent] | None,
        pause_repair: Callable[[Slot], None] | None = None,
    ) -> None:
        self.env = env
        self.agenda = agenda
        self.teams = teams
        self.horizon = horizon
        self.interrupt = interrupt
        self.pause_repair = pause_repair
        self.trace = trace

    def start(self) -> None:
        """Start each team's head count process."""
        for team in self.teams:
            self.env.process(self._head_count(team))

    def _head_count(self, team: TeamState) -> Generator[simpy.Event, Any, None]:
        """A team's head count over the season: a plain process."""
        steps = team.model.headcount
        # Starting mid-season: the head count in force now, then the changes after it.
        first = max(k for k, (t, _) in enumerate(steps) if k == 0 or t <= self.env.now)
        for t, people in steps[first:]:
            if t >= self.horizon:
                return
            if t > self.env.now:
                yield self.env.timeout(t - float(self.env.now))
            yield self.agenda.act(
                EventClass.SHIFT_CHANGE, (team.model.index,), self._shift_changer(team, people)
            )

    def _shift_changer(self, team: TeamState, people: int) -> Action:
        return lambda: self._shift_change(team, people)

    def _shift_change(self, team: TeamState, people: int) -> None:
        now = float(self.env.now)
        old, team.on_duty = team.on_duty, people
        where = ResourceKey(Resource.TEAM, team.model.index)
        if self.trace is not None:
            self.trace.append(
                TraceEvent(now, TraceKind.SHIFT_CHANGE, resource=where, people=people)
            )
        for slot in team.slots[:people]:
            if slot.overtime_since >= 0.0:  # back on duty: overtime ends
                team.overtime_hours += now - slot.overtime_since
                slot.overtime_since = -1.0
        for slot in team.slots[people:old]:
            task = slot.task
            if task is not None:
                end = task.end
            elif slot.repair is not None:  # a repair team's repair: the same rule
                end = slot.repair.repair_end
            else:
                continue
            if end - now <= team.model.max_overtime:
                if slot.overtime_since < 0.0:
                    slot.overtime_since = now
            elif task is not None:
                self.interrupt(task, Interruption(Cause.SHIFT_ENDED, where, slot.index))
            else:
                assert self.pause_repair is not None
                self.pause_repair(slot)

    def close(self, end: float) -> None:
        """At the end of the run: book the overtime of people still at work."""
        for team in self.teams:
            for slot in team.slots:
                if slot.overtime_since >= 0.0:
                    team.overtime_hours += end - slot.overtime_since
                    slot.overtime_since = -1.0
