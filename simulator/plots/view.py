"""What a run's plots draw from: a ``RunView``, the results folder's tidy tables
(``replications.parquet``, ``timeseries.parquet``) plus the marks the season model knows
(picture locks, deadlines, GPUs and shifts, the calendar's start). So the same functions
draw a ``Run`` just simulated (``RunView.of_run``), a results folder read back later (the
report builds the view from the files) and a notebook's run; a plot function accepts a
``Run`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from simulator.model.season import PoolModel, SeasonModel, TeamModel
    from simulator.results.runs import Run

__all__ = ["EpisodeMark", "RunView", "view_of"]


@dataclass(frozen=True)
class EpisodeMark:
    """An episode as the plots mark it: hours from the season start."""

    name: str
    deadline_h: float
    lock_h: float | None = None


@dataclass(frozen=True)
class RunView:
    """What the run plots draw from: a run's tables and the marks of its season."""

    name: str
    replications: pd.DataFrame
    """One row per (replication, episode): ``replications.parquet``."""
    timeseries: pd.DataFrame
    """One row per (replication, resource, day): ``timeseries.parquet``."""
    episodes: tuple[EpisodeMark, ...]
    start: date | None = None
    """The calendar's first day: time axes show dates; without it, days from the start."""
    capacity: Mapping[str, tuple[tuple[float, int], ...]] = field(default_factory=dict)
    """Per resource (``pool:NAME``, ``team:NAME``): units as steps ``(t_h, units)`` — a
    pool's GPUs, a team's people on shift."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Per resource: what it is, in a few words ("16 reserved GPUs at 2.08 USD/h")."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Per resource: what people call it (the scenario's ``label``, or its name)."""
    time_zone: str = "UTC"
    """The calendar's zone: dates on time axes are dates there."""

    @property
    def n_replications(self) -> int:
        return int(self.replications["replication"].nunique()) if len(self.replications) else 0

    @classmethod
    def of_run(cls, run: Run) -> RunView:
        return cls.build(
            run.scenario.name,
            run.replications_frame(),
            run.timeseries_frame(),
            model=run.model,
            start=run.scenario.calendar.start,
            time_zone=run.scenario.calendar.time_zone,
        )

    @classmethod
    def build(
        cls,
        name: str,
        replications: pd.DataFrame,
        timeseries: pd.DataFrame,
        *,
        model: SeasonModel | None = None,
        start: date | None = None,
        time_zone: str = "UTC",
    ) -> RunView:
        """A view of the tables; ``model`` adds picture locks, GPUs and shifts."""
        if model is not None:
            episodes = tuple(EpisodeMark(ep.name, ep.deadline, ep.lock) for ep in model.episodes)
            capacity: dict[str, tuple[tuple[float, int], ...]] = {
                f"pool:{p.name}": ((0.0, p.gpus),) for p in model.pools
            }
            capacity.update({f"team:{t.name}": t.headcount for t in model.teams})
            labels = {f"pool:{p.name}": _pool_label(p) for p in model.pools}
            labels.update({f"team:{t.name}": _team_label(t) for t in model.teams})
            names = model.labels()
        else:
            firsts = replications.drop_duplicates("episode")
            episodes = tuple(
                EpisodeMark(str(e), float(d))
                for e, d in zip(firsts["episode"], firsts["deadline_h"], strict=True)
            )
            capacity, labels, names = {}, {}, {}
        return cls(
            name, replications, timeseries, episodes, start, capacity, labels, names, time_zone
        )


def _pool_label(pool: PoolModel) -> str:
    kind = {0: "reserved", 1: "on-demand", 2: "spot"}[int(pool.kind)]
    amount = f"up to {pool.gpus}" if pool.cloud else f"{pool.gpus}"
    return f"{amount} {kind} GPUs at {pool.price_per_gpu_hour:,.2f} USD per GPU-hour"


def _team_label(team: TeamModel) -> str:
    return f"up to {team.max_people} on shift at {team.hourly_rate:,.0f} USD per hour"


def view_of(data: Run | RunView) -> RunView:
    return data if isinstance(data, RunView) else RunView.of_run(data)
