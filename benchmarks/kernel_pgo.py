"""The CPU kernel's profile-guided build against its plain -O3 build, side by side.

Copies this tree's committed files (``git archive HEAD``) twice into a temporary folder,
builds the kernel extension in one with ``REELSIM_PGO=0`` (plain) and in the other as
``setup.py`` builds it by default (profile-guided where the compiler is GCC 10 or later),
timing each build, then compares the two exactly as ``kernel_vs_previous.py`` compares
two commits: outputs bit for bit, instructions per event inside ``rs_run_replication``
(callgrind), ns per event on 1 and 2 threads (medians of alternating runs).

    .venv/bin/python benchmarks/kernel_pgo.py
    .venv/bin/python benchmarks/kernel_pgo.py --no-callgrind --scenario scenarios/demo.yaml

The scenarios are ``scenarios/season-hybrid.yaml`` and the M/M/3 of
``benchmarks/scenarios/mm3.yaml`` unless ``--scenario`` names others.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kernel_vs_previous import ROOT, SCENARIOS, compare


def build(into: Path, pgo: bool) -> tuple[Path, float, str]:
    """This tree's committed files under ``into``, its kernel built in place; the seconds
    the build took and what setup.py said of it."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    env = dict(os.environ, REELSIM_PGO="1" if pgo else "0")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
        cwd=into,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    said = [line for line in done.stderr.splitlines() if line.startswith("kernels._cpu:")]
    return into, seconds, said[-1] if said else "kernels._cpu: plain -O3 build"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, action="append")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-callgrind", action="store_true")
    args = parser.parse_args()
    callgrind = not args.no_callgrind
    if callgrind and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (or run with --no-callgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        plain, plain_s, _ = build(Path(tmp) / "plain", pgo=False)
        guided, guided_s, said = build(Path(tmp) / "pgo", pgo=True)
        print(f"plain build {plain_s:.1f} s; default build {guided_s:.1f} s: {said}")
        print("old = plain -O3, new = the default (profile-guided) build")
        for scenario in args.scenario or SCENARIOS:
            compare(plain, guided, scenario.resolve(), args.repeats, callgrind)


if __name__ == "__main__":
    main()
