"""The report's pages of a comparison and of a sensitivity analysis.

A comparison answers "is A cheaper (or safer) than B, and by how much?": its page names
both scenarios with their changes, gives the paired differences A − B with their
intervals, and says in words which differences the replications show (the interval leaves
out zero) and which they cannot tell from nothing. A sensitivity analysis answers "which
uncertain inputs drive the outputs?": its page ranks the inputs per output.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from simulator.report._planning import planning_provenance, plot_block
from simulator.report.page import (
    Block,
    Headline,
    Page,
    Plot,
    ResultsFolder,
    Section,
    Table,
    data_uri,
    file_warnings,
    files_table,
)
from simulator.report.words import (
    DIFFERENCES,
    PLOT_GUIDES,
    SeasonCalendar,
    drivers_sentence,
    effect_format,
    effect_heading,
    level_format,
    money,
    no_difference_text,
    number,
    percent,
    quantity_name,
    setting_name,
)
from simulator.results.summary import Summary

__all__ = ["compare_page", "difference_text", "sensitivity_page"]


def _side(side: dict[str, Any]) -> str:
    if side.get("label"):
        return str(side["label"])
    name = str(side.get("scenario", "?"))
    overrides = side.get("overrides", [])
    return f"{name} ({', '.join(overrides)})" if overrides else name


_FORMATS = DIFFERENCES


def _calendar(summary: dict[str, Any]) -> SeasonCalendar:
    try:
        return SeasonCalendar.of(Summary.from_json(summary.get("a", {}).get("summary", {})))
    except ValueError:
        return SeasonCalendar(None)


def difference_text(row: dict[str, Any], group: str, level: float) -> str:
    """ "−$967 (95% interval −$1,001 to −$933)"."""
    fmt = _FORMATS[group]
    return (
        f"{fmt(row['difference'])} ({level:.0%} interval {fmt(row['low'])} to {fmt(row['high'])})"
    )


def _shown(row: dict[str, Any]) -> bool:
    """The interval leaves out zero: the replications show a difference."""
    low, high = row["low"], row["high"]
    return bool(math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0))


def _compare_reading(rows: dict[str, dict[str, Any]], a: str, b: str, level: float) -> list[str]:
    if rows and all(r.get("differing", 1) == 0 for r in rows.values()):
        return [no_difference_text(a, b)]
    lines = []
    cost = rows.get("cost_total")
    if cost is not None:
        if _shown(cost):
            word = "cheaper" if cost["difference"] < 0 else "more expensive"
            lines.append(
                f"{a} is {word} than {b} by {money(abs(cost['difference']))} a season "
                f"({level:.0%} interval {money(abs(cost['high' if word == 'cheaper' else 'low']))}"
                f" to {money(abs(cost['low' if word == 'cheaper' else 'high']))})."
            )
        else:
            lines.append(
                f"The replications cannot tell {a}'s season cost from {b}'s: the difference is "
                f"{difference_text(cost, 'cost', level)}, which includes zero."
            )
        reduction = cost.get("variance_reduction")
        if reduction is not None and math.isfinite(reduction) and reduction > 1:
            lines.append(
                f"Common random numbers made the cost difference as precise as "
                f"{number(reduction, 0)} times as many replications of two independent runs."
            )
    risk = rows.get("p_any_miss")
    if risk is not None:
        if _shown(risk):
            word = "lower" if risk["difference"] < 0 else "higher"
            lines.append(
                f"{a}'s chance that some episode misses its deadline is {word} than {b}'s: "
                f"{percent(risk['mean_a'])} against {percent(risk['mean_b'])}, a difference "
                f"of {difference_text(risk, 'chance', level)}."
            )
        else:
            lines.append(
                "The chance that some episode misses its deadline: "
                f"{percent(risk['mean_a'])} for {a}, "
                f"{percent(risk['mean_b'])} for {b}; the replications show no difference: "
                f"{difference_text(risk, 'chance', level)}."
            )
    delays = [(q, r) for q, r in rows.items() if q.startswith("delivery_h:") and _shown(r)]
    if delays:
        q, r = max(delays, key=lambda qr: abs(qr[1]["difference"]))
        lines.append(
            f"The largest shown change in delivery is that of {q.split(':', 1)[1]}: "
            f"{difference_text(r, 'time', level)} under {a}."
        )
    return lines


def _differences_table(table: pd.DataFrame, level: float, cal: SeasonCalendar) -> Table:
    from simulator.plots.planning import difference_group

    rows = []
    for values in table.itertuples(index=False):
        r = dict(zip(table.columns, values, strict=True))
        group = difference_group(str(r["quantity"]))
        level_fmt = level_format(group, cal)
        fmt = _FORMATS[group]
        vr = r["variance_reduction"]
        rows.append(
            [
                quantity_name(str(r["quantity"])),
                str(r["n"]),
                level_fmt(r["mean_a"]) if math.isfinite(r["mean_a"]) else "–",
                level_fmt(r["mean_b"]) if math.isfinite(r["mean_b"]) else "–",
                fmt(r["difference"]),
                f"{fmt(r['low'])} to {fmt(r['high'])}",
                number(vr, 1) if vr is not None and math.isfinite(vr) else "–",
            ]
        )
    return Table(
        ["quantity", "pairs", "mean A", "mean B", "A − B", f"{level:.0%} interval", "variance ×"],
        rows,
        title="Paired differences",
        numeric=[False, True, True, True, True, True, True],
        note="Pairs: replications used (delivery times: where both delivered). pp: percentage "
        "points. Variance ×: how many times more replications two independent runs would need "
        "for an interval as narrow (– where both sides never vary).",
    )


def compare_page(folder: ResultsFolder) -> Page:
    """The page of a ``reelsim compare`` folder."""
    from simulator.plots.planning import difference_plot

    summary = folder.summary
    level = float(summary.get("confidence", 0.95))
    a, b = _side(summary.get("a", {})), _side(summary.get("b", {}))
    n = summary.get("replications", "?")
    table = folder.table("comparison.parquet")
    if table is None:
        folder.warnings.append("comparison.parquet is missing or changed: figures from summary")
        table = pd.DataFrame(summary.get("differences", []))
    rows: dict[str, dict[str, Any]] = {
        str(r["quantity"]): {str(k): v for k, v in r.items()}
        for r in table.to_dict(orient="records")
    }
    headlines = []
    cost, risk = rows.get("cost_total"), rows.get("p_any_miss")
    if cost is not None:
        headlines += [
            Headline(
                "Season cost, A − B",
                _FORMATS["cost"](cost["difference"]),
                f"{level:.0%} interval {_FORMATS['cost'](cost['low'])} to "
                f"{_FORMATS['cost'](cost['high'])}",
                f"A {money(cost['mean_a'])}, B {money(cost['mean_b'])}",
            )
        ]
    if risk is not None:
        headlines.append(
            Headline(
                "Chance that some episode misses its deadline, A − B",
                _FORMATS["chance"](risk["difference"]),
                f"{level:.0%} interval {_FORMATS['chance'](risk['low'])} to "
                f"{_FORMATS['chance'](risk['high'])}",
                f"A {percent(risk['mean_a'])}, B {percent(risk['mean_b'])}",
            )
        )
    blocks: list[Block] = []
    if not table.empty:
        blocks.append(
            plot_block(
                folder,
                "differences",
                lambda: difference_plot(table, a, b, quantity_name),
                "Paired differences",
                PLOT_GUIDES["differences"],
            )
        )
        blocks.append(_differences_table(table, level, _calendar(summary)))
    sides = [
        [
            f"{letter} = {_side(side)}",
            str(side.get("scenario", "?")),
            ", ".join(side.get("overrides", [])) or "–",
            str(side.get("sha256")),
        ]
        for letter, side in (("A", summary.get("a", {})), ("B", summary.get("b", {})))
    ]
    return Page(
        title=f"{a} against {b}: which is cheaper, which is safer, and by how much?",
        subtitle=(
            f"reelsim compare: {n} paired replications on common random numbers (seed "
            f"{summary.get('seed', '?')}); intervals at {level:.0%} confidence"
        ),
        folder=folder.path.name,
        question=(
            f"Is A = {a} cheaper or safer than B = {b}, and by how much? Both ran the same "
            f"{n} replications on the same seed, so replication i of each drew the same frames, "
            "failures and verdicts: what differs is caused by what differs between them."
        ),
        headlines=headlines,
        reading=_compare_reading(rows, a, b, level),
        sections=[
            Section("Differences", "differences", "Every quantity, A − B.", blocks),
            Section(
                "The two scenarios",
                "scenarios",
                blocks=[Table(["", "scenario", "changes", "sha256"], sides, title="A and B")],
            ),
        ],
        provenance=planning_provenance(
            {**summary, "scenario": {"name": f"A = {a}; B = {b}"}},
            [("confidence level", percent(level, 0))],
        ),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )


# --- sensitivity ---------------------------------------------------------------------------


def sensitivity_page(folder: ResultsFolder) -> Page:
    """The page of a ``reelsim sensitivity`` folder, in the scenario's own names (its
    summary's ``labels``). Its chart is drawn from the indices with those names, so the page
    says "VFX supervisor: minutes per shot, mean" where the folder's plot file (for slides)
    has the path."""
    from simulator.plots import figure_bytes
    from simulator.plots.planning import sensitivity_chart

    summary = folder.summary
    name = str(summary.get("scenario", {}).get("name", folder.path.name))
    level = float(summary.get("confidence", 0.95))
    method = str(summary.get("method", "morris"))
    measure = "mu_star" if method == "morris" else "ST"
    labels = {str(k): str(v) for k, v in summary.get("labels", {}).items()}
    factors = summary.get("factors", [])
    table = folder.table("indices.parquet")
    if table is None:
        table = pd.DataFrame(summary.get("indices", []))
    outputs = list(dict.fromkeys(table["output"])) if not table.empty else []

    def words(key: str) -> str:
        return quantity_name(key) if key in outputs else setting_name(key, labels)

    headlines, reading = [], []
    for output in outputs:
        ranked = table[table["output"] == output].sort_values("rank")
        top = ranked.iloc[0]
        show = effect_format(method, output)
        headlines.append(
            Headline(
                f"Moves {quantity_name(output)} most",
                setting_name(str(top["factor"]), labels),
                f"{show(top[measure])} ± {show(top[f'{measure}_conf'])} "
                f"{'over its range' if method == 'morris' else 'of its variance'}",
            )
        )
        pairs = [(str(r["factor"]), float(r[measure])) for _, r in ranked.iterrows()]
        reading.append(drivers_sentence(output, pairs, method, labels))
    said = " ".join(reading)
    reading += [
        note
        for note in _notes_in_words(summary.get("notes", []), factors, labels)
        if note.rstrip(".") not in said  # "does not vary" may be said already
    ]
    blocks: list[Block] = []
    if not table.empty:
        figure = sensitivity_chart(table, measure, outputs, words)
        blocks.append(
            Plot(
                "Inputs ranked",
                data_uri(figure_bytes(figure, "svg"), "svg"),
                PLOT_GUIDES["sensitivity"],
                alt="Inputs ranked",
            )
        )
        blocks.append(_indices_table(table, method, measure, labels))
    ranges = "; ".join(
        f"{setting_name(str(f['path']), labels)} from {f['low']} to {f['high']}" for f in factors
    )
    return Page(
        title=f"{name}: which uncertain inputs drive risk and cost?",
        subtitle=(
            f"reelsim sensitivity ({method}, {summary.get('points', '?')} points × "
            f"{summary.get('replications', '?')} replications); intervals at {level:.0%}"
        ),
        folder=folder.path.name,
        question=(
            f"Which of these uncertain inputs — {ranges} — move "
            f"{', '.join(quantity_name(o) for o in outputs)} most?"
        ),
        headlines=headlines,
        reading=reading,
        sections=[
            Section("Ranking", "ranking", "The inputs per output, most influential first.", blocks),
            Section(
                "Inputs",
                "inputs",
                blocks=[_ranges_table(factors, labels)],
            ),
        ],
        provenance=planning_provenance(
            summary, [("method", method), ("confidence level", percent(level, 0))]
        ),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )


def _ranges_table(factors: list[dict[str, Any]], labels: dict[str, str]) -> Table:
    return Table(
        ["input", "setting", "low", "high", "whole numbers"],
        [
            [
                setting_name(str(f["path"]), labels),
                str(f["path"]),
                str(f["low"]),
                str(f["high"]),
                "yes" if f.get("integer") else "no",
            ]
            for f in factors
        ],
        title="Ranges",
        numeric=[False, False, True, True, False],
    )


def _notes_in_words(
    notes: list[str], factors: list[dict[str, Any]], labels: dict[str, str]
) -> list[str]:
    """The sensitivity's notes (an output that does not vary over the ranges, a factor
    taken in whole numbers), each setting named as people do rather than by its path."""
    paths = sorted((str(f["path"]) for f in factors), key=len, reverse=True)
    out = []
    for note in notes:
        text = str(note)
        for path in paths:
            text = text.replace(path, setting_name(path, labels))
        out.append(text[:1].upper() + text[1:])
    return out


def _indices_table(table: pd.DataFrame, method: str, measure: str, labels: dict[str, str]) -> Table:
    rows = []
    for _, r in table.iterrows():
        show = effect_format(method, str(r["output"]))
        rows.append(
            [
                quantity_name(str(r["output"])),
                str(r["rank"]),
                setting_name(str(r["factor"]), labels),
                show(r[measure]),
                f"± {show(r[f'{measure}_conf'])}",
            ]
        )
    return Table(
        ["output", "rank", "input", effect_heading(method), "interval"],
        rows,
        title="Sensitivity indices",
        numeric=[False, True, False, True, True],
    )
