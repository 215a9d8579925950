"""The season's clock: hours from the start, dates, and when teams are on shift.

Season time is real hours from 00:00 of ``calendar.start`` in the calendar's time zone
(UTC unless ``calendar.time_zone`` names one). Dates and times written without a zone are
wall-clock times in the calendar's zone. A team works its shifts in wall-clock time in its
own zone (``time_zone``, with daylight saving, or a fixed ``utc_offset_hours``; default:
the calendar's zone), so a shift across a daylight-saving change lasts its real length. A
shift belongs to the local day it starts and is dropped on that team's holidays (the
calendar's and its own: dates, and optionally a country's public holidays from the
``holidays`` package). GPU pools ignore holidays.
"""

from __future__ import annotations

import difflib
import functools
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

if TYPE_CHECKING:
    from simulator.scenario.schema import Calendar, PublicHolidays, Team

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as scenarios write them, Monday first (``date.weekday()`` order)."""

__all__ = [
    "WEEKDAYS",
    "check_country",
    "check_subdivision",
    "check_time_zone",
    "date_at",
    "headcount_changes",
    "holiday_dates",
    "hours_at",
    "parse_moment",
]


# --- names: time zones and countries ----------------------------------------------------


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone ('America/Los_Angeles'); ValueError otherwise,
    suggesting the zone probably meant."""
    zones = _zones()
    if name in zones:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    by_key = {_name_key(z): z for z in zones}
    by_city = {_name_key(z.rsplit("/", 1)[-1]): z for z in zones}
    key = _name_key(name)
    close = by_key.get(key) or by_city.get(key)
    if close is None:
        found = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.75)
        found = found or difflib.get_close_matches(key, list(by_city), n=1, cutoff=0.75)
        close = (by_key.get(found[0]) or by_city.get(found[0])) if found else None
    hint = f"; did you mean {close!r}?" if close else " (e.g. 'America/Los_Angeles', 'UTC')"
    return _refuse(f"unknown time zone {name!r}{hint}")


def check_country(code: str) -> str:
    """``code`` if the ``holidays`` package knows the country ('US', 'PH'); ValueError
    otherwise, suggesting the code probably meant (a country's name finds its code)."""
    countries = _countries()
    if code in countries:
        return code
    key = _name_key(code)
    close = key.upper() if key.upper() in countries else None
    if close is None:
        names = _country_names()
        found = difflib.get_close_matches(key, list(names), n=1, cutoff=0.75)
        close = names[found[0]] if found else None
    hint = f"; did you mean {close!r}?" if close else " (ISO 3166 codes such as 'US', 'PH', 'GB')"
    return _refuse(f"unknown country {code!r} for public holidays{hint}")


def check_subdivision(country: str, code: str) -> str:
    """``code`` if it is one of ``country``'s subdivisions; ValueError otherwise."""
    known = _countries().get(country, [])
    if code in known:
        return code
    close = difflib.get_close_matches(code.upper(), known, n=1, cutoff=0.5)
    if close:
        hint = f"; did you mean {close[0]!r}?"
    elif known:
        hint = f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
    else:
        hint = f" ({country} has no subdivisions with their own holidays)"
    return _refuse(f"unknown subdivision {code!r} of {country}{hint}")


def _refuse(message: str) -> str:
    raise ValueError(message)


def _name_key(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


@functools.cache
def _zones() -> list[str]:
    """IANA zone names; not the machine's own setting ('localtime'), which would make a
    scenario mean different things on different machines."""
    return sorted(available_timezones() - {"localtime", "posixrules", "Factory"})


@functools.cache
def _countries() -> dict[str, list[str]]:
    import holidays

    return holidays.list_supported_countries()


@functools.cache
def _country_names() -> dict[str, str]:
    """Lower-case country names ('united_states') to their codes."""
    from holidays.registry import COUNTRIES

    return {module: entry[1] for module, entry in COUNTRIES.items()}


@functools.cache
def _public_holidays(country: str, subdivision: str | None, years: range) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=years))


def holiday_dates(holidays: tuple[date, ...] | PublicHolidays, years: range) -> set[date]:
    """The days off ``holidays`` names in ``years``: its dates, plus its country's (or
    region's) public holidays, observed days included."""
    if isinstance(holidays, tuple):
        return set(holidays)
    public = _public_holidays(holidays.country, holidays.subdivision, years)
    return set(holidays.dates) | public


# --- moments ------------------------------------------------------------------------------


def _zone(name: str | None, offset_hours: float | None = None) -> tzinfo:
    if offset_hours is not None:
        return timezone(timedelta(hours=offset_hours))
    if name is None or name == "UTC":
        return UTC
    return ZoneInfo(name)


def _calendar_zone(calendar: Calendar) -> tzinfo:
    return _zone(calendar.time_zone)


def _start(calendar: Calendar) -> datetime:
    """t = 0: 00:00 of the first day in the calendar's zone, as a UTC moment."""
    day = calendar.start
    local = datetime(day.year, day.month, day.day, tzinfo=_calendar_zone(calendar))
    return local.astimezone(UTC)


def _offset_hours(zone: tzinfo, wall: datetime) -> float:
    """Local time minus UTC at the wall-clock time ``wall``, in hours. A time skipped at a
    spring-forward change reads with the offset before it; one that happens twice (fall
    back) is the first."""
    offset = zone.utcoffset(wall)
    assert offset is not None
    return offset.total_seconds() / 3600.0


def hours_at(
    calendar: Calendar, point: date | datetime | float, *, end_of_day: bool = False
) -> float:
    """Hours from the season start to ``point``.

    A plain date means its 00:00 in the calendar's zone, or its 24:00 with ``end_of_day``
    (deadlines). A datetime without a zone is a wall-clock time in the calendar's zone. A
    float is already an offset in hours.
    """
    if isinstance(point, float):
        return point
    if not isinstance(point, datetime):
        point = datetime(point.year, point.month, point.day) + timedelta(
            days=1 if end_of_day else 0
        )
    if point.tzinfo is None:
        point = point.replace(tzinfo=_calendar_zone(calendar))
    return (point.astimezone(UTC) - _start(calendar)).total_seconds() / 3600.0


def parse_moment(text: str, *, today: date | None = None) -> date | datetime:
    """``2027-02-15`` (00:00 of that day), ``2027-02-15T18:00``, or ``today`` (00:00 of
    ``today``, default: this machine's date); ValueError otherwise."""
    text = text.strip()
    if text.lower() == "today":
        return date.today() if today is None else today
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected a date (2027-02-15), a date and time (2027-02-15T18:00) or today, "
            f"got {text!r}"
        ) from None


def date_at(calendar: Calendar, hours: float, *, aware: bool = False) -> datetime:
    """The wall-clock time in the calendar's zone ``hours`` after the season start; with
    ``aware``, with its offset (unambiguous in the hour a fall-back change repeats)."""
    moment = (_start(calendar) + timedelta(hours=hours)).astimezone(_calendar_zone(calendar))
    return moment if aware else moment.replace(tzinfo=None)


def _clock_hours(text: str) -> float:
    hh, mm = text.split(":")
    return int(hh) + int(mm) / 60.0


def _team_zone(team: Team, calendar: Calendar) -> tzinfo | float:
    """The zone of the team's shifts, or its fixed offset in hours as written."""
    if team.utc_offset_hours is not None:
        return team.utc_offset_hours
    if team.time_zone is not None:
        return _zone(team.time_zone)
    return _calendar_zone(calendar)


def _wall_hours(
    calendar: Calendar, start_offset: float, zone: tzinfo | float, day: date, clock: float
) -> float:
    """Hours from the season start to ``clock`` hours past 00:00 of ``day``, wall-clock
    time in ``zone``; ``start_offset`` is the calendar zone's offset at the season start."""
    wall = datetime(day.year, day.month, day.day) + timedelta(hours=clock)
    offset = zone if isinstance(zone, float) else _offset_hours(zone, wall)
    day_hours = (day - calendar.start).days * 24.0
    return ((day_hours + start_offset) - offset) + clock


def headcount_changes(team: Team, calendar: Calendar, until: float) -> list[tuple[float, int]]:
    """The team's head count as steps: ``[(t, people), ...]`` from t = 0 up to ``until``.

    The first entry is at t = 0; later entries are the moments the count changes. Shifts
    that overlap add their people. A shift's start and end are wall-clock times in the
    team's zone, so across a daylight-saving change it lasts its real length.
    """
    if team.around_the_clock is not None:
        return [(0.0, team.around_the_clock)]
    assert team.shifts is not None
    zone = _team_zone(team, calendar)
    start = calendar.start
    start_offset = _offset_hours(
        _calendar_zone(calendar), datetime(start.year, start.month, start.day)
    )
    # Local days that can touch [0, until] in season time; two spare days each side
    # cover zones and shifts that cross midnight.
    first_day = start - timedelta(days=2)
    n_days = int(until // 24.0) + 4
    years = range(first_day.year, (first_day + timedelta(days=n_days)).year + 1)
    holidays = holiday_dates(calendar.holidays, years) | holiday_dates(team.holidays, years)
    delta: dict[float, int] = {}
    for k in range(n_days):
        day = first_day + timedelta(days=k)
        if day in holidays:
            continue
        weekday = WEEKDAYS[day.weekday()]
        for shift in team.shifts:
            if weekday not in shift.days or shift.people == 0:
                continue
            begin = _clock_hours(shift.start)
            end = _clock_hours(shift.end)
            if end <= begin:
                end += 24.0
            a = _wall_hours(calendar, start_offset, zone, day, begin)
            b = _wall_hours(calendar, start_offset, zone, day, end)
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
