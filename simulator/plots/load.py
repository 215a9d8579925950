"""Busy units and waiting tasks per day, per pool and team, against what was there to work
(GPUs, people on shift), with picture locks, deadlines and days without a shift marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.plots._style import BAND_COLOUR, BUSY_COLOUR, QUEUE_COLOUR, Clock, headroom
from simulator.plots.view import RunView, view_of

if TYPE_CHECKING:
    from simulator.results.runs import Run

__all__ = ["load_plot"]


def _daily(frame: pd.DataFrame, column: str, width: int, replications: Sequence[int]) -> np.ndarray:
    """(replications × days) of a daily column; a day after a replication ended is 0."""
    table = frame.pivot_table(index="replication", columns="day", values=column, aggfunc="sum")
    table = table.reindex(index=list(replications), columns=range(width), fill_value=0.0)
    return table.fillna(0.0).to_numpy(dtype=float)


def _daily_capacity(steps: Sequence[tuple[float, int]], width: int) -> np.ndarray:
    """Time-weighted mean units of each day from head-count steps (as the monitors bin)."""
    out = np.zeros(width)
    for k, (t0, units) in enumerate(steps):
        t1 = steps[k + 1][0] if k + 1 < len(steps) else width * 24.0
        a, b = max(t0, 0.0), min(t1, width * 24.0)
        day = int(a // 24.0)
        while a < b and day < width:
            end = min(b, (day + 1) * 24.0)
            out[day] += units * (end - a) / 24.0
            a, day = end, day + 1
    return out


def load_plot(data: Run | RunView) -> Figure:
    """Busy units and waiting tasks per day over the season, one panel per pool and team.

    Left axis: busy GPUs or people, a day's time-weighted mean averaged over replications
    (solid), against what there was to work (dotted: a pool's GPUs, a team's people on
    shift as a day mean, so one person on an 8-hour shift is 0.33). Grey days have nobody
    on shift (weekends, holidays). Right axis: tasks waiting in the queue, mean (dashed)
    and the band where the middle 80 % of replications lay (P10–P90). Picture locks
    (dotted, named on top) and deadlines (dash-dot) are marked.
    """
    view = view_of(data)
    clock = Clock(view.start, view.time_zone)
    ts = view.timeseries
    resources = list(dict.fromkeys(ts["resource"])) if len(ts) else list(view.capacity)
    replications = sorted(view.replications["replication"].unique().tolist())
    last_mark = max((m.deadline_h for m in view.episodes), default=0.0)
    # Through the last deadline even when every replication ended earlier: the season's
    # remaining days are part of the picture (and are paid for).
    width = max(int(ts["day"].max()) + 1 if len(ts) else 1, math.ceil(last_mark / 24.0))
    n = max(1, len(resources))
    fig = Figure(figsize=(11.0, 1.3 + 1.8 * n), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    edges = clock.x(np.arange(width + 1) * 24.0)
    for ax, resource in zip(axes, resources, strict=False):
        busy = _daily(ts[ts["resource"] == resource], "busy", width, replications)
        queue = _daily(ts[ts["resource"] == resource], "queue", width, replications)
        _draw_resource(ax, view, resource, busy, queue, edges)
        for mark in view.episodes:
            if mark.lock_h is not None:
                ax.axvline(clock.x(mark.lock_h), color="#888888", linewidth=0.7, linestyle=":")
            ax.axvline(clock.x(mark.deadline_h), color="#444444", linewidth=0.7, linestyle="-.")
    for mark in view.episodes:
        at = mark.lock_h if mark.lock_h is not None else mark.deadline_h
        axes[0].annotate(
            mark.name,
            (float(clock.x(at)), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize="x-small",
            color="#444444",
        )
    clock.format(axes[-1])
    axes[-1].set_xlabel(clock.label("day"))
    fig.suptitle(
        f"{view.name}: daily load per pool and team ({view.n_replications} replications)",
        x=0.01,
        ha="left",
    )
    _legend(fig, view)
    return fig


def _draw_resource(
    ax: Axes,
    view: RunView,
    resource: str,
    busy: np.ndarray,
    queue: np.ndarray,
    edges: np.ndarray,
) -> None:
    """One pool's or team's panel: busy units against capacity, and the queue behind."""
    width = len(edges) - 1
    kind, _, name = resource.partition(":")
    steps = view.capacity.get(resource)
    cap = _daily_capacity(steps, width) if steps is not None else np.zeros(width)
    if steps is not None:
        if kind == "team":
            for day in np.flatnonzero(cap == 0.0):
                ax.axvspan(edges[day], edges[day + 1], color="#E4E4E4", linewidth=0, zorder=0)
        ax.stairs(cap, edges, color="black", linestyle=":", linewidth=1.2, zorder=3)
    ax.stairs(busy.mean(axis=0), edges, color=BUSY_COLOUR, linewidth=1.8, zorder=4)
    waiting = ax.twinx()
    waiting.fill_between(
        edges[:-1],
        np.quantile(queue, 0.1, axis=0),
        np.quantile(queue, 0.9, axis=0),
        step="post",
        color=BAND_COLOUR,
        alpha=0.6,
        linewidth=0,
    )
    waiting.stairs(queue.mean(axis=0), edges, color=QUEUE_COLOUR, linestyle="--", lw=1.5)
    waiting.set_ylim(0.0, headroom(float(np.quantile(queue, 0.9, axis=0).max(initial=0.0))))
    waiting.set_ylabel("tasks waiting", fontsize="small", color="#8A3300")
    # The busy line goes in front of the queue's band, which lives on the twin axes.
    ax.set_zorder(waiting.get_zorder() + 1)
    ax.patch.set_visible(False)
    unit = "GPUs" if kind == "pool" else "people"
    ax.set_ylabel(f"{view.names.get(resource, name)}\n{unit} busy", fontsize="small")
    ax.text(
        0.005,
        0.96,
        view.labels.get(resource, f"{kind} {name}"),
        transform=ax.transAxes,
        va="top",
        fontsize="x-small",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        zorder=6,
    )
    top_level = max(float(busy.mean(axis=0).max(initial=0.0)), float(cap.max(initial=0.0)))
    ax.set_ylim(0.0, headroom(top_level))
    ax.set_xlim(edges[0], edges[-1])


def _legend(fig: Figure, view: RunView) -> None:
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=BUSY_COLOUR, linewidth=1.8),
        Line2D([], [], color=QUEUE_COLOUR, linestyle="--", linewidth=1.5),
        Patch(facecolor=BAND_COLOUR, alpha=0.6),
    ]
    labels = ["busy (left axis)", "tasks waiting, mean (right axis)", "tasks waiting, P10–P90"]
    if view.capacity:
        handles += [
            Line2D([], [], color="black", linestyle=":", linewidth=1.2),
            Patch(facecolor="#E4E4E4"),
        ]
        labels += ["GPUs / people on shift", "no one on shift"]
    if any(m.lock_h is not None for m in view.episodes):
        handles.append(Line2D([], [], color="#888888", linestyle=":", linewidth=0.7))
        labels.append("picture lock (named on top)")
    handles.append(Line2D([], [], color="#444444", linestyle="-.", linewidth=0.7))
    labels.append("deadline")
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(4, len(handles)), fontsize="small"
    )
