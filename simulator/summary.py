"""Headline numbers of a run, each with its interval (DESIGN §4, §6 ``summary.json``).

Per episode: delivery time (mean over replications that delivered, quantiles over all,
an undelivered replication counting as +∞) and the probability of missing the deadline.
For the season: the probability that any episode misses, and the makespan. Costs: total
(mean, quantiles), by category, per episode, per delivered frame. Utilisation per pool and
team; defects caught and escaped; a verdict.

Means have Student-t intervals, probabilities Wilson intervals (zero misses in n runs
still has an upper bound), quantiles distribution-free order-statistic intervals; the
confidence level is the scenario's ``run.confidence``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np

from simulator.calendar import date_at
from simulator.results import COST_CATEGORIES
from simulator.runs import Run
from simulator.stats import mean_interval, proportion_interval, quantile_interval

__all__ = ["VERDICTS", "summarize", "verdict_for"]

VERDICTS = {
    "on_time": "every episode is on time with high confidence (P(any miss) upper bound ≤ 5%)",
    "at_risk": "some episode may miss its delivery (P(any miss) between the thresholds)",
    "late": "the season is more likely than not to miss a delivery (P(any miss) ≥ 50%)",
}


def verdict_for(p_any_miss: float, upper: float) -> str:
    if upper <= 0.05:
        return "on_time"
    if p_any_miss >= 0.5:
        return "late"
    return "at_risk"


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _described(values: np.ndarray, confidence: float) -> dict[str, Any]:
    """Mean with interval over finite values; P50/P90 with intervals over all."""
    finite = values[np.isfinite(values)]
    out: dict[str, Any] = {"n": int(values.size), "censored": int(values.size - finite.size)}
    if finite.size:
        out["mean"] = mean_interval(finite, level=confidence).to_dict()
    for q in (0.5, 0.9):
        out[f"p{int(q * 100)}"] = quantile_interval(values, q, level=confidence).to_dict()
    return out


def summarize(run: Run) -> dict[str, Any]:
    """The content of ``summary.json`` (without the file checksums)."""
    model = run.model
    conf = model.confidence
    frame = run.replications_frame()
    n = run.replications
    calendar = run.scenario.calendar

    episodes = []
    for ep in model.episodes:
        rows = frame[frame["episode"] == ep.name]
        delivery = np.where(rows["delivered"], rows["delivery_h"], np.inf).astype(float)
        misses = int(rows["missed"].sum())
        episodes.append(
            {
                "id": ep.name,
                "deadline_h": ep.deadline,
                "deadline": date_at(calendar, ep.deadline).isoformat(),
                # The day the deadline falls on: 24:00 belongs to the day it ends.
                "deadline_day": (date_at(calendar, ep.deadline) - timedelta(microseconds=1))
                .date()
                .isoformat(),
                "delivery_h": _described(delivery, conf),
                "p_miss": proportion_interval(misses, n, level=conf).to_dict(),
                "shots": ep.n_shots,
            }
        )

    by_rep = frame.groupby("replication")
    any_miss = int(by_rep["missed"].any().sum())
    p_any = proportion_interval(any_miss, n, level=conf)
    makespan = np.array(
        [r.end_time if all(math.isfinite(d) for d in r.delivery) else math.inf for r in run.results]
    )
    totals = by_rep["cost_total"].sum().to_numpy()
    delivered_frames = frame[frame["delivered"]].groupby("replication")["frames"].sum()
    per_frame = np.array(
        [
            totals[k] / delivered_frames.get(r.replication, 0)
            if delivered_frames.get(r.replication, 0)
            else math.inf
            for k, r in enumerate(run.results)
        ]
    )
    cost = {
        "total": _described(totals, conf),
        "by_category": {
            c: mean_interval(by_rep[f"cost_{c}"].sum().to_numpy(), level=conf).to_dict()
            for c in COST_CATEGORIES
        },
        "per_episode": {
            ep.name: float(frame.loc[frame["episode"] == ep.name, "cost_total"].mean())
            for ep in model.episodes
        },
        "per_delivered_frame": _described(per_frame, conf),
    }
    resources = list(run.results[0].busy_hours) if run.results else []
    utilization = {
        key: mean_interval(
            np.array([r.utilisation(key) for r in run.results]), level=conf
        ).to_dict()
        for key in resources
    }
    defects = {
        "escaped_mean": float(by_rep["escaped_defects"].sum().mean()),
        "caught_mean": float(by_rep["caught_defects"].sum().mean()),
        "failed_shots_mean": float(by_rep["failed_shots"].sum().mean()),
        "rework_passes_mean": float(by_rep["rework_passes"].sum().mean()),
    }
    verdict = verdict_for(p_any.estimate, p_any.high)
    return {
        "kind": "run",  # what made the folder: the report picks its view by this
        "reelsim_version": run.version,
        "scenario": {"name": run.scenario.name, "sha256": run.scenario_sha256},
        "engine": run.engine,
        "engine_reason": run.engine_reason,
        "seed": run.seed,
        "replications": n,
        "confidence": conf,
        "wall_seconds": run.wall_seconds,
        "events": run.events,
        "episodes": episodes,
        "season": {
            "p_any_miss": p_any.to_dict(),
            "makespan_h": _described(makespan, conf),
        },
        "cost": cost,
        "utilization": utilization,
        "defects": defects,
        "verdict": verdict,
        "verdict_text": VERDICTS[verdict],
    }
