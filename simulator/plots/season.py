"""Plots of a run, for a planning meeting: pictures that survive a black-and-white printer.

A run's plots answer the meeting's questions one picture each:

    load            busy units and waiting tasks per day, per pool and team, against what
                    was there to work (GPUs, people on shift), with picture locks,
                    deadlines and days without a shift marked
    delivery        when each episode is delivered over the replications, against its
                    deadline, with its chance of missing it
    cost            the season's cost by category (with intervals) and per episode, stacked
    cost_per_frame  what a delivered frame costs: over replications and per episode

Every plot draws from a ``RunView`` (``simulator.plots.view``) and shares one look
(``simulator.plots._style``); ``run_plots`` gives the results folder's plot files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from simulator.plots._style import FORMATS, save_to
from simulator.plots.cost import cost_per_frame_plot, cost_plot
from simulator.plots.delivery import delivery_plot
from simulator.plots.load import load_plot
from simulator.plots.view import RunView, view_of

if TYPE_CHECKING:
    from simulator.results.runs import Run

__all__ = ["RUN_PLOTS", "run_plots"]


RUN_PLOTS: dict[str, Callable[[RunView], Figure]] = {
    "delivery": delivery_plot,
    "load": load_plot,
    "cost": cost_plot,
    "cost_per_frame": cost_per_frame_plot,
}
"""A run's plots by file stem, in the order a report shows them."""


class _Drawn:
    """One figure, drawn on first use and written in each format without redrawing."""

    def __init__(self, draw: Callable[[RunView], Figure], view: RunView) -> None:
        self.draw, self.view = draw, view
        self.figure: Figure | None = None
        self.left = len(FORMATS)

    def writer(self, fmt: str) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            if self.figure is None:
                self.figure = self.draw(self.view)
            save_to(self.figure, path, fmt)
            self.left -= 1
            if self.left == 0:
                self.figure = None  # let it go: a season's figures hold a lot of points

        return write


def run_plots(run: Run | RunView) -> dict[str, Callable[[Path], None]]:
    """The results folder's plots as ``{file name: writer(path)}``, PNG and SVG each."""
    view = view_of(run)
    writers: dict[str, Callable[[Path], None]] = {}
    for stem, draw in RUN_PLOTS.items():
        drawn = _Drawn(draw, view)
        for fmt in FORMATS:
            writers[f"{stem}.{fmt}"] = drawn.writer(fmt)
    return writers
