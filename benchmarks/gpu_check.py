"""CPU kernel against GPU kernel on every example scenario: agreement and timings.

DESIGN §3 "Agreement contract": the CPU and GPU builds of the batch kernel give every
replication within 1e-9 relative, with equal event counts. On a machine with a GPU (CuPy
installed and ``cupy.cuda.is_available()``), this script runs ``--replications``
replications of each ``scenarios/*.yaml`` on both, compares what each replication counted
(its ``RawReplication``, accumulator by accumulator), prints the first replication and
accumulator that differ (if any) and the timings (running the kernel and reading its
outputs), and exits 1 on a disagreement. Without a GPU it says so and exits 0: there is nothing
to check.

The GPU does not record event traces; to see where a divergent replication goes wrong,
trace it on the CPU with ``simulator.engines.kernel.trace_replication`` and on the reference
engine with ``run_replication(..., trace=log)``.

Usage::

    .venv/bin/python benchmarks/gpu_check.py [--replications 1000] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kernels import cpu, gpu
from simulator import compile_season, load_scenario
from simulator.engines.kernel import run_raw_batch
from simulator.engines.raw import RawReplication
from simulator.model.season import SeasonModel
from simulator.testing.agreement import raw_difference

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def compare(
    model: SeasonModel, on_cpu: Sequence[RawReplication], on_gpu: Sequence[RawReplication]
) -> str | None:
    """The first replication and accumulator where the CPU and GPU kernels differ, or None."""
    for c, g in zip(on_cpu, on_gpu, strict=True):
        found = raw_difference(model, c, g, ("CPU", "GPU"))
        if found:
            return found
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if not gpu.available():
        print("no GPU here (CuPy missing or no usable device): nothing to check")
        return 0
    if not cpu.available():
        print("the CPU kernel is not built: reinstall the package with a C compiler")
        return 1
    threads = args.threads or cpu.default_threads()
    failed = False
    print(
        f"{'scenario':24} {'reps':>6} {'CPU s':>8} {'GPU s':>8} {'CPU rep/s':>10} "
        f"{'GPU rep/s':>10}  agreement"
    )
    for path in sorted(SCENARIOS.glob("*.yaml")):
        model = compile_season(load_scenario(path))
        reps = range(args.replications)
        started = time.perf_counter()
        on_cpu = run_raw_batch(model, reps, threads=threads)
        cpu_s = time.perf_counter() - started
        run_raw_batch(model, range(1), backend="gpu")  # compile and warm up outside the timing
        started = time.perf_counter()
        on_gpu = run_raw_batch(model, reps, backend="gpu")
        gpu_s = time.perf_counter() - started
        difference = compare(model, on_cpu, on_gpu)
        failed = failed or difference is not None
        n = args.replications
        print(
            f"{path.stem:24} {n:6d} {cpu_s:8.2f} {gpu_s:8.2f} {n / cpu_s:10.1f} "
            f"{n / gpu_s:10.1f}  {'equal' if difference is None else difference}"
        )
    print(f"(CPU on {threads} threads)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
