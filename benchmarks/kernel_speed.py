"""The batch kernel against the reference engine on one scenario, side by side.

Prints, for ``scenarios/season-hybrid.yaml`` by default: seconds per replication of the
reference engine and of the CPU kernel on 1 and on 2 threads (medians of alternating
repeats in one process), the kernel's replications per second and its ratio to the
reference per core, the scaling from 1 to 2 threads, events per second and nanoseconds
per event per core, and the kernel's scratch memory per replication and per shot.

    .venv/bin/python benchmarks/kernel_speed.py                   # season-hybrid
    .venv/bin/python benchmarks/kernel_speed.py --kernel-reps 400 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from simulator import compile_season, load_scenario
from simulator.engines.kernel import pack, run_batch, scratch_bytes_per_replication
from simulator.engines.reference.engine import run_replication

ROOT = Path(__file__).parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "season-hybrid.yaml")
    parser.add_argument("--reference-reps", type=int, default=2)
    parser.add_argument("--kernel-reps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = compile_season(load_scenario(args.scenario))
    ref, one, two = [], [], []
    events_per_rep = 0.0
    for repeat in range(args.repeats):
        reps = range(repeat * 1000, repeat * 1000 + args.reference_reps)
        started = time.perf_counter()
        results = [run_replication(model, r) for r in reps]
        ref.append((time.perf_counter() - started) / len(reps))
        events_per_rep = sum(r.events for r in results) / len(results)
        krange = range(10_000 + repeat * args.kernel_reps, 10_000 + (repeat + 1) * args.kernel_reps)
        for threads, times in ((1, one), (2, two)):
            started = time.perf_counter()
            run_batch(model, krange, threads)
            times.append((time.perf_counter() - started) / args.kernel_reps)
    r, k1, k2 = (statistics.median(t) for t in (ref, one, two))
    scratch = scratch_bytes_per_replication(pack(model))
    print(
        f"scenario: {args.scenario.name}; {model.n_shots} shots; "
        f"{events_per_rep:,.0f} events per replication (reference)"
    )
    print(f"reference engine: {r:.3f} s per replication ({1 / r:.2f} replications/s)")
    print(
        f"kernel, 1 thread: {k1 * 1000:.2f} ms per replication ({1 / k1:,.1f} replications/s)"
        f" = {r / k1:,.0f}x the reference per core (target: at least 300x)"
    )
    print(
        f"kernel, 2 threads: {1 / k2:,.1f} replications/s; scaling 1 -> 2 threads "
        f"{k1 / k2:.2f}x (target: at least 1.9x)"
    )
    print(
        f"kernel events per second per core: {events_per_rep / k1:,.0f}; "
        f"{k1 / events_per_rep * 1e9:,.0f} ns per event (target: under 80 ns)"
    )
    print(
        f"scratch per replication: {scratch:,} bytes = {scratch / model.n_shots:,.0f} bytes per "
        f"shot (target: under 64)"
    )
    print("(times include packing the scenario and unpacking results into Python objects)")


if __name__ == "__main__":
    main()
