"""When each episode is delivered over the replications, against its deadline, with its
chance of missing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from simulator.plots._style import DEADLINE_COLOUR, PALETTE, Clock
from simulator.plots.view import EpisodeMark, RunView, view_of

if TYPE_CHECKING:
    from simulator.results.runs import Run

__all__ = ["delivery_plot"]


MAX_DOTS = 200
"""Replications drawn as dots per episode; beyond this a fixed subsample (the box and
whiskers still use every replication)."""


def _order_statistic(values: np.ndarray, q: float) -> float:
    """The q-quantile as an order statistic: +∞ (not delivered) stays +∞, never NaN."""
    return float(np.quantile(values, q, method="inverted_cdf"))


def _late_text(late: int, n: int) -> str:
    # Counts while they are small enough to read: "0 of 20 late" does not claim "never".
    if n <= 1000:
        return f"{late} of {n} late"
    share = late / n
    return f"{share:.2%} late" if share < 0.1 else f"{share:.0%} late"


def delivery_plot(data: Run | RunView) -> Figure:
    """Each episode's delivery over the replications, against its deadline.

    A row per episode: dots are replications, the box holds the middle half (P25–P75)
    with the median, whiskers reach P5 and P95, the tall vermilion bar is the deadline and
    the open triangle the picture lock. On the right, the share of replications that missed.
    A replication that never delivered (cut off by the horizon) is drawn at the right edge.
    """
    view = view_of(data)
    clock = Clock(view.start, view.time_zone)
    frame = view.replications
    n_ep = len(view.episodes)
    fig = Figure(figsize=(10.0, 1.6 + 0.5 * max(n_ep, 1)), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)  # fixed: the same run draws the same picture
    # The x range: from the first lock (or delivery) to past the last deadline and P95.
    finite_all = frame.loc[frame["delivered"], "delivery_h"].to_numpy(dtype=float)
    marks = [m.deadline_h for m in view.episodes] + [
        m.lock_h for m in view.episodes if m.lock_h is not None
    ]
    low_h = min([*marks, *finite_all.tolist()]) if marks or finite_all.size else 0.0
    high_h = max([*marks, *finite_all.tolist()]) if marks or finite_all.size else 24.0
    pad = max(12.0, 0.04 * (high_h - low_h))
    span = _Span(clock, high_h + pad)
    uncut = False
    for row, mark in enumerate(view.episodes):
        y = n_ep - 1 - row  # first episode on top
        rows = frame[frame["episode"] == mark.name]
        uncut |= _draw_episode(ax, rows, mark, y, span, rng)
    ax.set_yticks(range(n_ep), [m.name for m in reversed(view.episodes)])
    ax.set_ylim(-0.7, n_ep - 0.3)
    ax.set_xlim(float(clock.x(low_h - pad)), span.right_edge)
    clock.format(ax)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylabel("episode")
    ax.set_xlabel(clock.label("delivery"))
    ax.set_title(
        f"{view.name}: delivery of each episode against its deadline "
        f"({view.n_replications} replications; right: how many were late)",
        loc="left",
    )
    _legend(fig, any(m.lock_h is not None for m in view.episodes), uncut)
    return fig


class _Span:
    """The x axis: hours to x coordinates, with everything beyond ``right_h`` (the horizon
    or past it) drawn at the right edge."""

    def __init__(self, clock: Clock, right_h: float) -> None:
        self.clock, self.right_h = clock, right_h
        self.right_edge = float(clock.x(right_h))

    def x(self, hours: float) -> float:
        return float(self.clock.x(min(hours, self.right_h)))


def _draw_episode(
    ax: Axes, rows: pd.DataFrame, mark: EpisodeMark, y: int, span: _Span, rng: np.random.Generator
) -> bool:
    """One episode's row: its replications, box and whiskers, deadline, lock and share late.
    True when some replication was not delivered by the horizon."""
    values = np.where(rows["delivered"], rows["delivery_h"], np.inf).astype(float)
    if values.size == 0:
        return False
    finite = values[np.isfinite(values)]
    shown = finite if finite.size <= MAX_DOTS else rng.choice(finite, MAX_DOTS, replace=False)
    ax.scatter(
        span.clock.x(shown),
        y + rng.uniform(-0.17, 0.17, shown.size),
        s=7,
        color="#777777",
        alpha=0.45,
        linewidths=0,
        zorder=2,
    )
    cut = int(values.size - finite.size)
    if cut:
        ax.text(
            span.right_edge,
            y + 0.22,
            f"{cut} not delivered ▸",
            ha="right",
            va="bottom",
            fontsize="x-small",
        )
    _draw_box(ax, [span.x(_order_statistic(values, q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95)], y)
    # Taller than the box and in colour: not to be read as the median, even in grey.
    deadline_x = float(span.clock.x(mark.deadline_h))
    ax.plot([deadline_x] * 2, [y - 0.42, y + 0.42], color=DEADLINE_COLOUR, lw=2.8, zorder=5)
    if mark.lock_h is not None:
        ax.plot(
            span.clock.x(mark.lock_h),
            y,
            marker=">",
            markersize=7,
            markerfacecolor="white",
            markeredgecolor="black",
            zorder=5,
        )
    ax.text(
        1.01,
        y,
        _late_text(int(rows["missed"].sum()), len(rows)),
        transform=blended_transform_factory(ax.transAxes, ax.transData),
        va="center",
        fontsize="small",
    )
    return cut > 0


def _draw_box(ax: Axes, quantiles: list[float], y: int) -> None:
    """Box (P25–P75) with the median, whiskers to P5 and P95, at height ``y``."""
    x5, x25, x50, x75, x95 = quantiles
    ax.add_patch(
        Rectangle(
            (x25, y - 0.25),
            max(x75 - x25, 1e-9),
            0.5,
            facecolor=PALETTE[4],
            alpha=0.55,
            edgecolor="black",
            linewidth=0.9,
            zorder=3,
        )
    )
    ax.plot([x50, x50], [y - 0.25, y + 0.25], color="black", linewidth=1.6, zorder=4)
    ax.plot([x5, x25], [y, y], color="black", linewidth=0.9, zorder=3)
    ax.plot([x75, x95], [y, y], color="black", linewidth=0.9, zorder=3)
    ax.plot([x5, x5], [y - 0.12, y + 0.12], color="black", linewidth=0.9, zorder=3)
    ax.plot([x95, x95], [y - 0.12, y + 0.12], color="black", linewidth=0.9, zorder=3)


def _legend(fig: Figure, locks: bool, uncut: bool) -> None:
    handles = [
        Line2D([], [], marker="|", markersize=14, mew=2.8, color=DEADLINE_COLOUR, ls=""),
        Patch(facecolor=PALETTE[4], alpha=0.55, edgecolor="black"),
        Line2D([], [], color="black", linewidth=0.9),
        Line2D([], [], marker="o", markersize=4, color="#777777", ls=""),
    ]
    labels = ["deadline", "middle half (P25–P75), bar: median", "P5–P95", "one replication"]
    if locks:
        handles.append(
            Line2D([], [], marker=">", markerfacecolor="white", markeredgecolor="black", ls="")
        )
        labels.append("picture lock")
    if uncut:
        labels[2] = "P5–P95 (▸: beyond the horizon)"
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize="small")
