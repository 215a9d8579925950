"""The season's clock: hours from the start, dates, and when teams are on shift.

Season time is hours from 00:00 (UTC) of ``calendar.start``. Days are 24 hours; there is
no daylight saving. A team with a UTC offset works its shifts in its own local time. A
shift belongs to the day it starts and is dropped on that team's holidays (the calendar's
holidays and its own). GPU pools ignore holidays.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.scenario.schema import Calendar, Team

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as scenarios write them, Monday first (``date.weekday()`` order)."""

__all__ = ["WEEKDAYS", "date_at", "headcount_changes", "hours_at", "parse_moment"]


def hours_at(
    calendar: Calendar, point: date | datetime | float, *, end_of_day: bool = False
) -> float:
    """Hours from the season start to ``point``.

    A plain date means its 00:00, or its 24:00 with ``end_of_day`` (deadlines).
    A float is already an offset in hours.
    """
    if isinstance(point, float):
        return point
    start = datetime(calendar.start.year, calendar.start.month, calendar.start.day)
    if isinstance(point, datetime):
        moment = point.replace(tzinfo=None) - (point.utcoffset() or timedelta(0))
    else:
        moment = datetime(point.year, point.month, point.day) + timedelta(
            days=1 if end_of_day else 0
        )
    return (moment - start).total_seconds() / 3600.0


def parse_moment(text: str) -> date | datetime:
    """``2027-02-15`` (00:00 of that day) or ``2027-02-15T18:00``; ValueError otherwise."""
    text = text.strip()
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected a date (2027-02-15) or a date and time (2027-02-15T18:00), got {text!r}"
        ) from None


def date_at(calendar: Calendar, hours: float) -> datetime:
    """The moment (UTC) ``hours`` after the season start."""
    start = datetime(calendar.start.year, calendar.start.month, calendar.start.day)
    return start + timedelta(hours=hours)


def _clock_hours(text: str) -> float:
    hh, mm = text.split(":")
    return int(hh) + int(mm) / 60.0


def headcount_changes(team: Team, calendar: Calendar, until: float) -> list[tuple[float, int]]:
    """The team's head count as steps: ``[(t, people), ...]`` from t = 0 up to ``until``.

    The first entry is at t = 0; later entries are the moments the count changes. Shifts
    that overlap add their people.
    """
    if team.around_the_clock is not None:
        return [(0.0, team.around_the_clock)]
    assert team.shifts is not None
    holidays = set(calendar.holidays) | set(team.holidays)
    offset = team.utc_offset_hours
    delta: dict[float, int] = {}
    # Local days that can touch [0, until] in season time; one spare day each side
    # covers offsets and shifts that cross midnight.
    first_day = calendar.start - timedelta(days=2)
    n_days = int(until // 24.0) + 4
    for k in range(n_days):
        day = first_day + timedelta(days=k)
        if day in holidays:
            continue
        weekday = WEEKDAYS[day.weekday()]
        day_start = hours_at(calendar, day) - offset
        for shift in team.shifts:
            if weekday not in shift.days or shift.people == 0:
                continue
            start = _clock_hours(shift.start)
            end = _clock_hours(shift.end)
            if end <= start:
                end += 24.0
            a, b = day_start + start, day_start + end
            if b <= 0.0 or a >= until:
                continue
            a = max(a, 0.0)
            delta[a] = delta.get(a, 0) + shift.people
            delta[b] = delta.get(b, 0) - shift.people
    steps: list[tuple[float, int]] = [(0.0, 0)]
    level = 0
    for t in sorted(delta):
        level += delta[t]
        if t == 0.0:
            steps[0] = (0.0, level)
        elif level != steps[-1][1]:
            steps.append((t, level))
    return steps
