"""The values a scenario is written in, each with the range it may take.

Every number a scenario holds ends up in an engine as a duration, a rate, a count or an
amount of money; some are cast to 64-bit integers, some are multiplied by others, some
set how long a loop runs. So every value has a range, chosen wide enough for any real
season and narrow enough that every sampler, every event rate and every sum stays finite
and meaningful (a value out of range is refused at validation with the range named):

* durations and offsets: 0 to ``MAX_SEASON_HOURS`` (ten years);
* dates: ``FIRST_DATE`` to ``LAST_DATE``; every moment of a season (locks, deadlines, the
  season's end) lies within ``MAX_SEASON_HOURS`` of its start;
* money: 0 to ``MAX_MONEY`` US dollars per unit (an hour, a shot, a day);
* priorities and queue weights: ``-MAX_WEIGHT`` to ``MAX_WEIGHT``;
* names: at most 100 characters of letters, digits, ``_`` and ``-``; titles and other
  text for people: at most ``MAX_TITLE`` characters (``MAX_DESCRIPTION`` for a
  description).

Counts have their ranges beside their keys in ``schema`` (GPUs a pool: the draw address
holds a unit in 16 bits; stages and pools: 8 bits; shots: 24 bits).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from simulator.units import parse_duration_hours

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_DESCRIPTION",
    "MAX_FRAMES",
    "MAX_MONEY",
    "MAX_PREEMPTIONS_PER_GPU_HOUR",
    "MAX_SEASON_HOURS",
    "MAX_SHOTS",
    "MAX_TITLE",
    "MAX_WEIGHT",
    "MIN_HOURS_BETWEEN_FAILURES",
    "BillingIncrement",
    "CalendarDate",
    "ClockTime",
    "Description",
    "Duration",
    "Frozen",
    "Label",
    "LargestAtMost",
    "MeanAtLeast",
    "Money",
    "Name",
    "Probability",
    "TimePoint",
    "Title",
    "Weekday",
    "Weight",
    "bound_text",
    "range_words",
]

MAX_SEASON_HOURS = 87_660.0
"""Ten years of 365.25 days: the longest duration, horizon or offset from the start."""

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
"""The dates a scenario may name (a season's start, holidays, locks and deadlines)."""

MAX_SHOTS = (1 << 24) - 1
"""Shots and episodes in a scenario, together: a draw's address holds a task in 24 bits."""

MAX_FRAMES = 10_000_000
"""The most frames a shot may have (and the largest draw of ``frames_per_shot``)."""

MIN_HOURS_BETWEEN_FAILURES = 1.0
"""The least mean time between a GPU's failures: a unit failing more often than hourly is
no working unit, and failures at a rate without bound would never let time advance."""

MAX_PREEMPTIONS_PER_GPU_HOUR = 6.0
"""The most spot preemptions per leased unit-hour: one every ten minutes on average, far
beyond published rates (a few a month), where hardly any task would finish."""

MAX_MONEY = 1e9
"""The largest amount of money per unit (USD per GPU-hour, per person-hour, per shot)."""

MAX_WEIGHT = 1e6
"""The largest priority or queue-index weight, either sign."""

MAX_TITLE = 200
"""The longest title, model or GPU description, in characters."""

MAX_DESCRIPTION = 10_000
"""The longest scenario description, in characters."""


def bound_text(value: Any) -> str:
    """A bound as people read it: ``65,535``, ``1e+09``, ``0.5``, ``2999-12-31``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) <= 1e7 else f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def range_words(bounds: dict[str, Any]) -> str:
    """``{"ge": 0, "le": 10}`` → ``"0 to 10"``; one side → ``"≥ 0"``; none → ``""``."""
    if "ge" in bounds and "le" in bounds:
        return f"{bound_text(bounds['ge'])} to {bound_text(bounds['le'])}"
    words = [
        f"{sign} {bound_text(bounds[key])}"
        for key, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))
        if key in bounds
    ]
    return ", ".join(words)


def _shown(value: Any) -> str:
    """A value as quoted in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 43 else text[:40] + "..."


def _duration_hours(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # let pydantic report the wrong type
    if isinstance(value, str):
        return parse_duration_hours(value)
    if isinstance(value, int | float):
        raise ValueError(
            f"give the unit with the number, e.g. '{value}h' or '{value}m', got {_shown(value)}"
        )
    return value


def _hours_text(hours: float) -> str:
    return f"{hours!r}h"


Duration = Annotated[
    float,
    BeforeValidator(_duration_hours),
    Field(ge=0.0, le=MAX_SEASON_HOURS),
    PlainSerializer(_hours_text, return_type=str),
]
"""A length of time, written ``"90s"``, ``"15m"``, ``"4h"``, ``"3d"``, ``"2w"``; held in hours."""

BillingIncrement = Annotated[
    float,
    BeforeValidator(_duration_hours),
    Field(ge=1.0 / 3600.0, le=MAX_SEASON_HOURS),
    PlainSerializer(_hours_text, return_type=str),
]
"""A duration of at least a second: the finest unit clouds bill in (a finer one would
round a lease's hours past what a double holds)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY)]
Weight = Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")]
Title = Annotated[str, Field(max_length=MAX_TITLE)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
CalendarDate = Annotated[date, Field(ge=FIRST_DATE, le=LAST_DATE)]
Label = Annotated[str, Field(max_length=80)]
"""What people call a thing ("LA supervisors, day shift"): shown instead of its name."""

_DATE_RANGE = f"from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"


def _in_date_range(moment: date | datetime) -> date | datetime:
    day = moment.date() if isinstance(moment, datetime) else moment
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"expected a date {_DATE_RANGE}, got {moment.isoformat()}")
    return moment


def _offset_in_range(hours: float, text: str) -> float:
    if hours > MAX_SEASON_HOURS:
        raise ValueError(
            f"expected an offset of at most {MAX_SEASON_HOURS:,.0f}h (ten years) from the "
            f"season start, got {_shown(text)}"
        )
    return hours


def _time_point(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return _in_date_range(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            if "T" in text or " " in text:
                return _in_date_range(datetime.fromisoformat(text))
            return _in_date_range(date.fromisoformat(text))
        except ValueError as error:
            if "expected a date from" in str(error):
                raise
        try:
            return _offset_in_range(parse_duration_hours(text), value)
        except ValueError as error:
            if "expected an offset" in str(error):
                raise
            raise ValueError(
                f"expected a date (2027-03-15), a date and time (2027-03-15T18:00) or an "
                f"offset from the season start ('21d'), got {_shown(value)}"
            ) from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"expected a date (2027-03-15) or an offset with a unit ('21d'), got {_shown(value)}"
        )
    return value


def _time_point_out(value: date | datetime | float) -> Any:
    return _hours_text(value) if isinstance(value, float) else value


TimePoint = Annotated[
    datetime | date | float,
    BeforeValidator(_time_point),
    PlainSerializer(_time_point_out),
]
"""A moment: a date (its 24:00 for deadlines, 00:00 otherwise), a datetime, or an
offset from the season start ("21d"), held as hours."""

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _clock(value: Any) -> Any:
    if isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if m is None or (int(m.group(1)) == 24 and m.group(2) != "00"):
            raise ValueError(
                f"expected a time of day 'HH:MM' (00:00 to 24:00), got {_shown(value)}"
            )
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    raise ValueError(f"expected a time of day in quotes, e.g. '09:00', got {_shown(value)}")


ClockTime = Annotated[str, BeforeValidator(_clock)]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class LargestAtMost:
    """A distribution field's check: its largest draw is at most ``limit`` (``unit``)."""

    def __init__(self, limit: float, unit: str) -> None:
        self.limit = limit
        self.unit = unit

    @property
    def words(self) -> str:
        return f"largest draw ≤ {bound_text(self.limit)} {self.unit}"

    def bare(self, value: Any) -> Any:
        """A bare number over the limit, refused with the limit (not a constant's range)."""
        if isinstance(value, int | float) and not isinstance(value, bool) and value > self.limit:
            raise ValueError(
                f"expected at most {bound_text(self.limit)} {self.unit}, got {_shown(value)}"
            )
        return value

    def __call__(self, dist: Any) -> Any:
        if not dist.largest <= self.limit:
            raise ValueError(
                f"the distribution can draw up to {dist.largest:.4g} {self.unit}; at most "
                f"{bound_text(self.limit)} are allowed (lower its parameters)"
            )
        return dist


class MeanAtLeast:
    """A distribution field's check: its mean is at least ``limit`` (``unit``)."""

    def __init__(self, limit: float, unit: str) -> None:
        self.limit = limit
        self.unit = unit

    @property
    def words(self) -> str:
        return f"mean ≥ {bound_text(self.limit)} {self.unit}"

    def __call__(self, dist: Any) -> Any:
        if not dist.mean >= self.limit:
            raise ValueError(
                f"the mean is {dist.mean:.4g} {self.unit}; it must be at least "
                f"{bound_text(self.limit)} {self.unit}"
            )
        return dist


class Frozen(BaseModel):
    """The base of every scenario model: frozen, no unknown keys, no infinities or NaN."""

    # Field docstrings become the JSON Schema's descriptions and docs/scenario.md.
    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True
    )
