"""The knobs a planning meeting turns, read from the scenario.

Each knob is a dotted scenario path (the path ``--set`` takes) with its value as the file
writes it: GPUs per pool (the reserved count, or a cloud pool's maximum), people per shift
per team, each review stage's sample rate and round cap, the burst rule and cloud budget,
the queue policy, and each show's lock and deadline spacing. Nothing here checks a value:
a changed knob is an override like any other, and the scenario's schema judges it when the
configuration is loaded (``simulator.explore.session``).

**Shifts.** A show written as an episode list has no spacing to change; it gets two knobs
that move every picture lock, or every deadline, of its episodes by a number of days:
``shows.NAME.episodes.*.lock=DAYS`` and ``shows.NAME.episodes.*.deadline=DAYS``. A shift is
not a path the loader knows: ``expand_shifts`` writes it out as the overrides it stands
for, one per episode (``shows.NAME.episodes.K.deadline=2027-01-17``: the moment as the file
gives it, a date, a date and time or an offset, moved by DAYS days), and those are checked
by the schema like any other change, so a shift too far is refused with the message the
command line gives for that override.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from simulator.errors import UsageError
from simulator.model import setting_name
from simulator.scenario.jsonschema import duration_text
from simulator.scenario.schema import EpisodeSeries, Scenario

__all__ = ["QUEUE_POLICIES", "Knob", "expand_shifts", "scenario_knobs"]

SHIFT = re.compile(r"^shows\.([^.]+)\.episodes\.\*\.(lock|deadline)$")
"""A shift's path: every picture lock or deadline of a show's episode list."""
MAX_SHIFT_DAYS = 3660

QUEUE_POLICIES = ("fifo", "edf", "priority", "sjf", "least_slack")
"""The built-in queue policies, the choices of the ``policy.queue`` knob."""

KnobKind = Literal["integer", "number", "duration", "choice"]


@dataclass(frozen=True)
class Knob:
    """One setting of the scenario the page offers to change."""

    path: str
    """The dotted scenario path, as ``--set PATH=VALUE`` takes it."""
    label: str
    """What it is, in the words the command line uses (``setting_name``)."""
    group: str
    """Where the page shows it: Pools, Teams, Review, Policy, Season."""
    kind: KnobKind
    value: str
    """The value in the scenario, as its YAML writes it ("" for none)."""
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "group": self.group,
            "kind": self.kind,
            "value": self.value,
            "choices": list(self.choices),
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _raw(data: Any, path: str) -> tuple[bool, Any]:
    """The value at ``path`` in the file's data, and whether the file sets it at all."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def scenario_knobs(
    scenario: Scenario, data: Any, labels: dict[str, str], cloud: bool
) -> list[Knob]:
    """The knobs of ``scenario`` (``data``: its file as loaded YAML, for the values as
    written; ``labels``: what its people call pools, teams and stages; ``cloud``: whether
    it has a cloud pool, for the burst rule)."""
    knobs: list[Knob] = []

    def add(path: str, group: str, kind: KnobKind, typed: Any, **extra: Any) -> None:
        present, raw = _raw(data, path)
        if kind == "duration" and not present:
            value = "" if typed is None else duration_text(typed)
        else:
            value = _text(raw if present else typed)
        knobs.append(Knob(path, setting_name(path, labels), group, kind, value, **extra))

    for name, pool in scenario.pools.items():
        path = f"pools.{name}.gpus"
        knobs.append(
            Knob(
                path,
                f"{labels.get(f'pool:{name}', name)}: "
                + ("reserved GPUs" if pool.kind == "reserved" else "cloud maximum (GPUs)"),
                "Pools",
                "integer",
                str(pool.gpus),
            )
        )
    for name, team in scenario.teams.items():
        for k, _shift in enumerate(team.shifts or ()):
            add(f"teams.{name}.shifts.{k}.people", "Teams", "integer", _shift.people)
        if team.around_the_clock is not None:
            add(f"teams.{name}.around_the_clock", "Teams", "integer", team.around_the_clock)
    for name, stage in scenario.shot_stages.items():
        if stage.kind == "review":
            add(f"shot_stages.{name}.sample_rate", "Review", "number", stage.sample_rate)
            add(f"shot_stages.{name}.max_rounds", "Review", "integer", stage.max_rounds)
    queue = scenario.policy.queue
    if isinstance(queue, str):
        add("policy.queue", "Policy", "choice", queue, choices=QUEUE_POLICIES)
    if cloud:
        burst = scenario.policy.burst
        add("policy.burst.wait", "Policy", "duration", burst.wait)
        add("policy.burst.slack", "Policy", "duration", burst.slack)
        add("policy.burst.budget_usd", "Policy", "number", burst.budget_usd)
    for name, show in scenario.shows.items():
        if isinstance(show.episodes, EpisodeSeries):
            for key in ("lock_every", "deadline_every"):
                typed = getattr(show.episodes, key)
                add(f"shows.{name}.episodes.{key}", "Season", "duration", typed)
        else:
            for key, words in (("lock", "picture lock"), ("deadline", "deadline")):
                label = f"{show.title or name}: move every {words} (days)"
                knobs.append(
                    Knob(f"shows.{name}.episodes.*.{key}", label, "Season", "integer", "0")
                )
    return knobs


def _moved(moment: date | datetime | float, days: int) -> str:
    """``moment`` (a date, a date and time, or an offset in hours) ``days`` days later,
    written as the scenario writes it."""
    if isinstance(moment, date):  # a datetime is a date too
        return (moment + timedelta(days=days)).isoformat()
    hours = moment + 24.0 * days
    return duration_text(hours) if hours > 0 else f"{hours:g}h"


def expand_shifts(scenario: Scenario, changes: Sequence[str]) -> list[str]:
    """``changes`` with every shift (``shows.NAME.episodes.*.lock=DAYS``, or ``.deadline``)
    written out as one override per episode of the show's list; other changes as they
    are. A shift of 0 days stands for no override."""
    out: list[str] = []
    for change in changes:
        path, _, value = (part.strip() for part in change.partition("="))
        found = SHIFT.match(path)
        if found is None:
            out.append(change)
            continue
        name, key = found.groups()
        show = scenario.shows.get(name)
        if show is None or isinstance(show.episodes, EpisodeSeries):
            raise UsageError(
                f"--set {change} {path}: a shift moves the episodes of a show written as an "
                f"episode list; {name!r} is " + ("a series" if show else "no show")
            )
        try:
            days = int(value)
        except ValueError:
            days = MAX_SHIFT_DAYS + 1
        if abs(days) > MAX_SHIFT_DAYS:
            raise UsageError(
                f"--set {change} {path}: expected a whole number of days, such as 3 or -2 "
                f"(at most {MAX_SHIFT_DAYS} either way), got {value!r}"
            )
        if days:
            out += [
                f"shows.{name}.episodes.{k}.{key}={_moved(getattr(ep, key), days)}"
                for k, ep in enumerate(show.episodes)
            ]
    return out
