"""Whether two engines (or two devices) produced the same replication.

The contract (DESIGN §2): replication ``i`` of a seed is the same whichever engine runs it.
Counts must be equal; floating-point values equal, or within ``RELATIVE`` of each other
(the kernel is built without fused multiply-adds, so in practice they are identical); NaN
(not delivered) equals NaN; and a value must have the same type in both.

Both engines count into a ``RawReplication`` and share the one accounting, so the engines
agree when their raw records do: ``raw_difference`` names the first accumulator that
differs in words ("billed cost of closed cloud leases (USD) of pool spot"), not a cost
derived from it. ``result_difference`` compares two ``ReplicationResult``s (two runs of
one engine, or results read back from disk).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from simulator.engines.raw import PER_DAY, RawReplication
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import stages
from simulator.model.season import SeasonModel

__all__ = ["RELATIVE", "first_difference", "raw_difference", "result_difference"]

RELATIVE = 1e-9
"""Largest relative difference between two floats that still counts as the same."""


def first_difference(a: Any, b: Any, path: str, names: tuple[str, str] = ("a", "b")) -> str | None:
    """Where two values (dicts, lists and tuples of them, numbers, text) first differ,
    named by ``path`` and the two sides' ``names``; None when they agree."""
    left, right = names
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} ({left}) != {list(b)} ({right})"
        for key in a:
            found = first_difference(a[key], b[key], f"{path}[{key!r}]", names)
            if found:
                return found
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: length {len(a)} ({left}) != {len(b)} ({right})"
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{k}]", names)
            if found:
                return found
        return None
    if type(a) is not type(b):
        return f"{path}: {left} {type(a).__name__} {a!r} != {right} {type(b).__name__} {b!r}"
    if isinstance(a, float):
        if (math.isnan(a) and math.isnan(b)) or a == b:
            return None
        if abs(a - b) <= RELATIVE * max(abs(a), abs(b)):
            return None
    elif a == b:
        return None
    return f"{path}: {left} {a!r} != {right} {b!r}"


def result_difference(
    a: ReplicationResult, b: ReplicationResult, names: tuple[str, str] = ("a", "b")
) -> str | None:
    """The first field where two results of the same replication differ, or None."""
    for field in dataclasses.fields(ReplicationResult):
        found = first_difference(getattr(a, field.name), getattr(b, field.name), field.name, names)
        if found:
            return f"replication {a.replication}: {found}"
    return None


def _owners(model: SeasonModel, per: str) -> list[str]:
    """The names of what a field is counted per, in its order."""
    episodes = [f"episode {ep.name}" for ep in model.episodes]
    pools = [f"pool {p.name}" for p in model.pools]
    teams = [f"team {t.name}" for t in model.teams]
    resources = pools + teams  # the order of resource_keys
    if per == "stage":
        return [f"stage {st.name}" for st in stages(model)]
    return {
        "episode": episodes,
        "pool": pools,
        "team": teams,
        "resource": resources,
        "pool, episode": pools,
        "team, episode": teams,
        PER_DAY: resources,
    }[per]


def raw_difference(
    model: SeasonModel, a: RawReplication, b: RawReplication, names: tuple[str, str] = ("a", "b")
) -> str | None:
    """The first accumulator where two raw records of the same replication differ, named in
    words (what it counts, of which pool, team or episode, on which day), or None."""
    for field in dataclasses.fields(RawReplication):
        what, per = field.metadata["what"], field.metadata["per"]
        left, right = getattr(a, field.name), getattr(b, field.name)
        if per == "run":
            found = first_difference(left, right, what, names)
        elif len(left) != len(right):
            found = f"{what}: {len(left)} ({names[0]}) != {len(right)} ({names[1]}) values"
        else:
            found = None
            for owner, x, y in zip(_owners(model, per), left, right, strict=True):
                found = _inner_difference(model, per, f"{what} of {owner}", x, y, names)
                if found:
                    break
        if found:
            return f"replication {a.replication}: {found}"
    return None


def _inner_difference(
    model: SeasonModel, per: str, path: str, x: Any, y: Any, names: tuple[str, str]
) -> str | None:
    """The difference within one owner's values: per episode, or per day."""
    if per.endswith(", episode"):
        episodes = [ep.name for ep in model.episodes]
        for name, u, v in zip(episodes, x, y, strict=True):
            found = first_difference(u, v, f"{path}, episode {name}", names)
            if found:
                return found
        return None
    if per == PER_DAY:
        if len(x) != len(y):
            return f"{path}: {len(x)} ({names[0]}) != {len(y)} ({names[1]}) days"
        for day, (u, v) in enumerate(zip(x, y, strict=True)):
            found = first_difference(u, v, f"{path} on day {day}", names)
            if found:
                return found
        return None
    return first_difference(x, y, path, names)
