"""Time-weighted levels, kept in daily bins.

A ``LevelMonitor`` follows a level that changes in steps (units busy, tasks waiting) and
integrates it over time, per day of the season: ``daily_mean(day)`` is the level's average
over that day. The batch kernel keeps the same bins (DESIGN §3).
"""

from __future__ import annotations

import math

__all__ = ["HOURS_PER_BIN", "LevelMonitor", "day_of"]

HOURS_PER_BIN = 24.0


def day_of(t: float) -> int:
    """The daily bin of a time ``t >= 0`` (hours): ``floor(t / 24)``, the quotient rounded
    to a double first. The kernel computes the same formula (docs/model.md "Numbers")."""
    return math.floor(t / HOURS_PER_BIN)


class LevelMonitor:
    __slots__ = ("area", "bins", "level", "peak", "since")

    def __init__(self) -> None:
        self.level = 0
        self.since = 0.0
        self.area = 0.0
        self.peak = 0
        self.bins: list[float] = []

    def _integrate_to(self, t: float) -> None:
        if t <= self.since:
            return
        level, a = self.level, self.since
        self.area += level * (t - a)
        if level:
            while a < t:
                day = day_of(a)
                b = min(t, (day + 1) * HOURS_PER_BIN)
                if day >= len(self.bins):
                    self.bins.extend([0.0] * (day + 1 - len(self.bins)))
                self.bins[day] += level * (b - a)
                a = b
        self.since = t

    def add(self, t: float, delta: int) -> None:
        self._integrate_to(t)
        self.level += delta
        self.peak = max(self.peak, self.level)

    def finish(self, t: float) -> list[float]:
        """Daily averages over [0, t] (the last, partial day averaged over 24 h)."""
        self._integrate_to(t)
        days = max(1, math.ceil(t / HOURS_PER_BIN))
        bins = self.bins + [0.0] * max(0, days - len(self.bins))
        return [area / HOURS_PER_BIN for area in bins[:days]]
