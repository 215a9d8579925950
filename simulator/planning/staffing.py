"""Staffing: the cheapest capacity whose deadline risk is under a target.

The planner's question: "how many GPUs per pool, how many people per shift, at the lowest
cost, so that the risk that any episode misses its deadline stays under 5 %?" The
dimensions are capacity settings given as ``--vary PATH=LO:HI`` (``pools.h100.gpus``,
``teams.supervisors.shifts.0.people``); a configuration is one value per dimension. A
configuration is *feasible* when the upper bound of its P(any miss) interval (Wilson, at
the scenario's confidence) is under the target: zero misses in n replications still has a
positive upper bound, so a risk is only "under 5 %" once enough replications say so.

**Not a blind grid.** Two facts make the search short:

* *Theory says where to start.* For each dimension the pre-flight
  (``simulator.model.preflight``) gives the work offered to its pool or team in the tightest
  deadline window; the smallest value whose capacity covers that work on paper is a
  floor below which nothing can be on time. In erlangs (a = offered unit-hours per hour
  of the window) the square-root staffing rule c = a + β·√a, with β = Φ⁻¹(1 − target),
  adds the margin that random arrivals need: it is the large-system limit of Erlang C
  (Halfin–Whitt), and for a review team the Erlang C probability that a review waits at
  that head count is reported beside it (``simulator.analytic``). The search starts
  there.
* *More capacity, less risk.* Risk falls (weakly) as any dimension grows, so the feasible
  configurations form an upper set. For each setting of all dimensions but the last, a
  galloping search followed by bisection finds the smallest feasible value of the last
  one, in O(log range) simulations; and since that smallest value can only fall as the
  other dimensions grow, each search is bounded by what earlier ones found (a staircase
  walk along the feasible boundary). What monotonicity already decides is never
  simulated.

The answer is the cheapest (mean total cost, penalties included) feasible configuration
simulated. Its neighbours one step cheaper in each dimension are simulated too, so the
report can show that each of them misses the target: the answer is a boundary point, not
an accident of the search. Every configuration runs the same replications on the same
seed (common random numbers, through the sweep's chunks (``simulator.planning.evaluation``), so a
rerun reuses them), which makes the comparison between neighbours sharp.

The *cost–risk frontier* is the set of simulated configurations that no other beats on
both cost and risk: the menu a planner chooses from when the target is negotiable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats as scipy_stats

from simulator._version import __version__
from simulator.analytic import erlang_c, square_root_staffing
from simulator.errors import UsageError
from simulator.files import atomic_write
from simulator.folders.write import write_manifest
from simulator.model.compiler import compile_season
from simulator.model.preflight import preflight
from simulator.model.starting_state import Status, as_status
from simulator.planning.evaluation import Plan, PointResult, evaluate_points
from simulator.planning.executors import executor_for
from simulator.planning.points import (
    ScenarioSource,
    Vary,
    make_point,
    point_engines,
    point_scenario,
)
from simulator.results.work import Work
from simulator.stats import proportion_interval

__all__ = [
    "Dimension",
    "Estimate",
    "StaffingResult",
    "analytic_estimate",
    "cost_risk_frontier",
    "staff",
]

Config = tuple[int, ...]


@dataclass(frozen=True)
class Dimension:
    """A capacity setting to choose: a path and its allowed values, in increasing order."""

    path: str
    values: tuple[int, ...]

    @classmethod
    def from_vary(cls, vary: Vary) -> Dimension:
        typed = vary.typed()
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in typed):
            raise UsageError(
                f"--vary {vary.path}: staffing chooses whole numbers (GPUs, people), got "
                f"{', '.join(vary.values)}"
            )
        return cls(vary.path, tuple(sorted(typed)))

    @property
    def resource(self) -> str | None:
        """``pool:NAME`` or ``team:NAME`` when the path sets a pool's or team's capacity."""
        parts = self.path.split(".")
        if len(parts) == 3 and parts[0] == "pools" and parts[2] == "gpus":
            return f"pool:{parts[1]}"
        if parts[0] == "teams" and len(parts) >= 3 and parts[-1] in ("people", "around_the_clock"):
            return f"team:{parts[1]}"
        return None


@dataclass(frozen=True)
class Estimate:
    """Where theory puts a dimension before any replication runs."""

    path: str
    resource: str | None
    floor: int
    """Smallest value whose capacity covers the offered work on paper (pre-flight)."""
    offered_erlangs: float | None
    """Work in the tightest deadline window, in units of the dimension kept busy."""
    start: int
    """Square-root staffing a + β·√a, β = Φ⁻¹(1 − target), within the range and >= floor."""
    wait_probability: float | None
    """Erlang C: P(a task waits) with ``start`` servers at the offered load."""


def _utilisation(
    source: ScenarioSource, overrides: Sequence[str], resource: str
) -> tuple[float, float]:
    """(worst utilisation over season and deadline windows, capacity hours in the window)."""
    model = compile_season(point_scenario(source, overrides))
    for load in preflight(model).loads:
        if f"{load.kind}:{load.name}" == resource:
            worst = max(load.utilisation, load.worst_deadline_utilisation)
            return worst, load.capacity_hours
    raise UsageError(f"{resource} is not in the scenario")


def analytic_estimate(
    source: ScenarioSource,
    dimension: Dimension,
    target: float,
    overrides: Sequence[str] = (),
) -> Estimate:
    """The pre-flight floor and the square-root staffing start of one dimension, with the
    other dimensions as the scenario (and ``overrides``) set them."""
    values = dimension.values
    resource = dimension.resource
    if resource is None:
        # Not a pool's or team's capacity: theory has nothing to say; start in the middle.
        middle = values[len(values) // 2]
        return Estimate(dimension.path, None, values[0], None, middle, None)

    def worst(v: int) -> float:
        return _utilisation(source, [*overrides, f"{dimension.path}={v}"], resource)[0]

    # Utilisation falls as capacity grows: bisect for the first value with it <= 1.
    lo, hi = 0, len(values) - 1
    if worst(values[hi]) > 1.0:
        floor_index = hi
    else:
        while lo < hi:
            mid = (lo + hi) // 2
            if worst(values[mid]) <= 1.0:
                hi = mid
            else:
                lo = mid + 1
        floor_index = lo
    floor = values[floor_index]
    # Offered load in units of the dimension: at the largest value v the worst window's
    # utilisation u means the work keeps u·v units busy (exact for a pool's GPUs; for one
    # shift of a team, the team's head count while on shift).
    top = values[-1]
    offered = worst(top) * top if top > 0 else None
    start_value = floor
    wait = None
    if offered is not None and offered > 0.0:
        beta = float(scipy_stats.norm.ppf(1.0 - target))
        # square_root_staffing takes a rate and a mean service; a = rate × service.
        start_value = max(floor, square_root_staffing(offered, 1.0, max(beta, 0.0)))
        wait = erlang_c(max(1, start_value), offered)
    start = next((v for v in values if v >= start_value), values[-1])
    return Estimate(dimension.path, resource, floor, offered, start, wait)


@dataclass
class _Search:
    """The monotone search's memory: every configuration simulated and what it showed."""

    dimensions: Sequence[Dimension]
    simulate: Callable[[Config], PointResult]
    target: float
    seen: dict[Config, PointResult] = field(default_factory=dict)

    def result(self, config: Config) -> PointResult:
        if config not in self.seen:
            self.seen[config] = self.simulate(config)
        return self.seen[config]

    def feasible(self, config: Config) -> bool:
        # Monotonicity decides first: a config above a feasible one is feasible, one below
        # an infeasible one is not; only what it cannot decide is simulated.
        for other, r in self.seen.items():
            ok = _risk_bound(r) < self.target
            if ok and all(a >= b for a, b in zip(config, other, strict=True)):
                return True
            if not ok and all(a <= b for a, b in zip(config, other, strict=True)):
                return False
        return _risk_bound(self.result(config)) < self.target


def _smallest(ok: Callable[[int], bool], start: int, top: int) -> int | None:
    """The smallest i in [0, top] with ``ok(i)``, for ``ok`` false then true (monotone):
    gallop from ``start`` (steps 1, 2, 4, ...) to bracket it, then bisect. None if even
    ``ok(top)`` is false. O(log distance) calls."""
    start = min(max(start, 0), top)
    if ok(start):
        good, step = start, 1
        while True:
            if good == 0:
                return 0
            probe = max(0, good - step)
            if not ok(probe):
                bad = probe
                break
            good, step = probe, step * 2
    else:
        bad, step = start, 1
        while True:
            if bad == top:
                return None
            probe = min(top, bad + step)
            if ok(probe):
                good = probe
                break
            bad, step = probe, step * 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def _risk_bound(result: PointResult) -> float:
    return result.p_any_miss.high


def _cost(result: PointResult) -> float:
    return result.cost_mean.estimate


def cost_risk_frontier(results: Sequence[PointResult]) -> list[PointResult]:
    """Configurations no other beats on both mean cost and P(any miss), by cost."""
    ordered = sorted(results, key=lambda r: (_cost(r), r.p_any_miss.estimate))
    frontier: list[PointResult] = []
    best_risk = math.inf
    for r in ordered:
        risk = r.p_any_miss.estimate
        if risk < best_risk:
            frontier.append(r)
            best_risk = risk
    return frontier


@dataclass
class StaffingResult:
    target_risk: float
    dimensions: list[Dimension]
    estimates: list[Estimate]
    chosen: PointResult | None
    """The cheapest feasible configuration simulated; None if none is feasible."""
    cheaper_neighbours: list[PointResult]
    """The answer with one dimension one step lower, each simulated: none is feasible."""
    simulated: list[PointResult]
    frontier: list[PointResult]
    grid_size: int
    table: pd.DataFrame
    summary: dict[str, Any]
    out: Path

    @property
    def configurations_simulated(self) -> int:
        return len(self.simulated)

    def values(self, result: PointResult) -> dict[str, int]:
        return {path: int(v) for path, v in result.point.values}


def staff(
    scenario: ScenarioSource,
    vary: Sequence[str | Vary],
    *,
    target_risk: float,
    out: str | Path,
    work: Work | None = None,
    overrides: Sequence[str] = (),
    plots: bool = True,
    on_configuration: Callable[[PointResult, int], None] | None = None,
) -> StaffingResult:
    """Find the cheapest configuration over ``vary`` whose P(any miss) upper bound is under
    ``target_risk``; write the table, the frontier plot and ``summary.json`` to the results
    folder ``out``.

    ``work`` says how many replications each configuration runs, on which seed, from where
    the season stands (the queueing-theory starting point is still computed for the whole
    season), and where; its ``progress`` hears each configuration's replications.
    ``on_configuration(result, n)`` is called after each configuration simulated (n so
    far).
    """
    started = time.perf_counter()
    if not 0.0 < target_risk < 1.0:
        raise UsageError(f"target risk must be between 0 and 1, got {target_risk}")
    out = Path(out)
    work = Work() if work is None else work
    dims = [Dimension.from_vary(v if isinstance(v, Vary) else Vary.parse(v)) for v in vary]
    if not dims:
        raise UsageError("staff needs at least one --vary PATH=LO:HI")
    base = point_scenario(scenario, overrides)
    plan = Plan.of(work, base)
    _check_replications(plan.replications, base.run.confidence, target_risk)
    estimates = [analytic_estimate(scenario, d, target_risk, overrides) for d in dims]
    first = make_point(
        0,
        scenario,
        overrides,
        [(d.path, str(e.start)) for d, e in zip(dims, estimates, strict=True)],
        plan.seed,
    )
    from_status = as_status(work.status)
    work = replace(work, status=from_status)
    order: list[PointResult] = []
    with executor_for(work, point_engines([first], work.engine)) as run_on:
        on_executor = replace(work, executor=run_on)

        def simulate(config: Config) -> PointResult:
            values = [(d.path, str(d.values[i])) for d, i in zip(dims, config, strict=True)]
            point = make_point(len(order), scenario, overrides, values, plan.seed)
            result = evaluate_points([point], plan, out=out, work=on_executor).results[0]
            order.append(result)
            if on_configuration is not None:
                on_configuration(result, len(order))
            return result

        search = _Search(dims, simulate, target_risk)
        start_index = [d.values.index(e.start) for d, e in zip(dims, estimates, strict=True)]
        _walk(search, (), start_index)
        chosen, neighbours = _settle(search)
        where = run_on.description
    return _write(
        out,
        base.name,
        target_risk,
        dims,
        estimates,
        chosen,
        neighbours,
        order,
        cost_risk_frontier(order),
        plan,
        plots,
        time.perf_counter() - started,
        where,
        from_status,
    )


def _check_replications(replications: int, level: float, target_risk: float) -> None:
    """Refuse a number of replications too small for any configuration to be feasible:
    even zero misses leave an upper bound on the risk."""
    floor = proportion_interval(0, replications, level=level).high
    if floor >= target_risk:
        needed = next(
            n
            for n in range(replications, 10 * replications + 10_000)
            if proportion_interval(0, n, level=level).high < target_risk
        )
        raise UsageError(
            f"with {replications} replications even zero misses leave an upper bound of "
            f"{floor:.3f} on the risk, not under {target_risk:g}: use at least {needed}"
        )


def _settle(search: _Search) -> tuple[PointResult | None, list[PointResult]]:
    """The cheapest feasible configuration and its one-step-cheaper neighbours: if a
    neighbour is feasible and cheaper (noise can bend monotonicity), move there; then every
    neighbour shown misses the target."""
    chosen_config = _cheapest_feasible(search)
    neighbours: list[PointResult] = []
    while chosen_config is not None:
        neighbours = []
        better = None
        for j in range(len(search.dimensions)):
            if chosen_config[j] == 0:
                continue
            lower = (*chosen_config[:j], chosen_config[j] - 1, *chosen_config[j + 1 :])
            r = search.result(lower)
            neighbours.append(r)
            cheaper = _cost(r) < _cost(search.seen[chosen_config])
            if _risk_bound(r) < search.target and cheaper:
                better = lower
        if better is None:
            break
        chosen_config = better
    chosen = search.seen[chosen_config] if chosen_config is not None else None
    return chosen, neighbours


def _walk(search: _Search, prefix: Config, hints: list[int]) -> None:
    """Find the feasible boundary below ``prefix`` (values of the first dimensions).

    At the last dimension: its smallest feasible value. Above it: the smallest value of
    this dimension for which anything at all is feasible (every later dimension at its
    top), then each value from there up, recursively. ``hints`` hold where each
    dimension's last search ended: by monotonicity the boundary of the last dimension only
    falls as earlier ones grow, so each search starts next to the previous answer.
    """
    dims = search.dimensions
    depth = len(prefix)
    top = len(dims[depth].values) - 1
    if depth == len(dims) - 1:
        found = _smallest(lambda i: search.feasible((*prefix, i)), hints[depth], top)
        if found is not None:
            hints[depth] = found
        return
    tops = tuple(len(d.values) - 1 for d in dims[depth + 1 :])
    first = _smallest(lambda i: search.feasible((*prefix, i, *tops)), hints[depth], top)
    if first is None:
        return
    hints[depth] = first
    for i in range(first, top + 1):
        _walk(search, (*prefix, i), hints)


def _cheapest_feasible(search: _Search) -> Config | None:
    feasible = [(c, r) for c, r in search.seen.items() if _risk_bound(r) < search.target]
    if not feasible:
        return None
    return min(feasible, key=lambda cr: (_cost(cr[1]), cr[0]))[0]


def _configurations(
    simulated: Sequence[PointResult],
    frontier: Sequence[PointResult],
    chosen: PointResult | None,
    target: float,
) -> pd.DataFrame:
    """The table of ``configurations.parquet``: one row per configuration simulated."""
    on_frontier = {id(r) for r in frontier}
    rows = []
    for r in simulated:
        row = dict(r.row)
        for path, value in r.point.values:
            row[path] = int(value)
        row["feasible"] = _risk_bound(r) < target
        row["on_frontier"] = id(r) in on_frontier
        row["chosen"] = r is chosen
        rows.append(row)
    return pd.DataFrame(rows)


def _brief(r: PointResult, target: float) -> dict[str, Any]:
    """A configuration in ``summary.json``."""
    return {
        "values": {path: int(v) for path, v in r.point.values},
        "cost_mean": r.cost_mean.to_dict(),
        "p_any_miss": r.p_any_miss.to_dict(),
        "feasible": _risk_bound(r) < target,
        "scenario_sha256": r.point.sha256,
    }


def _write(
    out: Path,
    name: str,
    target: float,
    dims: list[Dimension],
    estimates: list[Estimate],
    chosen: PointResult | None,
    neighbours: list[PointResult],
    simulated: list[PointResult],
    frontier: list[PointResult],
    plan: Plan,
    plots: bool,
    wall: float,
    executor: str,
    from_status: Status | None = None,
) -> StaffingResult:
    table = _configurations(simulated, frontier, chosen, target)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "configurations.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    files = ["configurations.parquet"]
    if plots:
        from simulator.plots import save_figure
        from simulator.plots.planning import frontier_plot

        figure = frontier_plot(table, target, name, chosen.point.index if chosen else None)
        files += [p.name for p in save_figure(figure, out / "frontier")]

    def brief(r: PointResult) -> dict[str, Any]:
        return _brief(r, target)

    grid = math.prod(len(d.values) for d in dims)
    summary: dict[str, Any] = {
        "reelsim_version": __version__,
        "kind": "staff",
        "scenario": {"name": name},
        "seed": plan.seed,
        "from": None if from_status is None else from_status.manifest(),
        "replications": plan.replications,
        "target_risk": target,
        "risk_measure": "upper confidence bound of P(any episode misses), Wilson",
        "executor": executor,
        "dimensions": [{"path": d.path, "values": list(d.values)} for d in dims],
        "labels": dict(simulated[0].summary.labels) if simulated else {},
        "estimates": [e.__dict__ for e in estimates],
        "chosen": brief(chosen) if chosen is not None else None,
        "cheaper_neighbours": [brief(r) for r in neighbours],
        "configurations_simulated": len(simulated),
        "grid_size": grid,
        "frontier": [brief(r) for r in frontier],
        "wall_seconds": wall,
    }
    chunk_files = sorted({k.relative_path for r in simulated for k in r.chunks})
    write_manifest(out, summary, [*files, *chunk_files])
    return StaffingResult(
        target_risk=target,
        dimensions=dims,
        estimates=estimates,
        chosen=chosen,
        cheaper_neighbours=neighbours,
        simulated=simulated,
        frontier=frontier,
        grid_size=grid,
        table=table,
        summary=summary,
        out=out,
    )
