"""Plots of the planning commands: a sweep's risk and cost, the staffing frontier, a
comparison's paired differences, the sensitivity ranking.

One function per picture, each taking the folder's own table (``points.parquet``,
``configurations.parquet``, ``comparison.parquet``, ``indices.parquet``), so the command
that writes the folder and the report that reads it back later draw the same figure from
the same place. The conventions are those of ``simulator.plots._style``: the Okabe–Ito palette,
series told apart by marker or hatch as well as colour, every axis labelled with its unit,
``Figure`` objects built without ``pyplot``, written by ``plots.save_figure`` as PNG and SVG.

Heatmaps print in black and white: the colour map (cividis) rises steadily in lightness,
and every cell carries its value in words, so the grey level is never the only reading.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.model import setting_name
from simulator.plots._style import HATCHES, PALETTE

__all__ = [
    "PLANNING_PLOTS",
    "axis_label",
    "difference_plot",
    "frontier_plot",
    "sensitivity_chart",
    "sweep_plot",
]

PLANNING_PLOTS = {
    "sweep": "sweep",
    "staff": "frontier",
    "compare": "differences",
    "sensitivity": "sensitivity",
}
"""The plot file stem each kind of planning folder holds."""

MARKERS = "osD^v<>p"
RISK_LABEL = "P(any episode misses its deadline)"
COST_LABEL = "mean season cost (USD)"
_UNITS = {
    "gpus": "GPUs",
    "people": "people",
    "max_attempts": "attempts",
    "max_rounds": "rounds",
    "shots": "shots",
}


def axis_label(path: str, labels: Mapping[str, str]) -> str:
    """A varied setting as an axis label, in the scenario's names (``labels`` as
    ``SeasonModel.labels``: "VFX supervisor: shift 1, people"), with its unit when the
    path's last word names one."""
    unit = _UNITS.get(path.rsplit(".", 1)[-1])
    name = setting_name(path, labels)
    return f"{name} ({unit})" if unit else name


def _held(paths: Sequence[str], values: Sequence[object], labels: Mapping[str, str]) -> str:
    """Settings held at one value each, in words: "VFX supervisor: shift 1, people = 2"."""
    return ", ".join(f"{setting_name(p, labels)} = {v}" for p, v in zip(paths, values, strict=True))


def _errors(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    y = frame[column].to_numpy(float)
    low = np.clip(y - frame[f"{column}_low"].to_numpy(float), 0, None)
    high = np.clip(frame[f"{column}_high"].to_numpy(float) - y, 0, None)
    return y, np.vstack([low, high])


def _series(
    table: pd.DataFrame, paths: Sequence[str], labels: Mapping[str, str]
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Lines to draw: one per combination of every varied path but the first."""
    if len(paths) < 2:
        yield "", table
        return
    others = list(paths[1:])
    for values, group in table.groupby(others, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        yield _held(others, values, labels), group


def _grid(ax: Axes, axis: str = "both") -> None:
    ax.grid(axis=axis, color="#DDDDDD", linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)


def _money_short(x: float) -> str:
    return f"${x / 1000:,.1f}k" if abs(x) >= 1000 else f"${x:,.0f}"


# --- sweep ---------------------------------------------------------------------------------


def sweep_plot(
    table: pd.DataFrame, paths: Sequence[str], name: str, labels: Mapping[str, str]
) -> Figure:
    """Deadline risk and mean season cost over what was varied, each setting named by the
    label of what it belongs to (``labels`` as ``SeasonModel.labels``).

    Two or more varied values: two heatmaps over the first two, each cell written out
    (P(any miss) with its interval; mean cost); further varied values are held at their
    first setting. One varied value: the two measures against it, with their intervals as
    error bars.
    """
    if len(paths) >= 2:
        return _sweep_heatmaps(table, paths, name, labels)
    return _sweep_lines(table, paths, name, labels)


def _sweep_lines(
    table: pd.DataFrame, paths: Sequence[str], name: str, labels: Mapping[str, str]
) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    risk_ax, cost_ax = fig.subplots(1, 2)
    first = paths[0] if paths else "point"
    numeric = pd.api.types.is_numeric_dtype(table[first])
    # At most eight lines: past that a plot stops being readable; the table has the rest.
    for k, (label, group) in enumerate(itertools.islice(_series(table, paths, labels), 8)):
        x = group[first].to_numpy() if numeric else np.arange(len(group))
        style = {"color": PALETTE[k % len(PALETTE)], "marker": MARKERS[k % len(MARKERS)]}
        for ax, column in ((risk_ax, "p_any_miss"), (cost_ax, "cost_mean")):
            y, err = _errors(group, column)
            ax.errorbar(x, y, yerr=err, capsize=3, label=label or None, **style)
    if numeric and pd.api.types.is_integer_dtype(table[first]):
        for ax in (risk_ax, cost_ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # GPUs, people: no 1.25
    if not numeric:
        ticks = [str(v) for v in next(_series(table, paths, labels))[1][first]]
        for ax in (risk_ax, cost_ax):
            ax.set_xticks(np.arange(len(ticks)), ticks, rotation=30)
    risk_ax.set_ylim(-0.02, 1.02)
    risk_ax.set_ylabel(RISK_LABEL)
    cost_ax.set_ylabel(COST_LABEL)
    for ax in (risk_ax, cost_ax):
        ax.set_xlabel(_wrapped(axis_label(first, labels), 50))
        _grid(ax)
    fig.suptitle(_wrapped(f"{name}: sweep (bars: confidence intervals)", 70))
    return fig


def _sweep_heatmaps(
    table: pd.DataFrame, paths: Sequence[str], name: str, labels: Mapping[str, str]
) -> Figure:
    x_path, y_path, *rest = paths
    held = table
    note = ""
    if rest:
        fixed = {p: table[p].iloc[0] for p in rest}
        for p, v in fixed.items():
            held = held[held[p] == v]
        note = f" ({_held(list(fixed), list(fixed.values()), labels)})"
    xs = list(dict.fromkeys(held[x_path]))
    ys = list(dict.fromkeys(held[y_path]))
    cells = held.set_index([y_path, x_path])
    fig = Figure(figsize=(max(9.0, 2.2 + 1.6 * len(xs)), 1.6 + 1.1 * len(ys)), layout="constrained")
    risk_ax, cost_ax = fig.subplots(1, 2)
    panels = (
        (risk_ax, "p_any_miss", RISK_LABEL, (0.0, 1.0)),
        (cost_ax, "cost_mean", COST_LABEL, None),
    )
    for ax, column, label, limits in panels:
        grid = np.full((len(ys), len(xs)), np.nan)
        for (i, yv), (j, xv) in itertools.product(enumerate(ys), enumerate(xs)):
            if (yv, xv) in cells.index:
                grid[i, j] = float(cells.loc[(yv, xv), column])
        low, high = limits if limits else (np.nanmin(grid), np.nanmax(grid))
        if high <= low:
            high = low + 1.0
        image = ax.imshow(grid, cmap="cividis", vmin=low, vmax=high, origin="lower", aspect="auto")
        fig.colorbar(image, ax=ax, label=label, shrink=0.9)
        for (i, yv), (j, xv) in itertools.product(enumerate(ys), enumerate(xs)):
            if not np.isfinite(grid[i, j]):
                continue
            row = cells.loc[(yv, xv)]
            if column == "p_any_miss":
                text = (
                    f"{100 * row[column]:.0f}%\n"
                    f"[{100 * row[f'{column}_low']:.0f}–{100 * row[f'{column}_high']:.0f}]"
                )
            else:
                text = _money_short(float(row[column]))
            # Dark cells get white words: readable on any grey a printer makes of them.
            shade = (grid[i, j] - low) / (high - low)
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize="small",
                color="white" if shade < 0.55 else "black",
            )
        ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs])
        ax.set_yticks(np.arange(len(ys)), [str(v) for v in ys])
        ax.set_xlabel(_wrapped(axis_label(x_path, labels), 50))
        ax.set_ylabel(_wrapped(axis_label(y_path, labels), 40))
        ax.set_title(
            "risk, % [interval]" if column == "p_any_miss" else "mean cost",
            loc="left",
            fontsize="medium",
        )
    fig.suptitle(_wrapped(f"{name}: sweep, deadline risk and season cost{note}", 70))
    return fig


# --- staffing ------------------------------------------------------------------------------


def frontier_plot(table: pd.DataFrame, target: float, name: str, chosen: int | None) -> Figure:
    """Every simulated configuration's risk against its cost; the frontier joined, the
    target drawn, the answer circled.

    ``table`` has ``cost_mean``, ``p_any_miss`` (with ``_low``/``_high``), ``on_frontier``
    and ``point``. Error bars are the intervals of both; a configuration counts as under
    the target only when the top of its risk bar is.
    """
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    x, x_err = _errors(table, "cost_mean")
    y, y_err = _errors(table, "p_any_miss")
    ax.errorbar(
        x,
        y,
        xerr=x_err,
        yerr=y_err,
        fmt="o",
        color=PALETTE[4],
        alpha=0.7,
        capsize=2,
        label="simulated configuration",
    )
    front = table[table["on_frontier"]].sort_values("cost_mean")
    ax.plot(
        front["cost_mean"], front["p_any_miss"], "-s", color=PALETTE[0], label="cost–risk frontier"
    )
    ax.axhline(target, color=PALETTE[5], linestyle="--", label=f"target risk {target:g}")
    if chosen is not None and (table["point"] == chosen).any():
        row = table[table["point"] == chosen].iloc[0]
        ax.plot(
            [row["cost_mean"]],
            [row["p_any_miss"]],
            "o",
            markersize=16,
            markerfacecolor="none",
            markeredgecolor=PALETTE[5],
            markeredgewidth=2,
            label="cheapest under the target",
        )
    ax.set_xlabel(COST_LABEL)
    ax.set_ylabel(RISK_LABEL)
    ax.set_ylim(-0.02, 1.02)
    _grid(ax)
    ax.legend(fontsize="small")
    ax.set_title(_wrapped(f"{name}: staffing, cost against deadline risk (bars: intervals)", 70))
    return fig


# --- comparison ----------------------------------------------------------------------------

_GROUPS = (
    ("cost", "difference in season cost, A − B (USD)", 1.0),
    ("chance", "difference in chance of missing, A − B (percentage points)", 100.0),
    ("time", "difference in delivery time, A − B (days)", 1.0 / 24.0),
    ("count", "difference per season, A − B (shots, passes)", 1.0),
)


def difference_group(quantity: str) -> str:
    """Which panel (and unit) a comparison quantity belongs to."""
    if quantity.startswith("cost_"):
        return "cost"
    if quantity.startswith(("p_any_miss", "p_miss:")):
        return "chance"
    if quantity.startswith(("delivery_h:", "makespan_h")):
        return "time"
    return "count"


def difference_plot(
    table: pd.DataFrame, a: str, b: str, name: Callable[[str], str] = str
) -> Figure:
    """Paired differences A − B per quantity, with their intervals as error bars.

    One panel per unit (cost, chance of missing, delivery time, counts). A bar that does
    not cross the zero line is a difference the replications show; quantities that are
    zero on both sides are left out.
    """
    shown = table[(table["mean_a"].abs() + table["mean_b"].abs()) > 0].dropna(subset=["difference"])
    groups = [(g, label, scale) for g, label, scale in _GROUPS]
    rows = {g: shown[shown["quantity"].map(difference_group) == g] for g, _, _ in groups}
    used = [(g, label, scale) for g, label, scale in groups if not rows[g].empty]
    heights = [max(1, len(rows[g])) for g, _, _ in used] or [1]
    fig = Figure(figsize=(9, 1.4 + 0.38 * sum(heights) + 0.6 * len(heights)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(max(1, len(used)), 1, height_ratios=heights))
    for k, (ax, (group, label, scale)) in enumerate(zip(axes, used, strict=False)):
        part = rows[group]
        y = np.arange(len(part))[::-1]
        d = part["difference"].to_numpy(float) * scale
        low = np.clip(d - part["low"].to_numpy(float) * scale, 0, None)
        high = np.clip(part["high"].to_numpy(float) * scale - d, 0, None)
        ax.errorbar(
            d,
            y,
            xerr=np.vstack([np.nan_to_num(low), np.nan_to_num(high)]),
            fmt=MARKERS[k % len(MARKERS)],
            color=PALETTE[k % len(PALETTE)],
            capsize=3,
        )
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [name(str(q)) for q in part["quantity"]])
        ax.set_xlabel(label)
        ax.set_ylabel("quantity")
        _grid(ax, "x")
    if not used:
        axes[0].text(0.5, 0.5, "no quantity differs", ha="center", transform=axes[0].transAxes)
        axes[0].set_xlabel("difference, A − B")
        axes[0].set_ylabel("quantity")
    fig.suptitle(
        _wrapped(f"A = {a} against B = {b}: paired differences (bars: confidence intervals)", 70)
    )
    return fig


# --- sensitivity ---------------------------------------------------------------------------


def sensitivity_chart(
    table: pd.DataFrame,
    measure: str,
    outputs: Sequence[str],
    name: Callable[[str], str] = str,
) -> Figure:
    """Ranked horizontal bars of an index per input, one panel per output, with the
    bootstrap confidence interval of each index.

    ``table`` has ``factor``, ``output``, ``measure`` and ``measure_conf``; ``name`` says an
    input or an output in words (default: as it is). The longest bar is the input whose
    range moves that output most. Neither index can be negative, so an interval's lower
    arm stops at zero.
    """
    factors = table["factor"].nunique()
    fig = Figure(figsize=(6.5 * len(outputs), 0.6 * factors + 2.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(outputs)))
    unit = {"mu_star": "effect over the input's range (μ*)", "ST": "share of variance (ST)"}
    for ax, output in zip(axes, outputs, strict=True):
        rows = table[table["output"] == output].sort_values(measure)
        values = np.clip(rows[measure].to_numpy(float), 0.0, None)
        errors = np.nan_to_num(rows[f"{measure}_conf"].to_numpy(float), nan=0.0)
        ax.barh(
            np.arange(len(rows)),
            values,
            xerr=np.vstack([np.minimum(errors, values), errors]),
            color=PALETTE[0],
            hatch=[HATCHES[k % 2] for k in range(len(rows))],
            edgecolor="black",
            linewidth=0.4,
            capsize=3,
        )
        ax.set_xlim(left=0.0)
        ax.set_yticks(np.arange(len(rows)), [_wrapped(name(str(f))) for f in rows["factor"]])
        ax.set_xlabel(_wrapped(f"{unit.get(measure, measure)}, {name(output)}", 50))
        ax.set_ylabel("uncertain input")
        ax.set_title(_wrapped(name(output), 40), loc="left", fontsize="medium")
        _grid(ax, "x")
    what = "effect over its range" if measure == "mu_star" else "share of variance"
    fig.suptitle(_wrapped(f"What drives the outputs: each input's {what} (bars: intervals)", 70))
    return fig


def _wrapped(text: str, width: int = 28) -> str:
    """Long words on several lines: a tick label or title never runs out of the figure."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=True)) or text
