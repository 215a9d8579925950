"""Sweeps: one scenario, many variants, many replications each — one answer however the
work is split.

A sweep runs the grid of its ``--vary`` changes (``simulator.planning.points``): every
point on the same replications and seed, common random numbers, so the differences
between points are far more precise than their levels. Its chunks run on any executor and
are found again on a rerun (``simulator.planning.evaluation``); ``precision`` adds
replications in batches until the intervals are as narrow as asked.

Output: ``points.parquet`` (one row per point: the varied values and the headline
numbers with their intervals), ``replications/`` (the chunks), ``summary.json`` (the
manifest, each point's full summary, and the SHA-256 of every file it used) and
``sweep.png`` and ``sweep.svg``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from simulator._version import __version__
from simulator.files import atomic_write
from simulator.folders.write import write_manifest
from simulator.model.compiler import compile_season
from simulator.model.starting_state import Status, as_status
from simulator.planning.evaluation import Evaluation, Plan, PointResult, evaluate_points
from simulator.planning.executors import executor_for
from simulator.planning.points import (
    ScenarioSource,
    Vary,
    grid_points,
    point_engines,
    point_scenario,
    with_seed,
)
from simulator.results.chunks import DRAW_LAYOUT_VERSION, read_replications
from simulator.results.summary import Summary
from simulator.results.work import Work
from simulator.scenario import parse_override_value
from simulator.scenario.load import scenario_sha256
from simulator.scenario.schema import Scenario

__all__ = ["SweepResult", "points_frame", "sweep"]


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

    def point_summary(self, point: int) -> Summary:
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


def sweep(
    scenario: ScenarioSource,
    vary: Sequence[str | Vary],
    *,
    out: str | Path,
    work: Work | None = None,
    overrides: Sequence[str] = (),
    precision: float | None = None,
    batch: int | None = None,
    max_replications: int | None = None,
    plots: bool = True,
) -> SweepResult:
    """Run a grid of changes × replications on common random numbers; write the results
    folder ``out``.

    ``vary`` items are ``Vary`` or their text (``"pools.h100.gpus=8:16:4"``). ``work``
    says how many replications (default: the scenario's ``run.replications``), on which
    seed (its ``run.seed``), from where the season stands, and where the chunks run
    (default: a local pool over every core, closed at the end; an executor you pass in
    ``work`` stays open). Chunks already in ``out`` are reused, not recomputed.
    ``precision``, ``batch`` and ``max_replications``: see ``Plan``.
    """
    started = time.perf_counter()
    out = Path(out)
    work = Work() if work is None else work
    varies = [v if isinstance(v, Vary) else Vary.parse(v) for v in vary]
    base = point_scenario(scenario, overrides)
    plan = Plan.of(work, base, precision=precision, batch=batch, max_replications=max_replications)
    points = grid_points(scenario, varies, overrides=overrides, seed=plan.seed)
    from_status = as_status(work.status)
    work = replace(work, status=from_status)
    with executor_for(work, point_engines(points, work.engine)) as run_on:
        evaluation = evaluate_points(points, plan, out=out, work=replace(work, executor=run_on))
        where = run_on.description
    table = points_frame(evaluation.results)
    atomic_write(out / "points.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    files = ["points.parquet"]
    if plots:
        from simulator.plots import save_figure
        from simulator.plots.planning import sweep_plot

        labels = compile_season(base).labels()
        figure = sweep_plot(table, [v.path for v in varies], base.name, labels)
        files += [p.name for p in save_figure(figure, out / "sweep")]
    files += [k.relative_path for r in evaluation.results for k in r.chunks]
    summary = _manifest(base, overrides, varies, plan, evaluation, where, from_status, started)
    write_manifest(out, summary, files)
    return SweepResult(
        out,
        table,
        summary,
        evaluation.results,
        evaluation.chunks_computed,
        evaluation.chunks_reused,
    )


def _manifest(
    base: Scenario,
    overrides: Sequence[str],
    varies: Sequence[Vary],
    plan: Plan,
    evaluation: Evaluation,
    executor: str,
    from_status: Status | None,
    started: float,
) -> dict[str, Any]:
    """The content of a sweep's ``summary.json`` (``write_manifest`` adds the files)."""
    seed, precision, chunk_size = plan.seed, plan.precision, plan.chunk_size
    return {
        "reelsim_version": __version__,
        "kind": "sweep",
        "scenario": {"name": base.name, "sha256": scenario_sha256(with_seed(base, seed))},
        "seed": seed,
        "overrides": list(overrides),
        "from": None if from_status is None else from_status.manifest(),
        "vary": [{"path": v.path, "values": list(v.values)} for v in varies],
        "engine": sorted({r.engine for r in evaluation.results}),
        "executor": executor,
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
                "summary": r.summary.to_json(),
            }
            for r in evaluation.results
        ],
    }
