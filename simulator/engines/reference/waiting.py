"""Tasks waiting for a pool or a team, kept in dispatch order per resource.

Dispatch (DESIGN §1b) repeatedly starts the smallest waiting task — by (interrupted
first, key, arrival, task id) — that can start somewhere. Starting a task only takes
capacity away, so it is the same to look only at resources with free capacity: the
candidates are, for each such resource, the first task in its order that fits there, and
the smallest of those goes. Each resource keeps a sorted list of the tasks that have an
option on it, so a dispatch costs a few list operations instead of a pass over every
waiting task.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

from simulator.engines.reference.tasks import Task
from simulator.model.resources import ResourceKey

__all__ = ["WaitingRoom"]

Entry = tuple[tuple[int, float, float, int], Task]


class WaitingRoom:
    def __init__(self) -> None:
        self._lists: dict[ResourceKey, list[Entry]] = {}
        self._orders: dict[int, tuple[tuple[int, float, float, int], Task]] = {}

    def __len__(self) -> int:
        return len(self._orders)

    def add(self, task: Task) -> None:
        order = task.order()
        entry: Entry = (order, task)
        self._orders[id(task)] = entry
        for key in _resources(task):
            insort(self._lists.setdefault(key, []), entry, key=lambda e: e[0])

    def remove(self, task: Task) -> None:
        order, _ = self._orders.pop(id(task))
        for key in _resources(task):
            lst = self._lists[key]
            del lst[bisect_left(lst, order, key=lambda e: e[0])]

    def on(self, key: ResourceKey) -> list[Entry]:
        """The tasks with an option on this resource, in dispatch order (do not modify)."""
        return self._lists.get(key, [])

    def __iter__(self) -> Iterator[Task]:
        return (task for _, task in self._orders.values())


def _resources(task: Task) -> set[ResourceKey]:
    return {ResourceKey(o.resource, o.index) for o in task.stage.options}
