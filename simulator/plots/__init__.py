"""Figures from results: a run's delivery, load and cost plots, and the planning commands'
plots, all in one look that survives a black-and-white printer (``simulator.plots._style``).
"""

from __future__ import annotations

from simulator.plots._style import FORMATS, HATCHES, PALETTE, figure_bytes, save_figure
from simulator.plots.cost import cost_per_frame_plot, cost_plot
from simulator.plots.delivery import delivery_plot
from simulator.plots.load import load_plot
from simulator.plots.planning import (
    PLANNING_PLOTS,
    difference_plot,
    frontier_plot,
    sensitivity_chart,
    sweep_plot,
)
from simulator.plots.season import RUN_PLOTS, run_plots
from simulator.plots.view import EpisodeMark, RunView

__all__ = [
    "FORMATS",
    "HATCHES",
    "PALETTE",
    "PLANNING_PLOTS",
    "RUN_PLOTS",
    "EpisodeMark",
    "RunView",
    "cost_per_frame_plot",
    "cost_plot",
    "delivery_plot",
    "difference_plot",
    "figure_bytes",
    "frontier_plot",
    "load_plot",
    "run_plots",
    "save_figure",
    "sensitivity_chart",
    "sweep_plot",
]
