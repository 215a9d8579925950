"""How the pools and teams were used, told so that it cannot be misread.

**Two utilisations, two denominators.** A run ends at the last delivery (or the horizon),
but reserved GPUs and people are paid to the season end (DESIGN §1b "Costs at the end"). So
each resource has

* ``utilisation``: the busy share of available hours over the run — busy unit-hours over
  the unit-hours available in [now, end of run]; a cloud pool at its maximum units;
* ``paid_utilisation``: the busy share of paid hours to the season end — busy unit-hours
  over the unit-hours paid for: a reserved pool's GPUs and a team's scheduled person-hours
  (plus its overtime) over [now, max(end of run, season end)], a cloud pool's billed lease
  unit-hours (its billed cost over its price per GPU-hour: leases as billed, with their
  minimum and increments).

**Waits.** Per resource (a task's first option): the tasks started from its queue, the
mean hours each waited, and the tasks *still queued when the run ended* with the hours they
had waited so far — work not started at the horizon, which the waits of started tasks leave
out. Those hours are the queue's area less the waits of the started tasks (Little's law:
the area is every queued task's time in the queue). **Time in system**: a shot's hours from
its release to the end of the pipeline, over the shots that got through.

**Per stage** (the shot stages, their fallbacks, the episode stages): the same waits, and
the *time in the stage* of each visit whose service ended — from its arrival at the
stage's queue to the end of its service (one task is one visit: an attempt of a GPU stage,
a review, a fallback, an episode stage; a restart after an interruption stays in the same
visit). A visit still in service when the run ended is in neither mean; a task still
queued is counted, with the hours it had waited, apart from the mean wait.

Each is a mean over the replications with its bootstrap interval (which stays inside the
values' range, so never below zero). ``waits.parquet`` holds the same per replication
(``waits_frame``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.engines.replication import ReplicationResult, waited_at_end
from simulator.engines.trace import stage_keys, stages
from simulator.model.resources import resource_labels
from simulator.model.season import SeasonModel
from simulator.stats import Interval, bootstrap_mean_interval

__all__ = [
    "PIPELINE",
    "WAIT_MEASURES",
    "ResourceColumns",
    "ResourceWaits",
    "StageTimes",
    "WaitSummary",
    "waits_frame",
]

PIPELINE = "pipeline"
"""The key of the time-in-system rows of ``waits.parquet``: the shots through the pipeline."""

WAIT_MEASURES = {
    "wait": "tasks started from the queue: how many, hours waited",
    "queued_at_end": "tasks still queued when the run ended: how many, hours waited so far",
    "time_in_stage": "visits of a stage whose service ended: how many, hours from arrival "
    "at its queue to the end of service",
    "time_in_system": "shots through the pipeline: how many, hours from release to through",
}
"""The ``measure`` column of ``waits.parquet``, in words."""


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.divide(top, bottom, out=np.zeros(top.size), where=bottom > 0)


def _per(hours: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Hours per task, per replication; NaN where there was none."""
    return np.divide(hours, count, out=np.full(count.size, np.nan), where=count > 0)


def _mean(values: np.ndarray, conf: float) -> Interval | None:
    """The mean of the finite values with its interval; None when there is none."""
    finite = values[np.isfinite(values)]
    return bootstrap_mean_interval(finite, level=conf) if finite.size else None


@dataclass(frozen=True)
class ResourceColumns:
    """Per replication (rows, in replication order), the resource columns a summary reads
    from chunk tables (``simulator.results.chunks``)."""

    resources: dict[str, dict[str, np.ndarray]]
    """Per resource key, per chunk column name (``busy_h``, ``paid_h``…): its values."""
    through: tuple[np.ndarray, np.ndarray]
    """Shots through the pipeline and their hours in the system."""
    stages: dict[str, dict[str, np.ndarray]]
    """Per stage key, per chunk column name (``visit_n``, ``queued_h``…): its values."""

    @staticmethod
    def chunk_columns(model: SeasonModel) -> list[str]:
        from simulator.results.chunks import CHUNK_RESOURCE_COLUMNS, CHUNK_STAGE_COLUMNS

        keys = resource_labels(model)
        per_key = [f"{name}:{key}" for key in keys for name in CHUNK_RESOURCE_COLUMNS]
        per_stage = [f"{name}:{key}" for key in stage_keys(model) for name in CHUNK_STAGE_COLUMNS]
        return [*per_key, *per_stage, "through_n", "through_h"]

    @classmethod
    def from_chunk(cls, model: SeasonModel, frame: pd.DataFrame) -> ResourceColumns:
        """From a chunk table, one row per (replication, episode)."""
        from simulator.results.chunks import (
            CHUNK_RESOURCE_COLUMNS,
            CHUNK_STAGE_COLUMNS,
            check_chunk_columns,
        )

        check_chunk_columns(model, frame)
        step = model.n_episodes

        def first(column: str) -> np.ndarray:
            return frame[column].to_numpy(float)[::step]

        return cls(
            resources={
                key: {name: first(f"{name}:{key}") for name in CHUNK_RESOURCE_COLUMNS}
                for key in resource_labels(model)
            },
            through=(first("through_n"), first("through_h")),
            stages={
                key: {name: first(f"{name}:{key}") for name in CHUNK_STAGE_COLUMNS}
                for key in stage_keys(model)
            },
        )

    @classmethod
    def concat(cls, parts: Sequence[ResourceColumns]) -> ResourceColumns:
        def join(tables: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, Any]]:
            return {
                key: {name: np.concatenate([t[key][name] for t in tables]) for name in columns}
                for key, columns in tables[0].items()
            }

        return cls(
            resources=join([p.resources for p in parts]),
            stages=join([p.stages for p in parts]),
            through=(
                np.concatenate([p.through[0] for p in parts]),
                np.concatenate([p.through[1] for p in parts]),
            ),
        )

    def utilisation(self, key: str) -> np.ndarray:
        """Busy share of available hours over the run, per replication."""
        use = self.resources[key]
        return _ratio(use["busy_h"], use["available_h"])

    def paid_utilisation(self, key: str) -> np.ndarray:
        """Busy share of paid hours to the season end, per replication."""
        use = self.resources[key]
        return _ratio(use["busy_h"], use["paid_h"])

    def waits(self, conf: float) -> WaitSummary:
        """Waits per resource and the shots' time in system, with their intervals."""
        per_resource = {}
        for key, use in self.resources.items():
            started, hours = use["waits_n"], use["waits_h"]
            mean_wait = np.divide(
                hours, started, out=np.full(started.size, np.nan), where=started > 0
            )
            at_end = waited_at_end(use["queue_h"], hours)
            per_resource[key] = ResourceWaits(
                tasks_started=float(started.mean()),
                mean_wait_h=_mean(mean_wait, conf),
                waited_at_end_h=bootstrap_mean_interval(at_end, level=conf),
                queued_at_end=bootstrap_mean_interval(use["queued_n"], level=conf),
            )
        n, hours = self.through
        in_system = _per(hours, n)
        per_stage = {key: StageTimes.of(use, conf) for key, use in self.stages.items()}
        return WaitSummary(per_resource, float(n.mean()), _mean(in_system, conf), per_stage)


@dataclass(frozen=True)
class ResourceWaits:
    """The waits at one resource's queue, means over the replications."""

    tasks_started: float
    """Tasks started from the queue, per replication."""
    mean_wait_h: Interval | None
    """Hours a started task waited (each replication's mean); None when none started."""
    waited_at_end_h: Interval
    """Hours waited so far by the tasks still queued when the run ended, per replication."""
    queued_at_end: Interval | None = None
    """Tasks still queued when the run ended, per replication (None in a folder written
    before they were counted)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tasks_started": self.tasks_started}
        out["mean_wait_h"] = _dict(self.mean_wait_h)
        out["waited_at_end_h"] = self.waited_at_end_h.to_dict()
        out["queued_at_end"] = _dict(self.queued_at_end)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceWaits:
        return cls(
            tasks_started=float(data["tasks_started"]),
            mean_wait_h=_interval(data.get("mean_wait_h")),
            waited_at_end_h=Interval.from_dict(data["waited_at_end_h"]),
            queued_at_end=_interval(data.get("queued_at_end")),
        )


def _dict(interval: Interval | None) -> dict[str, Any] | None:
    return None if interval is None else interval.to_dict()


def _interval(data: Mapping[str, Any] | None) -> Interval | None:
    return None if data is None else Interval.from_dict(data)


@dataclass(frozen=True)
class StageTimes:
    """The waits and times in one stage, over the replications (see the module docstring)."""

    tasks_started: float
    """Tasks started from the stage's queue, per replication."""
    mean_wait_h: Interval | None
    """Hours a started task waited (each replication's mean); None when none started."""
    visits: float
    """Visits whose service ended, per replication."""
    time_in_stage_h: Interval | None
    """Hours from a visit's arrival at the stage's queue to the end of its service (each
    replication's mean over its ended visits); None when none ended."""
    queued_at_end: Interval
    """Tasks still queued when the run ended, per replication."""
    waited_at_end_h: Interval
    """Hours waited so far by those tasks, per replication."""

    @classmethod
    def of(cls, use: Mapping[str, np.ndarray], conf: float) -> StageTimes:
        """From a stage's chunk columns (``CHUNK_STAGE_COLUMNS``), per replication."""
        started, visits = use["stage_wait_n"], use["visit_n"]
        return cls(
            tasks_started=float(started.mean()),
            mean_wait_h=_mean(_per(use["stage_wait_h"], started), conf),
            visits=float(visits.mean()),
            time_in_stage_h=_mean(_per(use["visit_h"], visits), conf),
            queued_at_end=bootstrap_mean_interval(use["queued_n"], level=conf),
            waited_at_end_h=bootstrap_mean_interval(use["queued_h"], level=conf),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks_started": self.tasks_started,
            "mean_wait_h": _dict(self.mean_wait_h),
            "visits": self.visits,
            "time_in_stage_h": _dict(self.time_in_stage_h),
            "queued_at_end": self.queued_at_end.to_dict(),
            "waited_at_end_h": self.waited_at_end_h.to_dict(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageTimes:
        return cls(
            tasks_started=float(data["tasks_started"]),
            mean_wait_h=_interval(data.get("mean_wait_h")),
            visits=float(data["visits"]),
            time_in_stage_h=_interval(data.get("time_in_stage_h")),
            queued_at_end=Interval.from_dict(data["queued_at_end"]),
            waited_at_end_h=Interval.from_dict(data["waited_at_end_h"]),
        )


@dataclass(frozen=True)
class WaitSummary:
    """Waits per resource, and the shots' time in system."""

    resources: dict[str, ResourceWaits]
    shots_through: float
    """Shots through the pipeline, per replication."""
    time_in_system_h: Interval | None
    """Hours from a shot's release to the end of the pipeline (each replication's mean);
    None when no shot got through."""
    stages: dict[str, StageTimes] = field(default_factory=dict)
    """Per stage key (``stage:NAME``); empty in a folder written before stages were."""

    def to_json(self) -> dict[str, Any]:
        return {
            "resources": {key: w.to_json() for key, w in self.resources.items()},
            "shots_through": self.shots_through,
            "time_in_system_h": _dict(self.time_in_system_h),
            "stages": {key: st.to_json() for key, st in self.stages.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WaitSummary:
        return cls(
            resources={
                str(key): ResourceWaits.from_json(w) for key, w in data["resources"].items()
            },
            shots_through=float(data["shots_through"]),
            time_in_system_h=_interval(data.get("time_in_system_h")),
            stages={
                str(key): StageTimes.from_json(st) for key, st in data.get("stages", {}).items()
            },
        )


def waits_frame(model: SeasonModel, results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """The table of ``waits.parquet``: per replication, one row per resource and measure
    (``wait``, ``queued_at_end``), one row per stage and measure (``wait``,
    ``time_in_stage``, ``queued_at_end``) and one ``time_in_system`` row for the pipeline.
    ``key`` says of what (``pool:NAME``, ``team:NAME``, ``stage:NAME``, ``pipeline``),
    ``label`` how people call it; ``count`` (tasks, visits or shots), ``hours`` (in all)
    and ``mean_h`` (per task, visit or shot; empty when the count is 0)."""
    keys = resource_labels(model)
    labels = model.labels()
    in_order = zip(stage_keys(model), stages(model), strict=True)
    names = {key: st.label or st.name for key, st in in_order}
    rows: list[tuple[Any, ...]] = []

    def row(rep: int, measure: str, key: str, count: float, hours: float) -> None:
        mean = hours / count if count > 0 else math.nan
        label = labels.get(key) or names.get(key) or key
        rows.append((rep, measure, key, label, count, hours, mean))

    for r in results:
        for key in keys:
            started, hours = r.waits.get(key, (0, 0.0))
            row(r.replication, "wait", key, float(started), hours)
            queued = float(r.queued.get(key, 0))
            row(r.replication, "queued_at_end", key, queued, r.waited_at_end(key))
        for key in names:
            for measure, pairs in (
                ("wait", r.stage_waits),
                ("time_in_stage", r.stage_visits),
                ("queued_at_end", r.stage_queued),
            ):
                count, hours = pairs.get(key, (0, 0.0))
                row(r.replication, measure, key, float(count), hours)
        row(r.replication, "time_in_system", PIPELINE, float(r.flow[0]), r.flow[1])
    return pd.DataFrame(
        rows, columns=["replication", "measure", "key", "label", "count", "hours", "mean_h"]
    )
