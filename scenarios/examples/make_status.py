"""Make a synthetic tracker status export: where the known season stands on a given day.

Mid-season a tracker can say, for every shot and episode, where it stands: delivered,
through the pipeline, at a stage (after so many rework passes and attempts), not started.
This script simulates the season of ``known.yaml`` with the reference engine up to
``--now`` and writes that status as ``reelsim run --from`` reads it (docs/mid-season.md),
so the worked example can re-plan the rest of the season from it.

    python scenarios/examples/make_status.py                      # status.csv at 2027-03-02 12:00
    python scenarios/examples/make_status.py --now 2027-02-12 -o february.csv
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from simulator import compile_season, load_scenario
from simulator.calendar import hours_at, parse_moment
from simulator.engines.reference.engine import run_replication
from simulator.engines.trace import TraceEvent
from simulator.results.status_export import status_from_trace, write_status

HERE = Path(__file__).parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=HERE / "known.yaml")
    parser.add_argument("--now", default="2027-03-02T12:00", help="the day the export describes")
    parser.add_argument("--replication", type=int, default=0)
    parser.add_argument("-o", "--out", type=Path, default=HERE / "status.csv")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    model = compile_season(scenario)
    now = hours_at(scenario.calendar, parse_moment(args.now))
    trace: list[TraceEvent] = []
    run_replication(model, args.replication, trace=trace)
    rows = status_from_trace(model, scenario.calendar, trace, now)
    write_status(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out} (the season at {args.now})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
