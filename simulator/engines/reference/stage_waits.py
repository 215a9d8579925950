"""Waits and times in system per stage, counted as the service sees tasks start and end.

Per stage (``simulator.engines.trace.stages``: the shot stages, their fallbacks, then the
episode stages): the tasks started from its queue and the hours each waited (a restart
after an interruption waits again, from when it rejoined the queue); the visits whose
service ended and their hours from arrival at the stage's queue to that end (one task is
one visit: an attempt of a GPU stage, a review, a fallback, an episode stage); and at the
end of the run, the tasks still queued and the hours they had waited so far.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.engines.reference.tasks import Task
from simulator.engines.reference.waiting import WaitingRoom
from simulator.model.resources import ResourceKey
from simulator.model.season import SeasonModel, StageKind, StageModel

__all__ = ["StageWaits"]


class StageWaits:
    def __init__(self, model: SeasonModel) -> None:
        n = len(model.shot_stages) + len(model.fallbacks) + len(model.episode_stages)
        self._fallbacks = len(model.shot_stages)
        self._episodes = self._fallbacks + len(model.fallbacks)
        self._fallback_of = [st.fallback for st in model.shot_stages]
        """A fallback task stands in at its GPU stage's index (its draws name that stage)."""
        self.wait_count = [0] * n
        self.wait_hours = [0.0] * n
        self.visits = [0] * n
        self.visit_hours = [0.0] * n
        self.queued = [0] * n
        self.queued_hours = [0.0] * n

    def _at(self, stage: StageModel) -> int:
        if stage.kind == StageKind.EPISODE:
            return self._episodes + stage.index
        if stage.kind == StageKind.FALLBACK:
            return self._fallbacks + self._fallback_of[stage.index]
        return stage.index

    def started(self, task: Task, now: float) -> None:
        """The task left the stage's queue for service."""
        k = self._at(task.stage)
        self.wait_count[k] += 1
        self.wait_hours[k] += now - task.queued_at

    def served(self, task: Task, now: float) -> None:
        """The task's service ended: its visit of the stage is over."""
        k = self._at(task.stage)
        self.visits[k] += 1
        self.visit_hours[k] += now - task.arrival

    def count_queued(self, waiting: WaitingRoom, keys: Sequence[ResourceKey], end: float) -> None:
        """The tasks still queued at ``end``: resource by resource (``keys``, the pools
        then the teams), each in dispatch order, each task at its first option's resource
        (the kernel's ``rs_count_queued`` sums in the same order)."""
        for key in keys:
            for _, task in waiting.on(key):
                first = task.stage.options[0]
                if (first.resource, first.index) != (key.kind, key.index):
                    continue
                k = self._at(task.stage)
                self.queued[k] += 1
                self.queued_hours[k] += end - task.queued_at
