"""Plots of a run, for a planning meeting: pictures that survive a black-and-white printer.

A run's plots answer the meeting's questions one picture each:

    load            busy units and waiting tasks per day, per pool and team, against what
                    was there to work (GPUs, people on shift), with picture locks,
                    deadlines and days without a shift marked
    delivery        when each episode is delivered over the replications, against its
                    deadline, with its chance of missing it
    cost            the season's cost by category (with intervals) and per episode, stacked
    cost_per_frame  what a delivered frame costs: over replications and per episode

Every plot draws from a ``RunView``: the results folder's tidy tables
(``replications.parquet``, ``timeseries.parquet``) plus the marks the season model knows
(picture locks, deadlines, GPUs and shifts, the calendar's start). So the same functions
draw a ``Run`` just simulated (``RunView.of_run``), a results folder read back later
(``simulator.report.page`` builds the view from the files) and a notebook's run; a plot
function accepts a ``Run`` too.

Readability rules, because meetings print handouts and one reader in twelve does not
tell red from green: the Okabe–Ito palette, every series also told apart by line style,
marker or hatch, and every axis labelled with its unit. Figures are built with
``matplotlib.figure.Figure`` directly, never through ``pyplot``: no global figure state, no
display needed, nothing to close. Files are written as PNG (for slides and e-mail) and SVG
(for print and for the HTML report), with no time stamp inside, so that the same run gives
byte-identical files and its checksums in ``summary.json`` mean something.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from simulator.engines.replication import COST_CATEGORIES

if TYPE_CHECKING:
    from simulator.model.season import PoolModel, SeasonModel, TeamModel
    from simulator.results.runs import Run

__all__ = [
    "FORMATS",
    "HATCHES",
    "PALETTE",
    "RUN_PLOTS",
    "EpisodeMark",
    "RunView",
    "cost_per_frame_plot",
    "cost_plot",
    "delivery_plot",
    "figure_bytes",
    "load_plot",
    "run_plots",
    "save_figure",
]

# Okabe–Ito: distinguishable for the common colour-vision deficiencies; the hatches and
# line styles beside them carry the same distinction on a grey-scale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
BUSY_COLOUR, QUEUE_COLOUR, BAND_COLOUR = PALETTE[0], PALETTE[5], "#F5C9A8"
DEADLINE_COLOUR = PALETTE[5]

FORMATS = ("png", "svg")
"""Every plot is written in both: PNG for slides and mail, SVG for print and the report."""

DPI = 110
MAX_DOTS = 200
"""Replications drawn as dots per episode; beyond this a fixed subsample (the box and
whiskers still use every replication)."""


@dataclass(frozen=True)
class EpisodeMark:
    """An episode as the plots mark it: hours from the season start."""

    name: str
    deadline_h: float
    lock_h: float | None = None


@dataclass(frozen=True)
class RunView:
    """What the run plots draw from: a run's tables and the marks of its season."""

    name: str
    replications: pd.DataFrame
    """One row per (replication, episode): ``replications.parquet``."""
    timeseries: pd.DataFrame
    """One row per (replication, resource, day): ``timeseries.parquet``."""
    episodes: tuple[EpisodeMark, ...]
    start: date | None = None
    """The calendar's first day: time axes show dates; without it, days from the start."""
    capacity: Mapping[str, tuple[tuple[float, int], ...]] = field(default_factory=dict)
    """Per resource (``pool:NAME``, ``team:NAME``): units as steps ``(t_h, units)`` — a
    pool's GPUs, a team's people on shift."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Per resource: what it is, in a few words ("16 reserved GPUs at 2.08 USD/h")."""

    @property
    def n_replications(self) -> int:
        return int(self.replications["replication"].nunique()) if len(self.replications) else 0

    @classmethod
    def of_run(cls, run: Run) -> RunView:
        return cls.build(
            run.scenario.name,
            run.replications_frame(),
            run.timeseries_frame(),
            model=run.model,
            start=run.scenario.calendar.start,
        )

    @classmethod
    def build(
        cls,
        name: str,
        replications: pd.DataFrame,
        timeseries: pd.DataFrame,
        *,
        model: SeasonModel | None = None,
        start: date | None = None,
    ) -> RunView:
        """A view of the tables; ``model`` adds picture locks, GPUs and shifts."""
        if model is not None:
            episodes = tuple(EpisodeMark(ep.name, ep.deadline, ep.lock) for ep in model.episodes)
            capacity: dict[str, tuple[tuple[float, int], ...]] = {
                f"pool:{p.name}": ((0.0, p.gpus),) for p in model.pools
            }
            capacity.update({f"team:{t.name}": t.headcount for t in model.teams})
            labels = {f"pool:{p.name}": _pool_label(p) for p in model.pools}
            labels.update({f"team:{t.name}": _team_label(t) for t in model.teams})
        else:
            firsts = replications.drop_duplicates("episode")
            episodes = tuple(
                EpisodeMark(str(e), float(d))
                for e, d in zip(firsts["episode"], firsts["deadline_h"], strict=True)
            )
            capacity, labels = {}, {}
        return cls(name, replications, timeseries, episodes, start, capacity, labels)


def _pool_label(pool: PoolModel) -> str:
    kind = {0: "reserved", 1: "on-demand", 2: "spot"}[int(pool.kind)]
    amount = f"up to {pool.gpus}" if pool.cloud else f"{pool.gpus}"
    return f"{amount} {kind} GPUs at {pool.price_per_gpu_hour:,.2f} USD per GPU-hour"


def _team_label(team: TeamModel) -> str:
    return f"up to {team.max_people} on shift at {team.hourly_rate:,.0f} USD per hour"


def _view(data: Run | RunView) -> RunView:
    return data if isinstance(data, RunView) else RunView.of_run(data)


# --- time axes ----------------------------------------------------------------------------


class _Clock:
    """Hours from the season start to x coordinates: dates when the start is known."""

    def __init__(self, start: date | None) -> None:
        self.origin = (
            float(mdates.date2num(datetime(start.year, start.month, start.day)))
            if start is not None
            else 0.0
        )
        self.dated = start is not None

    def x(self, hours: float | np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(hours, dtype=float) / 24.0

    def label(self, what: str) -> str:
        return f"{what} (date, UTC)" if self.dated else f"{what} (days from season start)"

    def format(self, ax: Axes, axis: str = "x") -> None:
        if not self.dated:
            return
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        target = ax.xaxis if axis == "x" else ax.yaxis
        target.set_major_locator(locator)
        target.set_major_formatter(mdates.ConciseDateFormatter(locator))


# --- delivery -----------------------------------------------------------------------------


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
    view = _view(data)
    clock = _Clock(view.start)
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
    right_edge = float(clock.x(high_h + pad))
    uncut = False
    for row, mark in enumerate(view.episodes):
        y = n_ep - 1 - row  # first episode on top
        rows = frame[frame["episode"] == mark.name]
        values = np.where(rows["delivered"], rows["delivery_h"], np.inf).astype(float)
        if values.size == 0:
            continue
        finite = values[np.isfinite(values)]
        shown = finite if finite.size <= MAX_DOTS else rng.choice(finite, MAX_DOTS, replace=False)
        ax.scatter(
            clock.x(shown),
            y + rng.uniform(-0.17, 0.17, shown.size),
            s=7,
            color="#777777",
            alpha=0.45,
            linewidths=0,
            zorder=2,
        )
        cut = int(values.size - finite.size)
        if cut:
            uncut = True
            ax.text(
                right_edge,
                y + 0.22,
                f"{cut} not delivered ▸",
                ha="right",
                va="bottom",
                fontsize="x-small",
            )
        x5, x25, x50, x75, x95 = (
            float(clock.x(min(_order_statistic(values, q), high_h + pad)))
            for q in (0.05, 0.25, 0.5, 0.75, 0.95)
        )
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
        # Taller than the box and in colour: not to be read as the median, even in grey.
        deadline_x = float(clock.x(mark.deadline_h))
        ax.plot([deadline_x] * 2, [y - 0.42, y + 0.42], color=DEADLINE_COLOUR, lw=2.8, zorder=5)
        if mark.lock_h is not None:
            ax.plot(
                clock.x(mark.lock_h),
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
    ax.set_yticks(range(n_ep), [m.name for m in reversed(view.episodes)])
    ax.set_ylim(-0.7, n_ep - 0.3)
    ax.set_xlim(float(clock.x(low_h - pad)), right_edge)
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
    handles = [
        Line2D([], [], marker="|", markersize=14, mew=2.8, color=DEADLINE_COLOUR, ls=""),
        Patch(facecolor=PALETTE[4], alpha=0.55, edgecolor="black"),
        Line2D([], [], color="black", linewidth=0.9),
        Line2D([], [], marker="o", markersize=4, color="#777777", ls=""),
    ]
    labels = ["deadline", "middle half (P25–P75), bar: median", "P5–P95", "one replication"]
    if any(m.lock_h is not None for m in view.episodes):
        handles.append(
            Line2D([], [], marker=">", markerfacecolor="white", markeredgecolor="black", ls="")
        )
        labels.append("picture lock")
    if uncut:
        labels[2] = "P5–P95 (▸: beyond the horizon)"
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize="small")
    return fig


# --- load over the season -----------------------------------------------------------------


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


def _headroom(level: float) -> float:
    """An axis top a little above the highest level, so a saturated line stays visible."""
    return 1.08 * level if level > 0.0 else 1.0


def load_plot(data: Run | RunView) -> Figure:
    """Busy units and waiting tasks per day over the season, one panel per pool and team.

    Left axis: busy GPUs or people, a day's time-weighted mean averaged over replications
    (solid), against what there was to work (dotted: a pool's GPUs, a team's people on
    shift as a day mean, so one person on an 8-hour shift is 0.33). Grey days have nobody
    on shift (weekends, holidays). Right axis: tasks waiting in the queue, mean (dashed)
    and the band where the middle 80 % of replications lay (P10–P90). Picture locks
    (dotted, named on top) and deadlines (dash-dot) are marked.
    """
    view = _view(data)
    clock = _Clock(view.start)
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
        rows = ts[ts["resource"] == resource]
        busy = _daily(rows, "busy", width, replications)
        queue = _daily(rows, "queue", width, replications)
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
        waiting.set_ylim(0.0, _headroom(float(np.quantile(queue, 0.9, axis=0).max(initial=0.0))))
        waiting.set_ylabel("tasks waiting", fontsize="small", color="#8A3300")
        # The busy line goes in front of the queue's band, which lives on the twin axes.
        ax.set_zorder(waiting.get_zorder() + 1)
        ax.patch.set_visible(False)
        for mark in view.episodes:
            if mark.lock_h is not None:
                ax.axvline(clock.x(mark.lock_h), color="#888888", linewidth=0.7, linestyle=":")
            ax.axvline(clock.x(mark.deadline_h), color="#444444", linewidth=0.7, linestyle="-.")
        unit = "GPUs" if kind == "pool" else "people"
        ax.set_ylabel(f"{kind} {name}\n{unit} busy", fontsize="small")
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
        ax.set_ylim(0.0, _headroom(top_level))
        ax.set_xlim(edges[0], edges[-1])
    top = axes[0]
    for mark in view.episodes:
        at = mark.lock_h if mark.lock_h is not None else mark.deadline_h
        top.annotate(
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
    fig.suptitle(
        f"{view.name}: daily load per pool and team ({view.n_replications} replications)",
        x=0.01,
        ha="left",
    )
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(4, len(handles)), fontsize="small"
    )
    return fig


# --- cost ---------------------------------------------------------------------------------


def _category_style(k: int) -> dict[str, object]:
    return {
        "color": PALETTE[k % len(PALETTE)],
        "hatch": HATCHES[k % len(HATCHES)],
        "edgecolor": "black",
        "linewidth": 0.4,
    }


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
    view = _view(data)
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
            **_category_style(COST_CATEGORIES.index(category)),
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
            **_category_style(COST_CATEGORIES.index(category)),
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
    view = _view(data)
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
            **_category_style(k),
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


# --- files --------------------------------------------------------------------------------

RUN_PLOTS: dict[str, Callable[[RunView], Figure]] = {
    "delivery": delivery_plot,
    "load": load_plot,
    "cost": cost_plot,
    "cost_per_frame": cost_per_frame_plot,
}
"""A run's plots by file stem, in the order a report shows them."""


def _save(fig: Figure, target: Path | io.BytesIO, fmt: str) -> None:
    # No date in the SVG and fixed element ids: the same figure gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "reelsim", "svg.fonttype": "path"}):
        fig.savefig(target, format=fmt, dpi=DPI, metadata=metadata)


def figure_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """The figure as a file's content, for embedding (the report inlines its plots)."""
    buffer = io.BytesIO()
    _save(fig, buffer, fmt)
    return buffer.getvalue()


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (or the formats asked for); return the paths."""
    from simulator.files import atomic_write

    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        atomic_write(path, lambda tmp, fmt=fmt: _save(fig, tmp, fmt))  # type: ignore[misc]
        paths.append(path)
    return paths


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
            _save(self.figure, path, fmt)
            self.left -= 1
            if self.left == 0:
                self.figure = None  # let it go: a season's figures hold a lot of points

        return write


def run_plots(run: Run | RunView) -> dict[str, Callable[[Path], None]]:
    """The results folder's plots as ``{file name: writer(path)}``, PNG and SVG each."""
    view = _view(run)
    writers: dict[str, Callable[[Path], None]] = {}
    for stem, draw in RUN_PLOTS.items():
        drawn = _Drawn(draw, view)
        for fmt in FORMATS:
            writers[f"{stem}.{fmt}"] = drawn.writer(fmt)
    return writers
