"""The first sheet of an export: a results folder's headline numbers and its provenance.

One row per number or fact, in the same columns for every folder kind: ``section``
(``headline`` or ``provenance``), ``item``, ``value``, ``interval low``, ``interval high``
and ``unit``. The numbers are those of ``summary.json``, as written there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from simulator.folders._columns import (
    COST_CATEGORIES,
    COUNT,
    HOURS_FROM_START,
    PROBABILITY,
    SHARE,
    USD,
    column,
    quantity_unit,
)

__all__ = ["HEADLINE_COLUMNS", "headline_rows"]

HEADLINE_COLUMNS = ("section", "item", "value", "interval low", "interval high", "unit")

Row = tuple[str, str, Any, float, float, str]


def _number(value: Any) -> float:
    """A bound as a number (NaN where the summary has none: an unbounded interval)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _estimate(item: str, interval: dict[str, Any] | None, unit: str) -> Iterator[Row]:
    """One row for an interval of ``summary.json`` (``estimate``, ``low``, ``high``)."""
    if interval is None:
        return
    yield (
        "headline",
        item,
        _number(interval.get("estimate")),
        _number(interval.get("low")),
        _number(interval.get("high")),
        unit,
    )


def _fact(item: str, value: Any, unit: str = "", section: str = "headline") -> Iterator[Row]:
    if value is None:
        return
    if isinstance(value, list | dict):
        value = json.dumps(value) if isinstance(value, dict) else "; ".join(map(str, value))
    yield (section, item, value, math.nan, math.nan, unit)


def _run(summary: dict[str, Any]) -> Iterator[Row]:
    """A run's verdict, risk, deliveries, cost, utilisation and defects."""
    yield from _fact("verdict", f"{summary.get('verdict')}: {summary.get('verdict_text')}")
    season, cost = summary.get("season", {}), summary.get("cost", {})
    yield from _estimate("P(any episode misses)", season.get("p_any_miss"), PROBABILITY)
    for episode in summary.get("episodes", []):
        name = episode["id"]
        yield from _fact(f"{name}: deadline", episode.get("deadline"), "date, UTC")
        delivery = episode.get("delivery_h", {})
        yield from _estimate(f"{name}: delivery, mean", delivery.get("mean"), HOURS_FROM_START)
        yield from _estimate(f"{name}: P(misses)", episode.get("p_miss"), PROBABILITY)
    yield from _estimate(
        "whole season delivered, mean", season.get("makespan_h", {}).get("mean"), HOURS_FROM_START
    )
    total = cost.get("total", {})
    for statistic, words in (("mean", "mean"), ("p50", "median"), ("p90", "90th percentile")):
        yield from _estimate(f"cost, {words}", total.get(statistic), USD)
    for category, interval in cost.get("by_category", {}).items():
        words = COST_CATEGORIES.get(category, category.replace("_", " "))
        yield from _estimate(f"cost of {words}, mean", interval, USD)
    per_frame = cost.get("per_delivered_frame", {}).get("mean")
    yield from _estimate("cost per delivered frame, mean", per_frame, "USD per frame")
    for resource, interval in summary.get("utilisation", {}).items():
        yield from _estimate(
            f"utilisation of {resource}: busy share of available hours over the run",
            interval,
            SHARE,
        )
    for resource, interval in summary.get("paid_utilisation", {}).items():
        yield from _estimate(
            f"utilisation of {resource}: busy share of paid hours to the season end",
            interval,
            SHARE,
        )
    waits = summary.get("waits") or {}
    for resource, wait in waits.get("resources", {}).items():
        yield from _estimate(
            f"{resource}: wait per task started, mean", wait.get("mean_wait_h"), "hours"
        )
        yield from _estimate(
            f"{resource}: tasks still queued at the end", wait.get("queued_at_end"), "tasks"
        )
        yield from _estimate(
            f"{resource}: hours waited by tasks still queued at the end",
            wait.get("waited_at_end_h"),
            "hours",
        )
    yield from _estimate("shot time in system, mean", waits.get("time_in_system_h"), "hours")
    for stage, times in waits.get("stages", {}).items():
        yield from _estimate(
            f"{stage}: wait per task started, mean", times.get("mean_wait_h"), "hours"
        )
        yield from _estimate(
            f"{stage}: time in the stage per visit, mean", times.get("time_in_stage_h"), "hours"
        )
        yield from _estimate(
            f"{stage}: tasks still queued at the end", times.get("queued_at_end"), "tasks"
        )
    defects = summary.get("defects", {})
    yield from _estimate("escaped defects per season", defects.get("escaped"), "count per season")
    for key, words in (
        ("caught_mean", "caught defects per season, mean"),
        ("failed_shots_mean", "failed shots per season, mean"),
        ("rework_passes_mean", "rework passes per season, mean"),
    ):
        yield from _fact(words, defects.get(key), "count per season")


def _sweep(summary: dict[str, Any]) -> Iterator[Row]:
    yield from _fact("points", len(summary.get("points", [])), COUNT)
    yield from _fact("replications per point", summary.get("replications"), COUNT)
    for vary in summary.get("vary", []):
        yield from _fact(f"varies {vary['path']}", vary.get("values"))
    yield from _fact("precision (relative)", summary.get("precision"))


def _staff(summary: dict[str, Any]) -> Iterator[Row]:
    yield from _fact("target risk", summary.get("target_risk"), PROBABILITY)
    yield from _fact("risk measure", summary.get("risk_measure"))
    chosen = summary.get("chosen")
    if chosen is None:
        yield from _fact("chosen", "no configuration in the ranges is under the target")
    else:
        for path, value in chosen.get("values", {}).items():
            yield from _fact(f"chosen {path}", value)
        yield from _estimate("chosen: cost, mean", chosen.get("cost_mean"), USD)
        yield from _estimate("chosen: P(any episode misses)", chosen.get("p_any_miss"), PROBABILITY)
    yield from _fact("configurations simulated", summary.get("configurations_simulated"), COUNT)
    yield from _fact("configurations in the ranges", summary.get("grid_size"), COUNT)


def _compare(summary: dict[str, Any]) -> Iterator[Row]:
    for side in ("a", "b"):
        about = summary.get(side, {})
        yield from _fact(f"{side.upper()}: scenario", about.get("scenario"))
        yield from _fact(f"{side.upper()}: changes", about.get("overrides") or "none")
    yield from _fact("replications", summary.get("replications"), COUNT)
    for row in summary.get("differences", []):
        if row["quantity"] in ("cost_total", "p_any_miss"):
            unit, words = quantity_unit(row["quantity"]), column(row["quantity"]).label
            yield from _fact(f"{words}: mean of A", row["mean_a"], unit)
            yield from _fact(f"{words}: mean of B", row["mean_b"], unit)
            yield from _estimate(f"{words}: A − B", _difference(row), unit)


def _difference(row: dict[str, Any]) -> dict[str, Any]:
    return {"estimate": row["difference"], "low": row["low"], "high": row["high"]}


def _sensitivity(summary: dict[str, Any]) -> Iterator[Row]:
    yield from _fact("method", summary.get("method"))
    yield from _fact("samples", summary.get("samples"), COUNT)
    yield from _fact("points", summary.get("points"), COUNT)
    yield from _fact("replications per point", summary.get("replications"), COUNT)
    for factor in summary.get("factors", []):
        kind = "integer" if factor.get("integer") else "real"
        yield from _fact(
            f"range of {factor['path']}", f"{factor['low']:g} to {factor['high']:g} ({kind})"
        )
    for row in summary.get("indices", []):
        if row.get("rank") == 1:
            yield from _fact(f"drives {row['output']} the most", row["factor"])


_HEADLINES: dict[str, Callable[[dict[str, Any]], Iterator[Row]]] = {
    "run": _run,
    "sweep": _sweep,
    "staff": _staff,
    "compare": _compare,
    "sensitivity": _sensitivity,
}

_PROVENANCE = (
    ("kind", "kind"),
    ("reelsim_version", "reelsim version"),
    ("seed", "seed"),
    ("replications", "replications"),
    ("confidence", "confidence level"),
    ("engine", "engine"),
    ("engine_reason", "engine chosen because"),
    ("executor", "ran on"),
    ("chunk_size", "replications per chunk"),
    ("draw_layout_version", "draw layout version"),
    ("overrides", "changes (--set)"),
    ("from", "started from status"),
    ("wall_seconds", "wall time (seconds)"),
)


def _provenance(summary: dict[str, Any], folder: Path) -> Iterator[Row]:
    yield from _fact("results folder", str(folder.resolve()), section="provenance")
    scenario = summary.get("scenario")
    if isinstance(scenario, dict):
        yield from _fact("scenario", scenario.get("name"), section="provenance")
        yield from _fact("scenario sha256", scenario.get("sha256"), section="provenance")
    for side in ("a", "b"):
        if isinstance(summary.get(side), dict):
            sha = summary[side].get("sha256")
            yield from _fact(f"{side.upper()}: scenario sha256", sha, section="provenance")
    for key, words in _PROVENANCE:
        yield from _fact(words, summary.get(key), section="provenance")
    files = summary.get("files", {})
    chunks = 0
    for name, digest in files.items():
        if "/" in name:  # the replications' chunk files: counted, not listed
            chunks += 1
        else:
            yield from _fact(f"file {name}, sha256", digest, section="provenance")
    if chunks:
        yield from _fact("replication chunk files", chunks, COUNT, section="provenance")


def headline_rows(kind: str, summary: dict[str, Any], folder: Path) -> Iterable[Row]:
    """The first sheet's rows for a folder of ``kind`` with this ``summary.json``."""
    return [*_HEADLINES[kind](summary), *_provenance(summary, folder)]
