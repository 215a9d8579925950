"""The results folder of a run (DESIGN §6), written so that nothing is half-written.

Every file is written to a temporary name in the same folder, flushed to disk, then
renamed into place; ``summary.json`` goes last and records the SHA-256 of every data file
beside it, so a folder with a ``summary.json`` is complete and can be checked.

    summary.json           manifest and headline numbers (``simulator.results.summary``)
    replications.parquet   one row per (replication, episode)
    timeseries.parquet     one row per (replication, resource, day): busy units, queue
    waits.parquet          per replication, waits per resource and per stage (of tasks
                           started, and the tasks still queued at the end), the time per
                           stage visit and the shots' time in system
    trace.parquet          every event, when the run was traced
    scenario.yaml          the scenario as run (loaded, overrides applied; same sha256)
    *.png, *.svg           plots (``simulator.plots``)

A folder holds only what its manifest lists. ``write_manifest`` (every command's last
step), replacing an earlier result in the same folder, removes the top-level files of the
kinds a reelsim folder has — tables (``*.parquet``), plots (``*.png``, ``*.svg``),
``scenario.yaml`` and ``report.html`` — that the new manifest does not list. It removes
nothing else, whatever an edited manifest says. Chunks under ``replications/`` stay: each
is named by everything it depends on, so a later command that needs it reuses it and no
other can mistake it for its own; a reader never reads one its manifest does not list.
Which results may replace which is ``simulator.folders.claim``'s to decide, before
anything is computed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.files import StrPath, atomic_write, file_sha256, json_safe
from simulator.folders.claim import write_failure
from simulator.results.runs import Run
from simulator.results.summary import Summary, summarize

__all__ = ["write_manifest", "write_results"]

_TOP_LEVEL_OUTPUTS = (".parquet", ".png", ".svg")
"""What a reelsim folder holds at its top level besides ``scenario.yaml`` and
``summary.json``: tables and plots."""


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_results(run: Run, out: StrPath, *, plots: bool = True) -> Summary:
    """Write the results folder; return the summary written to ``summary.json``."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_failure(error, out) from None
    files: list[Path] = []
    data = {
        "replications.parquet": run.replications_frame(),
        "timeseries.parquet": run.timeseries_frame(),
        "waits.parquet": run.waits_frame(),
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
    write_manifest(out, summary.to_json(), [path.name for path in files])
    return summary


def write_manifest(out: StrPath, summary: dict[str, Any], files: Sequence[str]) -> dict[str, Any]:
    """Write ``summary.json`` last, with the SHA-256 of each of ``files`` (relative to
    ``out``): a folder with one is complete. Then remove what a previous result left that
    the new manifest does not list (see the module docstring). Returns ``summary``."""
    out = Path(out)
    replacing = (out / "summary.json").exists()
    summary["files"] = {name: file_sha256(out / name) for name in files}
    text = json.dumps(json_safe(summary), indent=2, allow_nan=False) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(out / "summary.json", write)
    if replacing:
        listed = set(files)
        for path in sorted(out.iterdir()):
            if path.name not in listed and _is_output(path):
                try:
                    path.unlink()
                except OSError as error:
                    raise write_failure(error, path) from None
    return summary


def _is_output(path: Path) -> bool:
    """A plain file of a kind that reelsim writes at the top of a results folder."""
    kind = path.suffix in _TOP_LEVEL_OUTPUTS or path.name in ("scenario.yaml", "report.html")
    return kind and path.is_file() and not path.is_symlink()
