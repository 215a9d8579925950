"""Trace events: what happened in a replication, as data.

On request an engine records one ``TraceEvent`` per thing that happened: a shot released,
a task started on a resource, a task's end and its outcome, an attempt failed, a rework, a
shot failed, an episode delivered, a task interrupted (and why), a cloud lease opened or
closed, a spot preemption notice, a GPU failure or repair, a shift change. The reference
engine records them as it runs; the batch kernel writes numeric records that
``simulator.engines.kernel.trace_replication`` decodes into the same events, so the two
traces can be compared instant by instant. No code reads text: the readable sentence of an
event is made for people in one place, the trace table (``simulator.results.runs.Run.
trace_frame``).

Fields a kind of event does not have are ``None``. ``task`` is a task id: a shot's id, or
``n_shots + episode`` for an episode's task (and for ``DELIVERED``, the episode's).
``stage`` is a position in ``stages(model)``: the shot stages, then the fallbacks, then the
episode stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.model.resources import ResourceKey
from simulator.model.season import SeasonModel, StageModel

__all__ = ["Cause", "Outcome", "TraceEvent", "TraceKind", "stage_keys", "stages"]


class TraceKind(Enum):
    RELEASE = "release"
    """A shot was released (``task``)."""
    START = "start"
    """A task started (``task``, ``stage``) on ``resource`` with ``gang`` units for ``hours``."""
    END = "end"
    """A task's service ended (``task``, ``stage``, ``pass_``, ``attempt``, ``outcome``,
    ``started``)."""
    ATTEMPT_FAILED = "attempt failed"
    """A shot's GPU attempt failed; ``attempt`` is the number of attempts used so far."""
    SHOT_FAILED = "shot failed"
    """A shot ran out of attempts at ``stage`` with no fallback."""
    REWORK = "rework"
    """A review (``stage``) sent a shot back to shot stage ``back_to``."""
    DELIVERED = "delivered"
    """An episode was delivered (``task`` = ``n_shots + episode``)."""
    INTERRUPTED = "interrupted"
    """A task in service was stopped (``cause``) on ``resource``, unit or slot ``unit``."""
    LEASE_OPENED = "lease opened"
    """A cloud unit (``resource``, ``unit``) was provisioned."""
    LEASE_CLOSED = "lease closed"
    PREEMPTION_NOTICE = "preemption notice"
    """A spot pool (``resource``) drains ``units``."""
    GPU_FAILURE = "gpu failure"
    REPAIR = "repair"
    REPAIR_STARTED = "repair started"
    """A repair crew's repairer took a failed unit (``resource``, ``unit``) from the queue."""
    REPAIR_PAUSED = "repair paused"
    """A repair team's person went off duty with more than the allowed overtime of the
    repair of a unit (``resource``, ``unit``) left: it waits again, at the head."""
    SHIFT_CHANGE = "shift change"
    """A team (``resource``) has ``people`` on duty from now."""


class Outcome(Enum):
    """How a task's service ended."""

    DONE = "done"
    FAILED = "failed"
    REJECTED = "rejected"
    APPROVED = "approved"


class Cause(Enum):
    """Why a task in service was interrupted."""

    GPU_FAILED = "GpuFailed"
    PREEMPTED = "Preempted"
    SHIFT_ENDED = "ShiftEnded"


@dataclass(frozen=True, slots=True)
class TraceEvent:
    time: float
    kind: TraceKind
    task: int | None = None
    stage: int | None = None
    pass_: int | None = None
    attempt: int | None = None
    outcome: Outcome | None = None
    resource: ResourceKey | None = None
    cause: Cause | None = None
    unit: int | None = None
    """A pool's unit or a team's slot."""
    units: tuple[int, ...] = ()
    """Units drained by a preemption notice, in index order."""
    gang: int | None = None
    """Units a started task holds (1 on a team)."""
    hours: float | None = None
    """A started task's service hours."""
    started: float | None = None
    """When an ended task started its service."""
    people: int | None = None
    """People on duty after a shift change."""
    back_to: int | None = None
    """The shot stage a rework sent the shot back to."""


def stages(model: SeasonModel) -> tuple[StageModel, ...]:
    """Every stage a task can be at: shot stages, fallbacks, episode stages."""
    return (*model.shot_stages, *model.fallbacks, *model.episode_stages)


def stage_keys(model: SeasonModel) -> list[str]:
    """Result keys of ``stages(model)``, in its order: ``stage:NAME`` (a fallback's name is
    its GPU stage's plus ``/fallback``; an episode stage named as a shot stage is
    ``stage:NAME (episode)``)."""
    keys: list[str] = []
    for st in stages(model):
        key = f"stage:{st.name}"
        keys.append(f"{key} (episode)" if key in keys else key)
    return keys
