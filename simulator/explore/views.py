"""What the page shows of a configuration, every figure already in words.

The numbers come from the library's own results (a sweep point's ``Summary`` for the plan
the session started from, a ``Comparison`` for every change) and are said by
``simulator.report.words``, as the terminal and the report say them: percents with their
interval, dates and days against the deadline, money with separators. Each paired
difference also carries its raw numbers (``value``, ``low``, ``high``), so that a test or a
script reads exactly what ``compare`` computed.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.model.season import SeasonModel
from simulator.planning import Comparison
from simulator.plots.planning import difference_group
from simulator.report.words import (
    DIFFERENCES,
    SeasonCalendar,
    count,
    episode_rows,
    level_format,
    money,
    percent,
    quantity_name,
    utilisation_rows,
    verdict_line,
    waits_rows,
    with_interval,
)
from simulator.results.summary import Summary

__all__ = ["comparison_rows", "glance", "headline", "summary_view"]


def _per_frame(x: float | None) -> str:
    return money(x, 2)


def summary_view(summary: Summary, calendar: SeasonCalendar) -> dict[str, Any]:
    """One configuration's own numbers: verdict, headline, episodes, cost, resources."""
    episodes = episode_rows(summary, calendar)
    cost = [
        [category.replace("_", " "), with_interval(interval, money)]
        for category, interval in summary.cost.by_category.items()
        if round(interval.estimate) != 0
    ]
    cost.append(
        ["per delivered frame", with_interval(summary.cost.per_delivered_frame.mean, _per_frame)]
    )
    waits = waits_rows(summary)
    return {
        "replications": summary.replications,
        "verdict": verdict_line(summary),
        "verdict_word": summary.verdict,
        "headline": headline(summary),
        "episodes": episodes,
        "cost": cost,
        "utilisation": utilisation_rows(summary),
        "waits": waits,
    }


def headline(summary: Summary) -> list[list[str]]:
    """The few numbers a history line shows: P(any miss), season cost, cost per frame,
    escaped defects (each as ``[what, value (interval)]``)."""
    return [
        ["P(any miss)", with_interval(summary.season.p_any_miss, percent)],
        ["season cost", with_interval(summary.cost.total.mean, money)],
        [
            "cost per delivered frame",
            with_interval(summary.cost.per_delivered_frame.mean, _per_frame),
        ],
        ["escaped defects", with_interval(summary.defects.escaped, count)],
    ]


def comparison_rows(result: Comparison, calendar: SeasonCalendar) -> list[dict[str, Any]]:
    """The paired differences A − B as the command line's table lays them out: quantity,
    A, B, A − B with its interval, replications differing; a cost category neither side
    has is left out."""
    rows = []
    for row in result.table.to_dict(orient="records"):
        if row["quantity"].startswith("cost_") and row["mean_a"] == row["mean_b"] == 0:
            continue
        group = difference_group(row["quantity"])
        level, difference = level_format(group, calendar), DIFFERENCES[group]
        rows.append(
            {
                "quantity": row["quantity"],
                "name": quantity_name(row["quantity"]),
                "a": level(row["mean_a"]),
                "b": level(row["mean_b"]),
                "difference": f"{difference(row['difference'])} ({difference(row['low'])} – "
                f"{difference(row['high'])})",
                "differing": f"{row['differing']:,} of {row['n']:,}",
                "value": _number(row["difference"]),
                "low": _number(row["low"]),
                "high": _number(row["high"]),
            }
        )
    return rows


def _number(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def glance(model: SeasonModel, calendar: SeasonCalendar) -> dict[str, Any]:
    """The season at a glance: episodes with their locks and deadlines (and where they sit
    on the season, in percent of its length), the pipeline, the pools and the teams."""
    end = max([ep.deadline for ep in model.episodes] + [model.season_end, 1.0])
    episodes = [
        {
            "name": ep.name,
            "lock": calendar.day(ep.lock),
            "deadline": calendar.moment(ep.deadline, deadline=True),
            "shots": ep.n_shots,
            "from": round(100.0 * ep.lock / end, 2),
            "to": round(100.0 * ep.deadline / end, 2),
        }
        for ep in model.episodes
    ]
    stages = [st.label or st.name for st in (*model.shot_stages, *model.episode_stages)]
    pools = [
        f"{p.label or p.name}: {p.gpus} {'cloud max' if p.cloud else 'reserved'} GPUs"
        for p in model.pools
    ]
    teams = [f"{t.label or t.name}: up to {t.max_people} people" for t in model.teams]
    return {"episodes": episodes, "stages": stages, "pools": pools, "teams": teams}
