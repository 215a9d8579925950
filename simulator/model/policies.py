"""Queue policies: which waiting task goes first.

Every built-in policy is an *index policy*: a task's key is a weighted sum of its
features, computed when it enters a queue and then frozen; the smallest key goes first,
ties broken by arrival at the queue, then by task id (DESIGN §1b). Because a key is just
weights, any weighting runs in both engines. A policy of your own is any object with a
``key(features) -> float`` method; it runs in the reference engine::

    class ShortestFirstThenDeadline:
        def key(self, task: TaskFeatures) -> float:
            return task.expected_work + 0.01 * task.deadline

    simulate(scenario, policies={"supervisors": ShortestFirstThenDeadline()})
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from simulator.errors import UsageError
from simulator.scenario.schema import BUILTIN_POLICIES, IndexWeights

__all__ = ["IndexPolicy", "QueuePolicy", "TaskFeatures", "builtin_policy", "load_policy"]


@dataclass(frozen=True, slots=True)
class TaskFeatures:
    """What a policy may look at, in hours from the season start (priority unitless)."""

    arrival: float
    deadline: float
    priority: float
    expected_work: float
    """Mean hours of this task on its stage's first listed option."""
    remaining_work: float
    """Mean hours of this task's stage and every stage after it, episode stages included."""
    task_id: int
    episode: int
    stage: str


@runtime_checkable
class QueuePolicy(Protocol):
    def key(self, task: TaskFeatures) -> float: ...


@dataclass(frozen=True, slots=True)
class IndexPolicy:
    """key = Σ weight × feature."""

    weights: IndexWeights

    def key(self, task: TaskFeatures) -> float:
        w = self.weights
        return (
            w.arrival * task.arrival
            + w.deadline * task.deadline
            + w.priority * task.priority
            + w.expected_work * task.expected_work
            + w.remaining_work * task.remaining_work
        )


def builtin_policy(name: str) -> IndexPolicy:
    """A built-in policy by name; an unknown name lists the valid ones."""
    if name not in BUILTIN_POLICIES:
        close = difflib.get_close_matches(name, list(BUILTIN_POLICIES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(
            f"no policy named {name!r}{hint} (built in: {', '.join(BUILTIN_POLICIES)})"
        )
    return IndexPolicy(BUILTIN_POLICIES[name])


def load_policy(spec: str) -> tuple[str, QueuePolicy]:
    """``RESOURCE=MODULE:NAME`` → (resource, the policy object ``MODULE.NAME``).

    The module is imported by name from the command line, never from a scenario file: a
    scenario can never run code. ``NAME`` may be a policy object or a class to call with
    no arguments.
    """
    import importlib

    resource, sep, target = spec.partition("=")
    module_name, colon, attr = target.partition(":")
    if not sep or not colon or not resource or not module_name or not attr:
        raise UsageError(f"--policy expects RESOURCE=MODULE:NAME, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UsageError(f"--policy {spec}: cannot import {module_name!r}: {error}") from None
    found = getattr(module, attr, None)
    if found is None:
        raise UsageError(f"--policy {spec}: module {module_name!r} has no {attr!r}")
    policy = found() if isinstance(found, type) else found
    if not isinstance(policy, QueuePolicy):
        raise UsageError(f"--policy {spec}: {attr!r} has no key(task) method")
    return resource, policy
