"""Time-weighted levels, kept in daily bins.

A ``LevelMonitor`` follows a level that changes in steps (units busy, tasks waiting) and
integrates it over time, in all (``area``) and per day of the season (``daily_areas``).
The batch kernel keeps the same bins (DESIGN §3).
"""

from __future__ import annotations

import math

from simulator.engines.raw import HOURS_PER_BIN, days_until

__all__ = ["LevelMonitor", "day_of"]


def day_of(t: float) -> int:
    """The daily bin of a time ``t >= 0`` (hours): ``floor(t / 24)``, the quotient rounded
    to a double first. The kernel computes the same formula (docs/model.md "Numbers")."""
    return math.floor(t / HOURS_PER_BIN)


class LevelMonitor:
    __slots__ = ("area", "bins", "level", "since")

    def __init__(self) -> None:
        self.level = 0
        self.since = 0.0
        self.area = 0.0
        self.bins: list[float] = []

    def add(self, t: float, delta: int) -> None:
        """The level changes by ``delta`` at ``t``: the old level is integrated up to ``t``
        first, one term per day it spans."""
        a = self.since
        if t > a:
            level = self.level
            self.area += level * (t - a)
            if level:
                bins = self.bins
                while a < t:
                    day = math.floor(a / HOURS_PER_BIN)  # day_of(a), inlined: the hot path
                    end = (day + 1) * HOURS_PER_BIN
                    b = t if t < end else end
                    if day >= len(bins):
                        bins.extend([0.0] * (day + 1 - len(bins)))
                    bins[day] += level * (b - a)
                    a = b
            self.since = t
        self.level += delta

    def daily_areas(self, t: float) -> list[float]:
        """The level integrated over each day of [0, t], ``days_until(t)`` days; ``area``
        is then integrated to ``t`` too."""
        self.add(t, 0)
        days = days_until(t)
        bins = self.bins + [0.0] * max(0, days - len(self.bins))
        return bins[:days]
