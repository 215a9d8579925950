"""CPU kernel against GPU kernel on every example scenario: agreement and timings.

DESIGN §3 "Agreement contract": the CPU and GPU builds of the batch kernel give every
replication within 1e-9 relative, with equal event counts. On a machine with a GPU (CuPy
installed and ``cupy.cuda.is_available()``), this script

1. compiles the kernel as the launcher does (``kernels.gpu.cuda_program``) and prints
   what one thread costs: registers and local memory as CuPy loaded it, beside what
   NVRTC without a GPU (``kernels.nvrtc``, the tests' compiler) reports for the device's
   architecture, where NVRTC's wheel is installed;
2. runs ``--replications`` replications of each ``scenarios/*.yaml`` on both, compares
   what each replication counted (its ``RawReplication``, accumulator by accumulator),
   prints the first replication and accumulator that differ (if any) and the timings;
3. prints GPU replications per second against batch size (one launch of ``b``
   replications of ``--sweep-scenario``, for each ``b`` of ``--batch-sizes``);

and exits 1 on a disagreement. Without a GPU it says so and exits 0: there is nothing
to check.

The GPU does not record event traces; to see where a divergent replication goes wrong,
trace it on the CPU with ``simulator.engines.kernel.trace_replication`` and on the reference
engine with ``run_replication(..., trace=log)``.

Usage::

    .venv/bin/python benchmarks/gpu_check.py [--replications 1000] [--threads N]
        [--sweep-scenario season-hybrid] [--batch-sizes 256,1024,4096,16384]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kernels import cpu, gpu
from simulator import compile_season, load_scenario
from simulator.engines.kernel import pack, run_raw_batch
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


def print_thread_cost() -> None:
    """Registers and local memory of one thread, as loaded here and as NVRTC reports them."""
    registers, local = gpu.thread_cost()
    arch = gpu.device_architecture()
    print(f"rs_kernel on this GPU ({arch}): {registers} registers, {local} bytes local memory")
    try:
        from kernels import nvrtc

        build = nvrtc.compile_kernel(arch)
    except RuntimeError as error:  # NVRTC is a dev dependency: it may be missing here
        print(f"  (no NVRTC report: {error})")
        return
    same = "the same" if build.registers == registers else "DIFFERENT: check the options"
    print(
        f"  NVRTC {'.'.join(map(str, nvrtc.version()))} without a GPU: {build.registers} "
        f"registers ({same}), {build.stack_bytes} bytes stack, "
        f"{build.spill_store_bytes + build.spill_load_bytes} bytes of spills"
    )


def agreement(replications: int, threads: int) -> bool:
    """Every example scenario on CPU and GPU: True if all agree, with the timings printed."""
    failed = False
    print(
        f"{'scenario':24} {'reps':>6} {'CPU s':>8} {'GPU s':>8} {'CPU rep/s':>10} "
        f"{'GPU rep/s':>10}  agreement"
    )
    for path in sorted(SCENARIOS.glob("*.yaml")):
        model = compile_season(load_scenario(path))
        reps = range(replications)
        started = time.perf_counter()
        on_cpu = run_raw_batch(model, reps, threads=threads)
        cpu_s = time.perf_counter() - started
        run_raw_batch(model, range(1), backend="gpu")  # compile and warm up outside the timing
        started = time.perf_counter()
        on_gpu = run_raw_batch(model, reps, backend="gpu")
        gpu_s = time.perf_counter() - started
        difference = compare(model, on_cpu, on_gpu)
        failed = failed or difference is not None
        n = replications
        print(
            f"{path.stem:24} {n:6d} {cpu_s:8.2f} {gpu_s:8.2f} {n / cpu_s:10.1f} "
            f"{n / gpu_s:10.1f}  {'equal' if difference is None else difference}"
        )
    print(f"(CPU on {threads} threads)")
    return not failed


def batch_sweep(scenario: str, sizes: Sequence[int]) -> None:
    """GPU replications per second against the number of replications in one launch."""
    packed = pack(compile_season(load_scenario(SCENARIOS / f"{scenario}.yaml")))
    fits = gpu.batch_size(packed.mi)
    print(f"\n{scenario}: one launch of b replications ({fits} fit in free device memory)")
    print(f"{'batch b':>8} {'GPU s':>8} {'GPU rep/s':>10}")
    gpu.run(packed.mi, packed.md, np.arange(1))  # compile and warm up outside the timing
    for size in sizes:
        if size > fits:
            print(f"{size:8d}  does not fit")
            continue
        started = time.perf_counter()
        gpu.run(packed.mi, packed.md, np.arange(size), batch=size)
        seconds = time.perf_counter() - started
        print(f"{size:8d} {seconds:8.2f} {size / seconds:10.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--sweep-scenario", default="season-hybrid")
    parser.add_argument("--batch-sizes", default="256,1024,4096,16384")
    args = parser.parse_args(argv)
    if not gpu.available():
        print("no GPU here (CuPy missing or no usable device): nothing to check")
        return 0
    if not cpu.available():
        print("the CPU kernel is not built: reinstall the package with a C compiler")
        return 1
    print_thread_cost()
    agreed = agreement(args.replications, args.threads or cpu.default_threads())
    batch_sweep(args.sweep_scenario, [int(b) for b in args.batch_sizes.split(",")])
    return 0 if agreed else 1


if __name__ == "__main__":
    sys.exit(main())
