"""Figures from results: a run's delivery, load and cost plots, and the planning commands' plots."""

from __future__ import annotations

from simulator.plots.planning import (
    PLANNING_PLOTS,
    difference_plot,
    frontier_plot,
    sensitivity_chart,
    sweep_plot,
)
from simulator.plots.season import (
    RUN_PLOTS,
    cost_per_frame_plot,
    cost_plot,
    delivery_plot,
    figure_bytes,
    load_plot,
    run_plots,
    save_figure,
)

__all__ = [
    "PLANNING_PLOTS",
    "RUN_PLOTS",
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
