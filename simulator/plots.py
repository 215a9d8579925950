"""Plots of a run, for people: PNG files readable in black-and-white print.

Each plot function draws on a fresh figure and returns it; ``run_plots`` gives the
results folder's plots as ``{file name: writer}``. Matplotlib runs without a display.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from simulator.results import COST_CATEGORIES
from simulator.simulate import Run

__all__ = ["cost_plot", "delivery_plot", "load_plot", "run_plots"]

# Distinguishable in grey scale and for colour-blind readers (Okabe–Ito), with hatches.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]


def delivery_plot(run: Run) -> Figure:
    """Delivery day of each episode over the replications, against its deadline."""
    model = run.model
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * model.n_episodes + 2), 4.5))
    data, names = [], []
    for ep in model.episodes:
        days = [r.delivery[ep.index] / 24.0 for r in run.results]
        data.append([d for d in days if np.isfinite(d)] or [np.nan])
        names.append(ep.name)
    positions = np.arange(1, len(data) + 1)
    ax.boxplot(data, positions=positions, widths=0.5, whis=(5, 95), showfliers=False)
    ax.scatter(
        positions,
        [ep.deadline / 24.0 for ep in model.episodes],
        marker="_",
        s=400,
        color="#D55E00",
        label="deadline",
        zorder=3,
    )
    ax.set_xticks(positions, names, rotation=45 if len(names) > 8 else 0)
    ax.set_xlabel("episode")
    ax.set_ylabel("delivery (days from season start)")
    ax.set_title(f"{run.scenario.name}: delivery per episode (box: quartiles, whiskers: P5–P95)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def cost_plot(run: Run) -> Figure:
    """Mean cost per episode, stacked by category."""
    model = run.model
    frame = run.replications_frame()
    means = frame.groupby("episode", sort=False)[[f"cost_{c}" for c in COST_CATEGORIES]].mean()
    means = means.reindex([ep.name for ep in model.episodes])
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * model.n_episodes + 3), 4.5))
    bottom = np.zeros(len(means))
    x = np.arange(len(means))
    for k, category in enumerate(COST_CATEGORIES):
        values = means[f"cost_{category}"].to_numpy() / 1000.0
        if not values.any():
            continue
        ax.bar(
            x,
            values,
            bottom=bottom,
            color=PALETTE[k],
            hatch=HATCHES[k],
            edgecolor="black",
            linewidth=0.4,
            label=category.replace("_", " "),
        )
        bottom += values
    ax.set_xticks(x, list(means.index), rotation=45 if len(means) > 8 else 0)
    ax.set_xlabel("episode")
    ax.set_ylabel("mean cost (thousand USD)")
    ax.set_title(f"{run.scenario.name}: cost per episode by category")
    ax.legend(fontsize="small", ncols=2)
    fig.tight_layout()
    return fig


def load_plot(run: Run) -> Figure:
    """Mean busy units and queue length per day, for every pool and team."""
    resources = list(run.results[0].daily_busy) if run.results else []
    fig, axes = plt.subplots(
        len(resources), 1, figsize=(9, 1.9 * max(1, len(resources)) + 1), sharex=True, squeeze=False
    )
    for ax, resource in zip(axes[:, 0], resources, strict=True):
        width = max(len(r.daily_busy[resource]) for r in run.results)
        busy = np.zeros(width)
        queue = np.zeros(width)
        for r in run.results:
            b, q = r.daily_busy[resource], r.daily_queue[resource]
            busy[: len(b)] += b
            queue[: len(q)] += q
        busy /= len(run.results)
        queue /= len(run.results)
        days = np.arange(width)
        ax.plot(days, busy, color=PALETTE[0], label="busy units")
        ax.plot(days, queue, color=PALETTE[5], linestyle="--", label="waiting tasks")
        ax.set_ylabel(resource, rotation=0, ha="right", fontsize="small")
        for ep in run.model.episodes:
            ax.axvline(ep.lock / 24.0, color="grey", linewidth=0.5, linestyle=":")
    axes[0, 0].legend(fontsize="small", loc="upper right")
    axes[-1, 0].set_xlabel("day of season (dotted: picture locks)")
    fig.suptitle(f"{run.scenario.name}: daily mean load per pool and team")
    fig.tight_layout()
    return fig


def _writer(make: Callable[[Run], Figure], run: Run) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        fig = make(run)
        try:
            fig.savefig(path, format="png", dpi=110)
        finally:
            plt.close(fig)

    return write


def run_plots(run: Run) -> dict[str, Callable[[Path], None]]:
    return {
        "delivery.png": _writer(delivery_plot, run),
        "cost.png": _writer(cost_plot, run),
        "load.png": _writer(load_plot, run),
    }
