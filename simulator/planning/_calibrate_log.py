"""Reading a tracker's task log: the column mapping, the checks, and each shot's path.

A production tracker exports its task log as CSV, one row per task attempt. Trackers name
their columns and statuses their own way, so a small YAML mapping (``HistoryMapping``)
says which column holds which field and which statuses mean done, failed, approved and
rejected; it may also list the pipeline's stages, in order, with the tracker's names for
them. Reading (``read_history``) turns each row into an ``Attempt`` and refuses, with the
file, the row and the column, a log that contradicts itself: an end before its start, a
stage the mapping does not know, a negative frame count, a status it does not map, a stage
whose rows mix work outcomes (done, failed) with review outcomes (approved, rejected).

An optional defect column says whether a rejection caught a defect (a flag, or a note's
reason mapped to defect or not) and, on a delivered shot's last row, whether a defect was
found in it after delivery; ``simulator.planning._calibrate_defects`` fits defect and catch
probabilities to it. Following each shot through the pipeline is
``simulator.planning._calibrate_shots``.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.scenario import load_yaml_file, located_problems
from simulator.scenario.schema import Name

__all__ = [
    "MAX_PROBLEMS",
    "Attempt",
    "Columns",
    "History",
    "HistoryMapping",
    "Outcome",
    "StageKind",
    "load_mapping",
    "read_history",
]

Outcome = Literal["done", "failed", "approved", "rejected"]
StageKind = Literal["gpu", "review", "episode"]
"""Work on a shot (outcomes done, failed), a review of a shot (approved, rejected), or work
on a whole episode (rows without a shot)."""
REVIEW_OUTCOMES = ("approved", "rejected")

MAX_ROWS = 2_000_000
MAX_PROBLEMS = 50
"""A log with a systematic mistake (a wrong date format) would otherwise repeat one
message per row."""


# --- the mapping ----------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Columns(_Frozen):
    """The export's column names for each field (matched ignoring case and spaces around)."""

    episode: str = "episode"
    shot: str = "shot"
    """Empty on the rows of an episode stage (conform, final QC)."""
    stage: str = "stage"
    start: str = "start"
    """ISO date and time; with a UTC offset (``+01:00``, ``Z``) converted to UTC."""
    end: str = "end"
    frames: str = "frames"
    outcome: str = "outcome"
    show: str = "show"
    """Optional: without it every row belongs to the mapping's ``show``."""
    resource: str = "resource"
    """Optional: the GPU pool or the reviewer (team) that did the task."""
    released: str = "released"
    """Optional: when the shot became available (turnover); without it, the first start of
    the shot's first task stands in for it, which adds the time it waited in a queue."""
    defect: str = "defect"
    """Optional: on a rejection, whether it caught a defect (a flag, or the note's reason);
    on a delivered shot's last row, whether a defect was found in it after delivery."""


OPTIONAL_COLUMNS = ("show", "resource", "released", "defect")

DefectValue = Literal["defect", "no_defect"]
_DEFAULT_DEFECT_VALUES: dict[DefectValue, tuple[str, ...]] = {
    "defect": ("true", "yes", "y", "1", "defect"),
    "no_defect": ("false", "no", "n", "0", "none", "note"),
}

_DEFAULT_OUTCOMES: dict[Outcome, tuple[str, ...]] = {
    "done": ("done", "complete", "completed", "final", "delivered"),
    "failed": ("failed", "error", "crashed"),
    "approved": ("approved", "accepted"),
    "rejected": ("rejected", "retake", "needs revision", "revise"),
}

TrackerNames = str | tuple[str, ...]


class HistoryMapping(_Frozen):
    """How a tracker's export maps onto reelsim's task log (a YAML file, ``--mapping``)."""

    columns: Columns = Columns()
    outcomes: dict[Outcome, TrackerNames] = {}
    """The tracker's status values for each outcome; an outcome left out keeps reelsim's
    defaults (done: done, complete, final...; rejected: rejected, retake...)."""
    shot_stages: dict[Name, TrackerNames] | None = None
    """The pipeline's shot stages in order, each with the tracker's name(s) for it. When
    given (or ``episode_stages`` is), a row with any other stage is refused."""
    episode_stages: dict[Name, TrackerNames] | None = None
    resources: dict[str, Name] = {}
    """Tracker resource values to pool or team names (``"Alice Ng": supervisors``)."""
    pools: tuple[Name, ...] = ()
    """Resources that are GPU pools (a review by a QC model); pools that served a GPU stage
    are known without being listed."""
    time_per: dict[Name, Literal["frame", "shot"]] = {}
    """Review stages timed per frame (a QC model) rather than per shot (people)."""
    show: Name = "show"
    """The show's name when the log has no show column."""
    defect_values: dict[DefectValue, TrackerNames] = {}
    """The defect column's values that mean a defect and those that do not (a flag's yes and
    no, or a note's reasons: artefact, flicker... against creative, timing...); a key left
    out keeps the defaults (true, yes, 1, defect; false, no, 0, none, note). An empty cell
    is no defect."""
    found_after_delivery: bool = False
    """Whether the defect column of a delivered shot's last row records every defect found
    in the shot after delivery (an escaped defect). Without it a defect a review missed is
    never seen, and only caught defects per review are fitted."""

    def defect_table(self) -> dict[str, bool]:
        table: dict[str, bool] = {"": False}
        for value, default in _DEFAULT_DEFECT_VALUES.items():
            given = self.defect_values.get(value)
            names = default if given is None else _names(given)
            table.update({_key(n): value == "defect" for n in names})
        return table

    def outcome_table(self) -> dict[str, Outcome]:
        table: dict[str, Outcome] = {}
        for outcome, default in _DEFAULT_OUTCOMES.items():
            given = self.outcomes.get(outcome)
            names = default if given is None else _names(given)
            table.update({_key(n): outcome for n in names})
        return table

    def stage_table(self) -> dict[str, tuple[str, bool]]:
        """Tracker stage name (normalised) → (reelsim stage, is an episode stage)."""
        table: dict[str, tuple[str, bool]] = {}
        for stages, episode in ((self.shot_stages, False), (self.episode_stages, True)):
            for name, tracker in (stages or {}).items():
                table[_key(name)] = (name, episode)
                table.update({_key(t): (name, episode) for t in _names(tracker)})
        return table

    @property
    def lists_stages(self) -> bool:
        return self.shot_stages is not None or self.episode_stages is not None


def _names(value: TrackerNames) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_mapping(path: str | Path) -> HistoryMapping:
    """Read a mapping file; a bad one is refused with located problems."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(Problem(f"no such mapping file: {path}", file=str(path)))
    data, positions = load_yaml_file(path)
    try:
        return HistoryMapping.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(located_problems(error, positions, str(path), HistoryMapping)) from None


# --- the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One row of the log: one attempt at one task."""

    row: int
    """Line of the CSV file (the header is line 1)."""
    show: str
    episode: str
    shot: str | None
    """None for an episode stage's task."""
    stage: str
    start: datetime
    end: datetime
    frames: int | None
    outcome: Outcome
    resource: str | None
    released: datetime | None
    defect: bool | None = None
    """The defect column (None without one): a rejection that caught a defect, or a
    delivered shot found with one after delivery."""

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True)
class History:
    """A validated task log."""

    source: str
    attempts: tuple[Attempt, ...]
    shot_stages: tuple[str, ...]
    """In pipeline order: the mapping's, or inferred from the order shots went through."""
    episode_stages: tuple[str, ...]
    kinds: Mapping[str, StageKind]
    has_released: bool
    has_defects: bool = False
    """The log has a defect column."""

    @property
    def first(self) -> datetime:
        return min(a.start for a in self.attempts)

    @property
    def last(self) -> datetime:
        return max(a.end for a in self.attempts)


_ISO_HINT = "an ISO date and time such as 2027-01-04T09:30:00"


def _moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _frames(text: str) -> int:
    number = float(text)
    if not math.isfinite(number) or number != int(number):
        raise ValueError(text)
    return int(number)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", text.strip()).strip("_")[:100]


class _Rows:
    """Reads the CSV and collects located problems, up to ``MAX_PROBLEMS``."""

    def __init__(self, path: Path, mapping: HistoryMapping) -> None:
        self.path = path
        self.source = str(path)
        self.mapping = mapping
        self.problems: list[Problem] = []
        self.outcomes = mapping.outcome_table()
        self.stages = mapping.stage_table()
        self.defects = mapping.defect_table()

    def refuse(self, row: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(message, column, self.source, row))

    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def header(self, fields: Sequence[str]) -> dict[str, str] | None:
        """Our field → the export's column, or None (with a problem) if one is missing."""
        found = {_key(f): f for f in fields if f is not None}
        columns = self.mapping.columns
        given = columns.model_fields_set
        out: dict[str, str] = {}
        missing = []
        for name in Columns.model_fields:
            wanted = getattr(columns, name)
            if _key(wanted) in found:
                out[name] = found[_key(wanted)]
            elif name not in OPTIONAL_COLUMNS or name in given:
                missing.append(f"{wanted!r} ({name})")
        if missing:
            self.refuse(
                1,
                "",
                f"missing column(s) {', '.join(missing)}; found: {', '.join(fields) or 'none'}"
                " (a mapping file, --mapping, names your export's columns)",
            )
            return None
        return out

    def read(self) -> list[Attempt]:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise ScenarioError(
                Problem(f"cannot read the history: {error}", file=self.source)
            ) from None
        reader = csv.DictReader(io.StringIO(text))
        try:
            return self._rows(reader)
        except csv.Error as error:
            raise ScenarioError(
                Problem(f"not a readable CSV: {error}", "", self.source, reader.line_num)
            ) from None

    def _rows(self, reader: csv.DictReader[str]) -> list[Attempt]:
        columns = self.header(list(reader.fieldnames or []))
        if columns is None:
            return []
        attempts: list[Attempt] = []
        for row_number, raw in enumerate(reader, start=2):
            if row_number > MAX_ROWS + 1:
                self.refuse(row_number, "", f"more than {MAX_ROWS:,} rows")
                break
            if self.full():
                break
            values = {k: (raw.get(c) or "").strip() for k, c in columns.items()}
            if not any(values.values()):
                continue  # a blank line
            attempt = self._attempt(row_number, values, columns)
            if attempt is not None:
                attempts.append(attempt)
        return attempts

    def _attempt(self, row: int, v: dict[str, str], col: dict[str, str]) -> Attempt | None:
        before = len(self.problems)
        stage, episode_stage = self._stage(row, v["stage"], col["stage"])
        outcome = self.outcomes.get(_key(v["outcome"]))
        if outcome is None:
            known = ", ".join(
                f"{o}: {', '.join(n for n, oo in self.outcomes.items() if oo == o)}"
                for o in _DEFAULT_OUTCOMES
            )
            self.refuse(
                row,
                col["outcome"],
                f"unknown outcome {v['outcome']!r}; the mapping knows {known}"
                " (map your tracker's status values under 'outcomes')",
            )
        if not v["episode"]:
            self.refuse(row, col["episode"], "no episode")
        start = self._time(row, v["start"], col["start"])
        end = self._time(row, v["end"], col["end"])
        if start is not None and end is not None and end < start:
            self.refuse(row, col["end"], f"end {v['end']} is before start {v['start']}")
        shot = v["shot"] or None
        if episode_stage is True and shot is not None:
            self.refuse(
                row, col["shot"], f"{stage!r} is an episode stage, but the row names a shot"
            )
        if episode_stage is False and shot is None:
            self.refuse(row, col["shot"], f"{stage!r} is a shot stage, but the row names no shot")
        frames = self._frame_count(row, v["frames"], col["frames"], needed=shot is not None)
        released = None
        if v.get("released"):
            released = self._time(row, v["released"], col["released"])
            if released is not None and start is not None and released > start:
                self.refuse(
                    row,
                    col["released"],
                    f"released {v['released']} after the attempt started ({v['start']})",
                )
        defect = self._defect(row, v, col, outcome) if "defect" in col else None
        if len(self.problems) > before or self.full():
            return None
        assert start is not None
        assert end is not None
        assert outcome is not None
        assert stage
        resource = v.get("resource") or None
        if resource is not None:
            resource = self.mapping.resources.get(resource, _slug(resource) or resource)
        return Attempt(
            row=row,
            show=_slug(v["show"]) if v.get("show") else self.mapping.show,
            episode=v["episode"],
            shot=shot,
            stage=stage,
            start=start,
            end=end,
            frames=frames,
            outcome=outcome,
            resource=resource,
            released=released,
            defect=defect,
        )

    def _defect(
        self, row: int, v: dict[str, str], col: dict[str, str], outcome: Outcome | None
    ) -> bool | None:
        defect = self.defects.get(_key(v["defect"]))
        if defect is None:
            known = ", ".join(
                f"{kind}: {', '.join(repr(n) for n, d in self.defects.items() if d == is_defect)}"
                for kind, is_defect in (("defect", True), ("no_defect", False))
            )
            self.refuse(
                row,
                col["defect"],
                f"unknown defect value {v['defect']!r}; the mapping knows {known}"
                " (map your tracker's values under 'defect_values')",
            )
        elif defect and (outcome == "failed" or not v["shot"]):
            self.refuse(
                row,
                col["defect"],
                "a defect on a failed attempt or an episode's task: only a rejection (a defect"
                " caught) or a delivered shot's last row (one found later) can carry one",
            )
        return defect

    def _stage(self, row: int, text: str, column: str) -> tuple[str, bool | None]:
        if not text:
            self.refuse(row, column, "no stage")
            return "", None
        if not self.mapping.lists_stages:
            name = _slug(text)
            if not name:
                self.refuse(row, column, f"stage {text!r} has no letters or digits")
            return name, None
        found = self.stages.get(_key(text))
        if found is None:
            names = sorted({n for n, _ in self.stages.values()})
            close = difflib.get_close_matches(_key(text), list(self.stages), n=1)
            hint = f"; did you mean {self.stages[close[0]][0]!r}?" if close else ""
            self.refuse(
                row,
                column,
                f"unknown stage {text!r}{hint} The mapping's stages are {', '.join(names)}"
                " (add the tracker's name for it to the mapping)",
            )
            return "", None
        return found

    def _time(self, row: int, text: str, column: str) -> datetime | None:
        try:
            return _moment(text)
        except ValueError:
            self.refuse(row, column, f"expected {_ISO_HINT}, got {text!r}")
            return None

    def _frame_count(self, row: int, text: str, column: str, *, needed: bool) -> int | None:
        if not text:
            if needed:
                self.refuse(row, column, "no frame count (a shot's task needs one)")
            return None
        try:
            frames = _frames(text)
        except ValueError:
            self.refuse(row, column, f"expected a whole number of frames, got {text!r}")
            return None
        if frames < 0:
            self.refuse(row, column, f"negative frame count {frames}")
            return None
        if frames == 0 and needed:
            self.refuse(row, column, "a shot has at least 1 frame, got 0")
            return None
        return frames


def _check_kinds(attempts: Sequence[Attempt], rows: _Rows) -> dict[str, StageKind]:
    """Each stage is work (done/failed) or a review (approved/rejected), of shots or of
    episodes: its first row decides, and a row that disagrees is refused."""
    first: dict[str, Attempt] = {}
    kinds: dict[str, StageKind] = {}
    for a in attempts:
        seen = first.setdefault(a.stage, a)
        review = a.outcome in REVIEW_OUTCOMES
        if (seen.outcome in REVIEW_OUTCOMES) != review:
            rows.refuse(
                a.row,
                rows.mapping.columns.outcome,
                f"stage {a.stage!r} logged {seen.outcome!r} on row {seen.row} but {a.outcome!r}"
                " here: a stage is either work (done, failed) or a review (approved, rejected)",
            )
        if (seen.shot is None) != (a.shot is None):
            rows.refuse(
                a.row,
                rows.mapping.columns.shot,
                f"stage {a.stage!r} is {'an episode' if seen.shot is None else 'a shot'} stage"
                f" (row {seen.row}) but this row {'names' if a.shot else 'names no'} shot",
            )
        if a.shot is None:
            kinds[a.stage] = "episode"
        else:
            kinds[a.stage] = "review" if seen.outcome in REVIEW_OUTCOMES else "gpu"
    return kinds


def _pipeline_order(attempts: Sequence[Attempt], stages: Sequence[str]) -> list[str]:
    """Shot stages in the order shots go through them: a stage comes before another if,
    among shots that have both, its first start is earlier more often (Copeland count)."""
    first: dict[tuple[str, str, str], dict[str, datetime]] = defaultdict(dict)
    for a in attempts:
        if a.shot is not None:
            seen = first[(a.show, a.episode, a.shot)]
            if a.stage not in seen or a.start < seen[a.stage]:
                seen[a.stage] = a.start
    wins: Counter[str] = Counter(dict.fromkeys(stages, 0))
    for x in stages:
        for y in stages:
            if x < y:
                ahead = sum(1 for s in first.values() if x in s and y in s and s[x] < s[y])
                behind = sum(1 for s in first.values() if x in s and y in s and s[y] < s[x])
                if ahead > behind:
                    wins[x] += 1
                elif behind > ahead:
                    wins[y] += 1
    return sorted(stages, key=lambda s: (-wins[s], stages.index(s)))


def read_history(path: str | Path, mapping: HistoryMapping | None = None) -> History:
    """Read and check a task log; refuse it with located problems if it contradicts itself."""
    path = Path(path)
    mapping = mapping or HistoryMapping()
    if not path.is_file():
        raise ScenarioError(Problem(f"no such history file: {path}", file=str(path)))
    rows = _Rows(path, mapping)
    attempts = rows.read()
    kinds = _check_kinds(attempts, rows) if not rows.problems else {}
    if rows.problems:
        if rows.full():
            rows.problems.append(
                Problem(f"stopped after {MAX_PROBLEMS} problems", file=rows.source)
            )
        raise ScenarioError(rows.problems)
    if not attempts:
        raise ScenarioError(Problem("the history has no task rows", file=str(path), line=2))
    present = list(dict.fromkeys(a.stage for a in attempts))
    if mapping.shot_stages is not None:
        shot_stages = [s for s in mapping.shot_stages if s in kinds]
    else:
        shot_stages = _pipeline_order(attempts, [s for s in present if kinds[s] != "episode"])
    episode_stages = [s for s in (mapping.episode_stages or {}) if s in kinds] or sorted(
        (s for s in present if kinds[s] == "episode"),
        key=lambda s: min(a.start for a in attempts if a.stage == s),
    )
    attempts.sort(key=lambda a: (a.start, a.end, a.row))
    return History(
        str(path),
        tuple(attempts),
        tuple(shot_stages),
        tuple(episode_stages),
        kinds,
        any(a.released is not None for a in attempts),
        any(a.defect is not None for a in attempts),
    )
