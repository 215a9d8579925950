"""Speed of the reference engine against plain SimPy on an M/M/3 queue.

Both sides simulate the same queue: Poisson arrivals at 2.7 an hour, exponential service
of mean 1 hour, 3 servers, first in first out (utilisation 0.9):

* **SimPy**: the textbook model, a ``simpy.Resource(capacity=3)``, a process per customer
  and ``random.Random(seed).expovariate`` for the draws;
* **reelsim**: the reference engine (``simulator.engines.reference.engine.run_replication``) on
  ``benchmarks/scenarios/mm3.yaml``, where customers are one-frame shots, the servers a
  reserved pool of 3 GPUs, and service an exponential 3600 s per frame.

The two run side by side in one process, alternating (the order flips from one pair to
the next), ``--repeats`` times; the figures are medians, and the ratio is the median of
the per-pair ratios reelsim/SimPy. Only the simulation is timed (``time.perf_counter``, or
with ``--cpu`` the process's CPU time, ``time.process_time``, steadier beside other work):
building SimPy's environment and running it on one side, ``run_replication`` on the other;
loading and compiling the scenario is timed once, apart. Both models' mean waits in queue
are printed next to the exact value (Erlang C) as a check that they simulate the same queue.

Usage::

    .venv/bin/python benchmarks/mm3_vs_simpy.py [--customers 200000] [--repeats 3] [--cpu]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from simulator import compile_season, load_scenario
from simulator.engines.reference.engine import run_replication
from simulator.model.season import SeasonModel

__all__ = [
    "Mm3Result",
    "erlang_c_wait",
    "load_mm3_model",
    "main",
    "measure",
    "report",
    "run_reelsim",
    "run_simpy",
]

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "mm3.yaml"
ARRIVALS_PER_HOUR = 2.7
SERVICES_PER_HOUR = 1.0
SERVERS = 3
TARGET_RATIO = 3.0
"""The goal: reelsim's time per customer at most this many times plain SimPy's."""
DEFAULT_CUSTOMERS = 200_000
DEFAULT_REPEATS = 3
SIMPY_SEED = 1
POOL_KEY = "pool:servers"
SHOTS_PER_EPISODE = 100_000
"""The scenario language's limit: the scenario splits its customers over two episodes."""
EPISODES = 2


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in the rates' time unit."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1.0:
        return math.inf
    top = a**servers / math.factorial(servers) / (1.0 - rho)
    bottom = math.fsum(a**k / math.factorial(k) for k in range(servers)) + top
    return (top / bottom) / (servers * service_rate - arrival_rate)


# --- plain SimPy ----------------------------------------------------------------------


def run_simpy(
    customers: int, seed: int = SIMPY_SEED, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, float]:
    """Simulate the M/M/3 queue in plain SimPy; return (seconds, mean wait in hours)."""
    start = clock()
    env = simpy.Environment()
    rng = random.Random(seed)
    servers = simpy.Resource(env, capacity=SERVERS)
    total_wait = 0.0

    def customer() -> Generator[simpy.Event, Any, None]:
        nonlocal total_wait
        arrival = env.now
        with servers.request() as request:
            yield request
            total_wait += env.now - arrival
            yield env.timeout(rng.expovariate(SERVICES_PER_HOUR))

    def source() -> Generator[simpy.Event, Any, None]:
        for _ in range(customers):
            env.process(customer())
            yield env.timeout(rng.expovariate(ARRIVALS_PER_HOUR))

    env.process(source())
    env.run()
    seconds = clock() - start
    return seconds, total_wait / customers


# --- reelsim --------------------------------------------------------------------------


def load_mm3_model(customers: int) -> SeasonModel:
    """The M/M/3 scenario with ``customers`` shots, split over its two episodes."""
    first = customers // EPISODES
    overrides = [
        f"shows.queue.episodes.0.shots={first}",
        f"shows.queue.episodes.1.shots={customers - first}",
    ]
    return compile_season(load_scenario(SCENARIO, overrides))


def run_reelsim(
    model: SeasonModel, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, float, int]:
    """One replication of the reference engine; return (seconds, mean wait, events)."""
    start = clock()
    result = run_replication(model, 0)
    seconds = clock() - start
    started, wait_hours = result.waits[POOL_KEY]
    return seconds, wait_hours / started, result.events


# --- the comparison -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mm3Result:
    customers: int
    repeats: int
    setup_seconds: float
    """Loading and compiling the reelsim scenario (once, not in the timings)."""
    simpy_seconds: tuple[float, ...]
    reelsim_seconds: tuple[float, ...]
    events: int
    simpy_wait: float
    reelsim_wait: float

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(r / s for r, s in zip(self.reelsim_seconds, self.simpy_seconds, strict=True))

    @property
    def ratio(self) -> float:
        """Median of the per-pair ratios reelsim/SimPy."""
        return statistics.median(self.ratios)

    @property
    def simpy_us_per_customer(self) -> float:
        return statistics.median(self.simpy_seconds) / self.customers * 1e6

    @property
    def reelsim_us_per_customer(self) -> float:
        return statistics.median(self.reelsim_seconds) / self.customers * 1e6

    @property
    def events_per_second(self) -> float:
        return self.events / statistics.median(self.reelsim_seconds)

    @property
    def erlang_wait(self) -> float:
        return erlang_c_wait(ARRIVALS_PER_HOUR, SERVICES_PER_HOUR, SERVERS)

    @property
    def target_met(self) -> bool:
        return self.ratio <= TARGET_RATIO


def measure(
    customers: int = DEFAULT_CUSTOMERS, repeats: int = DEFAULT_REPEATS, cpu: bool = False
) -> Mm3Result:
    """Time both models ``repeats`` times, alternating, in this process (``cpu``: in the
    process's CPU time rather than wall time)."""
    clock = time.process_time if cpu else time.perf_counter
    start = time.perf_counter()
    model = load_mm3_model(customers)
    setup = time.perf_counter() - start
    simpy_times: list[float] = []
    reelsim_times: list[float] = []
    events = 0
    simpy_wait = reelsim_wait = math.nan
    for pair in range(repeats):
        for side in ("simpy", "reelsim") if pair % 2 == 0 else ("reelsim", "simpy"):
            gc.collect()
            if side == "simpy":
                seconds, simpy_wait = run_simpy(customers, clock=clock)
                simpy_times.append(seconds)
            else:
                seconds, reelsim_wait, events = run_reelsim(model, clock)
                reelsim_times.append(seconds)
    return Mm3Result(
        customers=customers,
        repeats=repeats,
        setup_seconds=setup,
        simpy_seconds=tuple(simpy_times),
        reelsim_seconds=tuple(reelsim_times),
        events=events,
        simpy_wait=simpy_wait,
        reelsim_wait=reelsim_wait,
    )


def report(r: Mm3Result) -> str:
    wq = r.erlang_wait

    def off(wait: float) -> str:
        return f"{(wait / wq - 1.0) * 100.0:+.1f}% from Erlang C"

    pairs = ", ".join(f"{x:.2f}" for x in r.ratios)
    verdict = "met" if r.target_met else "NOT met"
    lines = [
        f"M/M/3: arrivals {ARRIVALS_PER_HOUR}/h, service {SERVICES_PER_HOUR}/h, "
        f"{SERVERS} servers (utilisation "
        f"{ARRIVALS_PER_HOUR / (SERVERS * SERVICES_PER_HOUR):.2f}), "
        f"{r.customers:,} customers, {r.repeats} alternating pairs",
        f"  SimPy    time per customer: {r.simpy_us_per_customer:8.2f} us  (median; runs "
        + ", ".join(f"{s:.2f}" for s in r.simpy_seconds)
        + " s)",
        f"  reelsim  time per customer: {r.reelsim_us_per_customer:8.2f} us  (median; runs "
        + ", ".join(f"{s:.2f}" for s in r.reelsim_seconds)
        + f" s; load and compile {r.setup_seconds:.2f} s, not counted)",
        f"  ratio reelsim/SimPy: {r.ratio:.2f}x (median of pairs: {pairs})",
        f"  reelsim engine: {r.events:,} events, {r.events_per_second:,.0f} events/s",
        f"  mean wait in queue: Erlang C {wq:.4f} h; SimPy {r.simpy_wait:.4f} h "
        f"({off(r.simpy_wait)}); reelsim {r.reelsim_wait:.4f} h ({off(r.reelsim_wait)})",
        f"  target: reelsim at most {TARGET_RATIO}x SimPy per customer: {verdict} ({r.ratio:.2f}x)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help=f"customers per run, 2 to {EPISODES * SHOTS_PER_EPISODE:,} "
        f"(default {DEFAULT_CUSTOMERS:,})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=DEFAULT_REPEATS,
        help=f"alternating SimPy/reelsim pairs (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time in the process's CPU time (time.process_time) rather than wall time",
    )
    args = parser.parse_args(argv)
    if not 2 <= args.customers <= EPISODES * SHOTS_PER_EPISODE:
        parser.error(f"--customers must be from 2 to {EPISODES * SHOTS_PER_EPISODE:,}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    print(report(measure(args.customers, args.repeats, args.cpu)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
