"""Speed and memory of a sweep of scenarios/season-hybrid.yaml through the batch kernel.

Sweeps ``pools.h100-reserved.gpus`` over ``--points`` values (8, 9, ...) with
``--replications`` replications each, in chunks of ``--chunk``, into a fresh folder, on the
local executor (threads over every core), on a local Dask cluster of ``--workers``
processes, or both; prints the wall time, replications per second and the peak resident
memory of this process (and, for Dask, of the worker processes).

``--out DIR`` keeps the sweep's folder (a rerun resumes it: only what this call computed
counts towards its rate); ``--every N`` prints, every N replications, this process's
resident memory at that moment, to show it stays flat while the sweep runs.

``--memory R1,R2,...`` instead runs a one-point sweep of each size in a fresh process and
prints its peak memory: chunks stream to disk, so memory should not grow with the
replications of the simulation phase (the summary reads one point's columns back).

Usage::

    .venv/bin/python benchmarks/sweep_hybrid.py --out /tmp/hybrid-sweep --every 20000
    .venv/bin/python benchmarks/sweep_hybrid.py --points 4 --replications 200 --executor both
    .venv/bin/python benchmarks/sweep_hybrid.py --memory 250,500,1000,2000
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.planning.executors import DaskExecutor, LocalExecutor, default_workers
from simulator.planning.sweeps import sweep
from simulator.results.work import Progress, Work

__all__ = ["SweepTiming", "main", "measure", "peak_memory_mib"]

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "season-hybrid.yaml"
PATH = "pools.h100-reserved.gpus"


@dataclass(frozen=True)
class SweepTiming:
    executor: str
    points: int
    replications: int
    chunk: int
    seconds: float
    peak_mib: float
    computed: int
    """Replications this call computed (fewer than points x replications when resumed)."""
    worker_peak_mib: float | None = None

    @property
    def replications_per_second(self) -> float:
        return self.computed / self.seconds


def peak_memory_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def resident_mib() -> float:
    """Resident memory of this process now (Linux ``/proc/self/statm``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _vary(points: int) -> str:
    return f"{PATH}={','.join(str(8 + k) for k in range(points))}"


def measure(
    executor_kind: str,
    points: int,
    replications: int,
    chunk: int,
    workers: int,
    out: Path | None = None,
    every: int | None = None,
) -> SweepTiming:
    folder = out if out is not None else Path(tempfile.mkdtemp(prefix="reelsim-bench-"))
    computed = 0
    next_report = every

    def progress(p: Progress) -> None:
        nonlocal computed, next_report
        computed = p.replications_computed
        if next_report is not None and every and p.replications_done >= next_report:
            print(
                f"  {p.replications_done:>9,} replications on disk: "
                f"resident {resident_mib():,.0f} MiB, {time.perf_counter() - started:,.0f} s",
                flush=True,
            )
            while next_report <= p.replications_done:
                next_report += every

    started = time.perf_counter()
    try:
        if executor_kind == "dask":
            executor: DaskExecutor | LocalExecutor = DaskExecutor.local(workers)
        else:
            executor = LocalExecutor(workers)
        worker_peak = None
        with executor:
            description = executor.description
            started = time.perf_counter()
            sweep(
                SCENARIO,
                [_vary(points)],
                out=folder,
                work=Work(
                    replications=replications,
                    chunk_size=chunk,
                    executor=executor,
                    progress=progress,
                ),
                plots=False,
            )
            seconds = time.perf_counter() - started
            if isinstance(executor, DaskExecutor):
                peaks = executor.client.run(lambda: peak_memory_mib())
                worker_peak = max(peaks.values()) if peaks else None
        return SweepTiming(
            description,
            points,
            replications,
            chunk,
            seconds,
            peak_memory_mib(),
            computed,
            worker_peak,
        )
    finally:
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)


def _memory_one(replications: int, chunk: int) -> None:
    """Child mode: one point, then print this process's peak memory as JSON."""
    timing = measure("local", 1, replications, chunk, default_workers())
    print(
        json.dumps(
            {"replications": replications, "peak_mib": timing.peak_mib, "seconds": timing.seconds}
        )
    )


def report(t: SweepTiming) -> str:
    lines = [
        f"{t.executor}: {t.points} points x {t.replications:,} replications "
        f"(chunks of {t.chunk:,})",
        f"  wall time:                {t.seconds:,.1f} s "
        f"({t.computed:,} replications computed by this call)",
        f"  replications per second:  {t.replications_per_second:,.1f}",
        f"  peak memory (this process): {t.peak_mib:,.0f} MiB",
    ]
    if t.worker_peak_mib is not None:
        lines.append(f"  peak memory (a worker):   {t.worker_peak_mib:,.0f} MiB")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--points", type=int, default=20, help="sweep points (default 20)")
    parser.add_argument(
        "--replications", type=int, default=10_000, help="per point (default 10,000)"
    )
    parser.add_argument("--chunk", type=int, default=1000, help="replications per chunk")
    parser.add_argument(
        "--executor", choices=["local", "dask", "both"], default="local", help="where to run"
    )
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="threads or Dask processes"
    )
    parser.add_argument("--out", type=Path, default=None, help="keep (and resume) this folder")
    parser.add_argument("--every", type=int, default=None, help="print memory every N reps")
    parser.add_argument("--memory", default=None, metavar="R1,R2,...", help="memory curve")
    parser.add_argument("--_one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._one is not None:
        _memory_one(args._one, args.chunk)
        return 0
    if args.memory:
        print("one-point sweeps, each in a fresh process:")
        for n in (int(x) for x in args.memory.split(",")):
            child = subprocess.run(
                [sys.executable, __file__, "--_one", str(n), "--chunk", str(args.chunk)],
                check=True,
                capture_output=True,
                text=True,
            )
            row = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"  {n:>8,} replications: peak {row['peak_mib']:,.0f} MiB, {row['seconds']:,.1f} s"
            )
        return 0
    kinds = ["local", "dask"] if args.executor == "both" else [args.executor]
    for kind in kinds:
        out = args.out / kind if args.out is not None else None
        timing = measure(
            kind, args.points, args.replications, args.chunk, args.workers, out, args.every
        )
        print(report(timing), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
