"""The trace events of a task, as the reference engine records them.

The reference engine records a ``TraceEvent`` only when its run is traced; these build
the events about tasks, whose stage is a position in ``simulator.engines.trace.stages``.
The reference runs a fallback as a stand-in stage that carries the index of the GPU stage
it replaces, so its position is found through that stage.
"""

from __future__ import annotations

from simulator.engines.reference.tasks import Interruption, Task
from simulator.engines.trace import Outcome, TraceEvent, TraceKind
from simulator.model.resources import ResourceKey
from simulator.model.season import Option, SeasonModel, StageKind, StageModel

__all__ = ["end_event", "interrupted_event", "stage_position", "start_event"]


def stage_position(model: SeasonModel, st: StageModel) -> int:
    """Where a task's stage stands in ``stages(model)``."""
    if st.kind == StageKind.EPISODE:
        return len(model.shot_stages) + len(model.fallbacks) + st.index
    if st.kind == StageKind.FALLBACK:
        return len(model.shot_stages) + model.shot_stages[st.index].fallback
    return st.index


def start_event(
    model: SeasonModel, now: float, task: Task, option: Option, hours: float
) -> TraceEvent:
    return TraceEvent(
        now,
        TraceKind.START,
        task=task.id,
        stage=stage_position(model, task.stage),
        resource=ResourceKey(option.resource, option.index),
        gang=option.gang,
        hours=hours,
    )


def end_event(model: SeasonModel, now: float, task: Task, outcome: Outcome) -> TraceEvent:
    return TraceEvent(
        now,
        TraceKind.END,
        task=task.id,
        stage=stage_position(model, task.stage),
        pass_=task.pass_,
        attempt=task.attempt,
        outcome=outcome,
        started=task.start,
    )


def interrupted_event(now: float, task: Task, why: object) -> TraceEvent:
    """``why``: the cause SimPy delivered the interrupt with."""
    assert isinstance(why, Interruption)
    return TraceEvent(
        now,
        TraceKind.INTERRUPTED,
        task=task.id,
        resource=why.resource,
        cause=why.cause,
        unit=why.unit,
    )
