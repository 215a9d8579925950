"""Whether two engines (or two devices) produced the same replication.

The contract (DESIGN §2): replication ``i`` of a seed is the same whichever engine runs it.
Counts must be equal; floating-point values equal, or within ``RELATIVE`` of each other
(the kernel is built without fused multiply-adds, so in practice they are identical); NaN
(not delivered) equals NaN; and a value must have the same type in both.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from simulator.engines.replication import ReplicationResult

__all__ = ["RELATIVE", "first_difference", "result_difference"]

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
