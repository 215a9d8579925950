"""How fast ``reelsim explore`` answers: from a knob change to the first answer, and to the
full count of replications.

A session (``simulator.explore.Session``) on a copy of ``scenarios/season-hybrid.yaml`` (in
a temporary folder, so that its chunks do not stay behind) runs the baseline first; then
each change below is submitted in turn, and the clock runs from the call that submits it
(the scenario loaded with the change and checked included) to the moment the session
publishes its first answer (``--first`` replications, 20) and its last (``--replications``,
200). The page polls the session every 0.2 s while a run is under way, so the browser shows
each answer at most that much later. Targets (issue 16): first answer under 1 s, 200
replications under 3 s on 2 cores.

Usage::

    .venv/bin/python benchmarks/explore_latency.py [--replications 200] [--first 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from simulator.explore import Configuration, Session

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CHANGES = [
    "teams.supervisors.shifts.0.people=1",
    "teams.supervisors.shifts.1.people=3",
    "pools.h100-reserved.gpus=12",
    "pools.h100-spot.gpus=16",
    "policy.queue=fifo",
    "shot_stages.supervisor_review.max_rounds=1",
]
FIRST_TARGET_S = 1.0
FULL_TARGET_S = 3.0


def _times(configuration: Configuration, started: float) -> tuple[float, float, float]:
    """Seconds to the first answer and to the last, watching the configuration, and the
    CPU seconds this process used meanwhile (every thread; the watching loop's own are
    negligible: it sleeps)."""
    cpu = time.process_time()
    first = None
    while not configuration.finished.is_set():
        if first is None and configuration.replications > 0:
            first = time.perf_counter() - started
        time.sleep(0.002)
    done = time.perf_counter() - started
    if configuration.state != "done":
        raise SystemExit(f"{configuration.label}: {configuration.state} {configuration.error}")
    return (first if first is not None else done), done, time.process_time() - cpu


def measure(replications: int, first: int) -> list[tuple[str, float, float, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(SCENARIOS / "season-hybrid.yaml", folder)
        shutil.copytree(SCENARIOS / "prices", Path(folder) / "prices")
        started = time.perf_counter()
        session = Session(
            Path(folder) / "season-hybrid.yaml", replications=replications, first=first
        )
        try:
            rows.append(("baseline (one side)", *_times(session.configurations[0], started)))
            for change in CHANGES:
                started = time.perf_counter()
                configuration = session.submit([change])
                rows.append((change, *_times(configuration, started)))
        finally:
            session.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--first", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = measure(args.replications, args.first)
    print(
        f"{os.cpu_count()} CPUs, load average {load:.1f} before and {os.getloadavg()[0]:.1f} "
        f"after; first answer {args.first}, full {args.replications} replications"
    )
    print("| change | first answer | full answer | CPU seconds to the full answer |")
    print("|---|---:|---:|---:|")
    for change, to_first, to_full, cpu in rows:
        print(f"| `{change}` | {to_first:.2f} s | {to_full:.2f} s | {cpu:.2f} s |")
    changes = rows[1:]
    first_median = statistics.median(r[1] for r in changes)
    full_median = statistics.median(r[2] for r in changes)
    cpu_median = statistics.median(r[3] for r in changes)
    print(
        f"| median of the changes | **{first_median:.2f} s** | **{full_median:.2f} s** "
        f"| {cpu_median:.2f} s |"
    )
    met = first_median < FIRST_TARGET_S and full_median < FULL_TARGET_S
    print(
        f"targets: first under {FIRST_TARGET_S:.0f} s, full under {FULL_TARGET_S:.0f} s: "
        + ("met" if met else "not met"),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
