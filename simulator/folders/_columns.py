"""What each column of a results folder's tables is, in a planner's words, with its unit.

A table's column names are short and stable (``delivery_h``, ``p_miss:ep01``,
``cost_mean_low``); an export heads each column with what it is and its unit
("delivery (hours from season start)", "P(ep01 misses) (probability)") and gives the
spreadsheet a number format for it. A column not named here keeps its name (a ``--vary``
or ``--factor`` path such as ``pools.h100.gpus`` is the point where it appears).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COST_CATEGORIES", "Column", "column", "quantity_unit"]

PROBABILITY = "probability"
SHARE = "share of capacity"
USD = "USD"
HOURS_FROM_START = "hours from season start"
COUNT = "count"

NUMBER_FORMATS = {
    PROBABILITY: "0.0%",
    SHARE: "0.0%",
    USD: "#,##0",
    "USD per frame": "#,##0.00",
    HOURS_FROM_START: "#,##0.0",
    "hours": "#,##0.0",
    COUNT: "#,##0",
    "count per season": "#,##0.0",
}
"""The spreadsheet's number format for each unit (the value stays as written: a
probability of 0.25 is shown as 25.0%)."""


@dataclass(frozen=True)
class Column:
    """A column as exported: what it is and its unit."""

    label: str
    unit: str = ""

    @property
    def header(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def number_format(self) -> str | None:
        return NUMBER_FORMATS.get(self.unit)


COST_CATEGORIES = {
    "total": "total",
    "reserved_gpu": "reserved GPUs",
    "cloud_gpu": "cloud GPUs",
    "people": "people",
    "overtime": "overtime",
    "failed_shots": "failed shots",
    "escaped_defects": "escaped defects",
    "lateness": "lateness penalties",
    "before_now": "spent before --now",
    "mean": "mean",
    "p50": "median",
    "p90": "90th percentile",
}

_NAMED = {
    # replications.parquet
    "replication": Column("replication"),
    "episode": Column("episode"),
    "deadline_h": Column("deadline", HOURS_FROM_START),
    "delivered": Column("delivered"),
    "delivery_h": Column("delivery", HOURS_FROM_START),
    "lateness_h": Column("lateness", "hours"),
    "missed": Column("missed its deadline"),
    "shots": Column("shots", COUNT),
    "frames": Column("frames", COUNT),
    "attempts": Column("attempts", COUNT),
    "rework_passes": Column("rework passes", COUNT),
    "caught_defects": Column("caught defects", COUNT),
    "escaped_defects": Column("escaped defects", COUNT),
    "failed_shots": Column("failed shots", COUNT),
    # timeseries.parquet
    "resource": Column("resource"),
    "day": Column("day", "days from season start"),
    "busy": Column("busy, mean over the day", "units"),
    "queue": Column("queue, mean over the day", "tasks waiting"),
    # waits.parquet
    "measure": Column("measure (wait, queued_at_end, time_in_stage, time_in_system)"),
    "key": Column("pool, team, stage or pipeline"),
    "label": Column("name"),
    "count": Column("tasks, visits or shots", COUNT),
    "hours": Column("hours, in all", "hours"),
    "mean_h": Column("hours per task, visit or shot", "hours"),
    # trace.parquet
    "time_h": Column("time", HOURS_FROM_START),
    "event": Column("event"),
    "back_to": Column("stage a rework sent the shot back to"),
    "detail": Column("detail"),
    # points.parquet, configurations.parquet, samples.parquet
    "point": Column("point"),
    "scenario_sha256": Column("scenario sha256"),
    "replications": Column("replications", COUNT),
    "p_any_miss": Column("P(any episode misses)", PROBABILITY),
    "escaped_mean": Column("escaped defects per season, mean", "count per season"),
    "verdict": Column("verdict"),
    "feasible": Column("under the target risk"),
    "on_frontier": Column("on the cost–risk frontier"),
    "chosen": Column("chosen"),
    # comparison.parquet: one quantity per row, its unit in the row's "unit" column
    "quantity": Column("quantity"),
    "n": Column("replications", COUNT),
    "mean_a": Column("mean of A"),
    "mean_b": Column("mean of B"),
    "difference": Column("A − B"),
    "low": Column("A − B, interval low"),
    "high": Column("A − B, interval high"),
    "variance_reduction": Column("variance reduction by common random numbers", "times"),
    # indices.parquet
    "output": Column("output"),
    "factor": Column("input"),
    "mu_star": Column("μ*, mean absolute elementary effect", "units of the output"),
    "mu_star_conf": Column("μ* interval half-width", "units of the output"),
    "mu": Column("μ, mean elementary effect", "units of the output"),
    "sigma": Column("σ of the elementary effects", "units of the output"),
    "S1": Column("first-order index", "share of variance"),
    "S1_conf": Column("first-order index interval half-width", "share of variance"),
    "ST": Column("total-order index", "share of variance"),
    "ST_conf": Column("total-order index interval half-width", "share of variance"),
    "rank": Column("rank (1 drives the output most)"),
    "unit": Column("unit"),
}


def _base(name: str) -> Column | None:
    if name in _NAMED:
        return _NAMED[name]
    if name.startswith("cost_") and name[5:] in COST_CATEGORIES:
        return Column(f"cost, {COST_CATEGORIES[name[5:]]}", USD)
    if name.startswith("p_miss:"):
        return Column(f"P({name[7:]} misses)", PROBABILITY)
    if name.startswith("utilisation:"):
        return Column(f"utilisation of {name[12:]}, busy share of available hours", SHARE)
    if name.startswith("delivery_h:"):
        return Column(f"delivery of {name[11:]}", HOURS_FROM_START)
    return None


def column(name: str) -> Column:
    """The column ``name`` as exported; an interval's ``_low`` and ``_high`` columns are
    its base column's."""
    found = _base(name)
    if found is not None:
        return found
    for end, words in (("_low", "interval low"), ("_high", "interval high")):
        if name.endswith(end) and (base := _base(name[: -len(end)])) is not None:
            return Column(f"{base.label}, {words}", base.unit)
    return Column(name)


def quantity_unit(quantity: str) -> str:
    """The unit of one of ``compare``'s quantities (``cost_total``, ``p_miss:ep01``…)."""
    if quantity == "makespan_h":
        return HOURS_FROM_START
    if quantity in ("escaped_defects", "rework_passes"):
        return "count per season"
    return column(quantity).unit
