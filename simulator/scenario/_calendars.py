"""The scenario's calendar and shifts: the season's start, time zones, holidays (a list of
dates or a country's public holidays) and the weekly shifts teams work."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, Tag, ValidationInfo, field_validator

from simulator.calendar import check_country, check_subdivision, check_time_zone
from simulator.scenario._values import (
    CalendarDate,
    ClockTime,
    Frozen,
    Label,
    TimePoint,
    Weekday,
)

__all__ = ["Calendar", "Holidays", "PublicHolidays", "Shift", "TimeZone"]


TimeZone = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_time_zone)]
"""An IANA time zone ('America/Los_Angeles', 'Asia/Manila', 'UTC'), daylight saving included."""


class PublicHolidays(Frozen):
    """A country's or region's public holidays (from the ``holidays`` package, observed
    days included), and further dates."""

    country: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_country)]
    """ISO 3166 country code ('US', 'PH', 'GB')."""
    subdivision: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """A state, province or region with holidays of its own ('CA': California)."""
    dates: Annotated[tuple[CalendarDate, ...], Field(max_length=10_000)] = ()
    """Further days off besides the public holidays."""

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:
            return value
        return check_subdivision(country, value)


def _holidays_tag(value: Any) -> str:
    return "dates" if isinstance(value, list | tuple) else "public"


Holidays = Annotated[
    Annotated[tuple[CalendarDate, ...], Field(max_length=10_000), Tag("dates")]
    | Annotated[PublicHolidays, Tag("public")],
    Discriminator(_holidays_tag),
]
"""Days off: a list of dates, or a country's public holidays ``{country: PH}`` with
optional ``dates``."""


class Calendar(Frozen):
    """Maps hours from the season start to dates and times of day in the calendar's zone."""

    start: CalendarDate
    """The season's first day; hours are counted from its 00:00 in ``time_zone``."""
    time_zone: TimeZone = "UTC"
    """IANA time zone ('America/Los_Angeles') of the calendar's dates and times: a deadline
    date means its 24:00 there; teams work in this zone unless they name their own."""
    holidays: Holidays = ()
    """Studio holidays: no shift starts on these days (GPU pools work on). A list of
    dates, or a country's public holidays: ``{country: US}``."""
    season_end: TimePoint | None = None
    """Until when reserved GPUs and scheduled team hours are paid; default: latest deadline."""


class Shift(Frozen):
    """People on duty on given weekdays; an end at or before the start crosses midnight."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    days: Annotated[tuple[Weekday, ...], Field(max_length=7)] = ("mon", "tue", "wed", "thu", "fri")
    """Weekdays the shift runs (mon..sun), in the team's local time."""
    start: ClockTime
    """Start, 'HH:MM' local time (quote it)."""
    end: ClockTime
    """End, 'HH:MM'; at or before the start means the next day."""
    people: Annotated[int, Field(ge=0, le=10_000)]
    """People on duty during the shift."""
