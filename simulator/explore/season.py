"""A configuration over the season: busy units and queues per day, per pool and team.

A session's chunks keep each replication's daily bins (``Work.daily``): the time-weighted
mean of busy GPUs or people, and of tasks waiting, over each day. Once a configuration's
full answer is in, they are read back from its chunks and drawn with the run report's
figure of load over the season (``simulator.plots.load_plot``): per pool and team, busy
units (mean over replications) against what there was to work — a pool's GPUs, a team's
people on shift — so a day's utilisation is the solid line against the dotted one, and the
tasks waiting, mean and the band of the middle 80 % of replications. The page shows the
configuration's figure above the baseline's, as an SVG the app serves itself.

``season_numbers`` gives the same means as numbers (per resource, per day), for scripts and
tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.files import StrPath
from simulator.model.season import SeasonModel
from simulator.plots import RunView, figure_bytes, load_plot
from simulator.results.chunks import ChunkKey, read_replications, resource_keys
from simulator.scenario.schema import Scenario

__all__ = ["season_figure", "season_frame", "season_numbers"]

BINS = ("daily_busy", "daily_queue")


def season_frame(model: SeasonModel, out: StrPath, chunks: Sequence[ChunkKey]) -> pd.DataFrame:
    """One row per (replication, resource, day): ``busy`` and ``queue``, the daily bins
    the chunks kept (the table of a run's ``timeseries.parquet``)."""
    resources = resource_keys(model)
    columns = ["replication", *(f"{b}:{k}" for b in BINS for k in resources)]
    firsts = read_replications(Path(out), chunks, columns).iloc[:: model.n_episodes]
    replications = firsts["replication"].to_numpy(int)
    parts = []
    for key in resources:
        busy = [np.asarray(cell, dtype=float) for cell in firsts[f"daily_busy:{key}"]]
        queue = [np.asarray(cell, dtype=float) for cell in firsts[f"daily_queue:{key}"]]
        lengths = [len(b) for b in busy]
        parts.append(
            pd.DataFrame(
                {
                    "replication": np.repeat(replications, lengths),
                    "resource": key,
                    "day": np.concatenate([np.arange(n) for n in lengths] + [np.zeros(0, int)]),
                    "busy": np.concatenate([*busy, np.zeros(0)]),
                    "queue": np.concatenate([*queue, np.zeros(0)]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def season_numbers(frame: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """Per resource, the mean over replications of each day's ``busy`` and ``queue`` (a
    day after a replication ended counts 0 for it, as the figure draws it)."""
    replications = sorted(frame["replication"].unique().tolist())
    width = int(frame["day"].max()) + 1 if len(frame) else 0
    numbers = {}
    for resource, rows in frame.groupby("resource", sort=False):
        means = {}
        for column in ("busy", "queue"):
            table = rows.pivot_table(index="replication", columns="day", values=column)
            table = table.reindex(index=replications, columns=range(width)).fillna(0.0)
            means[column] = table.to_numpy(float).mean(axis=0).tolist()
        numbers[str(resource)] = means
    return numbers


def season_figure(
    name: str, scenario: Scenario, model: SeasonModel, frame: pd.DataFrame
) -> dict[str, Any]:
    """The figure of ``frame`` (SVG bytes, under ``svg``) and its numbers, for one
    configuration called ``name``."""
    replications = pd.DataFrame({"replication": sorted(frame["replication"].unique())})
    view = RunView.build(
        name,
        replications,
        frame,
        model=model,
        start=scenario.calendar.start,
        time_zone=scenario.calendar.time_zone,
    )
    svg = figure_bytes(load_plot(view), "svg")
    return {"svg": svg, "numbers": season_numbers(frame), "names": dict(view.names)}
