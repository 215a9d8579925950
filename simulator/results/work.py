"""The work of running replications, described once.

Every way of asking reelsim a question runs replications: a run
(``simulator.results.runs.simulate``), a sweep, a staffing search, a comparison and a
sensitivity analysis (``simulator.planning``). The same few settings say how: how many
replications, on which seed, from where the season stands, on which engine, in chunks of
what size, on which cores or cluster, and whom to tell how far it got. A ``Work`` holds
them, validated once; each function takes one and adds only what is its own (a sweep's
grid, a staffing search's target, a run's own queue policies).

What is simulated stays with each call (the scenario, its ``--set`` overrides, what
varies), and so does what is written: ``out`` is always a results folder.

    from simulator import Work, simulate, sweep
    run = simulate(scenario, Work(replications=200, seed=7))
    grid = sweep("scenarios/demo.yaml", ["pools.h100.gpus=1:3"], out="results/grid",
                 work=Work(replications=200, chunk_size=50))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.errors import UsageError
from simulator.model.starting_state import StatusSource

if TYPE_CHECKING:
    from simulator.planning.executors import Executor

__all__ = ["Progress", "Work"]


@dataclass(frozen=True)
class Progress:
    """How far the work is, as ``Work.progress`` is told: after each chunk, and as a run's
    replications finish."""

    points_done: int
    points: int
    replications_done: int
    """Replications done for this work, computed now or found on disk from before."""
    replications: int
    """Replications planned so far (grows when a sweep's ``precision`` asks for more)."""
    replications_computed: int
    """Computed by this call (what a rate should count)."""
    chunks_reused: int
    round: int


@dataclass(frozen=True)
class Work:
    """How replications run: the settings ``simulate``, ``sweep``, ``staff``, ``compare``
    and ``sensitivity`` share."""

    replications: int | None = None
    """Replications per configuration (None: the scenario's ``run.replications``)."""
    seed: int | None = None
    """The seed, the same for every configuration (None: the scenario's ``run.seed``)."""
    status: StatusSource | None = None
    """Start every replication from where the season stands: a ``Status`` or
    ``(path, now)`` (None: from the season's start)."""
    engine: str = "auto"
    """``auto`` (the batch kernel where it can run the scenario), ``kernel`` or
    ``reference``."""
    chunk_size: int | None = None
    """Replications per chunk, the unit of work, of files and of resuming (None: 1000 for
    planning; for a run about a second of work, ``run_chunk_size``). The numbers never
    depend on it."""
    threads: int | None = None
    """Cores of this machine (None: every core): the kernel's threads in a run, chunks at
    once in planning."""
    workers: int | None = None
    """Planning only: run the chunks on a local Dask cluster of this many processes."""
    scheduler: str | None = None
    """Planning only: run the chunks on the Dask cluster whose scheduler is at this
    address (``tcp://host:8786``)."""
    executor: Executor | None = None
    """Planning only: run the chunks on this executor (``simulator.planning.executors``),
    opened and closed by its owner; it takes the place of ``threads``, ``workers`` and
    ``scheduler``. None: one is made from them and closed when the work is done."""
    progress: Callable[[Progress], None] | None = None
    """Told how far the work is, as it goes."""
    daily: bool = False
    """Planning only: keep each replication's daily bins of busy units and queue length in
    the chunks it writes (``daily_busy:KEY``, ``daily_queue:KEY``), for figures over the
    season. A chunk already on disk is reused as it is, with or without them."""

    def __post_init__(self) -> None:
        for name in ("replications", "chunk_size", "threads", "workers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}")
        if self.seed is not None and not 0 <= self.seed < 2**64:
            raise UsageError(f"seed must be between 0 and 2**64 - 1, got {self.seed}")
        if self.workers is not None and self.scheduler is not None:
            raise UsageError("give --workers (a local Dask cluster) or --scheduler, not both")
