"""Episode names made from a series' ``name_format``.

A format is a template with one field, ``{number}`` (1-based), and an optional format
spec limited to fill, alignment, sign, zero padding, a width of at most 99 and an integer
type (``{number:02d}``, ``{number:>3}``). Anything else (``{}``, ``{number.real}``, a
nested field, a width of 100,000) is refused before any name is made, so that making the
names costs no more than their length. Every name must be a valid name, and no two alike.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

__all__ = ["episode_names"]

_SPEC = re.compile(r"(?:.?[<>^=])?[-+ ]?0?[0-9]{0,2}[dxXob]?", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9_\-]{1,100}")


def _check_format(name_format: str) -> None:
    try:
        parts = list(string.Formatter().parse(name_format))
    except ValueError as error:
        raise ValueError(f"name_format {name_format!r} is not a valid template: {error}") from None
    fields = 0
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        fields += 1
        if field != "number" or conversion:
            shown = "{" + field + ("!" + conversion if conversion else "") + "}"
            raise ValueError(
                f"name_format may hold only the field {{number}} (e.g. 'ep{{number:02d}}'), "
                f"got {shown!r}"
            )
        if spec and not _SPEC.fullmatch(spec):
            raise ValueError(
                f"name_format: the format of {{number}} may give a fill, an alignment, a "
                f"width of at most 99 and an integer type (e.g. '02d'), got {spec[:20]!r}"
            )
    if fields == 0:
        raise ValueError(
            f"name_format needs the field {{number}} to tell episodes apart, got {name_format!r}"
        )


@lru_cache(maxsize=64)
def episode_names(name_format: str, count: int) -> tuple[str, ...]:
    """The names of episodes 1..count; ValueError naming the first bad or repeated one."""
    _check_format(name_format)
    names = tuple(name_format.format(number=k) for k in range(1, count + 1))
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"name_format gives episode {number} the name {name[:40]!r}; a name is 1 to "
                "100 letters, digits, '_' or '-'"
            )
        if name in seen:
            raise ValueError(
                f"name_format gives episodes {seen[name]} and {number} the same name {name!r}"
            )
        seen[name] = number
    return names
