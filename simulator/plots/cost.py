"""What the season costs, by category (with intervals) and per episode, and what a delivered
frame costs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from simulator.engines.replication import COST_CATEGORIES
from simulator.plots._style import PALETTE, category_style
from simulator.plots.view import RunView, view_of

if TYPE_CHECKING:
    from simulator.results.runs import Run

__all__ = ["cost_per_frame_plot", "cost_plot"]


def _t_half_width(values: np.ndarray, level: float = 0.95) -> float:
    from simulator.stats import mean_interval

    if values.size < 2:
        return 0.0
    half = mean_interval(values, level=level).half_width
    return float(half) if math.isfinite(half) else 0.0


def cost_plot(data: Run | RunView) -> Figure:
    """The season's mean cost by category (with 95 % intervals), and per episode, stacked.

    Left: each category's season total, mean over replications, with its Student-t
    interval. Right: each episode's mean cost, the same categories stacked in the same
    colours and hatches. Shared costs (reserved GPUs, people's scheduled hours) go to
    episodes by the busy hours each used.
    """
    view = view_of(data)
    frame = view.replications
    columns = [f"cost_{c}" for c in COST_CATEGORIES]
    per_rep = frame.groupby("replication")[columns].sum()
    used = [c for c in COST_CATEGORIES if per_rep[f"cost_{c}"].abs().sum() > 0]
    n_ep = len(view.episodes)
    fig = Figure(figsize=(max(10.0, 6.0 + 0.45 * n_ep), 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.8])
    y = np.arange(len(used))[::-1]
    for pos, category in zip(y, used, strict=True):
        values = per_rep[f"cost_{category}"].to_numpy(dtype=float) / 1000.0
        left.barh(
            pos,
            values.mean(),
            xerr=_t_half_width(values),
            capsize=3,
            **category_style(COST_CATEGORIES.index(category)),
        )
    left.set_yticks(y, [c.replace("_", " ") for c in used])
    left.set_ylabel("cost category")
    left.set_xlabel("season total, mean (thousand USD)")
    left.set_title("by category (bars: 95 % interval)", loc="left", fontsize="medium")
    left.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    left.set_axisbelow(True)

    means = frame.groupby("episode", sort=False)[columns].mean()
    means = means.reindex([m.name for m in view.episodes])
    x = np.arange(len(means))
    bottom = np.zeros(len(means))
    for category in used:
        values = means[f"cost_{category}"].to_numpy(dtype=float) / 1000.0
        right.bar(
            x,
            values,
            bottom=bottom,
            label=category.replace("_", " "),
            **category_style(COST_CATEGORIES.index(category)),
        )
        bottom += values
    right.set_xticks(x, list(means.index), rotation=45 if len(means) > 8 else 0)
    right.set_xlabel("episode")
    right.set_ylabel("mean cost (thousand USD)")
    right.set_title("per episode, stacked by category", loc="left", fontsize="medium")
    right.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    right.set_axisbelow(True)
    if used:
        handles, labels = right.get_legend_handles_labels()
        fig.legend(handles, labels, fontsize="small", loc="outside right upper")
    fig.suptitle(
        f"{view.name}: cost of the season ({view.n_replications} replications)", x=0.01, ha="left"
    )
    return fig


def cost_per_frame_plot(data: Run | RunView) -> Figure:
    """What a delivered frame costs: the season's figure over replications, and per episode.

    Left: a histogram of each replication's total cost divided by the frames it delivered,
    with the mean (solid) and P90 (dashed). Right: each episode's mean cost per delivered
    frame, stacked by category.
    """
    view = view_of(data)
    frame = view.replications
    delivered = frame[frame["delivered"]]
    totals = frame.groupby("replication")["cost_total"].sum()
    frames = delivered.groupby("replication")["frames"].sum().reindex(totals.index, fill_value=0)
    ok = frames.to_numpy() > 0
    per_frame = totals.to_numpy(dtype=float)[ok] / frames.to_numpy(dtype=float)[ok]
    n_ep = len(view.episodes)
    fig = Figure(figsize=(max(10.0, 6.0 + 0.45 * n_ep), 4.5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.5])
    if per_frame.size:
        left.hist(
            per_frame,
            bins="auto" if per_frame.size > 1 else 1,
            color=PALETTE[4],
            edgecolor="black",
            linewidth=0.5,
        )
        left.axvline(per_frame.mean(), color="black", linewidth=1.8, label="mean")
        left.axvline(
            float(np.quantile(per_frame, 0.9, method="inverted_cdf")),
            color="black",
            linestyle="--",
            linewidth=1.3,
            label="P90",
        )
        left.legend(fontsize="small")
    else:
        left.text(0.5, 0.5, "no frame delivered", ha="center", transform=left.transAxes)
    left.set_xlabel("season cost per delivered frame (USD)")
    left.set_ylabel("replications")
    left.set_title("season, over replications", loc="left", fontsize="medium")

    rows = delivered[delivered["frames"] > 0]
    names = [m.name for m in view.episodes]
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    for k, category in enumerate(COST_CATEGORIES):
        ratio = (rows[f"cost_{category}"] / rows["frames"]).groupby(rows["episode"]).mean()
        values = ratio.reindex(names).fillna(0.0).to_numpy(dtype=float)
        if not values.any():
            continue
        right.bar(
            x,
            values,
            bottom=bottom,
            label=category.replace("_", " "),
            **category_style(k),
        )
        bottom += values
    right.set_xticks(x, names, rotation=45 if len(names) > 8 else 0)
    right.set_xlabel("episode")
    right.set_ylabel("mean cost per delivered frame (USD)")
    right.set_title("per episode, stacked by category", loc="left", fontsize="medium")
    right.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    right.set_axisbelow(True)
    if bottom.any():
        handles, labels = right.get_legend_handles_labels()
        fig.legend(handles, labels, fontsize="small", loc="outside right upper")
    fig.suptitle(f"{view.name}: cost per delivered frame", x=0.01, ha="left")
    return fig
