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
mean hours each waited, and the hours waited so far by tasks *still queued when the run
ended* — work not started at the horizon, which the waits of started tasks leave out. It is
the queue's area less the waits of the started tasks (Little's law: the area is every
queued task's time in the queue). **Time in system**: a shot's hours from its release to
the end of the pipeline, over the shots that got through.

Each is a mean over the replications with its bootstrap interval (which stays inside the
values' range, so never below zero). ``waits.parquet`` holds the same per replication
(``waits_frame``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.engines.replication import ReplicationResult, waited_at_end
from simulator.model.resources import resource_labels
from simulator.model.season import SeasonModel
from simulator.stats import Interval, bootstrap_mean_interval

__all__ = [
    "PIPELINE",
    "WAIT_MEASURES",
    "ResourceColumns",
    "ResourceWaits",
    "WaitSummary",
    "waits_frame",
]

PIPELINE = "pipeline"
"""The key of the time-in-system rows of ``waits.parquet``: the shots through the pipeline."""

WAIT_MEASURES = {
    "wait": "tasks started from the queue: how many, hours waited",
    "queued_at_end": "tasks still queued when the run ended: hours waited so far",
    "time_in_system": "shots through the pipeline: how many, hours from release to through",
}
"""The ``measure`` column of ``waits.parquet``, in words."""


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.divide(top, bottom, out=np.zeros(top.size), where=bottom > 0)


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

    @staticmethod
    def chunk_columns(model: SeasonModel) -> list[str]:
        from simulator.results.chunks import CHUNK_RESOURCE_COLUMNS

        keys = resource_labels(model)
        per_key = [f"{name}:{key}" for key in keys for name in CHUNK_RESOURCE_COLUMNS]
        return [*per_key, "through_n", "through_h"]

    @classmethod
    def from_chunk(cls, model: SeasonModel, frame: pd.DataFrame) -> ResourceColumns:
        """From a chunk table, one row per (replication, episode)."""
        from simulator.results.chunks import CHUNK_RESOURCE_COLUMNS, check_chunk_columns

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
        )

    @classmethod
    def concat(cls, parts: Sequence[ResourceColumns]) -> ResourceColumns:
        first = parts[0]
        return cls(
            resources={
                key: {
                    name: np.concatenate([p.resources[key][name] for p in parts])
                    for name in columns
                }
                for key, columns in first.resources.items()
            },
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
            )
        n, hours = self.through
        in_system = np.divide(hours, n, out=np.full(n.size, np.nan), where=n > 0)
        return WaitSummary(per_resource, float(n.mean()), _mean(in_system, conf))


@dataclass(frozen=True)
class ResourceWaits:
    """The waits at one resource's queue, means over the replications."""

    tasks_started: float
    """Tasks started from the queue, per replication."""
    mean_wait_h: Interval | None
    """Hours a started task waited (each replication's mean); None when none started."""
    waited_at_end_h: Interval
    """Hours waited so far by the tasks still queued when the run ended, per replication."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tasks_started": self.tasks_started}
        out["mean_wait_h"] = None if self.mean_wait_h is None else self.mean_wait_h.to_dict()
        out["waited_at_end_h"] = self.waited_at_end_h.to_dict()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceWaits:
        mean = data.get("mean_wait_h")
        return cls(
            tasks_started=float(data["tasks_started"]),
            mean_wait_h=None if mean is None else Interval.from_dict(mean),
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

    def to_json(self) -> dict[str, Any]:
        return {
            "resources": {key: w.to_json() for key, w in self.resources.items()},
            "shots_through": self.shots_through,
            "time_in_system_h": None
            if self.time_in_system_h is None
            else self.time_in_system_h.to_dict(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WaitSummary:
        in_system = data.get("time_in_system_h")
        return cls(
            resources={
                str(key): ResourceWaits.from_json(w) for key, w in data["resources"].items()
            },
            shots_through=float(data["shots_through"]),
            time_in_system_h=None if in_system is None else Interval.from_dict(in_system),
        )


def waits_frame(model: SeasonModel, results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """The table of ``waits.parquet``: per replication, one row per resource and measure
    (``wait``, ``queued_at_end``) and one ``time_in_system`` row for the pipeline: ``count``
    (tasks or shots; empty for ``queued_at_end``, which counts hours only), ``hours`` (in
    all) and ``mean_h`` (per task or shot; empty when the count is 0)."""
    keys = resource_labels(model)
    labels = model.labels()
    rows: list[tuple[Any, ...]] = []

    def row(rep: int, measure: str, key: str, count: float, hours: float) -> None:
        mean = hours / count if count > 0 else math.nan
        rows.append((rep, measure, key, labels.get(key) or key, count, hours, mean))

    for r in results:
        for key in keys:
            started, hours = r.waits.get(key, (0, 0.0))
            row(r.replication, "wait", key, float(started), hours)
            row(r.replication, "queued_at_end", key, math.nan, r.waited_at_end(key))
        row(r.replication, "time_in_system", PIPELINE, float(r.flow[0]), r.flow[1])
    return pd.DataFrame(
        rows, columns=["replication", "measure", "resource", "label", "count", "hours", "mean_h"]
    )
