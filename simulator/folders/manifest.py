"""What a ``summary.json`` must hold to be read: the keys and types per kind of folder.

A results folder's manifest is JSON that anyone can edit, so a reader checks it before it
uses it: ``check_manifest`` names the first key that is missing or of the wrong type, in
the dotted form a person can find (``episodes.0.p_miss.estimate``). What is checked is
what the report reads (``simulator.report``), per kind — ``run``, ``sweep``, ``staff``,
``compare``, ``sensitivity``; a kind the report has no page for is checked only for what
every folder has. Numbers must be finite and within ``MAX_NUMBER`` (JSON may say ``NaN``
or ``1e999``, and Python reads both); ``null`` is allowed where a writer writes it (an
unbounded interval end, a delivery that never came). Utilisation is read under either
spelling, ``utilization`` or ``utilisation``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

from simulator.errors import UsageError

__all__ = ["MAX_NUMBER", "SPECS", "check_manifest", "manifest_kind"]

MAX_NUMBER = 1e15
"""The largest magnitude a number in a manifest may have: more than any count, cost or
hour a season can reach, and far from where formatting a number overflows."""

Check = Callable[[Any], str | None]
"""A value's problem in words, or ``None`` when it is fine."""


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {_kind(value)}"
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite or abs(value) > MAX_NUMBER:
        return f"must be a finite number of at most {MAX_NUMBER:g}, got {_shown(value)}"
    return None


def _or_null(check: Check) -> Check:
    def either(value: Any) -> str | None:
        return None if value is None else check(value)

    return either


def _count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, got {_kind(value)}"
    if not 0 <= value <= MAX_NUMBER:
        return f"must be a whole number from 0 to {MAX_NUMBER:g}, got {_shown(value)}"
    return None


def _seed(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        return f"must be a whole number from 0 to 2**64 - 1, got {_shown(value)}"
    return None


def _positive(value: Any) -> str | None:
    problem = _count(value)
    return problem or (None if value >= 1 else f"must be at least 1, got {value}")


def _probability(value: Any) -> str | None:
    problem = _number(value)
    return problem or (None if 0.0 <= value <= 1.0 else f"must be from 0 to 1, got {value}")


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be text, got {_kind(value)}"


def _scalar(value: Any) -> str | None:
    if isinstance(value, str) or _number(value) is None:
        return None
    return f"must be text or a number, got {_shown(value) if value is not None else 'null'}"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {_kind(value)}"


def _mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"must be an object, got {_kind(value)}"


def _sequence(value: Any) -> str | None:
    return None if isinstance(value, list) else f"must be a list, got {_kind(value)}"


def _file_name(value: Any) -> str | None:
    """A relative path that stays inside the folder: a manifest cannot point a reader (or a
    writer cleaning up) anywhere else."""
    path = PurePosixPath(value)
    inside = value and not path.is_absolute() and ".." not in path.parts and "\\" not in value
    return None if inside else "must name a file inside the folder"


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__.replace("dict", "object")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:20] + "…"


Spec = list[tuple[str, Check, bool]]
"""``(dotted path, check, required)``; ``*`` in a path is every item of a list or object,
and a ``@`` key is the object's keys rather than its values."""


def _interval(path: str, required: bool = True, *, nullable: bool = False) -> Spec:
    """An estimate with its interval, as ``simulator.stats`` writes them (an unbounded end
    is null; a ``nullable`` one is null as a whole when nothing was there to estimate)."""
    return [
        (path, _or_null(_mapping) if nullable else _mapping, required),
        (f"{path}.estimate", _number, True),
        (f"{path}.low", _or_null(_number), True),
        (f"{path}.high", _or_null(_number), True),
        (f"{path}.level", _probability, False),
        (f"{path}.n", _count, False),
    ]


def _quantiles(path: str) -> Spec:
    return [
        (path, _mapping, True),
        (f"{path}.n", _count, False),
        (f"{path}.censored", _count, False),
        *_interval(f"{path}.mean", False),
        (f"{path}.p50", _mapping, True),
        (f"{path}.p50.estimate", _or_null(_number), True),
        (f"{path}.p90", _mapping, True),
        (f"{path}.p90.estimate", _or_null(_number), True),
    ]


COMMON: Spec = [
    ("kind", _text, False),
    ("files", _mapping, False),
    ("files.@", _file_name, False),
    ("files.*", _text, False),
    ("scenario", _mapping, False),
    ("scenario.name", _scalar, False),
    ("scenario.sha256", _text, False),
    ("seed", _or_null(_seed), False),
    ("confidence", _probability, False),
    ("events", _count, False),
    ("wall_seconds", _number, False),
]

RUN: Spec = [
    ("labels", _mapping, False),
    ("labels.*", _text, False),
    ("replications", _positive, True),
    ("episodes", _sequence, True),
    ("episodes.*", _mapping, True),
    ("episodes.*.id", _scalar, True),
    ("episodes.*.deadline_h", _number, True),
    ("episodes.*.shots", _scalar, False),
    *_interval("episodes.*.p_miss"),
    *_quantiles("episodes.*.delivery_h"),
    ("season", _mapping, True),
    *_interval("season.p_any_miss"),
    ("cost", _mapping, True),
    *_quantiles("cost.total"),
    ("cost.by_category", _mapping, True),
    *_interval("cost.by_category.*"),
    *_quantiles("cost.per_delivered_frame"),
    ("cost.per_episode", _mapping, False),
    ("cost.per_episode.*", _or_null(_number), False),
    ("utilization", _mapping, False),
    *_interval("utilization.*", False),
    ("utilisation", _mapping, False),
    *_interval("utilisation.*", False),
    ("paid_utilisation", _mapping, False),
    *_interval("paid_utilisation.*", False),
    ("waits", _mapping, False),
    ("waits.resources", _mapping, True),
    ("waits.resources.*", _mapping, True),
    ("waits.resources.*.tasks_started", _number, True),
    *_interval("waits.resources.*.mean_wait_h", nullable=True),
    *_interval("waits.resources.*.waited_at_end_h"),
    *_interval("waits.resources.*.queued_at_end", False, nullable=True),
    ("waits.stages", _mapping, False),
    ("waits.stages.*", _mapping, True),
    ("waits.stages.*.tasks_started", _number, True),
    *_interval("waits.stages.*.mean_wait_h", nullable=True),
    ("waits.stages.*.visits", _number, True),
    *_interval("waits.stages.*.time_in_stage_h", nullable=True),
    *_interval("waits.stages.*.queued_at_end"),
    *_interval("waits.stages.*.waited_at_end_h"),
    ("waits.shots_through", _number, True),
    *_interval("waits.time_in_system_h", nullable=True),
    ("defects", _mapping, False),
    ("defects.escaped_mean", _number, False),
    ("defects.caught_mean", _number, False),
    ("defects.failed_shots_mean", _number, False),
    ("defects.rework_passes_mean", _number, False),
    ("verdict", _text, False),
    ("verdict_text", _text, False),
]

_CHOSEN: Spec = [
    ("values", _mapping, True),
    ("values.*", _scalar, True),
    *_interval("p_any_miss"),
    *_interval("cost_mean"),
    ("feasible", _flag, False),
]

PLANNING: Spec = [
    ("replications", _or_null(_positive), False),
    ("overrides", _sequence, False),
    ("overrides.*", _text, False),
    ("chunks", _mapping, False),
    ("chunks.computed", _count, False),
    ("chunks.reused", _count, False),
    ("chunk_size", _positive, False),
]

SWEEP: Spec = [
    *PLANNING,
    ("vary", _sequence, True),
    ("vary.*", _mapping, True),
    ("vary.*.path", _text, True),
    ("vary.*.values", _sequence, True),
    ("vary.*.values.*", _scalar, True),
    ("engine", _sequence, False),
    ("engine.*", _text, False),
    ("points", _sequence, True),
    ("points.*", _mapping, True),
    ("points.*.summary", _mapping, False),
    ("points.*.summary.confidence", _probability, False),
]

STAFF: Spec = [
    ("labels", _mapping, False),
    ("labels.*", _text, False),
    *PLANNING,
    ("target_risk", _probability, True),
    ("risk_measure", _text, False),
    ("dimensions", _sequence, True),
    ("dimensions.*", _mapping, True),
    ("dimensions.*.path", _text, True),
    ("dimensions.*.values", _sequence, True),
    ("dimensions.*.values.*", _number, True),
    ("chosen", _or_null(_mapping), False),
    *((f"chosen.{path}", check, required) for path, check, required in _CHOSEN),
    ("cheaper_neighbours", _sequence, False),
    ("cheaper_neighbours.*", _mapping, True),
    *((f"cheaper_neighbours.*.{path}", check, required) for path, check, required in _CHOSEN),
    ("cheaper_neighbours.*.p_any_miss.high", _number, True),
    ("cheaper_neighbours.*.feasible", _flag, True),
    ("estimates", _sequence, False),
    ("estimates.*", _mapping, True),
    ("estimates.*.path", _text, True),
    ("estimates.*.floor", _count, True),
    ("estimates.*.start", _count, True),
    ("estimates.*.offered_erlangs", _or_null(_number), True),
    ("estimates.*.wait_probability", _or_null(_probability), False),
    ("configurations_simulated", _count, False),
    ("grid_size", _count, False),
]

_SIDE: Spec = [
    ("scenario", _scalar, False),
    ("overrides", _sequence, False),
    ("overrides.*", _text, False),
    ("sha256", _text, False),
]

COMPARE: Spec = [
    *PLANNING,
    ("a", _mapping, True),
    *((f"a.{path}", check, required) for path, check, required in _SIDE),
    ("b", _mapping, True),
    *((f"b.{path}", check, required) for path, check, required in _SIDE),
    ("differences", _sequence, False),
    ("differences.*", _mapping, True),
    ("differences.*.quantity", _text, True),
    ("differences.*.n", _count, True),
    *(
        (f"differences.*.{name}", _or_null(_number), True)
        for name in ("mean_a", "mean_b", "difference", "low", "high", "variance_reduction")
    ),
]

SENSITIVITY: Spec = [
    ("labels", _mapping, False),
    ("labels.*", _text, False),
    *PLANNING,
    ("method", _text, False),
    ("points", _count, False),
    ("samples", _count, False),
    ("factors", _sequence, False),
    ("factors.*", _mapping, True),
    ("factors.*.path", _text, True),
    ("factors.*.low", _number, True),
    ("factors.*.high", _number, True),
    ("indices", _sequence, False),
    ("indices.*", _mapping, True),
    ("indices.*.output", _text, True),
    ("indices.*.factor", _text, True),
    ("indices.*.rank", _count, True),
    *(
        (f"indices.*.{name}", _or_null(_number), False)
        for name in ("mu_star", "mu_star_conf", "mu", "sigma", "ST", "ST_conf", "S1", "S1_conf")
    ),
]

SPECS: dict[str, Spec] = {
    "run": RUN,
    "sweep": SWEEP,
    "staff": STAFF,
    "compare": COMPARE,
    "sensitivity": SENSITIVITY,
}
"""Per kind, what its report reads beyond what every folder has (``COMMON``)."""

_MISSING = object()


def _at(value: Any, parts: list[str], where: str) -> Iterator[tuple[str, Any]]:
    """Every ``(path, value)`` the dotted ``parts`` reach from ``value``; ``_MISSING`` where
    the last key is absent. A path through something that is not an object or a list
    reaches nothing (its own check reports that)."""
    if not parts:
        yield where, value
        return
    head, rest = parts[0], parts[1:]
    join = f"{where}." if where else ""
    if head in ("*", "@"):
        items: list[tuple[str, Any]]
        if isinstance(value, dict):
            keyed = head == "@"
            items = [(str(k), k if keyed else v) for k, v in value.items()]
        elif isinstance(value, list) and head == "*":
            items = [(str(i), v) for i, v in enumerate(value)]
        else:
            return
        for key, item in items:
            yield from _at(item, rest, f"{join}{key}")
    elif isinstance(value, dict):
        if head in value:
            yield from _at(value[head], rest, f"{join}{head}")
        elif not rest:
            yield f"{join}{head}", _MISSING


def manifest_kind(summary: dict[str, Any]) -> str:
    """What made the folder: its ``kind``, or for a summary written before summaries said
    so, ``run`` when it has a run's episodes, season and cost (else ``unknown``)."""
    if "kind" in summary:
        return str(summary["kind"])
    return "run" if {"episodes", "season", "cost"} <= summary.keys() else "unknown"


def check_manifest(summary: Any, source: str = "summary.json") -> None:
    """Raise ``UsageError`` naming the first key of ``summary`` a reader cannot use."""
    if not isinstance(summary, dict):
        raise UsageError(f"{source}: expected a JSON object, got {_kind(summary)}")
    kind = manifest_kind(summary)
    spec = COMMON + SPECS.get(kind, []) if isinstance(summary.get("kind", ""), str) else COMMON
    for path, check, required in spec:
        for where, value in _at(summary, path.split("."), ""):
            if value is _MISSING:
                if required:
                    raise UsageError(f"{source}: {where} is missing; a {kind} summary has it")
                continue
            problem = check(value)
            if problem:
                raise UsageError(f"{source}: {where} {problem}")
