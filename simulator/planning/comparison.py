"""Comparing two scenarios (or two policies) on common random numbers.

"Is the hybrid pipeline really cheaper than full automation, and by how much?" Run both
on the same seed and the same replication numbers: replication i of each then draws the
same frames per shot, the same model failures and artefacts, the same reviewer verdict
draws (DESIGN §2). Whatever differs between the two runs of replication i is caused by
what differs between the scenarios, so the per-replication differences d_i = a_i − b_i
carry far less noise than either side: var(d) = var(a) + var(b) − 2·cov(a, b), and the
covariance of common random numbers is large and positive.

For each quantity — season cost (total and by category), P(any miss), each common
episode's P(miss) and delivery time, makespan, escaped defects, rework — the report gives
both means, the mean difference a − b with its Student-t interval
(``simulator.stats.paired_difference``), and the *variance reduction*
(var(a) + var(b)) / var(a − b): how many times more replications two independent runs
would need for an interval as narrow. A probability's difference is the mean of the
difference of two 0/1 indicators, so the same interval applies.

Each side has a label, what the command line, plots and report call it: by default the
changes that differ between the sides (``--set`` values that A has and B has not, and the
other way round), else its scenario's name. ``differing`` counts the replications in
which a quantity differed at all: common random numbers make many differences exactly
zero, and a comparison in which no replication differed says so.

Episodes are matched by name; delivery times are compared over the replications in which
both scenarios delivered the episode, the number used is reported. Both scenarios run
through the sweep's chunks (``simulator.planning.evaluation``), so a rerun reuses them and the
executor does not matter. A scenario's own ``run.seed`` is replaced by the comparison's
seed: common random numbers need one seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator._version import __version__
from simulator.engines.replication import COST_CATEGORIES
from simulator.errors import UsageError
from simulator.files import atomic_write
from simulator.folders.write import write_manifest
from simulator.model.starting_state import Status, as_status
from simulator.planning.evaluation import Plan, PointResult, evaluate_points, headline_row
from simulator.planning.points import Point, ScenarioSource, make_point, point_scenario
from simulator.results.chunks import read_replications
from simulator.results.work import Work
from simulator.stats import paired_difference

__all__ = ["Comparison", "compare", "paired_table", "side_labels"]


@dataclass
class Comparison:
    a: PointResult
    b: PointResult
    table: pd.DataFrame
    """One row per quantity: ``quantity``, ``n``, ``differing``, ``mean_a``, ``mean_b``,
    ``difference``, ``low``, ``high``, ``variance_reduction``."""
    summary: dict[str, Any]
    out: Path
    label_a: str = "A"
    label_b: str = "B"

    @property
    def any_differed(self) -> bool:
        """Whether any replication differed in any quantity between A and B."""
        return bool((self.table["differing"] > 0).any())

    def row(self, quantity: str) -> dict[str, Any]:
        rows = self.table[self.table["quantity"] == quantity]
        if rows.empty:
            raise KeyError(quantity)
        return {str(k): v for k, v in rows.iloc[0].to_dict().items()}


def _per_replication(out: Path, result: PointResult) -> pd.DataFrame:
    """Season-level numbers per replication, plus each episode's delivery and miss."""
    columns = [
        "replication",
        "episode",
        "delivered",
        "delivery_h",
        "missed",
        "cost_total",
        *(f"cost_{c}" for c in COST_CATEGORIES),
        "escaped_defects",
        "rework_passes",
        "end_h",
    ]
    frame = read_replications(out, result.chunks, columns)
    by_rep = frame.groupby("replication", sort=True)
    season = pd.DataFrame(
        {
            "cost_total": by_rep["cost_total"].sum(),
            **{f"cost_{c}": by_rep[f"cost_{c}"].sum() for c in COST_CATEGORIES},
            "any_miss": by_rep["missed"].any().astype(float),
            "escaped_defects": by_rep["escaped_defects"].sum().astype(float),
            "rework_passes": by_rep["rework_passes"].sum().astype(float),
            # The makespan is defined when every episode was delivered (else censored).
            "makespan_h": by_rep["end_h"].first().where(by_rep["delivered"].all()),
        }
    )
    delivery = frame.pivot(index="replication", columns="episode", values="delivery_h")
    missed = frame.pivot(index="replication", columns="episode", values="missed")
    for episode in delivery.columns:
        season[f"delivery_h:{episode}"] = delivery[episode]
        season[f"p_miss:{episode}"] = missed[episode].astype(float)
    return season


def paired_table(a: pd.DataFrame, b: pd.DataFrame, level: float) -> pd.DataFrame:
    """Paired differences a − b of every column the two per-replication tables share
    (rows matched by replication; pairs with a missing value on either side dropped)."""
    rows = []
    for column in [c for c in a.columns if c in b.columns]:
        pair = pd.concat([a[column], b[column]], axis=1, keys=["a", "b"]).dropna()
        x, y = pair["a"].to_numpy(float), pair["b"].to_numpy(float)
        row: dict[str, Any] = {
            "quantity": column,
            "n": len(pair),
            "differing": int((x != y).sum()),
        }
        if len(pair) == 0:
            row.update(mean_a=math.nan, mean_b=math.nan, difference=math.nan)
            row.update(low=math.nan, high=math.nan, variance_reduction=math.nan)
        else:
            d = paired_difference(x, y, level=level)
            row.update(
                mean_a=float(np.mean(x)),
                mean_b=float(np.mean(y)),
                difference=d.difference.estimate,
                low=d.difference.low,
                high=d.difference.high,
                variance_reduction=d.variance_reduction,
            )
        rows.append(row)
    name = {"any_miss": "p_any_miss"}
    table = pd.DataFrame(rows)
    table["quantity"] = table["quantity"].replace(name)
    return table


def side_labels(
    name_a: str, name_b: str, overrides_a: Sequence[str], overrides_b: Sequence[str]
) -> tuple[str, str]:
    """What to call A and B: the changes only one side has, else the scenario's name."""
    only_a = [o for o in overrides_a if o not in overrides_b]
    only_b = [o for o in overrides_b if o not in overrides_a]
    label_a = ", ".join(only_a) if only_a else name_a
    label_b = ", ".join(only_b) if only_b else name_b
    if label_a == label_b:
        return f"{label_a} (A)", f"{label_b} (B)"
    return label_a, label_b


def _known(
    known: PointResult, point: Point, plan: Plan, out: Path, status: Status | None
) -> PointResult:
    """``known`` as ``compare``'s B (``point``), once it is seen to be B's on ``plan``."""
    chunks = plan.chunks(point.sha256, 0, "" if status is None else status.sha256)
    if (
        known.point.sha256 != point.sha256
        or sorted(known.chunks) != sorted(chunks)
        or not all((out / k.relative_path).is_file() for k in chunks)
    ):
        raise UsageError("the known result of B is not B's on this seed, replications and folder")
    return PointResult(
        point, known.engine, chunks, known.summary, headline_row(point, known.summary)
    )


def _evaluate(
    point_a: Point, point_b: Point, plan: Plan, out: Path, work: Work, known_b: PointResult | None
) -> tuple[PointResult, PointResult, int, int]:
    """Both sides' results (B's the known one, when given) and the chunks computed and
    reused."""
    if known_b is None:
        evaluation = evaluate_points([point_a, point_b], plan, out=out, work=work)
        result_a, result_b = evaluation.results
        return result_a, result_b, evaluation.chunks_computed, evaluation.chunks_reused
    result_b = _known(known_b, point_b, plan, out, as_status(work.status))
    evaluation = evaluate_points([point_a], plan, out=out, work=work)
    reused = evaluation.chunks_reused + len(result_b.chunks)
    return evaluation.results[0], result_b, evaluation.chunks_computed, reused


def compare(
    a: ScenarioSource,
    b: ScenarioSource | None = None,
    *,
    out: str | Path,
    work: Work | None = None,
    overrides_a: Sequence[str] = (),
    overrides_b: Sequence[str] = (),
    label_a: str | None = None,
    label_b: str | None = None,
    known_b: PointResult | None = None,
) -> Comparison:
    """Run ``a`` and ``b`` (files or loaded scenarios, each with its own ``--set``
    overrides; without ``b``, ``a`` twice, told apart by the overrides) on common random
    numbers, report paired differences a − b and write them to the results folder ``out``.
    ``label_a`` and ``label_b`` name the sides (default: ``side_labels``).

    ``work``'s seed and replications default to ``a``'s ``run`` settings. Its ``status``
    (a ``Status`` or ``(path, now)``) starts every replication of both from where the
    season stands (the status is checked against each scenario).

    ``known_b``: B's result from an earlier evaluation into ``out`` on the same seed,
    replications and chunks (a sweep's point, or an earlier comparison's ``b``), taken as
    it is instead of checked and summarised again; one that is not B's is refused. The
    numbers are the same either way."""
    started = time.perf_counter()
    b = a if b is None else b
    out = Path(out)
    work = Work() if work is None else work
    base_a = point_scenario(a, overrides_a)
    plan = Plan.of(work, base_a)
    seed, n = plan.seed, plan.replications
    point_a = make_point(0, a, overrides_a, [], seed, label="A")
    point_b = make_point(1, b, overrides_b, [], seed, label="B")
    if point_a.sha256 == point_b.sha256:
        raise UsageError("A and B are the same scenario: there is nothing to compare")
    default_a, default_b = side_labels(
        point_a.scenario.name, point_b.scenario.name, overrides_a, overrides_b
    )
    label_a, label_b = label_a or default_a, label_b or default_b
    level = base_a.run.confidence
    from_status = as_status(work.status)
    work = replace(work, status=from_status)
    result_a, result_b, computed, reused = _evaluate(point_a, point_b, plan, out, work, known_b)
    results = (result_a, result_b)
    table = paired_table(_per_replication(out, result_a), _per_replication(out, result_b), level)
    atomic_write(out / "comparison.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    files = ["comparison.parquet"] + [k.relative_path for r in results for k in r.chunks]
    summary: dict[str, Any] = {
        "reelsim_version": __version__,
        "kind": "compare",
        "seed": seed,
        "from": None if from_status is None else from_status.manifest(),
        "replications": n,
        "confidence": level,
        "a": {
            "label": label_a,
            "scenario": point_a.scenario.name,
            "overrides": list(overrides_a),
            "sha256": point_a.sha256,
            "summary": result_a.summary.to_json(),
        },
        "b": {
            "label": label_b,
            "scenario": point_b.scenario.name,
            "overrides": list(overrides_b),
            "sha256": point_b.sha256,
            "summary": result_b.summary.to_json(),
        },
        "differences": table.to_dict(orient="records"),
        "chunks": {"computed": computed, "reused": reused},
        "wall_seconds": time.perf_counter() - started,
    }
    write_manifest(out, summary, files)
    return Comparison(result_a, result_b, table, summary, out, label_a, label_b)
