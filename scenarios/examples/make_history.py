"""Make a synthetic tracker history from a scenario whose numbers are known.

A production tracker logs one row per task attempt: which shot, which pipeline stage, when
it started and ended, how it ended, who or what did it. This script writes such a log for
a season simulated by the reference engine, so that calibration can be checked against
the numbers that made it: ``reelsim calibrate`` on the output should recover, within its
intervals, the distributions and rates written in the scenario.

How a row is made. The engine's trace events (``run_replication(..., trace=...)``) have,
for every task, a ``START`` event (task id, stage, the pool or team it ran on) and an
``END`` event (its outcome: done, failed, approved or rejected, and its start time), and a
``RELEASE`` event for every shot. Task ids are global shot ids, and an episode stage's
task is ``n_shots + episode``. Frames per shot are not in the trace; they are the same
addressed draw the engine makes, (seed, replication, FRAMES, shot), so this script makes
it again. Season hours become dates through the scenario's calendar, and times are
written to the second, as trackers export them. The column names, stage names and status
values are the first ones the mapping file gives, so the export and its mapping agree.

A tracker logs an attempt's start and end, not time it spent paused; a season in which a
task is interrupted (a GPU failure, a spot preemption, a shift ending) would log the pause
as work. The scenario is built so that this never happens, and the script refuses to
write a history if it does.

    python scenarios/examples/make_history.py                  # writes history.csv here
    python scenarios/examples/make_history.py --set shows.tidewater.episodes.count=2 -o small.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from simulator.calendar import date_at
from simulator.draws import Purpose, Stream
from simulator.engines.reference.engine import run_replication
from simulator.engines.trace import TraceEvent, TraceKind, stages
from simulator.model.compiler import compile_season
from simulator.model.season import SeasonModel
from simulator.planning.calibration import HistoryMapping, load_mapping
from simulator.results.runs import trace_detail
from simulator.scenario.load import load_scenario

HERE = Path(__file__).parent


def _frames(model: SeasonModel, replication: int) -> dict[int, int]:
    """Frames of every shot: the engine's own draw (DESIGN §1b "Service": rounded, >= 1)."""
    frames = {}
    for ep in model.episodes:
        for k in range(ep.n_shots):
            sid = ep.first_shot + k
            if ep.fixed_frames:
                frames[sid] = ep.fixed_frames[k]
            else:
                assert ep.frames is not None
                x = ep.frames.sample(Stream(model.seed, replication, Purpose.FRAMES, sid, 0))
                frames[sid] = max(1, math.floor(x + 0.5))
    return frames


def _first(names: str | tuple[str, ...] | None, default: str) -> str:
    if names is None:
        return default
    return names if isinstance(names, str) else names[0]


def history_rows(
    scenario: str | Path,
    mapping: HistoryMapping,
    *,
    replication: int = 0,
    overrides: Sequence[str] = (),
) -> list[dict[str, str]]:
    """The tracker's rows for one replication of ``scenario``, in start-time order."""
    loaded = load_scenario(scenario, overrides)
    model = compile_season(loaded)
    trace: list[TraceEvent] = []
    run_replication(model, replication, trace=trace)
    interrupted = [e for e in trace if e.kind == TraceKind.INTERRUPTED]
    if interrupted:
        first = trace_detail(model, interrupted[0])
        raise SystemExit(
            f"{len(interrupted)} task(s) were interrupted (first: {first}); a tracker "
            "would log the pause as work. Change the scenario so that no task is paused."
        )
    frames = _frames(model, replication)
    released: dict[int, float] = {}
    ran_on: dict[int, str] = {}
    cal = loaded.calendar

    def moment(hours: float) -> str:
        # To the nearest second, as trackers export.
        t: datetime = date_at(cal, hours) + timedelta(microseconds=500_000)
        return t.replace(microsecond=0).isoformat()

    c = mapping.columns
    outcome = {o: _first(mapping.outcomes.get(o), o) for o in ("done", "failed", "approved")}
    outcome["rejected"] = _first(mapping.outcomes.get("rejected"), "rejected")
    stage_names = {
        name: _first(tracker, name)
        for stages in (mapping.shot_stages or {}, mapping.episode_stages or {})
        for name, tracker in stages.items()
    }
    codes = {}
    for ep in model.episodes:
        for k in range(ep.n_shots):
            code = ep.shot_codes[k] if ep.shot_codes else f"{ep.name}_{10 * (k + 1):04d}"
            codes[ep.first_shot + k] = (ep, code)
    stage_of = [st.name for st in stages(model)]
    rows = []
    for e in trace:
        if e.task is None:
            continue
        task = e.task
        if e.kind == TraceKind.RELEASE:
            released[task] = e.time
        elif e.kind == TraceKind.START:
            assert e.resource is not None
            ran_on[task] = e.resource.name(model)
        elif e.kind == TraceKind.END:
            assert e.stage is not None
            assert e.outcome is not None
            assert e.started is not None
            stage = stage_of[e.stage]
            row = {
                c.episode: "",
                c.shot: "",
                c.stage: stage_names.get(stage, stage),
                c.start: moment(e.started),
                c.end: moment(e.time),
                c.frames: "",
                c.outcome: outcome[e.outcome.value],
                c.resource: ran_on[task],
                c.released: "",
            }
            if task < model.n_shots:
                ep, code = codes[task]
                row[c.shot] = code
                row[c.frames] = str(frames[task])
                row[c.released] = moment(released[task])
            else:
                ep = model.episodes[task - model.n_shots]
            row[c.episode] = ep.name
            rows.append(row)
    # A tracker's export is sorted by start; ties keep the order the tasks ended in.
    rows.sort(key=lambda r: r[c.start])
    return rows


def write_history(rows: Sequence[dict[str, str]], mapping: HistoryMapping, out: Path) -> None:
    c = mapping.columns
    header = [c.episode, c.shot, c.stage, c.start, c.end, c.frames, c.outcome, c.resource]
    header.append(c.released)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=HERE / "known.yaml")
    parser.add_argument("--mapping", type=Path, default=HERE / "history-mapping.yaml")
    parser.add_argument("-o", "--out", type=Path, default=HERE / "history.csv")
    parser.add_argument("--replication", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    mapping = load_mapping(args.mapping)
    rows = history_rows(
        args.scenario, mapping, replication=args.replication, overrides=args.overrides
    )
    write_history(rows, mapping, args.out)
    print(f"{len(rows)} rows written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
