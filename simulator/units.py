"""Durations and dates: parsed in one place, converted to hours once.

A duration is written either as a number whose unit is in the key's name
(``seconds_per_frame: 22.7``, ``minutes_per_shot: 3``) or as a string with a unit
suffix (``"90s"``, ``"4h"``, ``"3d"``, ``"1h30m"``, ``"2w"``). Everything inside reelsim is
in hours from the season's start, as a float.
"""

from __future__ import annotations

import math
import re

__all__ = ["HOURS_PER", "parse_duration_hours"]

HOURS_PER = {
    "s": 1.0 / 3600.0,
    "m": 1.0 / 60.0,
    "h": 1.0,
    "d": 24.0,
    "w": 168.0,
}

# Exponents are accepted so that any duration written back as ``repr(hours) + "h"``
# (``"2.777777777777778e-05h"`` for 0.1 s) reads back as the same number.
_PART = re.compile(r"\s*((?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*([smhdw])", re.IGNORECASE)


def parse_duration_hours(text: str) -> float:
    """``"1h30m"`` → 1.5. Raises ValueError with what was expected."""
    s = text.strip()
    shown = repr(text if len(text) <= 40 else text[:37] + "...")  # quoted short in messages
    if not s:
        raise ValueError("expected a duration such as '90s', '4h' or '3d', got an empty string")
    pos = 0
    total = 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None:
            raise ValueError(
                f"expected a duration such as '90s', '15m', '4h', '3d' or '1h30m', got {shown}"
            )
        total += float(m.group(1)) * HOURS_PER[m.group(2).lower()]
        pos = m.end()
    if not math.isfinite(total):
        raise ValueError(f"duration {shown} is not finite")
    return total
