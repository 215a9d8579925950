"""Headline numbers of a run, each with its interval (DESIGN §4, §6 ``summary.json``).

Per episode: delivery time (mean over replications that delivered, quantiles over all,
an undelivered replication counting as +∞) and the probability of missing the deadline.
For the season: the probability that any episode misses, and the makespan. Costs: total
(mean, quantiles), by category, per episode, per delivered frame. Utilisation per pool and
team; defects caught and escaped; a verdict.

Means have bootstrap percentile intervals (every quantity here is at least zero, and so
is every bound), probabilities Wilson intervals (zero misses in n runs still has an upper
bound), quantiles distribution-free order-statistic intervals; the confidence level is
the scenario's ``run.confidence``. Every interval is a ``simulator.stats.Interval``.

The verdict reads P(any miss) against ``RISK_LIMIT``: on time when its upper bound is
under it, late when a miss is more likely than not, inconclusive when only the upper
bound is over it (the verdict says how many replications would tell), else at risk.

A summary is a ``Summary``: frozen, typed, read by attribute (``summary.season.p_any_miss
.high``). ``Summary.to_json`` is what ``summary.json`` holds (infinite bounds written as
null) and ``Summary.from_json`` reads it back; nothing else spells the file's keys.

A summary is computed from a ``SummaryColumns``: per replication, only the numbers the
summary reads, as arrays. A sweep builds one chunk by chunk from the chunk tables on
disk (``SummaryColumns.from_chunk``), so summarising a point of 10,000 replications
holds a few hundred bytes per replication, not the replications themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from simulator.calendar import date_at
from simulator.engines.replication import COST_CATEGORIES
from simulator.errors import UsageError
from simulator.files import json_safe
from simulator.model.season import EpisodeStatus, SeasonModel
from simulator.results.resource_use import ResourceColumns, WaitSummary
from simulator.results.runs import Run
from simulator.scenario.schema import Scenario
from simulator.stats import (
    Interval,
    bootstrap_mean_interval,
    proportion_interval,
    quantile_interval,
    quantile_ranks,
    replications_to_bound,
)

__all__ = [
    "RISK_LIMIT",
    "VERDICTS",
    "CostSummary",
    "DefectSummary",
    "DistributionSummary",
    "EpisodeSummary",
    "RunProvenance",
    "SeasonSummary",
    "Summary",
    "SummaryColumns",
    "Verdict",
    "summarize",
    "summarize_columns",
    "verdict_for",
]

Verdict = Literal["on_time", "inconclusive", "at_risk", "late"]

RISK_LIMIT = 0.05
"""The chance that some episode misses that a season may run and still be on time."""

VERDICTS: dict[Verdict, str] = {
    "on_time": "every episode is on time with high confidence (P(any miss) upper bound ≤ 5%)",
    "inconclusive": "too few replications to tell whether P(any miss) is under 5%",
    "at_risk": "some episode is likely to miss its delivery (P(any miss) above 5%)",
    "late": "the season is more likely than not to miss a delivery (P(any miss) ≥ 50%)",
}

_COUNTS = ("escaped_defects", "caught_defects", "failed_shots", "rework_passes")


def verdict_for(p_any_miss: float, upper: float) -> Verdict:
    if upper <= RISK_LIMIT:
        return "on_time"
    if p_any_miss >= 0.5:
        return "late"
    if p_any_miss <= RISK_LIMIT:
        return "inconclusive"
    return "at_risk"


# --- the typed summary ---------------------------------------------------------------------
#
# Each part has ``to_json`` (plain data in summary.json's layout; infinities stay floats
# until ``Summary.to_json`` makes the whole JSON-safe) and ``from_json`` (that data read
# back, null bounds as infinities).


def _intervals(data: Mapping[str, Any]) -> dict[str, Interval]:
    return {str(key): Interval.from_dict(value) for key, value in data.items()}


@dataclass(frozen=True)
class DistributionSummary:
    """A quantity over the replications: its mean over those where it is finite, and its
    median and 90th percentile over all of them (a censored one, +∞, included)."""

    n: int
    censored: int
    """Replications where the quantity is +∞ (an episode not delivered by the horizon)."""
    mean: Interval | None
    """None when no replication has a finite value."""
    p50: Interval
    p90: Interval

    @classmethod
    def of(cls, values: np.ndarray, confidence: float) -> DistributionSummary:
        finite = values[np.isfinite(values)]
        return cls(
            n=int(values.size),
            censored=int(values.size - finite.size),
            mean=bootstrap_mean_interval(finite, level=confidence) if finite.size else None,
            p50=quantile_interval(values, 0.5, level=confidence),
            p90=quantile_interval(values, 0.9, level=confidence),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "censored": self.censored}
        if self.mean is not None:
            out["mean"] = self.mean.to_dict()
        out["p50"] = self.p50.to_dict()
        out["p90"] = self.p90.to_dict()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DistributionSummary:
        mean = data.get("mean")
        return cls(
            n=int(data["n"]),
            censored=int(data["censored"]),
            mean=None if mean is None else Interval.from_dict(mean),
            p50=_quantile_from_json(data["p50"], 0.5),
            p90=_quantile_from_json(data["p90"], 0.9),
        )


def _quantile_from_json(data: Mapping[str, Any], q: float) -> Interval:
    # A null low bound is −∞ when the sample was too small to bound that side, else the
    # order statistic that bounds it was censored: +∞.
    ranked = quantile_ranks(int(data["n"]), q, level=float(data["level"]))[0] >= 1
    return Interval.from_dict(data, null_low=math.inf if ranked else -math.inf)


@dataclass(frozen=True)
class EpisodeSummary:
    id: str
    """The episode's name in the scenario."""
    deadline_h: float
    """Hours from the season start."""
    deadline: datetime
    shots: int
    delivery_h: DistributionSummary
    """Delivery time in hours from the season start; +∞ when not delivered."""
    p_miss: Interval
    """Probability of missing the deadline (late or not delivered)."""
    delivered_before: bool = False
    """Delivered before the run started (a run from a status): not simulated."""

    @property
    def deadline_day(self) -> date:
        """The day the deadline falls on: 24:00 belongs to the day it ends."""
        return (self.deadline - timedelta(microseconds=1)).date()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deadline_h": self.deadline_h,
            "deadline": self.deadline.isoformat(),
            "deadline_day": self.deadline_day.isoformat(),
            "delivery_h": self.delivery_h.to_json(),
            "p_miss": self.p_miss.to_dict(),
            "shots": self.shots,
            "delivered_before": self.delivered_before,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EpisodeSummary:
        return cls(
            id=str(data["id"]),
            deadline_h=float(data["deadline_h"]),
            deadline=datetime.fromisoformat(data["deadline"]),
            shots=int(data["shots"]),
            delivery_h=DistributionSummary.from_json(data["delivery_h"]),
            p_miss=Interval.from_dict(data["p_miss"]),
            delivered_before=bool(data.get("delivered_before", False)),
        )


@dataclass(frozen=True)
class SeasonSummary:
    p_any_miss: Interval
    """Probability that at least one episode misses its deadline."""
    makespan_h: DistributionSummary
    """When the last work ended, in hours; +∞ when some episode was not delivered."""

    def to_json(self) -> dict[str, Any]:
        return {"p_any_miss": self.p_any_miss.to_dict(), "makespan_h": self.makespan_h.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeasonSummary:
        return cls(
            p_any_miss=Interval.from_dict(data["p_any_miss"]),
            makespan_h=DistributionSummary.from_json(data["makespan_h"]),
        )


@dataclass(frozen=True)
class CostSummary:
    total: DistributionSummary
    """The season's cost."""
    by_category: dict[str, Interval]
    """Mean season cost per category (``COST_CATEGORIES``, in that order)."""
    per_episode: dict[str, float]
    """Mean cost of each episode, by name."""
    per_delivered_frame: DistributionSummary
    """The season's cost over its delivered frames; +∞ when none was delivered."""

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total.to_json(),
            "by_category": {k: v.to_dict() for k, v in self.by_category.items()},
            "per_episode": dict(self.per_episode),
            "per_delivered_frame": self.per_delivered_frame.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostSummary:
        return cls(
            total=DistributionSummary.from_json(data["total"]),
            by_category=_intervals(data["by_category"]),
            per_episode={str(k): float(v) for k, v in data["per_episode"].items()},
            per_delivered_frame=DistributionSummary.from_json(data["per_delivered_frame"]),
        )


@dataclass(frozen=True)
class DefectSummary:
    """Season totals, mean over the replications."""

    escaped: Interval
    """Defects that reached delivery uncaught."""
    caught_mean: float
    failed_shots_mean: float
    """Shots whose attempts ran out."""
    rework_passes_mean: float

    def to_json(self) -> dict[str, Any]:
        return {
            "escaped_mean": self.escaped.estimate,
            "escaped": self.escaped.to_dict(),
            "caught_mean": self.caught_mean,
            "failed_shots_mean": self.failed_shots_mean,
            "rework_passes_mean": self.rework_passes_mean,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DefectSummary:
        return cls(
            escaped=Interval.from_dict(data["escaped"]),
            caught_mean=float(data["caught_mean"]),
            failed_shots_mean=float(data["failed_shots_mean"]),
            rework_passes_mean=float(data["rework_passes_mean"]),
        )


@dataclass(frozen=True)
class RunProvenance:
    """How a run was made, beyond what fixes its numbers. A sweep point's summary has none:
    its numbers depend on its chunks alone, whenever and wherever they were computed."""

    reelsim_version: str
    engine_reason: str
    """Why the engine was chosen (``--engine auto``)."""
    wall_seconds: float


@dataclass(frozen=True)
class Summary:
    """The headline numbers of a run or of a sweep point, each with its interval."""

    scenario_name: str
    scenario_sha256: str
    engine: str
    seed: int
    replications: int
    confidence: float
    """The level of every interval."""
    events: int
    """Events simulated, over all replications."""
    episodes: tuple[EpisodeSummary, ...]
    """In the scenario's order."""
    season: SeasonSummary
    cost: CostSummary
    utilisation: dict[str, Interval]
    """Per pool and team (``pool:NAME``, ``team:NAME``): the busy share of available hours
    over the run, mean over the replications (``simulator.results.resource_use``)."""
    paid_utilisation: dict[str, Interval]
    """Per pool and team: the busy share of paid hours to the season end (a cloud pool's
    billed lease unit-hours)."""
    waits: WaitSummary | None
    """None in a folder written before waits were summarised."""
    defects: DefectSummary
    verdict: Verdict
    run: RunProvenance | None = None
    """Set for a run, None for a sweep point."""
    labels: dict[str, str] = field(default_factory=dict)
    """What people call each pool, team, stage and show (``pool:NAME``, ``team:NAME``,
    ``stage:NAME``, ``show:NAME``): the scenario's ``label``, or the name."""

    @property
    def verdict_text(self) -> str:
        """The verdict in words; an inconclusive one says how many replications would tell
        if the share of seasons with a miss stayed as it is."""
        if self.verdict != "inconclusive":
            return VERDICTS[self.verdict]
        p = self.season.p_any_miss.estimate
        needed = replications_to_bound(p, RISK_LIMIT, level=self.confidence)
        if needed is None:
            return "inconclusive: P(any miss) is too close to 5% for replications to tell"
        return f"inconclusive — run at least {needed:,} replications"

    def label(self, key: str) -> str:
        """What people call a resource, stage or show by its key (``pool:h100``)."""
        return self.labels.get(key) or key.partition(":")[2] or key

    def to_json(self) -> dict[str, Any]:
        """The content of ``summary.json`` (without the files' checksums), JSON-safe: an
        infinite bound is null."""
        out: dict[str, Any] = {}
        if self.run is not None:
            out["kind"] = "run"  # what made the folder: the report picks its view by this
            out["reelsim_version"] = self.run.reelsim_version
        out["scenario"] = {"name": self.scenario_name, "sha256": self.scenario_sha256}
        out["engine"] = self.engine
        if self.run is not None:
            out["engine_reason"] = self.run.engine_reason
        out["seed"] = self.seed
        if self.run is not None:
            out["wall_seconds"] = self.run.wall_seconds
        out.update(
            replications=self.replications,
            confidence=self.confidence,
            events=self.events,
            episodes=[ep.to_json() for ep in self.episodes],
            season=self.season.to_json(),
            cost=self.cost.to_json(),
            utilisation={k: v.to_dict() for k, v in self.utilisation.items()},
            paid_utilisation={k: v.to_dict() for k, v in self.paid_utilisation.items()},
            waits=None if self.waits is None else self.waits.to_json(),
            defects=self.defects.to_json(),
            verdict=self.verdict,
            verdict_text=self.verdict_text,
            labels=dict(self.labels),
        )
        safe: dict[str, Any] = json_safe(out)
        return safe

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """A summary from what ``to_json`` wrote (other keys, such as a folder's ``files``,
        are left alone). Raises ``ValueError`` naming what is missing or malformed."""
        try:
            verdict = data["verdict"]
            if verdict not in get_args(Verdict):
                raise ValueError(f"verdict {verdict!r} is none of {list(VERDICTS)}")
            run = None
            if "reelsim_version" in data:
                run = RunProvenance(
                    reelsim_version=str(data["reelsim_version"]),
                    engine_reason=str(data["engine_reason"]),
                    wall_seconds=float(data["wall_seconds"]),
                )
            return cls(
                scenario_name=str(data["scenario"]["name"]),
                scenario_sha256=str(data["scenario"]["sha256"]),
                engine=str(data["engine"]),
                seed=int(data["seed"]),
                replications=int(data["replications"]),
                confidence=float(data["confidence"]),
                events=int(data["events"]),
                episodes=tuple(EpisodeSummary.from_json(ep) for ep in data["episodes"]),
                season=SeasonSummary.from_json(data["season"]),
                cost=CostSummary.from_json(data["cost"]),
                utilisation=_intervals(data["utilisation"]),
                paid_utilisation=_intervals(data.get("paid_utilisation", {})),
                waits=WaitSummary.from_json(data["waits"]) if "waits" in data else None,
                defects=DefectSummary.from_json(data["defects"]),
                verdict=verdict,
                run=run,
                labels={str(k): str(v) for k, v in data.get("labels", {}).items()},
            )
        except KeyError as error:
            raise ValueError(f"not a summary reelsim wrote: it lacks {error}") from None
        except (TypeError, AttributeError, OverflowError) as error:
            raise ValueError(f"not a summary reelsim wrote: {error}") from None


# --- from replications ---------------------------------------------------------------------


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
    resources: ResourceColumns
    """Per resource key: busy, available and paid unit-hours, waits; shots through."""

    @property
    def replications(self) -> int:
        return int(self.delivery.shape[0])

    @staticmethod
    def chunk_columns(model: SeasonModel) -> list[str]:
        """The columns of a chunk table that ``from_chunk`` reads."""
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
            *ResourceColumns.chunk_columns(model),
        ]

    @classmethod
    def from_chunk(cls, model: SeasonModel, frame: pd.DataFrame) -> SummaryColumns:
        """From a chunk table (``simulator.results.chunks.chunk_frame``): one row per
        (replication, episode), episodes in the model's order."""
        per_episode = model.n_episodes
        n = len(frame) // per_episode
        names = [ep.name for ep in model.episodes]
        if n * per_episode != len(frame) or list(frame["episode"].iloc[:per_episode]) != names:
            raise UsageError(
                "a chunk's rows do not match its scenario's episodes; use a fresh folder"
            )
        resources = ResourceColumns.from_chunk(model, frame)  # checks the chunk's columns

        def grid(column: str) -> np.ndarray:
            return frame[column].to_numpy(float).reshape(n, per_episode)

        def first(column: str) -> np.ndarray:
            return frame[column].to_numpy(float)[::per_episode]

        delivered = frame["delivered"].to_numpy(bool).reshape(n, per_episode)
        episode_cost = grid("cost_total")
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
            resources=resources,
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
            resources=ResourceColumns.concat([p.resources for p in parts]),
        )


def summarize_columns(
    model: SeasonModel,
    scenario: Scenario,
    scenario_sha256: str,
    engine: str,
    columns: SummaryColumns,
) -> Summary:
    """The summary of ``columns``, replications of ``model`` (compiled from ``scenario``)
    on ``engine``; no run provenance (``summarize`` adds a run's)."""
    conf = model.confidence
    n = columns.replications
    use = columns.resources
    episodes = tuple(
        EpisodeSummary(
            id=ep.name,
            deadline_h=ep.deadline,
            deadline=date_at(scenario.calendar, ep.deadline),
            shots=ep.n_shots,
            delivery_h=DistributionSummary.of(columns.delivery[:, ep.index], conf),
            p_miss=proportion_interval(int(columns.missed[:, ep.index].sum()), n, level=conf),
            delivered_before=model.start is not None
            and model.start.episode_status[ep.index] == EpisodeStatus.DELIVERED,
        )
        for ep in model.episodes
    )
    p_any = proportion_interval(int(columns.missed.any(axis=1).sum()), n, level=conf)
    # The makespan is defined when every episode was delivered (else censored: +∞).
    makespan = np.where(np.isfinite(columns.delivery).all(axis=1), columns.end, np.inf)
    frames = columns.delivered_frames
    per_frame = np.divide(columns.total_cost, frames, out=np.full(n, np.inf), where=frames > 0)
    cost = CostSummary(
        total=DistributionSummary.of(columns.total_cost, conf),
        by_category={
            c: bootstrap_mean_interval(columns.cost[c], level=conf) for c in COST_CATEGORIES
        },
        per_episode={
            ep.name: float(columns.episode_cost[:, ep.index].mean()) for ep in model.episodes
        },
        per_delivered_frame=DistributionSummary.of(per_frame, conf),
    )
    counts = columns.counts
    defects = DefectSummary(
        escaped=bootstrap_mean_interval(counts["escaped_defects"], level=conf),
        caught_mean=float(counts["caught_defects"].mean()),
        failed_shots_mean=float(counts["failed_shots"].mean()),
        rework_passes_mean=float(counts["rework_passes"].mean()),
    )
    return Summary(
        scenario_name=scenario.name,
        scenario_sha256=scenario_sha256,
        engine=engine,
        seed=model.seed,
        replications=n,
        confidence=conf,
        events=int(columns.events.sum()),
        episodes=episodes,
        season=SeasonSummary(p_any, DistributionSummary.of(makespan, conf)),
        cost=cost,
        utilisation={
            key: bootstrap_mean_interval(use.utilisation(key), level=conf) for key in use.resources
        },
        paid_utilisation={
            key: bootstrap_mean_interval(use.paid_utilisation(key), level=conf)
            for key in use.resources
        },
        waits=use.waits(conf),
        defects=defects,
        verdict=verdict_for(p_any.estimate, p_any.high),
        labels=model.labels(),
    )


def summarize(run: Run) -> Summary:
    """A run's summary, with its provenance."""
    from simulator.results.chunks import chunk_frame

    columns = SummaryColumns.from_chunk(run.model, chunk_frame(run.model, run.results))
    summary = summarize_columns(run.model, run.scenario, run.scenario_sha256, run.engine, columns)
    return replace(summary, run=RunProvenance(run.version, run.engine_reason, run.wall_seconds))
