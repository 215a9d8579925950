"""The report's page of a ``reelsim run`` folder.

A run answers "will the season deliver, and what will it cost?", so its page opens with
that question (in the scenario's own terms), the verdict, five headline numbers with their
intervals and a few sentences that say what the numbers mean for the people in the room:
which episodes are at risk and by how much, what the season costs and what drives it, where
work queues, what slips through review. Then the evidence, section by section: each plot
with its reading guide (``words.PLOT_GUIDES``) beside the table of the same
figures; the assumptions; the provenance.

Plain-language lines follow fixed rules, so that two reports say the same thing about the
same numbers: an episode is called out when its estimated chance of missing delivery is
above ``RISK_THRESHOLD``; an episode whose estimate is below it but whose upper bound is
above it is "not ruled out" (the cure is more replications); a resource is called a
bottleneck above ``BUSY_THRESHOLD`` of its available hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

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
    calendar_start,
    data_uri,
    file_warnings,
    files_table,
    folder_plot,
    provenance_rows,
)
from simulator.report.words import (
    PAID_UTILISATION,
    PLOT_GUIDES,
    RUN_UTILISATION,
    STAGE_HEADINGS,
    VERDICT_WORDS,
    WAITS_HEADINGS,
    SeasonCalendar,
    count,
    days_against,
    interval_text,
    money,
    percent,
    stage_rows,
    utilisation_rows,
    verdict_sentence,
    waits_rows,
)
from simulator.results.summary import EpisodeSummary, Summary

__all__ = ["BUSY_THRESHOLD", "RISK_THRESHOLD", "run_page"]

RISK_THRESHOLD = 0.10
"""An episode whose chance of missing delivery is above this is called out by name."""
BUSY_THRESHOLD = 0.85
"""A pool or team busy more than this share of its hours is called a bottleneck."""


def _run_plots(
    folder: ResultsFolder, name: str, scenario: Any, start: date | None
) -> dict[str, str]:
    """Each run plot as a data URI: the folder's file, or drawn afresh from its tables."""
    from simulator.plots import RUN_PLOTS, RunView, figure_bytes

    uris: dict[str, str] = {}
    missing = []
    for stem in RUN_PLOTS:
        uri = folder_plot(folder, stem)
        if uri is None:
            missing.append(stem)
        else:
            uris[stem] = uri
    if missing:
        replications = folder.table("replications.parquet")
        timeseries = folder.table("timeseries.parquet")
        if replications is None or timeseries is None:
            folder.warnings.append(
                "the plots cannot be drawn: replications.parquet or timeseries.parquet is "
                "missing or changed since the run"
            )
            return uris
        model = None
        if scenario is not None:
            from simulator.model.compiler import compile_season

            model = compile_season(scenario)
        view = RunView.build(
            name,
            replications,
            timeseries,
            model=model,
            start=start,
            time_zone=scenario.calendar.time_zone if scenario is not None else "UTC",
        )
        for stem in missing:
            uris[stem] = data_uri(figure_bytes(RUN_PLOTS[stem](view), "svg"), "svg")
    return uris


def _episode_reading(episodes: Sequence[EpisodeSummary], n: int, level: float) -> list[str]:
    lines = []
    risky = [ep for ep in episodes if ep.p_miss.estimate > RISK_THRESHOLD]
    threshold = percent(RISK_THRESHOLD, 0)
    if risky:
        named = ", ".join(f"{ep.id} ({percent(ep.p_miss.estimate, 0)})" for ep in risky)
        lines.append(
            f"{len(risky)} of {len(episodes)} episodes {'has' if len(risky) == 1 else 'have'} "
            f"more than a {threshold} chance of "
            f"missing delivery: {named}."
        )
    else:
        lines.append(
            f"None of the {len(episodes)} episodes has more than a {threshold} chance of "
            "missing delivery."
        )
    unsure = [ep for ep in episodes if ep.p_miss.estimate <= RISK_THRESHOLD < ep.p_miss.high]
    if unsure:
        top = max(ep.p_miss.high for ep in unsure)
        lines.append(
            f"For {len(unsure)} {'more' if risky else 'of them'}, {n} replications cannot "
            f"rule it out (their {level:.0%} "
            f"upper bounds reach {percent(top, 0)}); run more replications to tell."
        )
    return lines


def _run_reading(summary: Summary) -> list[str]:
    n = summary.replications
    level = summary.confidence
    lines = _episode_reading(summary.episodes, n, level)
    p_any = summary.season.p_any_miss
    late_runs = round(p_any.estimate * n)
    lines.append(
        f"In {late_runs} of {n} simulated seasons at least one episode missed its deadline: "
        f"a chance of {percent(p_any.estimate)} ({interval_text(p_any, percent, level)})."
    )
    for ep in summary.episodes:
        if ep.delivery_h.censored:
            lines.append(
                f"{ep.id} was not delivered at all by the end of the run in "
                f"{ep.delivery_h.censored} of {n} replications."
            )
    cost = summary.cost
    mean = cost.total.mean
    if mean is not None:
        lines.append(
            f"The season costs {money(mean.estimate)} on average "
            f"({interval_text(mean, money, level)}); 9 seasons in 10 stay under "
            f"{money(cost.total.p90.estimate)}."
        )
    by_category = {k: v.estimate for k, v in cost.by_category.items() if v.estimate > 0}
    whole = sum(by_category.values())
    if whole > 0:
        biggest = sorted(by_category.items(), key=lambda kv: -kv[1])[:2]
        parts = " and ".join(f"{k.replace('_', ' ')} ({percent(v / whole, 0)})" for k, v in biggest)
        lines.append(f"Most of it is {parts}.")
    per_frame = cost.per_delivered_frame.mean
    if per_frame:
        lines.append(
            f"A delivered frame costs {money(per_frame.estimate, 2)} "
            f"({interval_text(per_frame, lambda x: money(x, 2), level)})."
        )
    if summary.utilisation:
        ranked = sorted(summary.utilisation.items(), key=lambda kv: -kv[1].estimate)
        name, busiest = ranked[0]
        line = (
            f"The busiest resource is {summary.label(name)}, busy "
            f"{percent(busiest.estimate, 0)} of its available hours over the run"
        )
        paid = summary.paid_utilisation.get(name)
        if paid is not None:
            line += f" and {percent(paid.estimate, 0)} of the hours paid for to the season end"
        hot = [k for k, v in ranked if v.estimate >= BUSY_THRESHOLD]
        if hot:
            line += (
                f"; {', '.join(summary.label(k) for k in hot)} "
                f"{'is' if len(hot) == 1 else 'are'} near the limit, where queues build up fast"
            )
        lines.append(line + ".")
    defects = summary.defects
    lines.append(
        f"About {count(defects.escaped.estimate)} shots a season reach delivery with a defect "
        f"nobody caught; reviews catch {count(defects.caught_mean)}."
    )
    return lines


def _verdict(summary: Summary) -> Verdict:
    level = "neutral" if summary.verdict == "inconclusive" else summary.verdict
    return Verdict(level, VERDICT_WORDS[summary.verdict], verdict_sentence(summary))


def _run_headlines(summary: Summary) -> list[Headline]:
    level = summary.confidence
    p_any = summary.season.p_any_miss
    cost = summary.cost
    heads = [
        Headline(
            "Chance that some episode misses its deadline",
            percent(p_any.estimate),
            interval_text(p_any, percent, level),
        )
    ]
    mean = cost.total.mean
    if mean:
        heads.append(
            Headline(
                "Season cost, mean",
                money(mean.estimate),
                interval_text(mean, money, level),
                f"P90 {money(cost.total.p90.estimate)}",
            )
        )
    per_frame = cost.per_delivered_frame.mean
    if per_frame:
        heads.append(
            Headline(
                "Cost per delivered frame",
                money(per_frame.estimate, 2),
                interval_text(per_frame, lambda x: money(x, 2), level),
            )
        )
    worst = max(summary.episodes, key=lambda ep: ep.p_miss.estimate, default=None)
    if worst is not None and worst.p_miss.estimate == 0.0:
        heads.append(
            Headline(
                "Riskiest episode",
                "none late",
                f"no episode missed its deadline in {summary.replications} replications",
            )
        )
    elif worst is not None:
        heads.append(
            Headline(
                "Riskiest episode",
                worst.id,
                f"misses with {percent(worst.p_miss.estimate)} "
                f"({interval_text(worst.p_miss, percent)})",
            )
        )
    heads.append(
        Headline(
            "Escaped defects per season",
            count(summary.defects.escaped.estimate),
            note=f"{count(summary.defects.caught_mean)} caught in review",
        )
    )
    return heads


def _episode_table(summary: Summary, cal: SeasonCalendar) -> Table:
    rows = []
    for ep in summary.episodes:
        d = ep.delivery_h
        p90 = d.p90.estimate
        head = [ep.id, str(ep.shots), cal.moment(ep.deadline_h, deadline=True)]
        if ep.delivered_before:  # not simulated: when it was delivered, as the status says
            at = d.p50.estimate
            delivered, against = f"delivered {cal.moment(at)}", days_against(ep.deadline_h, at)
            rows.append([*head, delivered, "before the run", against, "–", "–"])
            continue
        rows.append(
            [
                *head,
                cal.moment(d.p50.estimate),
                cal.moment(p90),
                days_against(ep.deadline_h, p90),
                percent(ep.p_miss.estimate),
                interval_text(ep.p_miss, percent),
            ]
        )
    return Table(
        [
            "episode",
            "shots",
            "deadline",
            "delivery P50",
            "delivery P90",
            "P90 vs deadline",
            "P(miss)",
            f"{summary.confidence:.0%} interval",
        ],
        rows,
        title="Delivery per episode",
        numeric=[False, True, False, False, False, True, True, True],
        note="P50: half the replications delivered by then; P90: nine in ten. P(miss): share "
        "of replications that missed the deadline, with its Wilson interval.",
    )


def _cost_tables(summary: Summary) -> list[Table]:
    cost = summary.cost
    level = summary.confidence
    whole = sum(v.estimate for v in cost.by_category.values())
    rows = [
        [
            k.replace("_", " "),
            money(v.estimate),
            interval_text(v, money),
            percent(v.estimate / whole, 0) if whole > 0 else "–",
        ]
        for k, v in cost.by_category.items()
        if v.estimate != 0
    ]
    mean = cost.total.mean
    if mean is not None:
        rows.append(["total", money(mean.estimate), interval_text(mean, money), "100%"])
    tables = [
        Table(
            ["category", "mean", f"{level:.0%} interval", "share"],
            rows,
            title="Season cost by category",
            numeric=[False, True, True, True],
        )
    ]
    if cost.per_episode:
        tables.append(
            Table(
                ["episode", "mean cost"],
                [[k, money(v)] for k, v in cost.per_episode.items()],
                title="Cost per episode",
                numeric=[False, True],
                note="Shared costs (reserved GPUs, people's scheduled hours) go to episodes in "
                "proportion to the busy hours each used.",
            )
        )
    return tables


def _utilisation_table(summary: Summary, labels: dict[str, str]) -> Table:
    level = f"{summary.confidence:.0%} interval"
    rows = [
        [name, labels.get(key, ""), *figures]
        for key, (name, *figures) in zip(
            summary.utilisation, utilisation_rows(summary), strict=True
        )
    ]
    return Table(
        ["resource", "what it is", f"{RUN_UTILISATION} ({level})", f"{PAID_UTILISATION} ({level})"],
        rows,
        title="Utilisation: busy share of the hours there, and of the hours paid for",
        numeric=[False, False, True, True],
        note="Over the run, a pool's available hours are its GPUs (a cloud pool at its "
        "maximum) and a team's its people's scheduled hours, from the start to the end of the "
        "run. Paid hours run to the season end, as the costs do: reserved GPUs and scheduled "
        "people to the season end, a team's overtime, and for a cloud pool the unit-hours its "
        "leases were billed.",
    )


def _waits_table(summary: Summary) -> Table:
    level = f"({summary.confidence:.0%} interval)"
    return Table(
        [WAITS_HEADINGS[0], WAITS_HEADINGS[1], *(f"{h} {level}" for h in WAITS_HEADINGS[2:])],
        waits_rows(summary),
        title="Waits per replication (mean over the replications)",
        numeric=[False, True, True, True, True],
        note="A task waits at the queue of its first option. The last two columns are work "
        "not started when the run ended: the tasks still queued then and the hours they had "
        "waited so far, which the waits of started tasks leave out. waits.parquet holds each "
        "replication.",
    )


def _wait_tables(summary: Summary) -> list[Table]:
    """The waits per pool and team, and per stage; none in a folder written before waits
    (or stages) were summarised."""
    if summary.waits is None:
        return []
    return [_waits_table(summary), *([_stages_table(summary)] if stage_rows(summary) else [])]


def _stages_table(summary: Summary) -> Table:
    level = f"({summary.confidence:.0%} interval)"
    headings = [f"{h} {level}" if k in (2, 4, 5, 6) else h for k, h in enumerate(STAGE_HEADINGS)]
    return Table(
        headings,
        stage_rows(summary),
        title="Waits and time per stage, per replication (mean over the replications)",
        numeric=[False, True, True, True, True, True, True],
        note="A visit is one task at the stage: an attempt of a GPU stage, a review, a "
        "fallback, an episode stage. Its time runs from its arrival at the stage's queue to "
        "the end of its service; a visit still in service when the run ended is in no mean, "
        "and tasks still queued then are counted apart, with the hours they had waited so "
        "far. waits.parquet holds each replication.",
    )


def _defects_table(summary: Summary) -> Table:
    d = summary.defects
    rows = [
        ("defects caught in review", d.caught_mean),
        ("defects escaped to delivery", d.escaped.estimate),
        ("shots failed (attempts ran out)", d.failed_shots_mean),
        ("rework passes", d.rework_passes_mean),
    ]
    return Table(
        ["per season, mean over replications", ""],
        [[label, count(value)] for label, value in rows],
        title="Defects and rework",
        numeric=[False, True],
    )


def run_page(folder: ResultsFolder) -> Page:
    """The page of a ``reelsim run`` folder."""
    from simulator.report._assumptions import assumptions, question, resource_labels

    summary = folder.run_summary
    level = summary.confidence
    scenario = folder.scenario
    cal = SeasonCalendar(
        calendar_start(summary, scenario), scenario.calendar if scenario is not None else None
    )
    name = summary.scenario_name
    plots = _run_plots(folder, name, scenario, cal.start.date() if cal.start else None)
    labels = resource_labels(scenario) if scenario is not None else {}

    def plot(stem: str, title: str, caption: str) -> list[Block]:
        if stem not in plots:
            return [Text(f"(The {stem} plot is not available.)")]
        return [Plot(title, plots[stem], caption, alt=f"{title} of {name}")]

    sections = [
        Section(
            "Delivery",
            "delivery",
            "When each episode is delivered across the simulated seasons, against its deadline.",
            [
                *plot("delivery", "Delivery per episode", PLOT_GUIDES["delivery"]),
                _episode_table(summary, cal),
            ],
        ),
        Section(
            "Load on pools and teams",
            "load",
            "Where work waits, day by day: the bottleneck is the resource with a queue while "
            "it is busy at its limit.",
            [
                *plot("load", "Daily load", PLOT_GUIDES["load"]),
                _utilisation_table(summary, labels),
                *_wait_tables(summary),
            ],
        ),
        Section(
            "Cost",
            "cost",
            "What the season costs, in total, by category, per episode and per delivered frame.",
            [
                *plot("cost", "Cost by category and per episode", PLOT_GUIDES["cost"]),
                *_cost_tables(summary),
                *plot("cost_per_frame", "Cost per delivered frame", PLOT_GUIDES["cost_per_frame"]),
            ],
        ),
        Section(
            "Defects and rework",
            "defects",
            "What the reviews caught, what slipped through, and how often shots went back.",
            [_defects_table(summary)],
        ),
        Section(
            "Assumptions",
            "assumptions",
            "What the simulation was told. Every number below comes from the scenario file "
            "as it was run; change one with --set PATH=VALUE and run again.",
            assumptions(scenario)
            if scenario is not None
            else [Text("The scenario is not stored in this results folder.")],
        ),
    ]
    return Page(
        title=f"{name}: will the season deliver, and what will it cost?",
        subtitle=(
            f"reelsim run of {summary.replications:,} simulated seasons (engine "
            f"{summary.engine}, seed {summary.seed}); intervals at {level:.0%} confidence"
        ),
        folder=folder.path.name,
        question=question(scenario) if scenario is not None else _bare_question(summary),
        verdict=_verdict(summary),
        headlines=_run_headlines(summary),
        reading=_run_reading(summary),
        sections=sections,
        provenance=provenance_rows(folder.summary),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )


def _bare_question(summary: Summary) -> str:
    return (
        f"Will the {len(summary.episodes)} episodes of {summary.scenario_name} be delivered "
        "by their deadlines, and what will the season cost?"
    )
