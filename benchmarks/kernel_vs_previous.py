"""The CPU batch kernel of this tree against the kernel of a previous commit, side by side.

Builds the previous commit's whole tree (``git archive REV``) in a temporary folder, with
its own kernel extension, and runs both kernels on the same scenarios and replications,
each in a fresh process (``PYTHONPATH`` set to its tree), alternating old and new:

* **outputs**: every replication's result must be the same bit for bit, field by field of
  the raw record both trees have (a digest of each field's values; a field one side adds is
  named, not compared), so the comparison is of two kernels that do the same work;
* **instructions per event**: callgrind, counting only inside the extension's worker loop
  (``worker_main``, which runs ``rs_run_replication`` for each replication; repeatable from
  run to run), divided by the events the kernel handled. Not ``rs_run_replication*``: a
  profile-guided build splits that function into hot and cold parts, and callgrind's
  toggle switches counting off on entering the cold one;
* **time**: nanoseconds per event and replications per second on 1 and 2 threads, the
  kernel call alone (packing and unpacking not timed), medians of ``--repeats`` alternating
  runs, and the ratio old/new of those medians;
* **scratch**: bytes of working memory per replication and per shot;
* with ``--sweep N``, **a whole sweep**: the wall time of ``reelsim sweep`` over N
  replications of season-hybrid (one point, every core, chunks of 1,000, no plot), run in
  each tree alternately ``--repeats`` times, and that time extrapolated to 1,000,000
  replications (sweeps run at a steady rate once started: chunks stream to disk).

    .venv/bin/python benchmarks/kernel_vs_previous.py --rev f6f0e71
    .venv/bin/python benchmarks/kernel_vs_previous.py --rev HEAD~3 --no-callgrind
    .venv/bin/python benchmarks/kernel_vs_previous.py --rev a6f2022 --sweep 100000 --repeats 1

The scenarios are ``scenarios/season-hybrid.yaml`` and the M/M/3 of
``benchmarks/scenarios/mm3.yaml`` (200,000 customers a replication) unless ``--scenario``
names others. Needs ``git`` and a C compiler; the callgrind figures need ``valgrind``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    ROOT / "scenarios" / "season-hybrid.yaml",
    ROOT / "benchmarks" / "scenarios" / "mm3.yaml",
)
REPS = {"season-hybrid.yaml": 100, "mm3.yaml": 3}
"""Replications per timed run (a second or so each on one core); others get 20."""


def _child(
    scenario: Path, reps: int, threads: list[int], first: int, digest: bool
) -> dict[str, Any]:
    """In a process whose ``PYTHONPATH`` is one tree: run its kernel, report figures (and,
    with ``digest``, run it again to digest the raw record's fields: never under callgrind,
    which would count that run too)."""
    import numpy as np

    from kernels import cpu
    from kernels.layout import LAYOUT
    from simulator import compile_season, load_scenario
    from simulator.engines.kernel import pack, run_raw_batch

    header = LAYOUT["rs_header"]
    model = compile_season(load_scenario(scenario))
    packed = pack(model)
    numbers = np.arange(first, first + reps, dtype=np.int64)
    seconds: dict[str, float] = {}
    run = None
    for t in threads:
        started = time.perf_counter()
        run = cpu.run(packed.mi, packed.md, numbers, threads=t)
        seconds[str(t)] = time.perf_counter() - started
    assert run is not None
    if np.any(run.status != 0):
        raise SystemExit(f"{scenario.name}: a replication did not finish (status {run.status})")
    digests = {}
    if digest:
        raws = run_raw_batch(model, range(first, first + reps))  # untimed: the named fields
        names = [field.name for field in dataclasses.fields(raws[0])]
        digests = {
            name: hashlib.sha256(repr([getattr(r, name) for r in raws]).encode()).hexdigest()
            for name in names
        }
    events = int(run.out_i[:, int(packed.mi[header["RS_H_OI_EVENTS"]])].sum())
    return {
        "events": events,
        "reps": reps,
        "seconds": seconds,
        "digests": digests,
        "scratch": packed.scratch_bytes,
        "shots": model.n_shots,
    }


def _in_tree(tree: Path, argv: list[str], prefix: list[str] | None = None) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [*(prefix or []), sys.executable, str(Path(__file__).resolve()), "--child", *argv]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run in {tree} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def build_previous(rev: str, into: Path) -> Path:
    """The tree of commit ``rev`` under ``into``, with its CPU kernel built in place."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short=12", rev],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = into / f"reelsim-{sha}"
    if not (tree / "kernels").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    if not list((tree / "kernels").glob("_cpu*.so")):
        subprocess.run(
            [sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
            cwd=tree,
            check=True,
            capture_output=True,
        )
    return tree


def instructions(tree: Path, scenario: Path, reps: int) -> tuple[int, int]:
    """Instructions counted inside the worker loop (``worker_main``) and events, over ``reps``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        prefix = [
            "valgrind",
            "--tool=callgrind",
            "--toggle-collect=worker_main",
            f"--callgrind-out-file={out}",
        ]
        figures = _in_tree(tree, [str(scenario), str(reps), "1", "0", "0"], prefix)
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]), int(figures["events"])
    raise SystemExit("callgrind wrote no totals")


def _median(runs: list[dict[str, Any]], threads: str) -> float:
    return statistics.median(r["seconds"][threads] / r["events"] for r in runs)


def compare(old: Path, new: Path, scenario: Path, repeats: int, callgrind: bool) -> None:
    reps = REPS.get(scenario.name, 20)
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    for k in range(repeats):
        order = (("old", old), ("new", new)) if k % 2 == 0 else (("new", new), ("old", old))
        for name, tree in order:
            digest = "1" if k == 0 else "0"  # the first run of each tree
            runs[name].append(_in_tree(tree, [str(scenario), str(reps), "1,2", "1000", digest]))
    o, n = runs["old"][0], runs["new"][0]
    common = sorted(o["digests"].keys() & n["digests"].keys())
    differ = [name for name in common if o["digests"][name] != n["digests"][name]]
    added = sorted(n["digests"].keys() - o["digests"].keys())
    same = not differ
    per_rep = n["events"] / n["reps"]
    print(f"\n{scenario.name}: {n['shots']:,} shots, {per_rep:,.0f} events per replication")
    print(
        f"  outputs of {reps} replications bit for bit the same: "
        f"{'yes' if same else 'NO, ' + ', '.join(differ)} ({len(common)} fields"
        + (f"; new only, not compared: {', '.join(added)})" if added else ")")
    )
    if callgrind:
        counts = {}
        for name, tree in (("old", old), ("new", new)):
            ir, events = instructions(tree, scenario, max(1, reps // 50))
            counts[name] = ir / events
        print(
            f"  instructions per event: old {counts['old']:,.0f}, new {counts['new']:,.0f} "
            f"(old/new {counts['old'] / counts['new']:.2f})"
        )
    for threads in ("1", "2"):
        t_old, t_new = _median(runs["old"], threads), _median(runs["new"], threads)
        label = "ns per event, 1 thread" if threads == "1" else "ns per event, 2 threads (wall)"
        print(
            f"  {label}: old {t_old * 1e9:,.0f}, new {t_new * 1e9:,.0f} "
            f"(old/new {t_old / t_new:.2f}); replications/s old {1 / (t_old * per_rep):,.1f}, "
            f"new {1 / (t_new * per_rep):,.1f}"
        )
    for name in ("old", "new"):
        scaling = _median(runs[name], "1") / _median(runs[name], "2")
        s = runs[name][0]
        print(
            f"  {name}: 1 -> 2 threads {scaling:.2f}x; scratch {s['scratch']:,} bytes per "
            f"replication = {s['scratch'] / s['shots']:,.1f} bytes per shot"
        )
    if not same:
        raise SystemExit(f"{scenario.name}: the two kernels disagree")


def sweep_seconds(tree: Path, replications: int) -> float:
    """Wall seconds of ``reelsim sweep`` over ``replications`` of season-hybrid in ``tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "simulator",
            "sweep",
            str(tree / "scenarios" / "season-hybrid.yaml"),
            "--vary",
            "pools.h100-reserved.gpus=16",
            "-n",
            str(replications),
            "--chunk",
            "1000",
            "--no-plots",
            "--out",
            str(Path(tmp) / "sweep"),
        ]
        env = dict(os.environ, PYTHONPATH=str(tree))
        started = time.perf_counter()
        done = subprocess.run(
            command, env=env, cwd=tree, capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sweep in {tree} failed:\n{done.stderr[-3000:]}")
    return seconds


def compare_sweeps(old: Path, new: Path, replications: int, repeats: int) -> None:
    times: dict[str, list[float]] = {"old": [], "new": []}
    for k in range(repeats):
        order = (("old", old), ("new", new)) if k % 2 == 0 else (("new", new), ("old", old))
        for name, tree in order:
            times[name].append(sweep_seconds(tree, replications))
    print(f"\nreelsim sweep, season-hybrid, {replications:,} replications, every core:")
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    for name in ("old", "new"):
        per_million = medians[name] * 1_000_000 / replications
        print(
            f"  {name}: {medians[name]:,.0f} s ({replications / medians[name]:,.1f} "
            f"replications/s); 1,000,000 replications: {per_million / 3600:,.2f} h"
        )
    print(f"  old/new {medians['old'] / medians['new']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="the previous commit (default: HEAD)")
    parser.add_argument("--scenario", type=Path, action="append")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the previous tree here, and keep it")
    parser.add_argument(
        "--sweep", type=int, metavar="N", help="time reelsim sweep over N replications instead"
    )
    args = parser.parse_args()
    callgrind = not args.no_callgrind
    if callgrind and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (or run with --no-callgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        old = build_previous(args.rev, args.keep or Path(tmp))
        print(f"previous: {args.rev} built in {old}; new: this tree ({ROOT})")
        if args.sweep:
            compare_sweeps(old, ROOT, args.sweep, args.repeats)
            return
        for scenario in args.scenario or SCENARIOS:
            compare(old, ROOT, scenario.resolve(), args.repeats, callgrind)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        scenario, reps, threads, first, digest = sys.argv[2:7]
        figures = _child(
            Path(scenario),
            int(reps),
            [int(t) for t in threads.split(",")],
            int(first),
            digest == "1",
        )
        print(json.dumps(figures))
    else:
        main()
