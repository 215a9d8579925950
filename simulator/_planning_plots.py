"""Plots of the planning commands: a sweep's risk and cost, the staffing frontier, the
sensitivity ranking. PNG files readable in black-and-white print (the palette and
conventions of ``simulator.plots``); each function returns a figure, ``save`` writes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.plots import PALETTE

__all__ = ["frontier_plot", "save", "sensitivity_chart", "sweep_plot"]

MARKERS = "osD^v<>p"


def save(figure: Figure, path: Path) -> None:
    figure.savefig(path, format="png", dpi=110)
    plt.close(figure)


def _errors(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[np.ndarray]]:
    y = frame[column].to_numpy(float)
    low = np.clip(y - frame[f"{column}_low"].to_numpy(float), 0, None)
    high = np.clip(frame[f"{column}_high"].to_numpy(float) - y, 0, None)
    return y, [low, high]


def _series(table: pd.DataFrame, paths: Sequence[str]) -> Iterator[tuple[str, pd.DataFrame]]:
    """Lines to draw: one per combination of every varied path but the first."""
    if len(paths) < 2:
        yield "", table
        return
    others = list(paths[1:])
    for values, group in table.groupby(others, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        pairs = zip(others, values, strict=True)
        yield ", ".join(f"{p.split('.')[-1]}={v}" for p, v in pairs), group


def sweep_plot(table: pd.DataFrame, paths: Sequence[str], name: str) -> Figure:
    """P(any miss) and mean cost against the first varied value, with their intervals."""
    fig, (risk_ax, cost_ax) = plt.subplots(1, 2, figsize=(11, 4.5))
    first = paths[0] if paths else "point"
    numeric = pd.api.types.is_numeric_dtype(table[first])
    # At most eight lines: past that a plot stops being readable; the table has the rest.
    for k, (label, group) in enumerate(itertools.islice(_series(table, paths), 8)):
        x = group[first].to_numpy() if numeric else np.arange(len(group))
        style = {"color": PALETTE[k % len(PALETTE)], "marker": MARKERS[k % len(MARKERS)]}
        for ax, column in ((risk_ax, "p_any_miss"), (cost_ax, "cost_mean")):
            y, err = _errors(group, column)
            ax.errorbar(x, y, yerr=err, capsize=3, label=label or None, **style)
    if numeric and pd.api.types.is_integer_dtype(table[first]):
        for ax in (risk_ax, cost_ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # GPUs, people: no 1.25
    if not numeric:
        labels = [str(v) for v in next(_series(table, paths))[1][first]]
        for ax in (risk_ax, cost_ax):
            ax.set_xticks(np.arange(len(labels)), labels, rotation=30)
    risk_ax.set_ylim(-0.02, 1.02)
    risk_ax.set_ylabel("P(any episode misses its deadline)")
    cost_ax.set_ylabel("mean season cost (USD)")
    for ax in (risk_ax, cost_ax):
        ax.set_xlabel(first)
        ax.grid(alpha=0.3)
    if len(paths) > 1:
        risk_ax.legend(fontsize="small")
    fig.suptitle(f"{name}: sweep (bars: confidence intervals)")
    fig.tight_layout()
    return fig


def frontier_plot(table: pd.DataFrame, target: float, name: str, chosen: int | None) -> Figure:
    """Every simulated configuration's risk against its cost; the frontier joined, the
    target drawn, the answer circled. ``table`` has ``cost_mean``, ``p_any_miss`` (with
    ``_low``/``_high``), ``on_frontier`` and ``point``."""
    fig, ax = plt.subplots(figsize=(8, 5))
    x, x_err = _errors(table, "cost_mean")
    y, y_err = _errors(table, "p_any_miss")
    ax.errorbar(
        x,
        y,
        xerr=x_err,
        yerr=y_err,
        fmt="o",
        color=PALETTE[4],
        alpha=0.6,
        capsize=2,
        label="simulated configuration",
    )
    front = table[table["on_frontier"]].sort_values("cost_mean")
    ax.plot(
        front["cost_mean"], front["p_any_miss"], "-s", color=PALETTE[0], label="cost–risk frontier"
    )
    ax.axhline(target, color=PALETTE[5], linestyle="--", label=f"target risk {target:g}")
    if chosen is not None:
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
    ax.set_xlabel("mean season cost (USD)")
    ax.set_ylabel("P(any episode misses its deadline)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"{name}: staffing, cost against deadline risk (bars: intervals)")
    fig.tight_layout()
    return fig


def sensitivity_chart(table: pd.DataFrame, measure: str, outputs: Sequence[str]) -> Figure:
    """Ranked horizontal bars of an index per input, one panel per output, with the
    bootstrap confidence interval of each index. ``table`` has ``factor``, ``output``,
    ``measure`` and ``measure_conf``."""
    fig, axes = plt.subplots(
        1, len(outputs), figsize=(5.5 * len(outputs), 0.5 * table["factor"].nunique() + 2.2)
    )
    axes = np.atleast_1d(axes)
    for ax, output in zip(axes, outputs, strict=True):
        rows = table[table["output"] == output].sort_values(measure)
        positions = np.arange(len(rows))
        ax.barh(
            positions,
            rows[measure],
            xerr=rows[f"{measure}_conf"],
            color=PALETTE[0],
            hatch=[["", "//"][k % 2] for k in range(len(rows))],
            capsize=3,
        )
        ax.set_yticks(positions, list(rows["factor"]))
        ax.set_xlabel(measure)
        ax.set_title(output)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"what drives the outputs: {measure}, ranked (bars: confidence intervals)")
    fig.tight_layout()
    return fig
