"""Calibration: a scenario's distributions and rates, fitted to a tracker's task history.

A production tracker can export its task log: one row per task attempt, with the episode
and shot it worked on, the pipeline stage, when it started and ended, the shot's frame
count, how it ended (done, failed, approved, rejected) and who or what did it (a GPU pool,
a reviewer). ``calibrate`` reads such a log and answers, per stage, the questions a
scenario asks:

* **time per task** — for a GPU stage, the fixed setup per attempt and the seconds per
  frame; for a review, the minutes per shot (or seconds per frame); for an episode stage,
  the hours per episode. Each is the best of the supported families by likelihood, with a
  goodness-of-fit statistic (see ``simulator.planning._calibrate_fit``);
* **attempt failures** — the share of attempts that failed, the most attempts one shot
  needed, the back-off before a retry;
* **review** — the share of arriving shots that were reviewed at all (sample rate), the
  share rejected in each round of notes, the round after which every shot was approved
  (max rounds), where a rejected shot went back to (the rework target), and how many
  rejections a shot received;
* **the show** — frames per shot, and the release pattern of each episode's shots.

Every number is written into a scenario fragment with its sample size and its confidence
interval, so a planner sees at a glance which numbers the history pins down and which it
barely touches. A log cannot tell everything: a rejection does not say whether the
reviewer caught a model's defect or gave a creative note, so without an optional defect
column (a flag or a note's reason) defect and catch probabilities stay assumptions (the
reject rates include both); with one, they are fitted as far as the column identifies them
(``simulator.planning._calibrate_defects``), and ``Calibration.assumptions`` says which
numbers stay assumed. Gang sizes and pools' and teams' sizes are never in a log.

**The log's columns** differ between trackers, so a small YAML mapping names them
(``HistoryMapping``): which column holds the episode, the shot, the stage, and so on; which
of the tracker's status values mean done, failed, approved and rejected; and, optionally,
the pipeline's stages in order with the tracker's names for them. Without a mapping the
columns are expected under reelsim's own names (``episode, shot, stage, start, end,
frames, outcome``, and optionally ``show, resource, released``).

**Refused logs.** A log that contradicts itself is refused with the row at fault (exit 2
on the command line): an end before its start, a stage the mapping does not know, a
negative frame count, a status the mapping does not map, a stage whose rows mix work and
review outcomes. Too little data is not an error: a quantity with fewer than
``MIN_VALUES`` observations is left unfitted and the fragment says so; only a log in which
nothing at all can be fitted is refused.

Reading and checking the log, and following each shot through it, is
``simulator.planning._calibrate_log``; the statistics (families, intervals, setup, releases) are
``simulator.planning._calibrate_fit``; the fragment's text is
``simulator.planning._calibrate_fragment``. This module puts them together per stage.
``docs/calibration.md`` is the user's guide.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.errors import Problem, ScenarioError
from simulator.planning._calibrate_defects import (
    fit_defect_probabilities,
    fit_review_defects,
    follow_defects,
)
from simulator.planning._calibrate_fit import (
    MIN_VALUES,
    DistributionFit,
    ReleaseFit,
    fit_distribution,
    fit_per_frame,
    fit_release,
)
from simulator.planning._calibrate_fragment import Fragment
from simulator.planning._calibrate_log import (
    Attempt,
    Columns,
    History,
    HistoryMapping,
    StageKind,
    load_mapping,
    read_history,
)
from simulator.planning._calibrate_plots import plot_fits
from simulator.planning._calibrate_shots import StageTally, follow_shots
from simulator.stats import Interval, mean_interval, proportion_interval

__all__ = [
    "MIN_VALUES",
    "Attempt",
    "Calibration",
    "Columns",
    "DistributionFit",
    "History",
    "HistoryMapping",
    "OptionFit",
    "ReleaseFit",
    "ShowFit",
    "StageFit",
    "calibrate",
    "load_mapping",
    "read_history",
]

# --- what was fitted ------------------------------------------------------------------


@dataclass(frozen=True)
class OptionFit:
    """A GPU stage on one pool: its speed per frame and its setup per attempt."""

    pool: str
    seconds_per_frame: DistributionFit
    setup_minutes: Interval | None
    note: str = ""


@dataclass(frozen=True)
class StageFit:
    """Everything fitted for one stage. Fields that do not apply to its kind are None."""

    name: str
    kind: StageKind
    rows: int
    resource: str | None = None
    """The pool or team that did most of the stage's tasks (reviews, episode stages)."""
    resource_is_pool: bool = False
    resources: Mapping[str, int] = field(default_factory=dict)
    options: tuple[OptionFit, ...] = ()
    time: DistributionFit | None = None
    """Reviews: ``minutes_per_shot`` or ``seconds_per_frame``; episode stages:
    ``hours_per_episode``."""
    failure_probability: Interval | None = None
    max_attempts: int | None = None
    exhausted: int = 0
    """Visits to this stage (a shot's attempts until one succeeds) whose attempts ran out."""
    visits: int = 0
    backoff_hours: float | None = None
    """The shortest gap from a failed attempt's end to its retry's start: the back-off
    if any retry found a GPU free at once, an upper bound for it in any case."""
    retries: int = 0
    retries_at_backoff: int = 0
    sample_rate: Interval | None = None
    reject_probability: tuple[Interval, ...] = ()
    """Per round of notes: the first look, after one rejection, after two..."""
    sparse_rounds: tuple[Interval, ...] = ()
    """Later rounds seen fewer than ``MIN_ROUND_REVIEWS`` times: not written."""
    max_rounds: Interval | None = None
    """When set: the reviews after ``max_rounds`` rejections, none of which was rejected
    (estimate 0, with its upper bound)."""
    max_rounds_value: int | None = None
    rework_to: str | None = None
    rework_share: Interval | None = None
    """Share of rejections that went back to ``rework_to``."""
    rejections_per_shot: Interval | None = None
    defect_probability: Interval | None = None
    """A GPU stage's, from the defect column (profile-likelihood interval)."""
    catch_probability: Interval | None = None
    """A review's, from the defect column; ``reject_probability`` is then of clean shots
    (notes), not of all shots."""
    caught_per_review: Interval | None = None
    """A review's caught defects over its reviews (defect × catch), from the defect column."""
    defect_note: str = ""
    """Why a GPU stage's ``defect_probability`` or a review's ``catch_probability`` is not
    fitted (empty when it is, or when the history has no defect column)."""

    def distributions(self) -> list[tuple[str, DistributionFit]]:
        """Every time-per-task fit of the stage, labelled (one per pool for a GPU stage)."""
        if self.options:
            return [(f"on {o.pool}", o.seconds_per_frame) for o in self.options]
        return [("", self.time)] if self.time is not None else []


@dataclass(frozen=True)
class ShowFit:
    """One show's frames per shot and release pattern."""

    name: str
    shots: int
    episodes: int
    frames_per_shot: DistributionFit
    release: ReleaseFit
    release_source: str
    """``released`` (the log's release column) or ``first start`` (each shot's first task
    started: the release plus any wait for a GPU)."""


@dataclass(frozen=True)
class Calibration:
    """What ``calibrate`` fitted to a history, ready to be written as a scenario fragment."""

    source: str
    rows: int
    first: datetime
    last: datetime
    level: float
    shows: tuple[ShowFit, ...]
    shot_stages: tuple[StageFit, ...]
    episode_stages: tuple[StageFit, ...]
    notes: tuple[str, ...]
    """What could not be fitted, and why; also printed by the command line."""
    assumptions: tuple[str, ...] = ()
    """Numbers a scenario needs that the history does not identify (defect and catch
    probabilities unless a defect column fits them, gang and team sizes), each with why;
    written at the top of the fragment and printed by the command line."""

    def stage(self, name: str) -> StageFit:
        for st in (*self.shot_stages, *self.episode_stages):
            if st.name == name:
                return st
        raise KeyError(name)

    def fragment(self) -> str:
        """The scenario fragment: YAML with each fitted number's n and interval."""
        return Fragment(self).text()

    def figures(self) -> dict[str, Any]:
        """One figure per stage (and per show's frames): ``{file stem: Figure}``."""
        figs: dict[str, Any] = {}
        for show in self.shows:
            fits = [("", show.frames_per_shot)] if show.frames_per_shot.fitted else []
            if fits:
                figs[f"{show.name}-frames_per_shot"] = plot_fits(
                    f"{show.name}: frames per shot", fits
                )
        for st in (*self.shot_stages, *self.episode_stages):
            fits = [(label, f) for label, f in st.distributions() if f.fitted]
            if fits:
                figs[st.name] = plot_fits(st.name, fits)
        return figs

    def write(self, path: str | Path, *, plots: bool = True) -> list[Path]:
        """Write the fragment to ``path`` and, with ``plots``, a PNG per stage into the
        folder ``<path stem>-plots`` beside it; return the files written."""
        import matplotlib.pyplot as plt

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.fragment(), encoding="utf-8")
        written = [path]
        if plots:
            folder = path.with_name(f"{path.stem}-plots")
            folder.mkdir(exist_ok=True)
            for stem, fig in self.figures().items():
                target = folder / f"{stem}.png"
                fig.savefig(target, dpi=110)
                plt.close(fig)
                written.append(target)
        return written


# --- fitting --------------------------------------------------------------------------


def _most_common(values: Sequence[str | None]) -> tuple[str | None, dict[str, int]]:
    counts = Counter(v for v in values if v is not None)
    return (counts.most_common(1)[0][0] if counts else None), dict(counts)


def _gpu_stage(
    name: str, rows: Sequence[Attempt], tally: StageTally, level: float, min_values: int
) -> StageFit:
    options = []
    by_pool: dict[str, list[Attempt]] = defaultdict(list)
    for a in rows:
        by_pool[a.resource or "gpu"].append(a)
    for pool, attempts in sorted(by_pool.items(), key=lambda kv: -len(kv[1])):
        seconds = [a.hours * 3600.0 for a in attempts]
        frames = [a.frames or 1 for a in attempts]
        split, spf = fit_per_frame(seconds, frames, level=level, min_values=min_values)
        setup = split.setup_seconds
        minutes = (
            None
            if setup is None
            else Interval(setup.estimate / 60, setup.low / 60, setup.high / 60, setup.n, level)
        )
        options.append(OptionFit(pool, spf, minutes, split.note))
    failure = proportion_interval(tally.failed, tally.attempts, level=level)
    backoff = min(tally.retry_gaps) if tally.retry_gaps else None
    if tally.exhausted:
        max_attempts = max(tally.exhausted)
    else:
        max_attempts = max(tally.done_visits, default=1)
    return StageFit(
        name,
        "gpu",
        len(rows),
        resources=dict(Counter(a.resource or "gpu" for a in rows)),
        options=tuple(options),
        failure_probability=failure,
        max_attempts=max_attempts,
        exhausted=len(tally.exhausted),
        visits=len(tally.exhausted) + len(tally.done_visits),
        backoff_hours=backoff,
        retries=len(tally.retry_gaps),
        retries_at_backoff=sum(1 for g in tally.retry_gaps if g - backoff <= 1.0 / 3600.0)
        if backoff is not None
        else 0,
    )


MIN_ROUND_REVIEWS = 10
"""Fewest reviews in a later round of notes for its reject rate to be written; rarer late
rounds are left to the last written rate (which repeats)."""


def _review_stage(
    name: str,
    rows: Sequence[Attempt],
    tally: StageTally,
    pools: set[str],
    per_frame: bool,
    level: float,
    min_values: int,
) -> StageFit:
    if per_frame:
        values = [a.hours * 3600.0 / max(a.frames or 1, 1) for a in rows]
        time = fit_distribution(values, "seconds_per_frame", level=level, min_values=min_values)
    else:
        values = [a.hours * 60.0 for a in rows]
        time = fit_distribution(values, "minutes_per_shot", level=level, min_values=min_values)
    resource, counts = _most_common([a.resource for a in rows])
    rounds = [tally.rounds[r] for r in sorted(tally.rounds)]
    rejects = [proportion_interval(k, n, level=level) for n, k in rounds if n > 0]
    max_rounds: Interval | None = None
    max_rounds_value: int | None = None
    # A last round in which nobody was rejected, clearly below the round before it: the
    # reviewers stop sending shots back after that many rounds.
    if len(rejects) >= 2 and rounds[-1][1] == 0 and rejects[-1].high < rejects[-2].low:
        max_rounds = rejects.pop()
        max_rounds_value = len(rejects)
    sparse: list[Interval] = []
    while len(rejects) > 1 and rejects[-1].n < MIN_ROUND_REVIEWS:
        sparse.insert(0, rejects.pop())
    target, target_counts = _most_common(list(tally.targets.elements()))
    share = (
        proportion_interval(target_counts[target], sum(target_counts.values()), level=level)
        if target is not None
        else None
    )
    per_shot = tally.rejections_per_shot
    return StageFit(
        name,
        "review",
        len(rows),
        resource=resource,
        resource_is_pool=resource in pools,
        resources=counts,
        time=time,
        sample_rate=(
            proportion_interval(tally.reviewed, tally.arrivals, level=level)
            if tally.arrivals
            else None
        ),
        reject_probability=tuple(rejects),
        sparse_rounds=tuple(sparse),
        max_rounds=max_rounds,
        max_rounds_value=max_rounds_value,
        rework_to=target,
        rework_share=share,
        rejections_per_shot=mean_interval(per_shot, level=level) if per_shot else None,
    )


def _episode_stage(
    name: str, rows: Sequence[Attempt], pools: set[str], level: float, min_values: int
) -> StageFit:
    time = fit_distribution(
        [a.hours for a in rows], "hours_per_episode", level=level, min_values=min_values
    )
    resource, counts = _most_common([a.resource for a in rows])
    return StageFit(
        name,
        "episode",
        len(rows),
        resource=resource,
        resource_is_pool=resource in pools,
        resources=counts,
        time=time,
    )


def _shows(history: History, level: float, min_values: int) -> list[ShowFit]:
    origin = history.first
    out = []
    for show in dict.fromkeys(a.show for a in history.attempts):
        frames: dict[tuple[str, str], int] = {}
        released: dict[tuple[str, str], datetime] = {}
        for a in history.attempts:  # in time order: a shot's first row comes first
            if a.show != show or a.shot is None:
                continue
            key = (a.episode, a.shot)
            if key not in frames and a.frames is not None:
                frames[key] = a.frames
            moment = a.released if history.has_released else a.start
            if moment is not None and (key not in released or moment < released[key]):
                released[key] = moment
        by_episode: dict[str, list[float]] = defaultdict(list)
        for (episode, _), moment in released.items():
            by_episode[episode].append((moment - origin).total_seconds() / 3600.0)
        out.append(
            ShowFit(
                show,
                len(frames),
                len(by_episode),
                fit_distribution(
                    list(frames.values()), "frames_per_shot", level=level, min_values=min_values
                ),
                fit_release(by_episode, level=level),
                "released" if history.has_released else "first start",
            )
        )
    return out


def calibrate(
    history: str | Path | History,
    mapping: str | Path | HistoryMapping | None = None,
    *,
    level: float = 0.95,
    min_values: int = MIN_VALUES,
) -> Calibration:
    """Fit per stage and per show what a scenario needs to a tracker's task history.

    ``history`` is a CSV file (or an already read ``History``); ``mapping`` a mapping file
    or object (default: reelsim's own column names). Refuses (``ScenarioError``, with the
    row) a log that contradicts itself, and (``InputError``) one too small to fit anything.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    if mapping is not None and not isinstance(mapping, HistoryMapping):
        mapping = load_mapping(mapping)
    if not isinstance(history, History):
        history = read_history(history, mapping)
    mapping = mapping or HistoryMapping()
    by_stage: dict[str, list[Attempt]] = defaultdict(list)
    for a in history.attempts:
        by_stage[a.stage].append(a)
    pools = {a.resource or "gpu" for a in history.attempts if history.kinds[a.stage] == "gpu"}
    pools |= set(mapping.pools)
    tallies = follow_shots(history)
    shot_fits = []
    for name in history.shot_stages:
        if history.kinds[name] == "gpu":
            shot_fits.append(_gpu_stage(name, by_stage[name], tallies[name], level, min_values))
        else:
            per_frame = mapping.time_per.get(name) == "frame"
            shot_fits.append(
                _review_stage(
                    name, by_stage[name], tallies[name], pools, per_frame, level, min_values
                )
            )
    episode_fits = [
        _episode_stage(name, by_stage[name], pools, level, min_values)
        for name in history.episode_stages
    ]
    if history.has_defects:
        shot_fits = _with_defects(history, mapping, shot_fits, level)
    shows = _shows(history, level, min_values)
    notes = _notes(history, mapping, shows, shot_fits, episode_fits)
    fitted = [f for st in (*shot_fits, *episode_fits) for _, f in st.distributions() if f.fitted]
    fitted += [s.frames_per_shot for s in shows if s.frames_per_shot.fitted]
    if not fitted:
        raise _too_small(history, notes)
    return Calibration(
        history.source,
        len(history.attempts),
        history.first,
        history.last,
        level,
        tuple(shows),
        tuple(shot_fits),
        tuple(episode_fits),
        tuple(notes),
        tuple(_assumptions(history, mapping, shot_fits)),
    )


def _with_defects(
    history: History, mapping: HistoryMapping, fits: Sequence[StageFit], level: float
) -> list[StageFit]:
    """The stages with what the defect column fits: defect, catch and clean-shot reject
    probabilities where identified, caught defects per review everywhere."""
    escapes = mapping.found_after_delivery
    tally = follow_defects(history, escapes=escapes, column=mapping.columns.defect)
    gpu = [st.name for st in fits if st.kind == "gpu"]
    defects = fit_defect_probabilities(tally, gpu, level)
    out = []
    for st in fits:
        if st.kind == "gpu":
            d = defects[st.name]
            if isinstance(d, Interval):
                out.append(replace(st, defect_probability=d))
            else:
                out.append(replace(st, defect_note=d))
            continue
        written, sparse = len(st.reject_probability), len(st.sparse_rounds)
        fit = fit_review_defects(tally, st.name, st.max_rounds_value, written + sparse, level)
        st = replace(st, caught_per_review=fit.caught_per_review, defect_note=fit.note)
        if fit.catch_probability is not None:
            clean = list(fit.reject_probability)
            cut = clean.index(None) if None in clean else len(clean)
            st = replace(
                st,
                catch_probability=fit.catch_probability,
                reject_probability=tuple(iv for iv in clean[: min(cut, written)] if iv),
                sparse_rounds=tuple(iv for iv in clean[written:cut] if iv),
            )
        out.append(st)
    return out


def _assumptions(history: History, mapping: HistoryMapping, fits: Sequence[StageFit]) -> list[str]:
    out = []
    gpu = [st.name for st in fits if st.kind == "gpu"]
    reviews = [st.name for st in fits if st.kind == "review"]
    if not history.has_defects:
        out.append(
            f"defect_probability ({', '.join(gpu) or 'no GPU stage'}) and catch_probability"
            f" ({', '.join(reviews) or 'no review'}): the history has no defect column"
            f" ({mapping.columns.defect!r}), so a rejection does not say whether it caught a"
            " defect; the reject rates are of all rejections (caught defects and notes"
            " together), which a scenario without defects reproduces"
        )
    else:
        for st in fits:
            if st.defect_note:
                key = "defect_probability" if st.kind == "gpu" else "catch_probability"
                out.append(f"{st.name} {key}: {st.defect_note}")
        if mapping.found_after_delivery:
            out.append(
                "the fitted defect and catch probabilities take every defect found after"
                " delivery to be recorded: one never found counts as clean, which raises"
                " catch_probability and lowers defect_probability"
            )
    out.append("gang sizes, pools' and teams' sizes, shifts and prices: not in a task log")
    return out


def _too_small(history: History, notes: Sequence[str]) -> ScenarioError:
    return ScenarioError(
        [Problem(f"history too small to fit: {note}", file=history.source) for note in notes]
    )


def _notes(
    history: History,
    mapping: HistoryMapping,
    shows: Sequence[ShowFit],
    shot_fits: Sequence[StageFit],
    episode_fits: Sequence[StageFit],
) -> list[str]:
    notes = []
    listed = [*(mapping.shot_stages or {}), *(mapping.episode_stages or {})]
    for name in listed:
        if name not in history.kinds:
            notes.append(f"{name}: no rows in the history")
    for show in shows:
        if not show.frames_per_shot.fitted:
            notes.append(f"{show.name} frames_per_shot: {show.frames_per_shot.note}")
        if show.release.pattern is None:
            notes.append(f"{show.name} release: {show.release.note}")
    for st in (*shot_fits, *episode_fits):
        for label, fit in st.distributions():
            where = f"{st.name} {label}".strip()
            if not fit.fitted:
                notes.append(f"{where} {fit.quantity}: {fit.note}")
            if fit.left_out:
                notes.append(
                    f"{where} {fit.quantity}: {fit.left_out} value(s) of 0 or less"
                    " left out of the fit"
                )
    return notes
