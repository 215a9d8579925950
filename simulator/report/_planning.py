"""The report's pages of the planning folders that vary capacity: a sweep and a staffing
search.

A sweep answers "how do deadline risk and cost move as I change these settings?"; a
staffing search answers "what is the cheapest capacity whose risk stays under the
target?". Both pages open with that question in the folder's own terms (what was varied,
over which values, the target), then headline numbers with their intervals and a few
sentences that read them, then the heatmaps or the frontier, the tables and the
provenance.

The plain-language rules are fixed, as on a run's page: a configuration is "under" a risk
when the *upper* bound of its P(any miss) interval is (zero late seasons in twenty still
allows a risk of 16 %); a sweep, which has no target of its own, is read against
``SWEEP_TARGET``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from simulator.report.page import (
    Block,
    Headline,
    Page,
    Plot,
    ResultsFolder,
    Section,
    Table,
    Text,
    Verdict,
    data_uri,
    file_warnings,
    files_table,
    folder_plot,
)
from simulator.report.words import (
    PLOT_GUIDES,
    VERDICT_WORDS,
    count,
    money,
    number,
    percent,
    setting_name,
    span,
)

__all__ = ["SWEEP_TARGET", "plot_block", "settings_text", "staff_page", "sweep_page"]

SWEEP_TARGET = 0.05
"""A sweep's page names the cheapest configuration whose P(any miss) upper bound is under
this."""


# --- shared with the other planning pages ---------------------------------------------------


def plot_block(
    folder: ResultsFolder, stem: str, draw: Callable[[], Figure | None], title: str, caption: str
) -> Block:
    """The folder's own plot, or the same figure drawn afresh from its table."""
    from simulator.plots import figure_bytes

    uri = folder_plot(folder, stem)
    if uri is None:
        figure = draw()
        if figure is None:
            return Text(f"(The {title.lower()} plot cannot be drawn: its table is missing.)")
        uri = data_uri(figure_bytes(figure, "svg"), "svg")
    return Plot(title, uri, caption, alt=title)


def settings_text(values: dict[str, Any]) -> str:
    """``{"pools.h100.gpus": 2, ...}`` as "pools.h100.gpus = 2, ..."."""
    return ", ".join(f"{path} = {value}" for path, value in values.items())


def planning_provenance(
    summary: dict[str, Any], extra: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    scenario = summary.get("scenario", {})
    rows = [
        ("scenario", str(scenario.get("name", "?"))),
        ("kind", str(summary.get("kind", "?"))),
        ("reelsim version", str(summary.get("reelsim_version", "?"))),
        ("seed", str(summary.get("seed", "?"))),
        ("replications per configuration", str(summary.get("replications", "?"))),
    ]
    if "sha256" in scenario:
        rows.insert(1, ("scenario sha256", str(scenario["sha256"])))
    rows += list(extra)
    if "executor" in summary:
        rows.append(("executor", str(summary["executor"])))
    chunks = summary.get("chunks")
    if isinstance(chunks, dict):
        rows.append(
            ("chunks", f"{chunks.get('computed', 0)} computed, {chunks.get('reused', 0)} reused")
        )
    if "wall_seconds" in summary:
        rows.append(("wall time", f"{summary['wall_seconds']:.2f} s"))
    return rows


def _iv(row: Any, column: str, fmt: Callable[[float | None], str]) -> str:
    return span(float(row[f"{column}_low"]), float(row[f"{column}_high"]), fmt)


def _config(row: Any, paths: Sequence[str]) -> dict[str, Any]:
    return {path: row[path] for path in paths}


def _level(frame: pd.DataFrame | None, summary: dict[str, Any]) -> float:
    for point in summary.get("points", []):
        return float(point.get("summary", {}).get("confidence", 0.95))
    chosen = summary.get("chosen") or {}
    return float(chosen.get("p_any_miss", {}).get("level", summary.get("confidence", 0.95)))


# --- sweep ---------------------------------------------------------------------------------


def _labels(summary: dict[str, Any]) -> dict[str, str]:
    """The labels of the scenario's pools, teams, stages and shows: from a sweep point's
    summary, or the folder's own (a staffing search's)."""
    for point in summary.get("points", []):
        return dict(point.get("summary", {}).get("labels", {}))
    return {str(k): str(v) for k, v in summary.get("labels", {}).items()}


def _points_table(
    table: pd.DataFrame, paths: Sequence[str], level: float, labels: dict[str, str]
) -> Table:
    rows = []
    for values in table.itertuples(index=False):
        r = dict(zip(table.columns, values, strict=True))
        rows.append(
            [
                *(str(r[p]) for p in paths),
                percent(r["p_any_miss"]),
                _iv(r, "p_any_miss", percent),
                money(r["cost_mean"]),
                _iv(r, "cost_mean", money),
                money(r["cost_p90"]),
                count(r["escaped_mean"]),
                VERDICT_WORDS.get(str(r["verdict"]), str(r["verdict"])),
            ]
        )
    return Table(
        [
            *(setting_name(p, labels) for p in paths),
            "P(any miss)",
            f"{level:.0%} interval",
            "mean cost",
            f"{level:.0%} interval",
            "P90 cost",
            "escaped defects",
            "verdict",
        ],
        rows,
        title="Every configuration",
        numeric=[True] * len(paths) + [True] * 6 + [False],
        note="P(any miss): share of replications in which at least one episode missed its "
        "deadline (Wilson interval). Mean cost: bootstrap interval. P90: nine seasons in ten "
        "cost less.",
    )


def _sweep_reading(table: pd.DataFrame, paths: Sequence[str], level: float) -> list[str]:
    lines = []
    under = table[table["p_any_miss_high"] < SWEEP_TARGET].sort_values("cost_mean")
    if not under.empty:
        best = under.iloc[0]
        lines.append(
            f"With {settings_text(_config(best, paths))}, P(any miss) is under "
            f"{percent(SWEEP_TARGET, 0)} at the upper bound ({percent(best['p_any_miss_high'])}); "
            f"the cheapest such configuration costs {money(best['cost_mean'])} on average "
            f"({level:.0%} interval {_iv(best, 'cost_mean', money)})."
        )
    else:
        safest = table.sort_values(["p_any_miss_high", "cost_mean"]).iloc[0]
        lines.append(
            f"No configuration shows P(any miss) under {percent(SWEEP_TARGET, 0)} at its "
            f"upper bound; the safest is {settings_text(_config(safest, paths))}, at "
            f"{percent(safest['p_any_miss'])} ({_iv(safest, 'p_any_miss', percent)})."
        )
    # Each varied value's own effect: from its lowest to its highest setting, the others
    # held at their first.
    for path in paths:
        held = table
        for other in paths:
            if other != path:
                held = held[held[other] == table[other].iloc[0]]
        if held[path].nunique() < 2:
            continue
        ends = held.sort_values(path).iloc[[0, -1]]
        lo, hi = ends.iloc[0], ends.iloc[1]
        lines.append(
            f"Moving {path} from {lo[path]} to {hi[path]} (the rest at their first setting) "
            f"takes P(any miss) from {percent(lo['p_any_miss'])} to {percent(hi['p_any_miss'])} "
            f"and mean cost from {money(lo['cost_mean'])} to {money(hi['cost_mean'])}."
        )
    return lines


def sweep_page(folder: ResultsFolder) -> Page:
    """The page of a ``reelsim sweep`` folder."""
    from simulator.plots.planning import sweep_plot

    summary = folder.summary
    name = str(summary.get("scenario", {}).get("name", folder.path.name))
    vary = summary.get("vary", [])
    paths = [str(v["path"]) for v in vary]
    table = folder.table("points.parquet")
    level = _level(table, summary)
    n = summary.get("replications", "?")
    varied = "; ".join(f"{v['path']} over {', '.join(str(x) for x in v['values'])}" for v in vary)
    question = (
        f"How do the chance that some episode misses its deadline and the season's cost move "
        f"as {varied} change? Each of the {len(summary.get('points', []))} configurations ran "
        f"the same {n} replications on the same seed, so the differences between them are "
        "sharper than their levels."
    )
    overrides = summary.get("overrides", [])
    if overrides:
        question += f" Every configuration also has {', '.join(overrides)}."
    headlines: list[Headline] = []
    reading: list[str] = []
    sections: list[Section] = []
    if table is None or table.empty:
        folder.warnings.append("points.parquet is missing or changed: no figures to show")
    else:
        safest = table.sort_values(["p_any_miss", "cost_mean"]).iloc[0]
        cheapest = table.sort_values("cost_mean").iloc[0]
        under = table[table["p_any_miss_high"] < SWEEP_TARGET].sort_values("cost_mean")
        headlines = [
            Headline(
                "Lowest chance that some episode misses its deadline",
                percent(safest["p_any_miss"]),
                f"{level:.0%} interval {_iv(safest, 'p_any_miss', percent)}",
                settings_text(_config(safest, paths)),
            ),
            Headline(
                "Cheapest configuration, mean season cost",
                money(cheapest["cost_mean"]),
                f"{level:.0%} interval {_iv(cheapest, 'cost_mean', money)}",
                settings_text(_config(cheapest, paths)),
            ),
        ]
        if not under.empty:
            best = under.iloc[0]
            headlines.append(
                Headline(
                    f"Cheapest with risk under {percent(SWEEP_TARGET, 0)} (upper bound)",
                    money(best["cost_mean"]),
                    f"{level:.0%} interval {_iv(best, 'cost_mean', money)}",
                    settings_text(_config(best, paths)),
                )
            )
        reading = _sweep_reading(table, paths, level)
        sections.append(
            Section(
                "Risk and cost over the grid",
                "grid",
                "Each configuration's chance that some episode misses its deadline, and its "
                "mean season cost.",
                [
                    plot_block(
                        folder,
                        "sweep",
                        lambda: sweep_plot(table, paths, name, _labels(summary)),
                        "Risk and cost",
                        PLOT_GUIDES["sweep"],
                    ),
                    _points_table(table, paths, level, _labels(summary)),
                ],
            )
        )
    sections.append(
        Section(
            "What was varied",
            "varied",
            blocks=[
                Table(
                    ["setting", "values"],
                    [[str(v["path"]), ", ".join(str(x) for x in v["values"])] for v in vary]
                    + [["also set", o] for o in overrides],
                    title="The grid",
                )
            ],
        )
    )
    engines = summary.get("engine", [])
    return Page(
        title=f"{name}: how do risk and cost move as {', '.join(paths) or 'settings'} change?",
        subtitle=(
            f"reelsim sweep of {len(summary.get('points', []))} configurations × {n} "
            f"replications on common random numbers; intervals at {level:.0%} confidence"
        ),
        folder=folder.path.name,
        question=question,
        headlines=headlines,
        reading=reading,
        sections=sections,
        provenance=planning_provenance(
            summary,
            [
                ("engine", ", ".join(engines) if isinstance(engines, list) else str(engines)),
                ("confidence level", percent(level, 0)),
                ("chunk size", str(summary.get("chunk_size", "?"))),
            ],
        ),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )


# --- staffing ------------------------------------------------------------------------------


def _brief_iv(brief: dict[str, Any], key: str, fmt: Callable[[float | None], str]) -> str:
    iv = brief[key]
    return span(iv.get("low"), iv.get("high"), fmt)


def _staff_reading(summary: dict[str, Any], level: float) -> list[str]:
    target = float(summary["target_risk"])
    chosen = summary.get("chosen")
    lines = []
    if chosen:
        risk, cost = chosen["p_any_miss"], chosen["cost_mean"]
        lines.append(
            f"With {settings_text(chosen['values'])}, P(any miss) is under "
            f"{percent(target, 0)} at the upper bound ({percent(risk['high'])}); the cheapest "
            f"such configuration costs {money(cost['estimate'])} on average ({level:.0%} "
            f"interval {_brief_iv(chosen, 'cost_mean', money)})."
        )
    else:
        lines.append(
            f"No configuration simulated shows P(any miss) under {percent(target, 0)} at its "
            "upper bound: widen the ranges, or run more replications (a risk is only shown "
            "to be small once enough replications say so)."
        )
    for nb in summary.get("cheaper_neighbours", []):
        lines.append(
            f"One step cheaper, {settings_text(nb['values'])} reaches "
            f"{percent(nb['p_any_miss']['high'])} at the upper bound "
            f"({'under' if nb['feasible'] else 'over'} the target), at "
            f"{money(nb['cost_mean']['estimate'])}."
        )
    for est in summary.get("estimates", []):
        lines.append(
            f"On paper, {est['path']} needs at least {est['floor']} (offered load "
            f"{number(est['offered_erlangs'], 2)} erlangs in the tightest deadline window); "
            f"the search started at {est['start']}."
        )
    lines.append(
        f"{summary.get('configurations_simulated', '?')} of {summary.get('grid_size', '?')} "
        "configurations were simulated: what more capacity can only improve was not."
    )
    return lines


def _configurations_table(
    table: pd.DataFrame, paths: Sequence[str], level: float, labels: dict[str, str]
) -> Table:
    rows = []
    for values in table.sort_values("cost_mean").itertuples(index=False):
        r = dict(zip(table.columns, values, strict=True))
        marks = [w for w, key in (("answer", "chosen"), ("frontier", "on_frontier")) if r[key]]
        rows.append(
            [
                *(str(r[p]) for p in paths),
                percent(r["p_any_miss"]),
                _iv(r, "p_any_miss", percent),
                money(r["cost_mean"]),
                _iv(r, "cost_mean", money),
                "yes" if r["feasible"] else "no",
                ", ".join(marks),
            ]
        )
    return Table(
        [
            *(setting_name(p, labels) for p in paths),
            "P(any miss)",
            f"{level:.0%} interval",
            "mean cost",
            f"{level:.0%} interval",
            "under target",
            "",
        ],
        rows,
        title="Every configuration simulated, cheapest first",
        numeric=[True] * len(paths) + [True] * 4 + [False, False],
        note="Under target: the upper bound of the P(any miss) interval is below the target "
        "risk. Frontier: no other configuration is both cheaper and less risky.",
    )


def staff_page(folder: ResultsFolder) -> Page:
    """The page of a ``reelsim staff`` folder."""
    from simulator.plots.planning import frontier_plot

    summary = folder.summary
    name = str(summary.get("scenario", {}).get("name", folder.path.name))
    dims = summary.get("dimensions", [])
    paths = [str(d["path"]) for d in dims]
    target = float(summary.get("target_risk", 0.05))
    table = folder.table("configurations.parquet")
    level = _level(table, summary)
    chosen = summary.get("chosen")
    ranges = "; ".join(f"{d['path']} from {min(d['values'])} to {max(d['values'])}" for d in dims)
    question = (
        f"What is the cheapest setting of {ranges} for which the chance that any episode "
        f"misses its deadline stays under {percent(target, 0)}, counting a configuration "
        f"only when the upper bound of its {level:.0%} interval is under it?"
    )
    if chosen:
        verdict = Verdict(
            "on_time",
            "found",
            f"{settings_text(chosen['values'])}: risk at most "
            f"{percent(chosen['p_any_miss']['high'])}, mean season cost "
            f"{money(chosen['cost_mean']['estimate'])}.",
        )
        headlines = [
            Headline("Cheapest configuration under the target", settings_text(chosen["values"])),
            Headline(
                "Its chance that some episode misses its deadline",
                percent(chosen["p_any_miss"]["estimate"]),
                f"{level:.0%} interval {_brief_iv(chosen, 'p_any_miss', percent)}",
                f"target: upper bound under {percent(target, 0)}",
            ),
            Headline(
                "Its mean season cost",
                money(chosen["cost_mean"]["estimate"]),
                f"{level:.0%} interval {_brief_iv(chosen, 'cost_mean', money)}",
            ),
        ]
    else:
        verdict = Verdict("late", "none found", "No configuration simulated meets the target.")
        headlines = []
    headlines.append(
        Headline(
            "Configurations simulated",
            str(summary.get("configurations_simulated", "?")),
            f"of {summary.get('grid_size', '?')} in the grid",
        )
    )
    blocks: list[Block] = []
    if table is not None and not table.empty:
        point = int(table.loc[table["chosen"], "point"].iloc[0]) if table["chosen"].any() else None
        blocks.append(
            plot_block(
                folder,
                "frontier",
                lambda: frontier_plot(table, target, name, point),
                "Cost against risk",
                PLOT_GUIDES["frontier"],
            )
        )
        blocks.append(_configurations_table(table, paths, level, _labels(summary)))
    else:
        folder.warnings.append("configurations.parquet is missing or changed: no table to show")
    estimates = summary.get("estimates", [])
    sections = [
        Section(
            "Cost against risk",
            "frontier",
            "Every configuration the search simulated; the frontier is the menu when the "
            "target is negotiable.",
            blocks,
        ),
        Section(
            "Where the search started",
            "start",
            "Queueing theory's floor and square-root staffing start for each dimension.",
            [
                Table(
                    ["setting", "resource", "offered load (erlangs)", "floor", "start"],
                    [
                        [
                            setting_name(str(e["path"]), _labels(summary)),
                            _labels(summary).get(str(e["resource"]), str(e["resource"])),
                            number(e["offered_erlangs"], 2),
                            str(e["floor"]),
                            str(e["start"]),
                        ]
                        for e in estimates
                    ],
                    title="Estimates from theory",
                    numeric=[False, False, True, True, True],
                )
            ],
        ),
    ]
    return Page(
        title=f"{name}: the cheapest capacity with deadline risk under {percent(target, 0)}",
        subtitle=(
            f"reelsim staffing search over {', '.join(paths)}; "
            f"{summary.get('replications', '?')} replications per configuration on common "
            f"random numbers; intervals at {level:.0%} confidence"
        ),
        folder=folder.path.name,
        question=question,
        verdict=verdict,
        headlines=headlines,
        reading=_staff_reading(summary, level),
        sections=sections,
        provenance=planning_provenance(
            summary,
            [
                ("target risk", percent(target, 1)),
                ("risk measure", str(summary.get("risk_measure", ""))),
            ],
        ),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )
