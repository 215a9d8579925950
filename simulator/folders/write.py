"""The results folder of a run (DESIGN §6), written so that nothing is half-written.

Every file is written to a temporary name in the same folder, flushed to disk, then
renamed into place; ``summary.json`` goes last and records the SHA-256 of every data file
beside it, so a folder with a ``summary.json`` is complete and can be checked.

    summary.json           manifest and headline numbers (``simulator.results.summary``)
    replications.parquet   one row per (replication, episode)
    timeseries.parquet     one row per (replication, resource, day): busy units, queue
    trace.parquet          every event, when the run was traced
    scenario.yaml          the scenario as run (loaded, overrides applied; same sha256)
    *.png, *.svg           plots (``simulator.plots``)
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from simulator.files import atomic_write, file_sha256
from simulator.results.runs import Run
from simulator.results.summary import Summary, summarize

__all__ = ["write_results"]


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_results(run: Run, out: Path, *, plots: bool = True) -> Summary:
    """Write the results folder; return the summary written to ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    data = {
        "replications.parquet": run.replications_frame(),
        "timeseries.parquet": run.timeseries_frame(),
    }
    if run.traces:
        data["trace.parquet"] = run.trace_frame()
    for name, frame in data.items():
        _write_parquet(frame, out / name)
        files.append(out / name)
    # The scenario goes with its results, so that a report can state the assumptions.
    scenario_text = yaml.safe_dump(run.scenario.model_dump(mode="json"), sort_keys=False)

    def write_scenario(tmp: Path) -> None:
        tmp.write_text(scenario_text)

    atomic_write(out / "scenario.yaml", write_scenario)
    files.append(out / "scenario.yaml")
    summary = summarize(run)
    if plots:
        from simulator.plots import run_plots

        for name, figure_writer in run_plots(run).items():
            atomic_write(out / name, figure_writer)
            files.append(out / name)
    manifest = {**summary.to_json(), "files": {path.name: file_sha256(path) for path in files}}
    text = json.dumps(manifest, indent=2, allow_nan=False)

    def write_summary(tmp: Path) -> None:
        tmp.write_text(text + "\n")

    atomic_write(out / "summary.json", write_summary)
    return summary
