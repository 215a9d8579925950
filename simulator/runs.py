"""Run replications of a scenario and keep what they produce.

``simulate`` is the one entry point for a run: it compiles the scenario, runs the
replications on an engine, and returns a ``Run`` — the per-replication results with
their provenance. ``simulator.summary`` turns a run into headline numbers with
intervals; ``simulator.output`` writes the results folder.

Replication ``i`` of a run with seed ``s`` is the same replication whichever engine runs
it, however the replications are split, and whether or not other replications run
beside it (DESIGN §2).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from simulator._version import __version__
from simulator.engines import choose_engine, run_replications
from simulator.errors import UsageError
from simulator.model import SeasonModel, StartingState, compile_season
from simulator.policies import QueuePolicy
from simulator.results import ReplicationResult, replications_frame
from simulator.scenario.load import scenario_sha256
from simulator.scenario.schema import Scenario
from simulator.snapshot import with_start

__all__ = ["Run", "simulate"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` as replications finish."""


@dataclass
class Run:
    """A finished run: its replications and where they came from."""

    scenario: Scenario
    model: SeasonModel
    engine: str
    engine_reason: str
    seed: int
    results: list[ReplicationResult]
    wall_seconds: float
    scenario_sha256: str
    version: str = __version__
    traces: dict[int, list[tuple[float, str, str]]] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return len(self.results)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)

    def replications_frame(self) -> pd.DataFrame:
        """One row per (replication, episode): the table of ``replications.parquet``."""
        return replications_frame(self.model, self.results)

    def timeseries_frame(self) -> pd.DataFrame:
        """One row per (replication, resource, day): mean busy units and queue length."""
        rows = []
        for r in self.results:
            for resource, busy in r.daily_busy.items():
                queue = r.daily_queue[resource]
                for day, (b, q) in enumerate(zip(busy, queue, strict=True)):
                    rows.append((r.replication, resource, day, b, q))
        return pd.DataFrame(rows, columns=["replication", "resource", "day", "busy", "queue"])

    def trace_frame(self) -> pd.DataFrame:
        rows = [(rep, t, what, detail) for rep, tr in self.traces.items() for t, what, detail in tr]
        return pd.DataFrame(rows, columns=["replication", "time_h", "event", "detail"])


def simulate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    engine: str = "auto",
    threads: int | None = None,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: bool = False,
    first_replication: int = 0,
    start: StartingState | None = None,
    progress: Progress | None = None,
) -> Run:
    """Run ``replications`` replications (default: the scenario's ``run.replications``).

    ``engine`` is ``auto`` (the batch kernel when it can run the scenario, else the
    reference engine), ``reference`` or ``kernel``; ``Run.engine_reason`` says why.
    ``seed`` overrides the scenario's ``run.seed``. ``policies`` maps a pool's or team's
    name to a queue policy of your own (reference engine only). ``trace`` records every
    event of every replication (reference engine; keep the run small). ``start`` runs
    the rest of the season from where it stands (``simulator.snapshot.load_status``).
    """
    if seed is not None:
        run_settings = scenario.run.model_copy(update={"seed": seed})
        scenario = scenario.model_copy(update={"run": run_settings})
    n = replications if replications is not None else scenario.run.replications
    if n < 1:
        raise UsageError(f"replications must be at least 1, got {n}")
    unknown = set(policies or {}) - set(scenario.pools) - set(scenario.teams)
    if unknown:
        raise UsageError(
            f"policies given for {', '.join(sorted(unknown))}, which are neither pools nor "
            f"teams of {scenario.name!r}"
        )
    model = compile_season(scenario)
    if start is not None:
        model = with_start(model, start)
    choice = choose_engine(model, engine, policies=policies, trace=trace)
    started = time.perf_counter()
    traces: dict[int, list[tuple[float, str, str]]] = {}
    results = run_replications(
        model,
        range(first_replication, first_replication + n),
        choice.engine,
        threads=threads,
        policies=policies,
        traces=traces if trace else None,
        progress=progress,
    )
    return Run(
        scenario=scenario,
        model=model,
        engine=choice.engine,
        engine_reason=choice.reason,
        seed=model.seed,
        results=results,
        wall_seconds=time.perf_counter() - started,
        scenario_sha256=scenario_sha256(scenario),
        traces=traces,
    )
