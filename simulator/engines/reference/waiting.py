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

__all__ = ["Entry", "WaitingRoom"]

Entry = tuple[tuple[int, float, float, int], Task]


class WaitingRoom:
    def __init__(self) -> None:
        self._lists: dict[ResourceKey, list[Entry]] = {}
        self._entries: dict[int, tuple[Entry, list[list[Entry]]]] = {}
        """Per waiting task (by ``id``): its entry and the lists that hold it."""
        self._places: dict[int, tuple[list[ResourceKey], list[list[Entry]]]] = {}
        """Per tuple of options (by ``id``: the model holds them for the whole run): the
        resources they name, and those resources' lists."""

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, task: Task) -> list[ResourceKey]:
        """Queue the task on every resource it has an option on; return those resources."""
        options = task.stage.options
        places = self._places.get(id(options))
        if places is None:
            keys = list(dict.fromkeys(ResourceKey(o.resource, o.index) for o in options))
            places = self._places[id(options)] = (
                keys,
                [self._lists.setdefault(key, []) for key in keys],
            )
        keys, lists = places
        # Orders end with the task id, unique among waiting tasks, so entries compare by
        # their order alone and never reach the task.
        entry: Entry = (task.order(), task)
        self._entries[id(task)] = (entry, lists)
        for lst in lists:
            insort(lst, entry)
        return keys

    def remove(self, task: Task) -> None:
        (order, _), lists = self._entries.pop(id(task))
        # ``(order,)`` sorts just before the entry ``(order, task)``.
        for lst in lists:
            del lst[bisect_left(lst, (order,))]

    def on(self, key: ResourceKey) -> list[Entry]:
        """The tasks with an option on this resource, in dispatch order (do not modify)."""
        return self._lists.get(key, [])

    def __iter__(self) -> Iterator[Task]:
        return (task for (_, task), _ in self._entries.values())
