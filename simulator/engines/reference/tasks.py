"""Shots and tasks: the work that flows through the pipeline.

A *shot* moves through the shot stages in order. At each stage it becomes a *task*: one
attempt of a GPU stage, one review, one fallback by artists. When all of an episode's
shots are through (or failed), the episode itself becomes a task at each episode stage.
A task's id is its entity's: the shot id, or ``n_shots + episode`` for episode tasks, so
ties between tasks are settled by file order (DESIGN §1b).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.engines.trace import Cause
from simulator.model.resources import ResourceKey
from simulator.model.season import Option, StageKind, StageModel

if TYPE_CHECKING:
    from simpy import Timeout

    from simulator.engines.reference.resources import Slot, Unit

__all__ = ["Interruption", "Shot", "Task"]


@dataclass(frozen=True, slots=True)
class Interruption:
    """The cause a task's service process is interrupted with: a GPU of its gang failed or
    was preempted (``resource`` a pool, ``unit`` the unit), or a person's shift ended with
    more than the allowed overtime left (``resource`` a team, ``unit`` the slot)."""

    cause: Cause
    resource: ResourceKey
    unit: int


@dataclass(slots=True, eq=False)
class Shot:
    id: int
    episode: int
    frames: int
    release: float
    stage: int = 0
    pass_: int = 0
    """Rework passes so far: how many times a review sent the shot back."""
    attempt: int = 0
    """Attempts so far at the current GPU stage."""
    defects: int = 0
    """Latent defect flags, bit k for shot stage k."""
    rounds: dict[int, int] = field(default_factory=dict)
    """Rejections so far by each review stage."""
    failed: bool = False
    through: bool = False


@dataclass(slots=True, eq=False)
class Task:
    id: int
    episode: int
    shot: Shot | None
    stage: StageModel
    pass_: int
    attempt: int
    key: float
    arrival: float
    deadline: float
    remaining_work: float
    interrupted: bool = False
    queued_at: float = 0.0
    """When the task last entered the queue (an interrupted task re-enters it)."""
    remaining: float = -1.0
    """Hours of work left when a person's task was paused at a shift end (-1: none)."""
    option: Option | None = None
    units: list[Unit] = field(default_factory=list)
    slot: Slot | None = None
    start: float = 0.0
    end: float = 0.0
    service_end: Timeout | None = None
    """The SimPy timeout that ends its service (None when not in service, or interrupted)."""

    @property
    def kind(self) -> StageKind:
        return self.stage.kind

    def order(self) -> tuple[int, float, float, int]:
        """Dispatch order: interrupted tasks first, then (key, arrival, id)."""
        return (0 if self.interrupted else 1, self.key, self.arrival, self.id)
