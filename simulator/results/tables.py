"""Replications as tables: ``replications_frame`` lays a list of ``ReplicationResult``s out as
the tidy table of ``replications.parquet``, one row per (replication, episode)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.model.season import SeasonModel

__all__ = ["replications_frame"]


def replications_frame(model: SeasonModel, results: Sequence[ReplicationResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        for ep in model.episodes:
            e = ep.index
            delivered = not math.isnan(r.delivery[e])
            row: dict[str, object] = {
                "replication": r.replication,
                "episode": ep.name,
                "deadline_h": ep.deadline,
                "delivered": delivered,
                "delivery_h": r.delivery[e],
                "lateness_h": r.lateness_hours[e],
                "missed": (not delivered) or r.delivery[e] > ep.deadline,
            }
            for category in COST_CATEGORIES:
                row[f"cost_{category}"] = r.cost[category][e]
            row["cost_total"] = math.fsum(r.cost[c][e] for c in COST_CATEGORIES)
            row.update(
                shots=r.shots[e],
                frames=r.frames[e],
                attempts=r.attempts[e],
                rework_passes=r.reworks[e],
                caught_defects=r.caught[e],
                escaped_defects=r.escaped[e],
                failed_shots=r.failed[e],
            )
            rows.append(row)
    return pd.DataFrame(rows)
