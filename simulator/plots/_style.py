"""The look every reelsim figure shares, and writing figures to files.

Readability rules, because meetings print handouts and one reader in twelve does not
tell red from green: the Okabe–Ito palette, every series also told apart by line style,
marker or hatch, and every axis labelled with its unit. Figures are built with
``matplotlib.figure.Figure`` directly, never through ``pyplot``: no global figure state, no
display needed, nothing to close. Files are written as PNG (for slides and e-mail) and SVG
(for print and for the HTML report), with no time stamp inside, so that the same figure
gives byte-identical files and the checksums in ``summary.json`` mean something.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.files import StrPath

__all__ = [
    "BAND_COLOUR",
    "BUSY_COLOUR",
    "DEADLINE_COLOUR",
    "FORMATS",
    "HATCHES",
    "PALETTE",
    "QUEUE_COLOUR",
    "Clock",
    "category_style",
    "figure_bytes",
    "headroom",
    "save_figure",
    "save_to",
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


class Clock:
    """Hours from the season start to x coordinates: dates when the start is known, in
    the calendar's zone (at its offset at the start: a day-scale axis does not show a
    daylight-saving hour)."""

    def __init__(self, start: date | None, time_zone: str = "UTC") -> None:
        self.origin = (
            float(mdates.date2num(datetime(start.year, start.month, start.day)))
            if start is not None
            else 0.0
        )
        self.dated = start is not None
        self.time_zone = time_zone

    def x(self, hours: float | np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(hours, dtype=float) / 24.0

    def label(self, what: str) -> str:
        if self.dated:
            return f"{what} (date, {self.time_zone})"
        return f"{what} (days from season start)"

    def format(self, ax: Axes, axis: str = "x") -> None:
        if not self.dated:
            return
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        target = ax.xaxis if axis == "x" else ax.yaxis
        target.set_major_locator(locator)
        target.set_major_formatter(mdates.ConciseDateFormatter(locator))


def category_style(k: int) -> dict[str, object]:
    return {
        "color": PALETTE[k % len(PALETTE)],
        "hatch": HATCHES[k % len(HATCHES)],
        "edgecolor": "black",
        "linewidth": 0.4,
    }


def headroom(level: float) -> float:
    """An axis top a little above the highest level, so a saturated line stays visible."""
    return 1.08 * level if level > 0.0 else 1.0


def save_to(fig: Figure, target: Path | io.BytesIO, fmt: str) -> None:
    # No date in the SVG and fixed element ids: the same figure gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "reelsim", "svg.fonttype": "path"}):
        fig.savefig(target, format=fmt, dpi=DPI, metadata=metadata)


def figure_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """The figure as a file's content, for embedding (the report inlines its plots)."""
    buffer = io.BytesIO()
    save_to(fig, buffer, fmt)
    return buffer.getvalue()


def save_figure(fig: Figure, stem: StrPath, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (or the formats asked for); return the paths."""
    stem = Path(stem)
    from simulator.files import atomic_write

    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        atomic_write(path, lambda tmp, fmt=fmt: save_to(fig, tmp, fmt))  # type: ignore[misc]
        paths.append(path)
    return paths
