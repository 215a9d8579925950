"""Sensitivity: which uncertain inputs drive deadline risk and cost.

A scenario's numbers are uncertain: a model's seconds per frame, a reviewer's catch rate,
the share of takes with an artefact. Declare a range for each (``--factor PATH=LO:HI``,
a dotted path to a distribution's parameter or a probability) and global sensitivity
analysis says which ranges matter for an output (P(any miss), mean season cost): where
better information, or a contract, is worth having.

Two methods, both from SALib (a maintained, published implementation):

* **Morris** (elementary effects; the default, cheap): r random trajectories through a
  grid of the input space, each moving one input at a time, r·(k + 1) points for k
  inputs. μ* (the mean absolute change of the output per step of an input, scaled to its
  range) ranks the inputs; σ large against μ* flags interaction or non-linearity.
* **Sobol'** (variance-based, thorough): N·(k + 2) points of a Saltelli design (N a power
  of two). S1 is the share of the output's variance an input explains alone, ST the
  share it touches at all (with interactions); inputs with ST ≈ 0 can be fixed.

Each design point is a scenario with the inputs set by ``--set``; it runs ``replications``
replications, and the output is its estimate (P(any miss), mean cost). Every point runs
the same replication numbers on the same seed, so the Monte Carlo noise is common to all
points and cancels in the differences Morris measures. The points run as a sweep
(``simulator.planning.evaluation``): chunks on disk, any executor, resumable. SALib's
bootstrap gives each index a confidence interval; the chart ranks the inputs by μ* or ST.
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
from pydantic import BaseModel

from simulator._version import __version__
from simulator.errors import UsageError
from simulator.files import atomic_write
from simulator.folders.write import write_manifest
from simulator.model.compiler import compile_season
from simulator.model.starting_state import as_status
from simulator.planning.evaluation import Plan, evaluate_points
from simulator.planning.points import Point, ScenarioSource, make_point, point_scenario
from simulator.results.work import Work
from simulator.scenario import load_yaml_file

__all__ = ["OUTPUTS", "Factor", "SensitivityResult", "sensitivity"]

OUTPUTS = {
    "p_any_miss": "P(any miss)",
    "cost_mean": "mean season cost",
    "escaped_mean": "escaped defects",
}
"""Outputs an analysis can rank inputs for: columns of a sweep point's row."""

METHODS = ("morris", "sobol")

DEFAULT_SAMPLES = {"morris": 10, "sobol": 16}
"""``samples`` when none is given: Morris trajectories, Sobol's base sample (a power of
two)."""


@dataclass(frozen=True)
class Factor:
    """An uncertain input: a dotted scenario path and the range of its value."""

    path: str
    low: float
    high: float
    integer: bool = False
    """Rounded to whole numbers (the scenario's value there is an integer)."""

    @classmethod
    def parse(cls, text: str) -> Factor:
        path, sep, rhs = text.partition("=")
        parts = rhs.split(":")
        try:
            low, high = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
        except ValueError:
            low = high = math.nan
        if not sep or not path.strip() or not (math.isfinite(low) and math.isfinite(high)):
            raise UsageError(
                f"--factor: expected PATH=LO:HI with numbers, e.g. "
                f"shot_stages.review.catch_probability=0.7:0.95, got {text!r}"
            )
        if not low < high:
            raise UsageError(f"--factor {path}: LO must be below HI, got {rhs}")
        return cls(path.strip(), low, high)

    def text(self, value: float) -> str:
        return str(round(float(value))) if self.integer else repr(float(value))


def _value_at(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _integer_at(source: ScenarioSource, path: str) -> bool:
    """Whether the scenario holds a whole number at ``path`` (then samples are rounded)."""
    if isinstance(source, str | Path):
        data, _ = load_yaml_file(Path(source))
    else:
        data = source.model_dump(mode="json")
    value = _value_at(data, path)
    return isinstance(value, int) and not isinstance(value, bool)


def _whole_number_note(scenario: Any, factor: Factor) -> str:
    """Why ``factor`` is sampled in whole numbers: the key takes nothing else (a GPU
    count), or the scenario happens to write a whole number there (a price of 150)."""
    taken = f"{factor.path} is taken in whole numbers ({factor.text(factor.low)} to " + (
        f"{factor.text(factor.high)})"
    )
    if _whole_numbers_only(scenario, factor.path):
        return f"{taken}: the key takes nothing else"
    return (
        f"{taken}, as the scenario writes a whole number there; write it with a decimal "
        "point (such as 150.0) to sample it as a real number"
    )


def _whole_numbers_only(scenario: Any, path: str) -> bool:
    """Whether the scenario's key at ``path`` is declared as an integer."""
    node, field = scenario, None
    for part in path.split("."):
        if isinstance(node, BaseModel):
            field = type(node).model_fields.get(part)
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            field, node = None, node.get(part)
        elif isinstance(node, list | tuple) and part.isdigit() and int(part) < len(node):
            field, node = None, node[int(part)]
        else:
            return False
    return field is not None and field.annotation is int


@dataclass
class SensitivityResult:
    method: str
    factors: list[Factor]
    samples: pd.DataFrame
    """One row per design point: the inputs and the outputs."""
    indices: pd.DataFrame
    """One row per (output, factor): the method's indices and their intervals, ranked."""
    summary: dict[str, Any]
    out: Path
    notes: list[str]
    """What a reader must know about the numbers: factors taken in whole numbers, outputs
    that did not vary over the ranges (their indices are 0)."""

    def ranking(self, output: str = "p_any_miss") -> list[str]:
        """The factors, most influential first, for ``output``."""
        rows = self.indices[self.indices["output"] == output]
        return list(rows.sort_values("rank")["factor"])


def _design(method: str, problem: dict[str, Any], samples: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris

        design: np.ndarray = morris.sample(problem, samples, num_levels=4, seed=seed)
        return design
    from SALib.sample import sobol

    design = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    return design


def _analyse(
    method: str,
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    level: float,
    seed: int,
) -> pd.DataFrame:
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, conf_level=level, num_levels=4, seed=seed)
        return pd.DataFrame(
            {
                "mu_star": np.asarray(res["mu_star"], float),
                "mu_star_conf": np.asarray(res["mu_star_conf"], float),
                "mu": np.asarray(res["mu"], float),
                "sigma": np.asarray(res["sigma"], float),
            }
        )
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=False, conf_level=level, seed=seed)
    return pd.DataFrame(
        {
            "ST": np.asarray(res["ST"], float),
            "ST_conf": np.asarray(res["ST_conf"], float),
            "S1": np.asarray(res["S1"], float),
            "S1_conf": np.asarray(res["S1_conf"], float),
        }
    )


def sensitivity(
    scenario: ScenarioSource,
    factors: Sequence[str | Factor],
    *,
    out: str | Path,
    work: Work | None = None,
    method: str = "morris",
    samples: int | None = None,
    outputs: Sequence[str] = ("p_any_miss", "cost_mean"),
    overrides: Sequence[str] = (),
    plots: bool = True,
) -> SensitivityResult:
    """Rank ``factors`` by their influence on ``outputs``; write the results folder ``out``.

    ``samples`` is Morris's number of trajectories (points: samples × (k + 1)) or Sobol's
    base sample N (a power of two; points: N × (k + 2)); None: ``DEFAULT_SAMPLES[method]``.
    A factor whose scenario value is a whole number (``gpus: 4``) is sampled in whole
    numbers; the result's ``notes`` say so. Each point runs ``work``'s
    replications (default: the scenario's ``run.replications``), from where the season
    stands when ``work.status`` says so.
    """
    started = time.perf_counter()
    if samples is None:
        samples = DEFAULT_SAMPLES.get(method, 10)
    parsed = _check(scenario, factors, method, samples, outputs)
    work = Work() if work is None else work
    base = point_scenario(scenario, overrides)
    plan = Plan.of(work, base)
    seed = plan.seed
    out = Path(out)
    problem = {
        "num_vars": len(parsed),
        "names": [f.path for f in parsed],
        "bounds": [[f.low, f.high] for f in parsed],
    }
    # The design's own seed is the run's seed: the same command draws the same design.
    design = _design(method, problem, samples, seed % (2**32))
    points: list[Point] = []
    for k, row in enumerate(design):
        values = [(f.path, f.text(v)) for f, v in zip(parsed, row, strict=True)]
        points.append(make_point(k, scenario, overrides, values, seed))
    from_status = as_status(work.status)
    evaluation = evaluate_points(points, plan, out=out, work=replace(work, status=from_status))
    # The values the points ran with (integers rounded); the analysis uses SALib's design.
    table = pd.DataFrame(
        [[float(v) for _, v in p.values] for p in points], columns=[f.path for f in parsed]
    )
    for output in outputs:
        table[output] = [r.row[output] for r in evaluation.results]
    level = base.run.confidence
    ranked, notes = _ranked(method, problem, design, table, parsed, outputs, level, seed % (2**32))
    notes[:0] = [_whole_number_note(base, f) for f in parsed if f.integer]
    atomic_write(out / "samples.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    atomic_write(out / "indices.parquet", lambda tmp: ranked.to_parquet(tmp, index=False))
    files = ["samples.parquet", "indices.parquet"]
    if plots:
        from simulator.plots import save_figure
        from simulator.plots.planning import sensitivity_chart

        measure = "mu_star" if method == "morris" else "ST"
        figure = sensitivity_chart(ranked, measure, list(outputs))
        files += [p.name for p in save_figure(figure, out / "sensitivity")]
    files += sorted({k.relative_path for r in evaluation.results for k in r.chunks})
    summary: dict[str, Any] = {
        "reelsim_version": __version__,
        "kind": "sensitivity",
        "scenario": {"name": base.name},
        "method": method,
        "samples": samples,
        "points": len(points),
        "replications": plan.replications,
        "seed": seed,
        "from": None if from_status is None else from_status.manifest(),
        "confidence": level,
        "factors": [f.__dict__ for f in parsed],
        "labels": compile_season(base).labels(),
        "indices": ranked.to_dict(orient="records"),
        "chunks": {"computed": evaluation.chunks_computed, "reused": evaluation.chunks_reused},
        "notes": notes,
        "wall_seconds": time.perf_counter() - started,
    }
    write_manifest(out, summary, files)
    return SensitivityResult(method, parsed, table, ranked, summary, out, notes)


def _check(
    scenario: ScenarioSource,
    factors: Sequence[str | Factor],
    method: str,
    samples: int,
    outputs: Sequence[str],
) -> list[Factor]:
    """The factors, parsed (integers where the scenario holds whole numbers), once the
    method, the samples and the outputs are known to be ones an analysis can take."""
    if method not in METHODS:
        raise UsageError(f"no sensitivity method {method!r} (choose from {', '.join(METHODS)})")
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise UsageError(f"outputs must be among {', '.join(OUTPUTS)}, got {list(outputs)}")
    if samples < 2:
        raise UsageError(f"samples must be at least 2, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise UsageError(
            f"Sobol' sampling needs a power of two for --samples (such as "
            f"{DEFAULT_SAMPLES['sobol']}, 32, 64), got {samples}"
        )
    parsed = [f if isinstance(f, Factor) else Factor.parse(f) for f in factors]
    if len(parsed) < 2:
        raise UsageError("a sensitivity analysis needs at least two --factor ranges to rank")
    if len({f.path for f in parsed}) != len(parsed):
        raise UsageError("the same path is given as a factor twice")
    return [
        Factor(f.path, f.low, f.high, _integer_at(scenario, f.path)) if not f.integer else f
        for f in parsed
    ]


def _ranked(
    method: str,
    problem: dict[str, Any],
    design: np.ndarray,
    table: pd.DataFrame,
    factors: Sequence[Factor],
    outputs: Sequence[str],
    level: float,
    seed: int,
) -> tuple[pd.DataFrame, list[str]]:
    """The table of ``indices.parquet``: per output, the factors ranked by the method's
    measure (rank 1 the most influential); and a note for each output that does not vary
    over the ranges (no input moves it: its indices are 0, not SALib's 0/0)."""
    frames = []
    notes = []
    for output in outputs:
        y = table[output].to_numpy(float)
        if np.all(y == y[0]):
            notes.append(f"{OUTPUTS[output]} does not vary over these ranges: no input moves it")
            indices = _no_effect(method, len(factors))
        else:
            indices = _analyse(method, problem, design, y, level, seed)
        indices.insert(0, "factor", [f.path for f in factors])
        indices.insert(0, "output", output)
        measure = "mu_star" if method == "morris" else "ST"
        # Rank 1 is the most influential; ties keep the factors' order (stable sort).
        order = indices[measure].rank(ascending=False, method="first").astype(int)
        indices["rank"] = order
        frames.append(indices.sort_values("rank"))
    return pd.concat(frames, ignore_index=True), notes


def _no_effect(method: str, k: int) -> pd.DataFrame:
    """The indices of an output no input moves: every effect and share 0, exactly."""
    columns = (
        ("mu_star", "mu_star_conf", "mu", "sigma")
        if method == "morris"
        else ("ST", "ST_conf", "S1", "S1_conf")
    )
    return pd.DataFrame({column: np.zeros(k) for column in columns})
