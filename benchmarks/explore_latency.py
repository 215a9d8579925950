"""How fast ``reelsim explore`` answers: from a knob change to the first answer, and to the
full count of replications.

A session (``simulator.explore.Session``) on a copy of ``scenarios/season-hybrid.yaml`` (in
a temporary folder, so that its chunks do not stay behind) runs the baseline first; then
each change below is submitted in turn, and the clock runs from the call that submits it
(the scenario loaded with the change and checked included) to the moment the session
publishes its first answer (``--first`` replications, 20), its full answer
(``--replications``, 200) and, after it, its figure over the season. The page polls the
session every 0.2 s while a run is under way, so the browser shows each answer at most that
much later. Targets (issue 16): first answer under 1 s, 200
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


def _times(
    configuration: Configuration, started: float, full: int
) -> tuple[float, float, float, float]:
    """Seconds to the first answer, to the full one and to the figure over the season
    (drawn after the full answer), watching the configuration, and the CPU seconds this
    process used up to the full answer (every thread; the watching loop's own are
    negligible: it sleeps)."""
    cpu = time.process_time()
    first = answer = None
    used = 0.0
    while not configuration.finished.is_set():
        if first is None and configuration.replications > 0:
            first = time.perf_counter() - started
        if answer is None and configuration.replications >= full:
            answer = time.perf_counter() - started
            used = time.process_time() - cpu
        time.sleep(0.002)
    done = time.perf_counter() - started
    if configuration.state != "done":
        raise SystemExit(f"{configuration.label}: {configuration.state} {configuration.error}")
    if answer is None:  # the answer and the figure came between two looks
        answer, used = done, time.process_time() - cpu
    return (first if first is not None else answer), answer, done, used


def measure(replications: int, first: int) -> list[tuple[str, float, float, float, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(SCENARIOS / "season-hybrid.yaml", folder)
        shutil.copytree(SCENARIOS / "prices", Path(folder) / "prices")
        started = time.perf_counter()
        session = Session(
            Path(folder) / "season-hybrid.yaml", replications=replications, first=first
        )
        try:
            baseline = session.configurations[0]
            rows.append(("baseline (one side)", *_times(baseline, started, replications)))
            for change in CHANGES:
                started = time.perf_counter()
                configuration = session.submit([change])
                rows.append((change, *_times(configuration, started, replications)))
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
    print(
        "| change | first answer | full answer | figure over the season "
        "| CPU seconds to the full answer |"
    )
    print("|---|---:|---:|---:|---:|")
    for change, to_first, to_full, to_figure, cpu in rows:
        print(
            f"| `{change}` | {to_first:.2f} s | {to_full:.2f} s | {to_figure:.2f} s | {cpu:.2f} s |"
        )
    changes = rows[1:]
    first_median, full_median, figure_median, cpu_median = (
        statistics.median(r[k] for r in changes) for k in (1, 2, 3, 4)
    )
    print(
        f"| median of the changes | **{first_median:.2f} s** | **{full_median:.2f} s** "
        f"| {figure_median:.2f} s | {cpu_median:.2f} s |"
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
