"""Run every benchmark with its defaults and print the figures as a markdown block.

Usage::

    .venv/bin/python benchmarks/run_all.py

The M/M/3 comparison (200,000 customers, 3 alternating pairs) takes a few minutes.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys

import mm3_vs_simpy
import season_hybrid
import simpy


def markdown(mm3: mm3_vs_simpy.Mm3Result, hybrid: season_hybrid.HybridResult) -> str:
    verdict = "met" if mm3.target_met else "**not met**"
    pairs = ", ".join(f"{x:.2f}" for x in mm3.ratios)
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SimPy {simpy.__version__}.",
        "",
        f"**M/M/3** (utilisation 0.9, {mm3.customers:,} customers, "
        f"{mm3.repeats} alternating pairs, medians)",
        "",
        "| | plain SimPy | reelsim reference engine |",
        "|---|---:|---:|",
        f"| time per customer | {mm3.simpy_us_per_customer:.1f} µs "
        f"| {mm3.reelsim_us_per_customer:.1f} µs |",
        f"| mean wait in queue (Erlang C {mm3.erlang_wait:.3f} h) "
        f"| {mm3.simpy_wait:.3f} h | {mm3.reelsim_wait:.3f} h |",
        "",
        f"- ratio reelsim/SimPy (median of pairs): **{mm3.ratio:.2f}×** (pairs: {pairs})",
        f"- reelsim engine: {mm3.events:,} events, {mm3.events_per_second:,.0f} events/s",
        f"- target at most {mm3_vs_simpy.TARGET_RATIO}× SimPy: {verdict}",
        "",
        f"**season-hybrid** ({hybrid.replications} replications, reference engine)",
        "",
        "| seconds per replication (median) | events per replication | events per second |",
        "|---:|---:|---:|",
        f"| {hybrid.seconds_per_replication:.2f} | {hybrid.events_per_replication:,.0f} "
        f"| {hybrid.events_per_second:,.0f} |",
    ]
    return "\n".join(lines)


def main() -> int:
    mm3 = mm3_vs_simpy.measure()
    print(mm3_vs_simpy.report(mm3), file=sys.stderr)
    hybrid = season_hybrid.measure()
    print(season_hybrid.report(hybrid), file=sys.stderr)
    print(markdown(mm3, hybrid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
