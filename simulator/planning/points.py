"""Points: the variants of a scenario that planning runs, each on the same replications.

A planner's question is rarely about one configuration: "how does deadline risk move as I
add GPUs or reviewers?" A sweep takes a scenario and one or more ``--vary PATH=V1,V2,...``
(or ``PATH=LO:HI[:STEP]``) changes; their grid of combinations is the list of *points*,
and each point is the scenario with those ``--set`` overrides, run for the same
replications on the same seed. Replication ``i`` of every point therefore draws the same
frames, failures and verdicts (DESIGN §2): the points differ only by what was varied —
*common random numbers* — so the differences between points are far more precise than
their levels. A staffing search, a comparison and a sensitivity analysis make their
points here too (``make_point``), each with its own values.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from simulator.engines.choice import choose_engine
from simulator.errors import UsageError
from simulator.model.compiler import compile_season
from simulator.model.season import SeasonModel, StartingState
from simulator.model.starting_state import Status, with_start
from simulator.scenario import Positions, apply_overrides, parse_override_value
from simulator.scenario.load import load_scenario, parse_scenario, scenario_sha256
from simulator.scenario.schema import Scenario

__all__ = [
    "MAX_POINTS",
    "MAX_RANGE_VALUES",
    "Point",
    "ScenarioSource",
    "Vary",
    "grid_points",
    "make_point",
    "point_engines",
    "point_model",
    "point_scenario",
    "point_starts",
    "with_seed",
]

MAX_POINTS = 100_000
MAX_RANGE_VALUES = 10_000


# --- what varies --------------------------------------------------------------------------


@dataclass(frozen=True)
class Vary:
    """One dimension of a sweep: a dotted scenario path and the values it takes, each
    written as a ``--set`` value (YAML)."""

    path: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Vary:
        """``PATH=V1,V2,...``, ``PATH=[V1, V2]`` (YAML, for values with commas) or
        ``PATH=LO:HI[:STEP]`` (both ends included; STEP defaults to 1)."""
        path, sep, rhs = text.partition("=")
        path, rhs = path.strip(), rhs.strip()
        if not sep or not path or not rhs:
            raise UsageError(
                f"--vary: expected PATH=V1,V2,... or PATH=LO:HI[:STEP] "
                f"(e.g. pools.h100.gpus=8:16:4), got {text!r}"
            )
        if rhs.startswith("["):
            items = parse_override_value(rhs, "--vary", path)
            if not isinstance(items, list) or not items:
                raise UsageError(f"--vary {path}: expected a non-empty YAML list, got {rhs!r}")
            values = tuple(json.dumps(v) if not isinstance(v, str) else v for v in items)
        else:
            values = _range(path, rhs) or tuple(v.strip() for v in rhs.split(","))
        if any(not v for v in values):
            raise UsageError(f"--vary {path}: empty value in {rhs!r}")
        if len(set(values)) != len(values):
            raise UsageError(f"--vary {path}: a value appears twice in {rhs!r}")
        return cls(path, values)

    def typed(self) -> list[Any]:
        """The values as YAML reads them (numbers as numbers)."""
        return [parse_override_value(v, "--vary", self.path) for v in self.values]


def _range(path: str, rhs: str) -> tuple[str, ...] | None:
    """``LO:HI[:STEP]`` as values, or None when ``rhs`` is not a numeric range."""
    parts = rhs.split(":")
    if len(parts) not in (2, 3) or "," in rhs:
        return None
    try:
        lo, hi, step = (Decimal(p) for p in [*parts, "1"][:3])
    except InvalidOperation:
        return None
    if not all(d.is_finite() for d in (lo, hi, step)):
        return None
    if step <= 0:
        raise UsageError(f"--vary {path}={rhs}: the step must be positive")
    if any(d and abs(d.adjusted()) > 300 for d in (lo, hi, step)):
        # Written out, 1e999999999 would be a billion digits long.
        raise UsageError(f"--vary {path}={rhs}: LO, HI and STEP must lie within 1e-300 to 1e300")
    if hi < lo:
        raise UsageError(
            f"--vary {path}={rhs}: the range is empty (LO > HI); to give a single value "
            f"with a colon, such as a time of day, quote it: {path}='\"{rhs}\"'"
        )
    span = (hi - lo) / step  # compared before int(): a huge span is never made an integer
    if span >= MAX_RANGE_VALUES:
        raise UsageError(f"--vary {path}={rhs}: {span + 1:.4g} values; at most {MAX_RANGE_VALUES}")
    count = int(span) + 1
    # Decimal arithmetic: 0.1:0.3:0.1 gives 0.1, 0.2, 0.3, not 0.30000000000000004.
    whole = all(d == d.to_integral_value() for d in (lo, hi, step))
    out = []
    for k in range(count):
        v = lo + k * step
        out.append(str(int(v)) if whole else format(v.normalize(), "f"))
    return tuple(out)


# --- points -------------------------------------------------------------------------------


ScenarioSource = str | Path | Scenario


@dataclass(frozen=True)
class Point:
    """One variant of the scenario: its index, the values set, and the scenario itself
    (with the sweep's seed) and its fingerprint."""

    index: int
    values: tuple[tuple[str, str], ...]
    """(path, value as written) for each vary dimension, in order."""
    scenario: Scenario
    sha256: str
    label: str = ""

    @property
    def overrides(self) -> tuple[str, ...]:
        return tuple(f"{p}={v}" for p, v in self.values)

    def __str__(self) -> str:
        what = self.label or ", ".join(self.overrides)
        return f"point {self.index}" + (f" ({what})" if what else "")


def point_scenario(source: ScenarioSource, overrides: Sequence[str] = ()) -> Scenario:
    """The scenario ``source`` (a file, or a loaded scenario) with ``--set`` overrides."""
    if not isinstance(source, Scenario):
        return load_scenario(source, overrides)
    if not overrides:
        return source
    data = source.model_dump(mode="json")
    # A loaded scenario is self-contained: its prices are inlined, so it needs no prices
    # file (which would be looked for relative to a folder we do not know).
    data["prices"] = None
    for pool in data.get("pools", {}).values():
        pool["price"] = None
    positions = Positions()
    data = apply_overrides(data, overrides, positions)
    return parse_scenario(data, positions, source=f"{source.name} (--set)", base_dir=Path("."))


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    run = scenario.run.model_copy(update={"seed": seed})
    return scenario.model_copy(update={"run": run})


def make_point(
    index: int,
    source: ScenarioSource,
    base: Sequence[str],
    values: Sequence[tuple[str, str]],
    seed: int,
    label: str = "",
) -> Point:
    # A bad value is reported by the loader as "--set PATH=VALUE: ...", naming the point.
    overrides = [*base, *(f"{p}={v}" for p, v in values)]
    scenario = with_seed(point_scenario(source, overrides), seed)
    return Point(index, tuple(values), scenario, scenario_sha256(scenario), label)


def grid_points(
    source: ScenarioSource,
    vary: Sequence[Vary],
    *,
    overrides: Sequence[str] = (),
    seed: int | None = None,
) -> list[Point]:
    """Every combination of the vary values (the first vary changes slowest)."""
    size = math.prod(len(v.values) for v in vary)
    if size > MAX_POINTS:
        raise UsageError(f"the grid has {size:,} points; at most {MAX_POINTS:,}")
    paths = [v.path for v in vary]
    if len(set(paths)) != len(paths):
        raise UsageError("the same path is varied twice")
    if seed is None:
        seed = point_scenario(source, overrides).run.seed
    combos = itertools.product(*(v.values for v in vary))
    return [
        make_point(k, source, overrides, list(zip(paths, combo, strict=True)), seed)
        for k, combo in enumerate(combos)
    ]


def point_model(point: Point, start: StartingState | None = None) -> SeasonModel:
    """The compiled model of a point, starting from ``start`` when given."""
    model = compile_season(point.scenario)
    return model if start is None else with_start(model, start)


def point_starts(points: Sequence[Point], status: Status | None) -> dict[int, StartingState | None]:
    """Each point's starting state (None without a status)."""
    if status is None:
        return {p.index: None for p in points}
    return {p.index: status.state(p.scenario) for p in points}


def point_engines(
    points: Sequence[Point],
    engine: str,
    starts: dict[int, StartingState | None] | None = None,
) -> dict[int, str]:
    """The engine each point runs on (``auto``: the kernel where it can)."""
    starts = starts or {}
    return {
        p.index: choose_engine(point_model(p, starts.get(p.index)), engine).engine for p in points
    }
