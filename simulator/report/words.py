"""How reelsim says a number, in the terminal and in every report: one place, one way.

Probabilities in percent with their interval ("3.1% (0.9% – 10.4%)"); moments as calendar
dates ("Fri 15 Jan 2027 24:00") and against the deadline ("2.5 days early"); money with
thousands separators and never "-$0"; small counts with two significant digits; an
interval that cannot be computed says so ("n/a with 1 replication") instead of printing
infinities. One word per concept: *utilisation*, *P(any miss)*, *replications*.

``simulator.cli`` and ``simulator.report`` both format through these functions, so the
terminal and the page say the same thing about the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from simulator.calendar import date_at
from simulator.model import setting_name

if TYPE_CHECKING:
    from simulator.results.summary import Summary
    from simulator.scenario.schema import Calendar
    from simulator.stats import Interval

__all__ = [
    "DIFFERENCES",
    "EPISODE_HEADINGS",
    "PAID_UTILISATION",
    "PLOT_GUIDES",
    "RUN_UTILISATION",
    "STAGE_HEADINGS",
    "VERDICT_WORDS",
    "WAITS_HEADINGS",
    "SeasonCalendar",
    "count",
    "days",
    "days_against",
    "drivers_sentence",
    "effect_format",
    "effect_heading",
    "episode_rows",
    "interval_text",
    "level_format",
    "money",
    "no_difference_text",
    "number",
    "percent",
    "quantity_name",
    "setting_name",
    "signed",
    "span",
    "stage_rows",
    "utilisation_rows",
    "verdict_line",
    "verdict_sentence",
    "wait_hours",
    "waits_rows",
    "with_interval",
]

Format = Callable[[float | None], str]

VERDICT_WORDS = {
    "on_time": "on time",
    "inconclusive": "inconclusive",
    "at_risk": "at risk",
    "late": "late",
}
"""A run's verdict (``Summary.verdict``) as people say it."""


RUN_UTILISATION = "busy share of available hours over the run"
"""Utilisation against the hours the resource was there while the run went on."""
PAID_UTILISATION = "busy share of paid hours to the season end"
"""Utilisation against what was paid for: reserved GPUs and people to the season end, a
cloud pool's billed lease unit-hours."""


def _unsigned_zero(x: float, digits: int) -> float:
    """``x``, or 0.0 when it rounds to zero at ``digits`` (no "-0.0")."""
    return 0.0 if round(x, digits) == 0 else x


def money(x: float | None, digits: int = 0) -> str:
    """``$52,512``; an unbounded value as ∞; never ``-$0``."""
    if x is None or not math.isfinite(x):
        return "∞"
    x = _unsigned_zero(x, digits)
    return f"-${-x:,.{digits}f}" if x < 0 else f"${x:,.{digits}f}"


def percent(p: float | None, digits: int = 1) -> str:
    """A probability or a share in percent: ``12.5%``."""
    if p is None or not math.isfinite(p):
        return "∞"
    return f"{_unsigned_zero(100.0 * p, digits):.{digits}f}%"


def number(x: float | None, digits: int = 1) -> str:
    """A quantity with thousands separators: ``1,234.5``; never ``-0.0``."""
    if x is None or not math.isfinite(x):
        return "∞"
    return f"{_unsigned_zero(x, digits):,.{digits}f}"


def count(x: float | None) -> str:
    """A mean count: two significant digits below 100 (``3.3``, ``0.047``), whole numbers
    with thousands separators from there (``1,234``)."""
    if x is None or not math.isfinite(x):
        return "∞"
    if abs(x) >= 99.5:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    digits = max(0, 1 - math.floor(math.log10(abs(x))))
    return number(x, digits)


def _replications(n: int) -> str:
    return f"{n:,} replication{'' if n == 1 else 's'}"


def span(low: float | None, high: float | None, fmt: Format, *, beyond: str = "or more") -> str:
    """``low – high``; an unbounded high end as "``low`` or more" (a quantile past what
    the replications reach)."""
    if high is not None and math.isinf(high) and high > 0 and low is not None:
        return f"{fmt(low)} {beyond}" if math.isfinite(low) else "unbounded"
    return f"{fmt(low)} – {fmt(high)}"


def interval_text(iv: Interval | None, fmt: Format, level: float | None = None) -> str:
    """``95% interval low – high`` (without ``level``: ``low – high``); "n/a with 1
    replication" when the replications are too few to bound it."""
    if iv is None:
        return ""
    if math.isinf(iv.low) and iv.low < 0:
        return f"n/a with {_replications(iv.n)}"
    text = span(iv.low, iv.high, fmt)
    return text if level is None else f"{level:.0%} interval {text}"


def with_interval(iv: Interval | None, fmt: Format) -> str:
    """``estimate (low – high)``, the form of a figure in a table."""
    if iv is None:
        return "–"
    return f"{fmt(iv.estimate)} ({interval_text(iv, fmt)})"


class SeasonCalendar:
    """Hours from the season start as dates a meeting reads: "Fri 15 Jan 2027 24:00", in the
    scenario calendar's zone when the scenario is at hand."""

    def __init__(self, start: date | None, calendar: Calendar | None = None) -> None:
        self.start = datetime(start.year, start.month, start.day) if start else None
        self.calendar = calendar

    @classmethod
    def of(cls, summary: Summary) -> SeasonCalendar:
        """The calendar of a run's summary: its season starts where its deadlines say."""
        for ep in summary.episodes:
            return cls((ep.deadline - timedelta(hours=ep.deadline_h)).date())
        return cls(None)

    def _at(self, hours: float) -> datetime:
        if self.calendar is not None:
            return date_at(self.calendar, hours)
        assert self.start is not None
        return self.start + timedelta(hours=hours)

    def moment(self, hours: float | None, *, deadline: bool = False) -> str:
        if hours is None or not math.isfinite(hours):
            return "not delivered"
        if self.start is None:
            return f"day {hours / 24.0:.1f}"
        at = self._at(hours)
        if deadline and at.hour == 0 and at.minute == 0:
            # A deadline date means 24:00 of that date: say so rather than "00:00 next day".
            return f"{(at - timedelta(days=1)):%a %d %b %Y} 24:00"
        return f"{at:%a %d %b %Y %H:%M}"

    def day(self, hours: float) -> str:
        if self.start is None:
            return f"day {hours / 24.0:.0f}"
        return f"{self._at(hours):%d %b %Y}"


def days_against(deadline_h: float, at_h: float | None) -> str:
    """A moment against its deadline: "2.5 days early", "1.0 day late", "on the deadline",
    "not delivered"."""
    if at_h is None or not math.isfinite(at_h):
        return "not delivered"
    days = (deadline_h - at_h) / 24.0
    shown = _unsigned_zero(abs(days), 1)
    if shown == 0:
        return "on the deadline"
    unit = "day" if f"{shown:.1f}" == "1.0" else "days"
    return f"{shown:.1f} {unit} {'early' if days > 0 else 'late'}"


def verdict_sentence(summary: Summary) -> str:
    """The verdict of a run in one sentence, the same in the terminal and in the report."""
    text = summary.verdict_text.strip()
    text = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    p_any = summary.season.p_any_miss
    n = summary.replications
    if summary.verdict == "inconclusive":
        misses = round(p_any.estimate * n)
        text += (
            f" {misses:,} of {_replications(n)} had an episode miss; the risk may still be "
            f"as high as {percent(p_any.high)}."
        )
    return text


def verdict_line(summary: Summary) -> str:
    """``word — sentence``: the verdict as the terminal prints it."""
    word = VERDICT_WORDS[summary.verdict]
    sentence = verdict_sentence(summary)
    if sentence.lower().startswith(word):
        return f"{word}{sentence[len(word) :]}"
    return f"{word} — {sentence}"


# --- differences A − B (compare) ---------------------------------------------------------


def signed(fmt: Format) -> Format:
    """``fmt`` with the sign in front: ``+$1,200``, ``−3.0 pp``; – for no number."""

    def with_sign(x: float | None) -> str:
        if x is None or not math.isfinite(x):
            return "–"
        shown = fmt(abs(x))
        if shown == fmt(0.0):
            return shown
        return ("+" if x > 0 else "−") + shown

    return with_sign


def days(hours: float | None) -> str:
    """A duration in hours as days: ``2.5 days``."""
    if hours is None or not math.isfinite(hours):
        return "∞"
    shown = number(hours / 24.0, 1)
    return f"{shown} day{'' if shown == '1.0' else 's'}"


DIFFERENCES: dict[str, Format] = {
    "cost": signed(money),
    "chance": signed(lambda x: f"{number(None if x is None else 100.0 * x, 1)} pp"),
    "time": signed(days),
    "count": signed(count),
}
"""How a difference A − B of each group of quantities is said (the groups of
``simulator.plots.planning.difference_group``)."""


def level_format(group: str, calendar: SeasonCalendar) -> Format:
    """How one side's mean of a group of quantities is said (a time as a date)."""
    formats: dict[str, Format] = {
        "cost": money,
        "chance": percent,
        "time": calendar.moment,
        "count": count,
    }
    return formats[group]


_QUANTITIES = {
    "cost_total": "season cost",
    "cost_mean": "season cost",
    "escaped_mean": "escaped defects",
    "p_any_miss": "P(any miss)",
    "makespan_h": "season end (last work done)",
    "escaped_defects": "escaped defects",
    "rework_passes": "rework passes",
}


def quantity_name(quantity: str) -> str:
    """A comparison quantity in words: ``delivery_h:ep01`` is "delivery of ep01"."""
    if quantity in _QUANTITIES:
        return _QUANTITIES[quantity]
    head, _, episode = quantity.partition(":")
    if head == "delivery_h":
        return f"delivery of {episode}"
    if head == "p_miss":
        return f"P(miss) of {episode}"
    if head.startswith("cost_"):
        return f"cost: {head[5:].replace('_', ' ')}"
    return quantity.replace("_", " ")


def no_difference_text(a: str, b: str) -> str:
    """What a comparison says when A and B gave the same numbers in every replication."""
    return (
        f"No replication differed: {a} and {b} gave the same cost, deliveries and defects "
        "in every replication, so the change makes no difference here."
    )


def wait_hours(x: float | None) -> str:
    """Hours of waiting: ``13.7 h``."""
    return f"{number(x, 1)} h"


def utilisation_rows(summary: Summary) -> list[list[str]]:
    """Per pool and team: its name, then ``RUN_UTILISATION`` and ``PAID_UTILISATION``,
    each with its interval (the terminal's and the report's utilisation table)."""
    rows = []
    for key, run in summary.utilisation.items():
        paid = summary.paid_utilisation.get(key)
        rows.append([summary.label(key), with_interval(run, percent), with_interval(paid, percent)])
    return rows


WAITS_HEADINGS = (
    "queue",
    "tasks started",
    "wait per task",
    "still queued at the end",
    "their wait so far",
)
"""The columns of ``waits_rows``, the terminal's and the report's waits table."""


def waits_rows(summary: Summary) -> list[list[str]]:
    """Per pool and team: tasks started from its queue, their mean wait (interval), the
    tasks still queued when the run ended and the hours they had waited; then the shots'
    time in system. Empty for a folder written before waits were summarised."""
    waits = summary.waits
    if waits is None:
        return []
    rows = [
        [
            summary.label(key),
            count(w.tasks_started),
            with_interval(w.mean_wait_h, wait_hours),
            with_interval(w.queued_at_end, count),
            with_interval(w.waited_at_end_h, wait_hours),
        ]
        for key, w in waits.resources.items()
    ]
    rows.append(
        [
            "shots, release to through (time in system)",
            count(waits.shots_through),
            with_interval(waits.time_in_system_h, wait_hours),
            "",
            "",
        ]
    )
    return rows


STAGE_HEADINGS = (
    "stage",
    "tasks started",
    "wait per task",
    "visits ended",
    "time per visit",
    "still queued at the end",
    "their wait so far",
)
"""The columns of ``stage_rows``."""


EPISODE_HEADINGS = (
    "episode",
    "deadline",
    "delivery P50",
    "delivery P90",
    "P90 vs deadline",
    "P(miss) (interval)",
)
"""The columns of ``episode_rows``."""


def episode_rows(summary: Summary, calendar: SeasonCalendar) -> list[list[str]]:
    """Per episode: its deadline, its median and 90th-percentile delivery, the latter
    against the deadline, and its chance of missing with the interval; an episode delivered
    before the run's start (``--now``) says when, and has no chance to miss."""
    rows = []
    for ep in summary.episodes:
        d = ep.delivery_h
        if ep.delivered_before:
            at = calendar.moment(d.p50.estimate)
            row = [f"delivered {at}", "before the run", days_against(ep.deadline_h, d.p50.estimate)]
            row.append("–")
        else:
            row = [
                calendar.moment(d.p50.estimate),
                calendar.moment(d.p90.estimate),
                days_against(ep.deadline_h, d.p90.estimate),
                with_interval(ep.p_miss, percent),
            ]
        rows.append([ep.id, calendar.moment(ep.deadline_h, deadline=True), *row])
    return rows


def stage_rows(summary: Summary) -> list[list[str]]:
    """Per stage: tasks started from its queue and their mean wait, the visits whose
    service ended and their mean time in the stage (arrival at its queue to the end of
    service), the tasks still queued when the run ended and the hours they had waited;
    each mean with its interval. Empty for a folder written before stages were
    summarised."""
    if summary.waits is None:
        return []
    return [
        [
            summary.label(key),
            count(st.tasks_started),
            with_interval(st.mean_wait_h, wait_hours),
            count(st.visits),
            with_interval(st.time_in_stage_h, wait_hours),
            with_interval(st.queued_at_end, count),
            with_interval(st.waited_at_end_h, wait_hours),
        ]
        for key, st in summary.waits.stages.items()
    ]


# --- sensitivity ----------------------------------------------------------------------------


def effect_format(method: str, output: str) -> Format:
    """How an input's effect on ``output`` is said: Morris's μ* in the output's own unit
    ("3.1 pp", "$1,200"), a Sobol' index as a share of the output's variance."""
    if method != "morris":
        return lambda x: number(x, 2)
    if output == "p_any_miss":
        return lambda x: f"{number(None if x is None else 100.0 * x, 1)} pp"
    return money if output == "cost_mean" else count


def effect_heading(method: str) -> str:
    """The name of a sensitivity index, as a table heads it."""
    return "effect over the range (μ*)" if method == "morris" else "share of variance (ST)"


def drivers_sentence(
    output: str, ranked: Sequence[tuple[str, float]], method: str, labels: Mapping[str, str]
) -> str:
    """What drives ``output``, in a planner's words: "VFX supervisor's minutes per shot, mean
    moves P(any miss) the most: 4.0 pp over its range; then …". ``ranked`` is (input's path,
    index), most influential first; ``labels`` as ``Summary.labels``."""
    fmt = effect_format(method, output)
    what = quantity_name(output)
    if not ranked or all(not (value > 0) for _, value in ranked):
        return f"{what} does not vary over these ranges: no input moves it."
    (top, value), rest = ranked[0], ranked[1:]
    amount = (
        f"{fmt(value)} over its range" if method == "morris" else f"{fmt(value)} of its variance"
    )
    line = f"{setting_name(top, labels)} moves {what} the most: {amount}"
    if rest:
        line += "; then " + ", ".join(f"{setting_name(p, labels)} ({fmt(v)})" for p, v in rest)
    return line + "."


# --- how to read each plot (the report's captions) ---------------------------------------

PLOT_GUIDES: dict[str, str] = {
    "delivery": (
        "A row per episode: dots are replications, the box holds the middle half (P25–P75) "
        "with the median, whiskers reach P5 and P95, the tall vermilion bar is the deadline "
        "and the open triangle the picture lock. On the right, the share of replications that "
        "missed. A replication that never delivered (cut off by the horizon) is drawn at the "
        "right edge."
    ),
    "load": (
        "Left axis: busy GPUs or people, a day's time-weighted mean averaged over replications "
        "(solid), against what there was to work (dotted: a pool's GPUs, a team's people on "
        "shift as a day mean, so one person on an 8-hour shift is 0.33). Grey days have nobody "
        "on shift (weekends, holidays). Right axis: tasks waiting in the queue, mean (dashed) "
        "and the band where the middle 80% of replications lay (P10–P90). Picture locks "
        "(dotted, named on top) and deadlines (dash-dot) are marked."
    ),
    "cost": (
        "Left: each category's season total, mean over replications, with its interval. "
        "Right: each episode's mean cost, the same categories stacked in the same colours and "
        "hatches. Shared costs (reserved GPUs, people's scheduled hours) go to episodes by the "
        "busy hours each used."
    ),
    "cost_per_frame": (
        "Left: a histogram of each replication's total cost divided by the frames it "
        "delivered, with the mean (solid) and P90 (dashed). Right: each episode's mean cost "
        "per delivered frame, stacked by category."
    ),
    "sweep": (
        "With two or more settings varied: two heatmaps over the first two, each cell written "
        "out (the chance that some episode misses, with its interval; the mean season cost); "
        "further settings are held at their first value. With one: both measures against it, "
        "with their intervals as error bars."
    ),
    "frontier": (
        "Each dot is a configuration the search simulated, at its mean season cost and its "
        "chance that some episode misses; the bars are the intervals of both. The frontier "
        "joins those no other configuration beats on both. A configuration counts as under "
        "the target only when the top of its risk bar is."
    ),
    "differences": (
        "One panel per unit (cost, chance of missing, delivery time, counts). A bar that does "
        "not cross the zero line is a difference the replications show; quantities that are "
        "zero on both sides are left out."
    ),
    "sensitivity": (
        "One panel per output. The longest bar is the input whose range moves that output "
        "most; an effect is in the output's own unit over the input's whole range (Morris μ*, "
        "never below zero) or a share of its variance (Sobol' total index). The bars are "
        "bootstrap intervals."
    ),
}
"""How to read each plot, by its file stem: the caption the report puts under it. Written
for the people in the meeting; the plot functions' docstrings are for those who call them."""
