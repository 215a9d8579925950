"""Evaluating points: every chunk of every point run (or found on disk) and summarised —
one answer however the work is split. The core of ``sweep``, ``staff``, ``compare`` and
``sensitivity``.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ChunkFailure, ChunksFailed, Interrupted, UsageError
from simulator.files import StrPath
from simulator.model.season import StartingState
from simulator.model.starting_state import as_status
from simulator.planning.executors import Executor, executor_for
from simulator.planning.points import Point, point_engines, point_model, point_starts
from simulator.results.chunks import (
    ChunkKey,
    ChunkTask,
    attempt_chunk,
    chunk_exists,
    chunk_keys,
    read_replications,
    write_chunk,
)
from simulator.results.summary import Summary, SummaryColumns, summarize_columns
from simulator.results.work import Progress, Work
from simulator.scenario.schema import Scenario
from simulator.stats import Interval

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Evaluation",
    "Plan",
    "PointResult",
    "evaluate_points",
    "headline_row",
    "summarize_point",
    "unmet_precision",
]

DEFAULT_CHUNK_SIZE = 1000


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

    @classmethod
    def of(
        cls,
        work: Work,
        scenario: Scenario,
        *,
        precision: float | None = None,
        batch: int | None = None,
        max_replications: int | None = None,
    ) -> Plan:
        """``work``'s plan for points of ``scenario``: its replications and seed unless
        ``work`` sets them, chunks of ``work.chunk_size`` (default ``DEFAULT_CHUNK_SIZE``)."""
        return cls(
            replications=work.replications
            if work.replications is not None
            else scenario.run.replications,
            seed=work.seed if work.seed is not None else scenario.run.seed,
            chunk_size=work.chunk_size if work.chunk_size is not None else DEFAULT_CHUNK_SIZE,
            precision=precision,
            batch=batch,
            max_replications=max_replications,
        )

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


@dataclass
class PointResult:
    point: Point
    engine: str
    chunks: list[ChunkKey]
    summary: Summary
    row: dict[str, Any]
    unmet: list[str] = field(default_factory=list)
    """Quantities whose half-width is still over ``precision`` (empty when met or not asked)."""

    @property
    def replications(self) -> int:
        return self.summary.replications

    @property
    def p_any_miss(self) -> Interval:
        return self.summary.season.p_any_miss

    @property
    def cost_mean(self) -> Interval:
        mean = self.summary.cost.total.mean
        assert mean is not None  # a season's cost is finite in every replication
        return mean


@dataclass
class Evaluation:
    results: list[PointResult]
    chunks_computed: int
    chunks_reused: int


def summarize_point(
    point: Point,
    engine: str,
    out: StrPath,
    chunks: Sequence[ChunkKey],
    start: StartingState | None = None,
) -> Summary:
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
    return summarize_columns(model, point.scenario, point.sha256, engine, columns)


def _interval_columns(row: dict[str, Any], name: str, interval: Interval | None) -> None:
    row[name] = math.nan if interval is None else interval.estimate
    row[f"{name}_low"] = math.nan if interval is None else interval.low
    row[f"{name}_high"] = math.nan if interval is None else interval.high


def headline_row(point: Point, summary: Summary) -> dict[str, Any]:
    """A point's row of ``points.parquet``."""
    row: dict[str, Any] = {"point": point.index}
    if point.label:
        row["label"] = point.label
    for path, value in point.values:
        row[path] = value
    row["scenario_sha256"] = point.sha256
    row["replications"] = summary.replications
    _interval_columns(row, "p_any_miss", summary.season.p_any_miss)
    total = summary.cost.total
    _interval_columns(row, "cost_mean", total.mean)
    _interval_columns(row, "cost_p50", total.p50)
    _interval_columns(row, "cost_p90", total.p90)
    for episode in summary.episodes:
        _interval_columns(row, f"p_miss:{episode.id}", episode.p_miss)
    for resource, interval in summary.utilisation.items():
        _interval_columns(row, f"utilisation:{resource}", interval)
    _interval_columns(row, "escaped_mean", summary.defects.escaped)
    row["verdict"] = summary.verdict
    return row


def unmet_precision(summary: Summary, precision: float) -> list[str]:
    """What is still less precise than asked: probabilities to ±``precision``, means to
    ±``precision`` × their estimate."""
    unmet = []
    probabilities = [("p_any_miss", summary.season.p_any_miss)] + [
        (f"p_miss:{e.id}", e.p_miss) for e in summary.episodes
    ]
    for name, interval in probabilities:
        if not interval.half_width <= precision:
            unmet.append(name)
    means = [
        ("cost_mean", summary.cost.total.mean),
        ("escaped_mean", summary.defects.escaped),
    ] + [(f"utilisation:{k}", v) for k, v in summary.utilisation.items()]
    for name, mean in means:
        if mean is None:
            continue
        # not <=: an infinite half-width (one replication) is unmet, as is NaN.
        if not mean.half_width <= precision * abs(mean.estimate):
            unmet.append(name)
    return unmet


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

    def report(self, progress: Callable[[Progress], None] | None) -> None:
        if progress is not None:
            progress(
                Progress(
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
    work: Work | None = None,
) -> Evaluation:
    """Run (or find on disk) every chunk of every point, round by round for ``precision``,
    and summarise each point, on ``work``'s engine and executor, telling its progress.
    With ``work.status``, every replication of every point starts from where the season
    stands (the status loaded against each point's own model)."""
    out = Path(out)
    work = Work() if work is None else work
    if not points:
        return Evaluation([], 0, 0)
    from_status = as_status(work.status)
    starts = point_starts(points, from_status)
    engines = point_engines(points, work.engine, starts)
    evaluating = _Evaluating(
        plan,
        out,
        from_status.sha256 if from_status is not None else "",
        starts,
        engines,
        work.progress,
        _Tally(points=len(points)),
        {p.index: [] for p in points},
        {p.index: p for p in points},
        daily=work.daily,
    )
    with executor_for(work, engines) as run_on:
        try:
            active = list(points)
            while active:
                evaluating.run_round(active, run_on)
                active = evaluating.summarize_round(active)
        except KeyboardInterrupt:
            # Every chunk written so far stays; the executor's close (on leaving the with
            # block) lets the chunks in flight end, and they are computed again on the rerun.
            tally = evaluating.tally
            raise Interrupted(tally.planned - tally.missing, tally.planned, out) from None
    results = [evaluating.results[p.index] for p in points]
    return Evaluation(results, evaluating.tally.computed, evaluating.tally.reused)


@dataclass
class _Evaluating:
    """An evaluation under way: each point's chunks so far and latest result, the tally."""

    plan: Plan
    out: Path
    state: str
    """The starting state's fingerprint (empty: the season start)."""
    starts: dict[int, StartingState | None]
    engines: dict[int, str]
    progress: Callable[[Progress], None] | None
    tally: _Tally
    chunks: dict[int, list[ChunkKey]]
    by_index: dict[int, Point]
    results: dict[int, PointResult] = field(default_factory=dict)
    daily: bool = False
    """Keep the daily bins in the chunks (``Work.daily``)."""

    def run_round(self, active: Sequence[Point], run_on: Executor) -> None:
        """Run the chunks of this round that are not on disk yet; raise ``ChunksFailed``
        once the others are written if any failed."""
        plan, out, tally = self.plan, self.out, self.tally
        todo: list[ChunkTask] = []
        outstanding: dict[int, int] = {}
        for p in active:
            keys = plan.chunks(p.sha256, tally.round, self.state)
            self.chunks[p.index].extend(keys)
            tally.planned += sum(k.replications for k in keys)
            fresh = [k for k in keys if not chunk_exists(out, k)]
            tally.reused += len(keys) - len(fresh)
            tally.missing += sum(k.replications for k in fresh)
            outstanding[p.index] = len(fresh)
            threads = run_on.threads_per_task
            engine, start = self.engines[p.index], self.starts[p.index]
            todo += [
                ChunkTask(p.index, p.scenario, k, engine, threads, start, self.daily) for k in fresh
            ]
        # Without precision there is one round, and a point is done with its last chunk;
        # with it, a point is done when a round's summary says so.
        last_round = plan.precision is None
        if last_round:
            tally.finished += sum(1 for n in outstanding.values() if n == 0)
        tally.report(self.progress)
        failures: list[ChunkFailure] = []
        for task, frame in run_on.map_unordered(attempt_chunk, todo):
            if isinstance(frame, str):  # this chunk failed; the others go on
                where = str(self.by_index[task.point])
                failures.append(ChunkFailure(where, task.key.start, task.key.stop, frame))
                continue
            write_chunk(out, task.key, frame)
            tally.computed += 1
            tally.computed_replications += task.key.replications
            tally.missing -= task.key.replications
            outstanding[task.point] -= 1
            if last_round and outstanding[task.point] == 0:
                tally.finished += 1
            tally.report(self.progress)
        if failures:
            kept = tally.planned - tally.missing
            raise ChunksFailed(sorted(failures, key=str), kept, tally.planned, out)

    def summarize_round(self, active: Sequence[Point]) -> list[Point]:
        """Summarise each point of the round; the points that need another round."""
        plan, tally = self.plan, self.tally
        still = []
        for p in active:
            engine, chunks = self.engines[p.index], self.chunks[p.index]
            summary = summarize_point(p, engine, self.out, chunks, self.starts[p.index])
            unmet = [] if plan.precision is None else unmet_precision(summary, plan.precision)
            self.results[p.index] = PointResult(
                p, engine, list(chunks), summary, headline_row(p, summary), unmet
            )
            start, stop = plan.ranges(tally.round + 1)
            if unmet and start < stop:
                still.append(p)
        tally.round += 1
        tally.finished = len(self.by_index) - len(still)
        tally.report(self.progress)
        return still
