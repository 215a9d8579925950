"""Speed of the reference engine on scenarios/season-hybrid.yaml.

Times ``--replications`` replications (0, 1, ...) of the scenario with the reference
engine, one after another in this process (``time.perf_counter`` around each
``run_replication``; loading and compiling the scenario is timed once, apart), and prints
seconds per replication, events per replication and events per second.

Usage::

    .venv/bin/python benchmarks/season_hybrid.py [--replications 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator import compile_season, load_scenario
from simulator.engines.reference.engine import run_replication

__all__ = ["HybridResult", "main", "measure", "report"]

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "season-hybrid.yaml"
DEFAULT_REPLICATIONS = 3


@dataclass(frozen=True, slots=True)
class HybridResult:
    replications: int
    setup_seconds: float
    """Loading and compiling the scenario (once, not in the timings)."""
    seconds: tuple[float, ...]
    events: tuple[int, ...]

    @property
    def seconds_per_replication(self) -> float:
        """Median over the replications."""
        return statistics.median(self.seconds)

    @property
    def events_per_replication(self) -> float:
        return statistics.fmean(self.events)

    @property
    def events_per_second(self) -> float:
        """All events over all the time."""
        return sum(self.events) / sum(self.seconds)


def measure(replications: int = DEFAULT_REPLICATIONS) -> HybridResult:
    start = time.perf_counter()
    model = compile_season(load_scenario(SCENARIO))
    setup = time.perf_counter() - start
    seconds: list[float] = []
    events: list[int] = []
    for rep in range(replications):
        gc.collect()
        start = time.perf_counter()
        result = run_replication(model, rep)
        seconds.append(time.perf_counter() - start)
        events.append(result.events)
    return HybridResult(replications, setup, tuple(seconds), tuple(events))


def report(r: HybridResult) -> str:
    runs = ", ".join(f"{s:.2f}" for s in r.seconds)
    plural = "" if r.replications == 1 else "s"
    return "\n".join(
        [
            f"season-hybrid: {r.replications} replication{plural} with the reference engine "
            f"(load and compile {r.setup_seconds:.2f} s, not counted)",
            f"  seconds per replication: {r.seconds_per_replication:.2f} (median; runs {runs})",
            f"  events per replication:  {r.events_per_replication:,.0f} (mean)",
            f"  events per second:       {r.events_per_second:,.0f}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--replications",
        type=int,
        default=DEFAULT_REPLICATIONS,
        help=f"replications to time (default {DEFAULT_REPLICATIONS})",
    )
    args = parser.parse_args(argv)
    if args.replications < 1:
        parser.error("--replications must be at least 1")
    print(report(measure(args.replications)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
