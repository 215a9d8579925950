"""Soak: many replications of season-hybrid through the kernel, resident memory sampled.

Runs ``--replications`` (default 20,000) replications of ``scenarios/season-hybrid.yaml``
with ``simulator.engines.kernel.run_batch`` over successive ranges of ``--chunk`` replications,
reduces each chunk to a few numbers (mean cost, mean end time, events) and drops its
results, then samples the resident memory of this process (``VmRSS`` from
``/proc/self/status``; ``ru_maxrss`` where that is missing). It prints the series and
whether memory stays flat: over the second half of the chunks, max − min under 5 % of
their mean. Exits 1 when it does not.

Usage::

    .venv/bin/python benchmarks/soak.py [--replications 20000] [--chunk 1000] [--threads 2]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from simulator import compile_season, load_scenario
from simulator.engines.kernel import run_batch

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "season-hybrid.yaml"
FLAT = 0.05


def rss_mib() -> float:
    """Resident memory of this process now, in MiB (peak so far where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def flat(series: Sequence[float]) -> tuple[bool, float]:
    """Whether the second half of ``series`` spans under 5 % of its mean, and the span."""
    half = list(series[len(series) // 2 :])
    mean = sum(half) / len(half)
    span = max(half) - min(half)
    return span < FLAT * mean, span / mean


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    args = parser.parse_args(argv)

    model = compile_season(load_scenario(args.scenario))
    print(f"soak: {args.replications} replications of {args.scenario.name}, chunks of "
          f"{args.chunk}, {args.threads} threads; RSS at start {rss_mib():.1f} MiB")  # fmt: skip
    series: list[float] = []
    cost_sum = end_sum = 0.0
    events = 0
    started = time.perf_counter()
    for start in range(0, args.replications, args.chunk):
        stop = min(start + args.chunk, args.replications)
        results = run_batch(model, range(start, stop), args.threads)
        cost_sum += sum(sum(sum(v) for v in r.cost.values()) for r in results)
        end_sum += sum(r.end_time for r in results)
        events += sum(r.events for r in results)
        del results
        gc.collect()
        series.append(rss_mib())
        elapsed = time.perf_counter() - started
        print(f"  {stop:>7} replications  {elapsed:7.1f} s  {stop / elapsed:6.1f} rep/s  "
              f"RSS {series[-1]:7.1f} MiB", flush=True)  # fmt: skip
    wall = time.perf_counter() - started
    n = args.replications
    is_flat, span = flat(series)
    print(f"wall {wall:.1f} s, {n / wall:.1f} replications/s; mean cost {cost_sum / n:.6g}, "
          f"mean end time {end_sum / n:.6g} h, {events} events")  # fmt: skip
    print("RSS series (MiB): " + ", ".join(f"{v:.1f}" for v in series))
    print(f"RSS first {series[0]:.1f}, last {series[-1]:.1f}, max {max(series):.1f} MiB; "
          f"second half spans {100 * span:.2f} % of its mean: "
          f"{'flat' if is_flat else 'NOT flat'} (limit {100 * FLAT:.0f} %)")  # fmt: skip
    return 0 if is_flat else 1


if __name__ == "__main__":
    sys.exit(main())
