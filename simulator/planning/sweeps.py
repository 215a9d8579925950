"""Sweeps: one scenario, many variants, many replications each — one answer however the
work is split.

A planner's question is rarely about one configuration: "how does deadline risk move as I
add GPUs or reviewers?" A sweep takes a scenario and one or more ``--vary PATH=V1,V2,...``
(or ``PATH=LO:HI[:STEP]``) changes; their grid of combinations is the list of *points*,
and each point is the scenario with those ``--set`` overrides, run for the same
replications on the same seed. Replication ``i`` of every point therefore draws the same
frames, failures and verdicts (DESIGN §2): the points differ only by what was varied —
*common random numbers* — so the differences between points are far more precise than
their levels.

**Chunks.** The work is cut into chunks: (point, block of replications), the block size
fixed by the command, never by the number of workers. A chunk's result is a small Parquet
table (one row per replication and episode, as in a run's ``replications.parquet``, plus
the per-replication end time, event count and busy and available hours per pool and team),
written atomically under ``replications/`` as soon as it arrives; the folder is a Parquet
dataset. Its file name is its key: the point's scenario fingerprint (``scenario_sha256``,
with the seed set), the seed, the replication range and ``DRAW_LAYOUT_VERSION``. A rerun
of the same command finds the chunks already on disk and skips them, so a sweep that was
interrupted (killed, even) resumes where it stopped; and since a chunk depends only on its
key, the final numbers do not depend on the executor (``simulator.planning.executors``), the
number of workers, the order chunks finished in, or an interruption.

**Summaries.** Per point, the chunks are read back one at a time (in replication order),
each reduced at once to the few numbers per replication a summary needs
(``simulator.results.summary.SummaryColumns``), and summarised by the same function as a run's:
cost mean and quantiles, P(miss) per episode and for any episode, utilisation, escaped
defects, each with its interval. Points are summarised one at a time, so memory holds a
few hundred bytes per replication of one point, never the whole sweep's rows.

**Precision.** With ``precision=X`` a point gets more replications, in batches of a size
fixed by the command, until every probability it reports (P(any miss), P(miss) of each
episode) has a half-width of at most X and every mean (total cost, utilisation, escaped
defects) a half-width of at most X times its estimate — or until ``max_replications``.
Whether a point needs another batch is decided from whole batches only, so it too is the
same whatever the executor.

Output: ``points.parquet`` (one row per point: the varied values and the headline
numbers with their intervals), ``replications/`` (the chunks), ``summary.json`` (the
manifest, each point's full summary, and the SHA-256 of every file it used) and
``sweep.png`` and ``sweep.svg``.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from simulator._version import __version__
from simulator.engines.choice import choose_engine
from simulator.errors import (
    ChunkFailure,
    ChunksFailed,
    Interrupted,
    UsageError,
)
from simulator.files import atomic_write, file_sha256, json_safe
from simulator.model.season import SeasonModel, StartingState, compile_season
from simulator.model.starting_state import Status, StatusSource, as_status, with_start
from simulator.planning.executors import Executor, LocalExecutor
from simulator.results.chunks import (
    DRAW_LAYOUT_VERSION,
    ChunkKey,
    ChunkTask,
    attempt_chunk,
    chunk_exists,
    chunk_keys,
    read_replications,
    write_chunk,
)
from simulator.results.summary import SummaryColumns, summarize_columns
from simulator.scenario import Positions, apply_overrides, parse_override_value
from simulator.scenario.load import load_scenario, parse_scenario, scenario_sha256
from simulator.scenario.schema import Scenario

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DRAW_LAYOUT_VERSION",
    "ChunkKey",
    "Evaluation",
    "Plan",
    "Point",
    "PointResult",
    "ScenarioSource",
    "SweepProgress",
    "SweepResult",
    "Vary",
    "default_executor",
    "evaluate_points",
    "grid_points",
    "headline_row",
    "make_point",
    "point_engines",
    "point_scenario",
    "points_frame",
    "read_replications",
    "summarize_point",
    "sweep",
    "unmet_precision",
    "write_summary",
]

DEFAULT_CHUNK_SIZE = 1000
MAX_POINTS = 100_000
MAX_RANGE_VALUES = 10_000

ProgressCallback = Callable[["SweepProgress"], None]


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


def _with_seed(scenario: Scenario, seed: int) -> Scenario:
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
    scenario = _with_seed(point_scenario(source, overrides), seed)
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


# --- evaluating points --------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many replications each point gets, and in which chunks."""

    replications: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK_SIZE
    precision: float | None = None
    batch: int | None = None
    """Replications added per round for ``precision`` (default: ``replications``)."""
    max_replications: int | None = None
    """The cap for ``precision`` (default: 100 × ``replications``)."""

    def __post_init__(self) -> None:
        for name in ("replications", "chunk_size", "batch", "max_replications"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}")
        if self.precision is not None and not 0.0 < self.precision < 1.0:
            raise UsageError(f"precision must be between 0 and 1, got {self.precision}")

    @property
    def cap(self) -> int:
        if self.precision is None:
            return self.replications
        cap = self.max_replications or 100 * self.replications
        return max(cap, self.replications)

    def ranges(self, round_: int) -> tuple[int, int]:
        """Replications [start, stop) added in ``round_`` (0: the first ``replications``)."""
        if round_ == 0:
            return 0, self.replications
        step = self.batch or self.replications
        start = self.replications + (round_ - 1) * step
        return min(start, self.cap), min(start + step, self.cap)

    def chunks(self, sha: str, round_: int, state: str = "") -> list[ChunkKey]:
        """The chunks of ``round_``; ``state`` is the starting state's fingerprint."""
        start, stop = self.ranges(round_)
        return chunk_keys(sha, self.seed, start, stop, self.chunk_size, state)


@dataclass(frozen=True)
class SweepProgress:
    points_done: int
    points: int
    replications_done: int
    """Replications on disk for this sweep, computed now or found from before."""
    replications: int
    """Replications planned so far (grows when ``precision`` asks for more)."""
    replications_computed: int
    """Computed by this call (what a rate should count)."""
    chunks_reused: int
    round: int


@dataclass
class PointResult:
    point: Point
    engine: str
    chunks: list[ChunkKey]
    summary: dict[str, Any]
    row: dict[str, Any]
    unmet: list[str] = field(default_factory=list)
    """Quantities whose half-width is still over ``precision`` (empty when met or not asked)."""

    @property
    def replications(self) -> int:
        return int(self.summary["replications"])

    @property
    def p_any_miss(self) -> dict[str, float]:
        out: dict[str, float] = self.summary["season"]["p_any_miss"]
        return out

    @property
    def cost_mean(self) -> dict[str, float]:
        out: dict[str, float] = self.summary["cost"]["total"]["mean"]
        return out


@dataclass
class Evaluation:
    results: list[PointResult]
    chunks_computed: int
    chunks_reused: int


def summarize_point(
    point: Point,
    engine: str,
    out: Path,
    chunks: Sequence[ChunkKey],
    start: StartingState | None = None,
) -> dict[str, Any]:
    """A point's summary from its chunks on disk, read one chunk at a time and reduced to
    the summary's columns as it is read (memory: a few hundred bytes a replication)."""
    model = point_model(point, start)
    needed = SummaryColumns.chunk_columns(model)
    columns = SummaryColumns.concat(
        SummaryColumns.from_chunk(model, read_replications(out, [key], needed))
        for key in sorted(chunks)
    )
    # No wall time or version: a point's summary depends on its chunks only, so it is the
    # same after an interruption or on another executor.
    return {
        "scenario": {"name": point.scenario.name, "sha256": point.sha256},
        "engine": engine,
        "seed": model.seed,
        **summarize_columns(model, point.scenario.calendar, columns),
    }


def _interval_columns(row: dict[str, Any], name: str, interval: dict[str, Any] | None) -> None:
    interval = interval or {}
    row[name] = float(interval.get("estimate", math.nan))
    row[f"{name}_low"] = float(interval.get("low", math.nan))
    row[f"{name}_high"] = float(interval.get("high", math.nan))


def headline_row(point: Point, summary: dict[str, Any]) -> dict[str, Any]:
    """A point's row of ``points.parquet``."""
    row: dict[str, Any] = {"point": point.index}
    if point.label:
        row["label"] = point.label
    for path, value in point.values:
        row[path] = value
    row["scenario_sha256"] = point.sha256
    row["replications"] = summary["replications"]
    _interval_columns(row, "p_any_miss", summary["season"]["p_any_miss"])
    total = summary["cost"]["total"]
    _interval_columns(row, "cost_mean", total.get("mean"))
    _interval_columns(row, "cost_p50", total["p50"])
    _interval_columns(row, "cost_p90", total["p90"])
    for episode in summary["episodes"]:
        _interval_columns(row, f"p_miss:{episode['id']}", episode["p_miss"])
    for resource, interval in summary["utilization"].items():
        _interval_columns(row, f"utilization:{resource}", interval)
    _interval_columns(row, "escaped_mean", summary["defects"]["escaped"])
    row["verdict"] = summary["verdict"]
    return row


def unmet_precision(summary: dict[str, Any], precision: float) -> list[str]:
    """What is still less precise than asked: probabilities to ±``precision``, means to
    ±``precision`` × their estimate."""
    unmet = []
    probabilities = [("p_any_miss", summary["season"]["p_any_miss"])] + [
        (f"p_miss:{e['id']}", e["p_miss"]) for e in summary["episodes"]
    ]
    for name, interval in probabilities:
        if not interval["half_width"] <= precision:
            unmet.append(name)
    means = [
        ("cost_mean", summary["cost"]["total"].get("mean")),
        ("escaped_mean", summary["defects"]["escaped"]),
    ] + [(f"utilization:{k}", v) for k, v in summary["utilization"].items()]
    for name, interval in means:
        if interval is None:
            continue
        # not <=: an infinite half-width (one replication) is unmet, as is NaN.
        if not interval["half_width"] <= precision * abs(interval["estimate"]):
            unmet.append(name)
    return unmet


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


def default_executor(engines: dict[int, str]) -> Executor:
    """Every core of this machine: threads for the kernel (it releases the GIL), processes
    when any point needs the reference engine (Python: threads would queue on the GIL)."""
    return LocalExecutor(processes="reference" in engines.values())


@dataclass
class _Tally:
    """Counts for the progress report; replications in chunk-sized steps."""

    points: int
    planned: int = 0
    missing: int = 0
    computed: int = 0
    computed_replications: int = 0
    reused: int = 0
    finished: int = 0
    round: int = 0

    def report(self, progress: ProgressCallback | None) -> None:
        if progress is not None:
            progress(
                SweepProgress(
                    points_done=self.finished,
                    points=self.points,
                    replications_done=self.planned - self.missing,
                    replications=self.planned,
                    replications_computed=self.computed_replications,
                    chunks_reused=self.reused,
                    round=self.round,
                )
            )


def evaluate_points(
    points: Sequence[Point],
    plan: Plan,
    *,
    out: str | Path,
    executor: Executor | None = None,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
    status: StatusSource | None = None,
) -> Evaluation:
    """Run (or find on disk) every chunk of every point, round by round for ``precision``,
    and summarise each point. The core of ``sweep``, ``staff``, ``compare`` and
    ``sensitivity``. With ``status``, every replication of every point starts from where
    the season stands (the status loaded against each point's own model)."""
    out = Path(out)
    if not points:
        return Evaluation([], 0, 0)
    from_status = as_status(status)
    state = from_status.sha256 if from_status is not None else ""
    starts = point_starts(points, from_status)
    engines = point_engines(points, engine, starts)
    own = executor is None
    run_on = executor if executor is not None else default_executor(engines)
    chunks: dict[int, list[ChunkKey]] = {p.index: [] for p in points}
    by_index = {p.index: p for p in points}
    results: dict[int, PointResult] = {}
    tally = _Tally(points=len(points))
    active = list(points)
    try:
        while active:
            todo: list[ChunkTask] = []
            outstanding: dict[int, int] = {}
            for p in active:
                keys = plan.chunks(p.sha256, tally.round, state)
                chunks[p.index].extend(keys)
                tally.planned += sum(k.replications for k in keys)
                fresh = [k for k in keys if not chunk_exists(out, k)]
                tally.reused += len(keys) - len(fresh)
                tally.missing += sum(k.replications for k in fresh)
                outstanding[p.index] = len(fresh)
                threads = run_on.threads_per_task
                todo += [
                    ChunkTask(p.index, p.scenario, k, engines[p.index], threads, starts[p.index])
                    for k in fresh
                ]
            # Without precision there is one round, and a point is done with its last chunk;
            # with it, a point is done when a round's summary says so.
            last_round = plan.precision is None
            if last_round:
                tally.finished += sum(1 for n in outstanding.values() if n == 0)
            tally.report(progress)
            failures: list[ChunkFailure] = []
            for task, frame in run_on.map_unordered(attempt_chunk, todo):
                if isinstance(frame, str):  # this chunk failed; the others go on
                    where = str(by_index[task.point])
                    failures.append(ChunkFailure(where, task.key.start, task.key.stop, frame))
                    continue
                write_chunk(out, task.key, frame)
                tally.computed += 1
                tally.computed_replications += task.key.replications
                tally.missing -= task.key.replications
                outstanding[task.point] -= 1
                if last_round and outstanding[task.point] == 0:
                    tally.finished += 1
                tally.report(progress)
            if failures:
                kept = tally.planned - tally.missing
                raise ChunksFailed(sorted(failures, key=str), kept, tally.planned, out)
            still = []
            for p in active:
                summary = summarize_point(
                    p, engines[p.index], out, chunks[p.index], starts[p.index]
                )
                unmet = [] if plan.precision is None else unmet_precision(summary, plan.precision)
                results[p.index] = PointResult(
                    p,
                    engines[p.index],
                    list(chunks[p.index]),
                    summary,
                    headline_row(p, summary),
                    unmet,
                )
                start, stop = plan.ranges(tally.round + 1)
                if unmet and start < stop:
                    still.append(p)
            active = still
            tally.round += 1
            tally.finished = len(points) - len(active)
            tally.report(progress)
    except KeyboardInterrupt:
        # Every chunk written so far stays; the executor's close (below) lets the chunks in
        # flight end, and they are computed again on the rerun.
        raise Interrupted(tally.planned - tally.missing, tally.planned, out) from None
    finally:
        if own:
            run_on.close()
    return Evaluation([results[p.index] for p in points], tally.computed, tally.reused)


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    out: Path
    points: pd.DataFrame
    """The table of ``points.parquet``."""
    summary: dict[str, Any]
    """The content of ``summary.json``."""
    results: list[PointResult]
    chunks_computed: int
    chunks_reused: int

    def point_summary(self, point: int) -> dict[str, Any]:
        return self.results[point].summary

    def replications(self, point: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A point's per-(replication, episode) rows, read back from its chunks."""
        return read_replications(self.out, self.results[point].chunks, columns)


def _typed_column(values: list[str], path: str) -> list[Any]:
    typed = [parse_override_value(v, "--vary", path) for v in values]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in typed):
        return typed
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in typed):
        return [float(v) for v in typed]
    return values


def points_frame(results: Sequence[PointResult]) -> pd.DataFrame:
    """``points.parquet``: one row per point, vary values typed (numbers as numbers)."""
    frame = pd.DataFrame([r.row for r in results])
    for path, _ in results[0].point.values if results else ():
        frame[path] = _typed_column([str(v) for v in frame[path]], path)
    return frame


def write_summary(out: Path, summary: dict[str, Any], files: Sequence[str]) -> dict[str, Any]:
    """Write ``summary.json`` last, with the SHA-256 of each of ``files`` (relative to
    ``out``), as a run's results folder does: a folder with one is complete."""
    summary["files"] = {name: file_sha256(out / name) for name in files}
    text = json.dumps(json_safe(summary), indent=2, allow_nan=False) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(out / "summary.json", write)
    return summary


def sweep(
    scenario: ScenarioSource,
    vary: Sequence[str | Vary],
    *,
    out: str | Path,
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    precision: float | None = None,
    batch: int | None = None,
    max_replications: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Executor | None = None,
    engine: str = "auto",
    plots: bool = True,
    progress: ProgressCallback | None = None,
    status: StatusSource | None = None,
) -> SweepResult:
    """Run a grid of changes × replications on common random numbers; write ``out``.

    ``vary`` items are ``Vary`` or their text (``"pools.h100.gpus=8:16:4"``).
    ``replications`` defaults to the scenario's ``run.replications``, ``seed`` to its
    ``run.seed``. ``executor`` defaults to a local pool over every core (closed at the end;
    one you pass stays open). Chunks already in ``out`` are reused, not recomputed.
    ``status`` (a ``Status`` or ``(path, now)``) starts every replication from where the
    season stands.
    """
    started = time.perf_counter()
    out = Path(out)
    varies = [v if isinstance(v, Vary) else Vary.parse(v) for v in vary]
    base = point_scenario(scenario, overrides)
    seed = base.run.seed if seed is None else seed
    points = grid_points(scenario, varies, overrides=overrides, seed=seed)
    from_status = as_status(status)
    plan = Plan(
        replications=replications if replications is not None else base.run.replications,
        seed=seed,
        chunk_size=chunk_size,
        precision=precision,
        batch=batch,
        max_replications=max_replications,
    )
    own = executor is None
    run_on = executor if executor is not None else default_executor(point_engines(points, engine))
    try:
        evaluation = evaluate_points(
            points,
            plan,
            out=out,
            executor=run_on,
            engine=engine,
            progress=progress,
            status=from_status,
        )
    finally:
        if own:
            run_on.close()
    table = points_frame(evaluation.results)
    atomic_write(out / "points.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    files = ["points.parquet"]
    if plots:
        from simulator.plots.planning import sweep_plot
        from simulator.plots.season import save_figure

        figure = sweep_plot(table, [v.path for v in varies], base.name)
        files += [p.name for p in save_figure(figure, out / "sweep")]
    files += [k.relative_path for r in evaluation.results for k in r.chunks]
    summary: dict[str, Any] = {
        "reelsim_version": __version__,
        "kind": "sweep",
        "scenario": {"name": base.name, "sha256": scenario_sha256(_with_seed(base, seed))},
        "seed": seed,
        "overrides": list(overrides),
        "from": None if from_status is None else from_status.manifest(),
        "vary": [{"path": v.path, "values": list(v.values)} for v in varies],
        "engine": sorted({r.engine for r in evaluation.results}),
        "executor": run_on.description,
        "chunk_size": chunk_size,
        "draw_layout_version": DRAW_LAYOUT_VERSION,
        "replications": plan.replications,
        "precision": None
        if precision is None
        else {
            "half_width": precision,
            "batch": plan.batch or plan.replications,
            "max_replications": plan.cap,
            "unmet": {str(r.point.index): r.unmet for r in evaluation.results if r.unmet},
        },
        "chunks": {
            "total": sum(len(r.chunks) for r in evaluation.results),
            "computed": evaluation.chunks_computed,
            "reused": evaluation.chunks_reused,
        },
        "wall_seconds": time.perf_counter() - started,
        "points": [
            {
                "point": r.point.index,
                "values": dict(r.point.values),
                "scenario_sha256": r.point.sha256,
                "summary": r.summary,
            }
            for r in evaluation.results
        ],
    }
    write_summary(out, summary, files)
    return SweepResult(
        out,
        table,
        summary,
        evaluation.results,
        evaluation.chunks_computed,
        evaluation.chunks_reused,
    )
