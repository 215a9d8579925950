"""Calibration plots: each fitted sample's histogram against its fitted density, with
the runners-up dashed, so a planner sees at a glance how well a family fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from simulator.planning._calibrate_fit import DistributionFit, runner_up

__all__ = ["plot_fits"]

_UNITS = {
    "seconds_per_frame": "seconds per frame",
    "minutes_per_shot": "minutes per shot",
    "hours_per_episode": "hours per episode",
    "frames_per_shot": "frames per shot",
}
# Okabe–Ito: the fitted density stands out; the runners-up are thin and dashed, so the
# plot reads the same in grey scale.
_FITTED, _OTHERS, _BARS = "#D55E00", ("#0072B2", "#009E73", "#CC79A7"), "#BBBBBB"


def plot_fits(title: str, fits: Sequence[tuple[str, DistributionFit]]) -> Any:
    """A histogram of each sample against its fitted density (and the other families'
    densities, dashed), one panel per fit: ``matplotlib`` Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(fits), figsize=(6.4 * len(fits), 4.2), squeeze=False)
    for ax, (label, fit) in zip(axes[0], fits, strict=True):
        x = np.asarray(fit.values)
        top = float(np.quantile(x, 0.995)) * 1.05
        ax.hist(
            x,
            bins=min(60, max(10, int(math.sqrt(x.size)))),
            range=(0.0, top),
            density=True,
            color=_BARS,
            edgecolor="white",
            label=f"history (n={x.size:,})",
        )
        grid = np.linspace(top / 1000.0, top, 400)
        if fit.family is not None and fit.family != "constant":
            ax.plot(
                grid,
                fit.frozen().pdf(grid),
                color=_FITTED,
                lw=2.2,
                label=f"{fit.family} (fitted; KS D = {fit.ks_statistic:.3f})",
            )
            others = sorted((f for f in fit.aic if f != fit.family), key=lambda f: fit.aic[f])
            for colour, family in zip(_OTHERS, others, strict=False):
                density = runner_up(family, x)
                if density is not None:
                    ax.plot(
                        grid,
                        density.pdf(grid),
                        color=colour,
                        lw=1.0,
                        ls="--",
                        label=f"{family} (ΔAIC +{fit.aic[family] - fit.aic[fit.family]:.1f})",
                    )
        ax.set_xlabel(_UNITS.get(fit.quantity, fit.quantity))
        ax.set_ylabel("density")
        ax.set_title(f"{title} {label}".strip())
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
