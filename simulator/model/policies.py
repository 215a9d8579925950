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

A policy named on the command line (``--policy``, ``load_policy``) is called through
``CheckedPolicy``: a key that raises, or that is not a finite number (NaN, an infinity, a
string), stops the run with a ``UsageError`` naming the policy, the queue and the task,
instead of a traceback or a queue in an undefined order. A policy passed to ``simulate``
is called as it is, so that a test of it sees its own exceptions; wrap it in
``CheckedPolicy`` for the same checks. A policy that is merely slow cannot be timed out
from inside the run (the simulation is single-threaded and a key is plain Python): Ctrl-C
stops it, with the usual "interrupted" message.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from simulator.errors import UsageError
from simulator.scenario.schema import BUILTIN_POLICIES, IndexWeights

__all__ = [
    "CheckedPolicy",
    "IndexPolicy",
    "QueuePolicy",
    "TaskFeatures",
    "builtin_policy",
    "load_policy",
]


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
        return self.key_of(
            task.arrival, task.deadline, task.priority, task.expected_work, task.remaining_work
        )

    def key_of(
        self,
        arrival: float,
        deadline: float,
        priority: float,
        expected_work: float,
        remaining_work: float,
    ) -> float:
        """The key from the features it weighs (an engine need not build ``TaskFeatures``)."""
        w = self.weights
        return (
            w.arrival * arrival
            + w.deadline * deadline
            + w.priority * priority
            + w.expected_work * expected_work
            + w.remaining_work * remaining_work
        )


@dataclass(frozen=True, slots=True)
class CheckedPolicy:
    """A policy of your own, each key checked: a finite number, or a ``UsageError`` that
    names the policy (``name``), the queue (``resource``) and the task."""

    policy: QueuePolicy
    name: str
    resource: str

    def key(self, task: TaskFeatures) -> float:
        try:
            key = self.policy.key(task)
        except Exception as error:
            raise self._error(task, f"raised {type(error).__name__}: {error}") from None
        if isinstance(key, bool) or not isinstance(key, numbers.Real):
            raise self._error(task, f"returned {type(key).__name__} {key!r:.40}, not a number")
        if not math.isfinite(key):
            raise self._error(task, f"returned {key}, not a finite number")
        return float(key)

    def _error(self, task: TaskFeatures, what: str) -> UsageError:
        return UsageError(
            f"policy {self.name} for {self.resource}: key() {what}, for task {task.task_id} "
            f"(episode {task.episode}, stage {task.stage!r}); a key must be a finite number"
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
    except Exception as error:  # a module that fails while importing is bad input too
        raise UsageError(f"--policy {spec}: cannot import {module_name!r}: {error}") from None
    found = getattr(module, attr, None)
    if found is None:
        raise UsageError(f"--policy {spec}: module {module_name!r} has no {attr!r}")
    try:
        policy = found() if isinstance(found, type) else found
    except Exception as error:
        raise UsageError(
            f"--policy {spec}: {attr}() raised {type(error).__name__}: {error}"
        ) from None
    if not isinstance(policy, QueuePolicy):
        raise UsageError(f"--policy {spec}: {attr!r} has no key(task) method")
    return resource, CheckedPolicy(policy, target, resource)
