"""Headline numbers of a run, each with its interval (DESIGN §4, §6 ``summary.json``).

Per episode: delivery time (mean over replications that delivered, quantiles over all,
an undelivered replication counting as +∞) and the probability of missing the deadline.
For the season: the probability that any episode misses, and the makespan. Costs: total
(mean, quantiles), by category, per episode, per delivered frame. Utilisation per pool and
team; defects caught and escaped; a verdict.

Means have Student-t intervals, probabilities Wilson intervals (zero misses in n runs
still has an upper bound), quantiles distribution-free order-statistic intervals; the
confidence level is the scenario's ``run.confidence``.

A summary is computed from a ``SummaryColumns``: per replication, only the numbers the
summary reads, as arrays. A sweep builds one chunk by chunk from the chunk tables on
disk (``SummaryColumns.from_chunk``), so summarising a point of 10,000 replications
holds a few hundred bytes per replication, not the replications themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from simulator.calendar import date_at
from simulator.errors import UsageError
from simulator.model.season import SeasonModel
from simulator.engines.replication import COST_CATEGORIES
from simulator.results.runs import Run
from simulator.scenario.schema import Calendar
from simulator.stats import mean_interval, proportion_interval, quantile_interval

__all__ = ["VERDICTS", "SummaryColumns", "summarize", "summarize_columns", "verdict_for"]

VERDICTS = {
    "on_time": "every episode is on time with high confidence (P(any miss) upper bound ≤ 5%)",
    "at_risk": "some episode may miss its delivery (P(any miss) between the thresholds)",
    "late": "the season is more likely than not to miss a delivery (P(any miss) ≥ 50%)",
}

_RESOURCE_HOURS = ("busy_h", "available_h")
_COUNTS = ("escaped_defects", "caught_defects", "failed_shots", "rework_passes")


def verdict_for(p_any_miss: float, upper: float) -> str:
    if upper <= 0.05:
        return "on_time"
    if p_any_miss >= 0.5:
        return "late"
    return "at_risk"


def _described(values: np.ndarray, confidence: float) -> dict[str, Any]:
    """Mean with interval over finite values; P50/P90 with intervals over all."""
    finite = values[np.isfinite(values)]
    out: dict[str, Any] = {"n": int(values.size), "censored": int(values.size - finite.size)}
    if finite.size:
        out["mean"] = mean_interval(finite, level=confidence).to_dict()
    for q in (0.5, 0.9):
        out[f"p{int(q * 100)}"] = quantile_interval(values, q, level=confidence).to_dict()
    return out


@dataclass(frozen=True)
class SummaryColumns:
    """Per replication (rows, in replication order), what a summary reads."""

    delivery: np.ndarray
    """(replications, episodes): delivery time in hours, +∞ when not delivered."""
    missed: np.ndarray
    """(replications, episodes): missed the deadline (late or not delivered)."""
    episode_cost: np.ndarray
    """(replications, episodes): total cost of the episode."""
    cost: dict[str, np.ndarray]
    """Per category: the season's cost in that category."""
    total_cost: np.ndarray
    end: np.ndarray
    """When the replication ended, in hours."""
    events: np.ndarray
    delivered_frames: np.ndarray
    counts: dict[str, np.ndarray]
    """Season totals of escaped and caught defects, failed shots and rework passes."""
    utilization: dict[str, np.ndarray]
    """Per resource key: busy over available unit-hours (0 when nothing was available)."""

    @property
    def replications(self) -> int:
        return int(self.delivery.shape[0])

    @staticmethod
    def chunk_columns(model: SeasonModel) -> list[str]:
        """The columns of a chunk table that ``from_chunk`` reads."""
        from simulator.results.chunks import resource_keys

        return [
            "episode",
            "delivered",
            "delivery_h",
            "missed",
            "frames",
            "end_h",
            "events",
            "cost_total",
            *(f"cost_{c}" for c in COST_CATEGORIES),
            *_COUNTS,
            *(f"{kind}:{key}" for key in resource_keys(model) for kind in _RESOURCE_HOURS),
        ]

    @classmethod
    def from_chunk(cls, model: SeasonModel, frame: pd.DataFrame) -> SummaryColumns:
        """From a chunk table (``simulator.results.chunks.chunk_frame``): one row per
        (replication, episode), episodes in the model's order."""
        from simulator.results.chunks import resource_keys

        per_episode = model.n_episodes
        n = len(frame) // per_episode
        names = [ep.name for ep in model.episodes]
        if n * per_episode != len(frame) or list(frame["episode"].iloc[:per_episode]) != names:
            raise UsageError(
                "a chunk's rows do not match its scenario's episodes; use a fresh folder"
            )
        missing = [f"cost_{c}" for c in COST_CATEGORIES if f"cost_{c}" not in frame.columns]
        if missing:
            raise UsageError(
                f"chunks on disk lack {', '.join(missing)}: they were written by another "
                "version of reelsim; use a fresh --out folder"
            )

        def grid(column: str) -> np.ndarray:
            return frame[column].to_numpy(float).reshape(n, per_episode)

        def first(column: str) -> np.ndarray:
            return frame[column].to_numpy(float)[::per_episode]

        delivered = frame["delivered"].to_numpy(bool).reshape(n, per_episode)
        episode_cost = grid("cost_total")
        utilization = {}
        for key in resource_keys(model):
            busy, available = first(f"busy_h:{key}"), first(f"available_h:{key}")
            ratio = np.divide(busy, available, out=np.zeros(n), where=available > 0)
            utilization[key] = ratio
        return cls(
            delivery=np.where(delivered, grid("delivery_h"), np.inf),
            missed=frame["missed"].to_numpy(bool).reshape(n, per_episode),
            episode_cost=episode_cost,
            cost={c: grid(f"cost_{c}").sum(axis=1) for c in COST_CATEGORIES},
            total_cost=episode_cost.sum(axis=1),
            end=first("end_h"),
            events=frame["events"].to_numpy(np.int64)[::per_episode],
            delivered_frames=np.where(delivered, grid("frames"), 0.0).sum(axis=1),
            counts={c: grid(c).sum(axis=1) for c in _COUNTS},
            utilization=utilization,
        )

    @classmethod
    def concat(cls, parts: Iterable[SummaryColumns]) -> SummaryColumns:
        parts = list(parts)
        if not parts:
            raise ValueError("no replications to summarise")

        def join(arrays: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(arrays, axis=0)

        first = parts[0]
        return cls(
            delivery=join([p.delivery for p in parts]),
            missed=join([p.missed for p in parts]),
            episode_cost=join([p.episode_cost for p in parts]),
            cost={c: join([p.cost[c] for p in parts]) for c in first.cost},
            total_cost=join([p.total_cost for p in parts]),
            end=join([p.end for p in parts]),
            events=join([p.events for p in parts]),
            delivered_frames=join([p.delivered_frames for p in parts]),
            counts={c: join([p.counts[c] for p in parts]) for c in first.counts},
            utilization={k: join([p.utilization[k] for p in parts]) for k in first.utilization},
        )


def summarize_columns(
    model: SeasonModel, calendar: Calendar, columns: SummaryColumns
) -> dict[str, Any]:
    """The model's numbers of a summary: episodes, season, cost, utilisation, defects,
    verdict (no provenance: a run or a sweep adds its own)."""
    conf = model.confidence
    n = columns.replications
    episodes = []
    for ep in model.episodes:
        e = ep.index
        deadline = date_at(calendar, ep.deadline)
        episodes.append(
            {
                "id": ep.name,
                "deadline_h": ep.deadline,
                "deadline": deadline.isoformat(),
                # The day the deadline falls on: 24:00 belongs to the day it ends.
                "deadline_day": (deadline - timedelta(microseconds=1)).date().isoformat(),
                "delivery_h": _described(columns.delivery[:, e], conf),
                "p_miss": proportion_interval(
                    int(columns.missed[:, e].sum()), n, level=conf
                ).to_dict(),
                "shots": ep.n_shots,
            }
        )
    p_any = proportion_interval(int(columns.missed.any(axis=1).sum()), n, level=conf)
    # The makespan is defined when every episode was delivered (else censored: +∞).
    makespan = np.where(np.isfinite(columns.delivery).all(axis=1), columns.end, np.inf)
    frames = columns.delivered_frames
    per_frame = np.divide(columns.total_cost, frames, out=np.full(n, np.inf), where=frames > 0)
    cost = {
        "total": _described(columns.total_cost, conf),
        "by_category": {
            c: mean_interval(columns.cost[c], level=conf).to_dict() for c in COST_CATEGORIES
        },
        "per_episode": {
            ep.name: float(columns.episode_cost[:, ep.index].mean()) for ep in model.episodes
        },
        "per_delivered_frame": _described(per_frame, conf),
    }
    utilization = {
        key: mean_interval(values, level=conf).to_dict()
        for key, values in columns.utilization.items()
    }
    counts = columns.counts
    defects = {
        "escaped_mean": float(counts["escaped_defects"].mean()),
        "escaped": mean_interval(counts["escaped_defects"], level=conf).to_dict(),
        "caught_mean": float(counts["caught_defects"].mean()),
        "failed_shots_mean": float(counts["failed_shots"].mean()),
        "rework_passes_mean": float(counts["rework_passes"].mean()),
    }
    verdict = verdict_for(p_any.estimate, p_any.high)
    return {
        "replications": n,
        "confidence": conf,
        "events": int(columns.events.sum()),
        "episodes": episodes,
        "season": {"p_any_miss": p_any.to_dict(), "makespan_h": _described(makespan, conf)},
        "cost": cost,
        "utilization": utilization,
        "defects": defects,
        "verdict": verdict,
        "verdict_text": VERDICTS[verdict],
    }


def summarize(run: Run) -> dict[str, Any]:
    """The content of ``summary.json`` (without the file checksums)."""
    from simulator.results.chunks import chunk_frame

    columns = SummaryColumns.from_chunk(run.model, chunk_frame(run.model, run.results))
    numbers = summarize_columns(run.model, run.scenario.calendar, columns)
    return {
        "kind": "run",  # what made the folder: the report picks its view by this
        "reelsim_version": run.version,
        "scenario": {"name": run.scenario.name, "sha256": run.scenario_sha256},
        "engine": run.engine,
        "engine_reason": run.engine_reason,
        "seed": run.seed,
        "wall_seconds": run.wall_seconds,
        **numbers,
    }
