"""Where a season stands today: the status export of a production tracker.

Mid-season, a planner simulates the rest of the season from where it stands. The status
is a CSV, one row per shot or per episode, with these columns (only ``episode`` and
``status`` are required; empty cells take the defaults)::

    episode  the episode's name as in the scenario ("ep03"; in a slate "show/ep03")
    shot     the shot's code in the shot list, or its number in the episode (1, 2, ...);
             empty for a row about the episode itself
    status   for a shot: not_started | at_stage | through | failed
             for an episode: open | at_stage | delivered
    stage    at_stage: the shot stage (or, for an episode, the episode stage) it is at
    pass     at_stage: rework passes so far (default 0)
    attempt  at_stage: attempts already used at that stage (default 0)
    frames   a shot's frames, when the tracker knows them (default: drawn as usual)
    at       delivered: when the episode was delivered (a date means its 24:00)
    amount   an episode row: USD already spent on the episode before now (adds up)

Shots a file does not name are not started in an open episode, and through in an episode
at a stage or delivered. Work in hand at ``now`` starts again from the start of its stage
(its attempt's draws are the same). Pools start ``now`` with every reserved GPU up and no
cloud unit leased; teams with the head count of their shift at ``now``.

``load_status`` checks every row and refuses the file with the row number of each problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from simulator.calendar import hours_at
from simulator.errors import Problem, ScenarioError, UsageError
from simulator.model.compiler import compile_season
from simulator.model.season import (
    EpisodeModel,
    EpisodeStatus,
    SeasonModel,
    ShotStatus,
    StageKind,
    StartingState,
)
from simulator.scenario.schema import Calendar, Scenario

__all__ = [
    "COLUMNS",
    "Status",
    "StatusSource",
    "as_status",
    "empty_state",
    "load_status",
    "parse_status",
    "with_start",
]

COLUMNS = ("episode", "shot", "status", "stage", "pass", "attempt", "frames", "at", "amount")
MAX_ROWS = 2_000_000


def empty_state(model: SeasonModel, now: float) -> StartingState:
    """Nothing has happened yet, and the run starts at ``now``."""
    n, m = model.n_shots, model.n_episodes
    return StartingState(
        now=now,
        shot_status=(ShotStatus.NOT_STARTED,) * n,
        shot_stage=(0,) * n,
        shot_pass=(0,) * n,
        shot_attempt=(0,) * n,
        shot_frames=(0,) * n,
        episode_status=(EpisodeStatus.OPEN,) * m,
        episode_stage=(0,) * m,
        episode_delivered=(math.nan,) * m,
        costs_so_far=(0.0,) * m,
    )


def with_start(model: SeasonModel, state: StartingState) -> SeasonModel:
    """The model whose runs start from ``state``."""
    if not 0.0 <= state.now < model.horizon:
        raise ScenarioError(
            f"now is {state.now / 24:.2f} days after the season start; it must lie in "
            f"[0, horizon = {model.horizon / 24:.2f} days)"
        )
    return replace(model, start=state)


def load_status(
    path: str | Path, model: SeasonModel, calendar: Calendar, now: date | datetime | float
) -> StartingState:
    _, text = _read_status_file(Path(path))
    return parse_status(text, str(path), model, calendar, now)


MAX_STATUS_BYTES = 256 * 1024 * 1024
"""The largest status file: a row per shot of the largest season, with room to spare."""


def _read_status_file(path: Path) -> tuple[bytes, str]:
    """The status file's bytes and its text (UTF-8, a byte-order mark allowed): a regular
    file within ``MAX_STATUS_BYTES``, checked before anything is read (a FIFO or a device
    such as /dev/zero is refused at once)."""
    from simulator.scenario import ReadRefused, read_regular_file

    try:
        raw = read_regular_file(path, MAX_STATUS_BYTES, "status file")
        return raw, raw.decode("utf-8-sig")
    except ReadRefused as error:
        raise ScenarioError(Problem(str(error), file=str(path))) from None
    except UnicodeDecodeError as error:
        message = f"the status file is not UTF-8 text (byte 0x{raw[error.start]:02x})"
        raise ScenarioError(Problem(message, file=str(path))) from None


def _moment(calendar: Calendar, text: str) -> float:
    if "T" in text or " " in text:
        return hours_at(calendar, datetime.fromisoformat(text))
    return hours_at(calendar, date.fromisoformat(text), end_of_day=True)


def parse_status(
    text: str, source: str, model: SeasonModel, calendar: Calendar, now: date | datetime | float
) -> StartingState:
    """The starting state a status export describes; every problem is reported with its row."""
    now_h = now if isinstance(now, float) else hours_at(calendar, now)
    draft = _Draft(model, calendar, now_h)
    problems: list[Problem] = []
    for number, row in enumerate(_status_rows(text, source), start=2):
        message = draft.read(row)
        if message is not None:
            problems.append(Problem(message, "", source, number))
    problems += [Problem(message, "", source) for message in draft.close()]
    if problems:
        raise ScenarioError(problems)
    return draft.state()


def _status_rows(text: str, source: str) -> list[dict[str, str]]:
    """The rows of a status export, keys lower case and cells stripped; the header checked."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in ("episode", "status") if c not in header]
    if unknown or missing:
        what = []
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            what.append(f"unknown column(s) {', '.join(unknown)}")
        raise ScenarioError(
            Problem(f"{'; '.join(what)} (columns: {', '.join(COLUMNS)})", "", source, 1)
        )
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ScenarioError(
            Problem(f"not a readable CSV: {error}", "", source, reader.line_num)
        ) from None
    if len(rows) > MAX_ROWS:
        raise ScenarioError(Problem(f"more than {MAX_ROWS} rows", "", source, MAX_ROWS + 1))
    return [
        {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k} for raw in rows
    ]


class _Draft:
    """A starting state being read from a status export, row by row."""

    def __init__(self, model: SeasonModel, calendar: Calendar, now: float) -> None:
        state = empty_state(model, now)
        self.model, self.calendar, self.now = model, calendar, now
        self.shot_status = list(state.shot_status)
        self.shot_stage, self.shot_pass = list(state.shot_stage), list(state.shot_pass)
        self.shot_attempt, self.shot_frames = list(state.shot_attempt), list(state.shot_frames)
        self.ep_status, self.ep_stage = list(state.episode_status), list(state.episode_stage)
        self.ep_delivered, self.costs = list(state.episode_delivered), list(state.costs_so_far)
        self.named = [False] * model.n_shots
        self.episodes = {ep.name: ep for ep in model.episodes}
        self.shot_stages = {st.name: st for st in model.shot_stages}
        self.episode_stages = {st.name: st for st in model.episode_stages}

    def read(self, row: dict[str, str]) -> str | None:
        """Take one row in; what is wrong with it, if anything."""
        episodes = self.episodes
        ep = episodes.get(row.get("episode", ""))
        if ep is None:
            more = ", ..." if len(episodes) > 8 else ""
            return (
                f"no episode {row.get('episode', '')!r} in the scenario "
                f"(episodes: {', '.join(list(episodes)[:8])}{more})"
            )
        try:
            whole = {k: int(row[k]) if row.get(k) else 0 for k in ("pass", "attempt", "frames")}
            amount = float(row["amount"]) if row.get("amount") else 0.0
        except ValueError:
            return "pass, attempt and frames must be whole numbers and amount a number"
        if min(whole.values()) < 0 or not math.isfinite(amount) or amount < 0:
            return "pass, attempt, frames and amount must not be negative"
        self.costs[ep.index] += amount
        shot_code = row.get("shot", "")
        if not shot_code:
            return self._episode_row(ep, row)
        return self._shot_row(ep, shot_code, row, whole)

    def _episode_row(self, ep: EpisodeModel, row: dict[str, str]) -> str | None:
        status = row.get("status", "")
        if status == "open":
            return None
        if status == "at_stage":
            st = self.episode_stages.get(row.get("stage", ""))
            if st is None:
                return (
                    f"episode stage {row.get('stage', '')!r} is not one of "
                    f"{', '.join(self.episode_stages) or 'none (the scenario has none)'}"
                )
            self.ep_status[ep.index], self.ep_stage[ep.index] = EpisodeStatus.AT_STAGE, st.index
            return None
        if status == "delivered":
            try:
                at = _moment(self.calendar, row["at"]) if row.get("at") else math.nan
            except ValueError:
                return f"'at' must be a date or date-time, got {row.get('at')!r}"
            if math.isnan(at) or at > self.now:
                return "a delivered episode needs 'at', no later than now"
            self.ep_status[ep.index], self.ep_delivered[ep.index] = EpisodeStatus.DELIVERED, at
            return None
        return f"an episode's status is open, at_stage or delivered, got {status!r}"

    def _shot_row(
        self, ep: EpisodeModel, shot_code: str, row: dict[str, str], whole: dict[str, int]
    ) -> str | None:
        k = _shot_index(ep.shot_codes, ep.n_shots, shot_code)
        if k is None:
            return (
                f"episode {ep.name} has no shot {shot_code!r} (give its code in the shot "
                f"list, or its number 1..{ep.n_shots})"
            )
        sid = ep.first_shot + k
        if self.named[sid]:
            return f"shot {shot_code!r} of {ep.name} appears twice"
        self.named[sid] = True
        if whole["frames"]:
            self.shot_frames[sid] = whole["frames"]
        status = row.get("status", "")
        if status == "not_started":
            return None
        if status in ("through", "failed"):
            self.shot_status[sid] = ShotStatus[status.upper()]
            return None
        if status != "at_stage":
            return f"a shot's status is not_started, at_stage, through or failed, got {status!r}"
        st = self.shot_stages.get(row.get("stage", ""))
        if st is None:
            return (
                f"shot stage {row.get('stage', '')!r} is not one of {', '.join(self.shot_stages)}"
            )
        gpu = st.kind == StageKind.GPU
        if gpu and whole["attempt"] >= st.max_attempts:
            return (
                f"{st.name} allows {st.max_attempts} attempts; attempt {whole['attempt']} "
                "would be past them"
            )
        self.shot_status[sid] = ShotStatus.AT_STAGE
        self.shot_stage[sid], self.shot_pass[sid] = st.index, whole["pass"]
        self.shot_attempt[sid] = whole["attempt"] if gpu else 0
        return None

    def close(self) -> list[str]:
        """Shots not named: through in an episode past its shots, else not started. What
        contradicts that: a shot named in the pipeline of an episode past its shots."""
        problems: list[str] = []
        for ep in self.model.episodes:
            if self.ep_status[ep.index] == EpisodeStatus.OPEN:
                continue
            for sid in range(ep.first_shot, ep.first_shot + ep.n_shots):
                if not self.named[sid]:
                    self.shot_status[sid] = ShotStatus.THROUGH
                elif self.shot_status[sid] in (ShotStatus.NOT_STARTED, ShotStatus.AT_STAGE):
                    problems.append(
                        f"episode {ep.name} is past its shots, but its shot "
                        f"{sid - ep.first_shot + 1} is still in the pipeline"
                    )
        return problems

    def state(self) -> StartingState:
        return StartingState(
            now=self.now,
            shot_status=tuple(self.shot_status),
            shot_stage=tuple(self.shot_stage),
            shot_pass=tuple(self.shot_pass),
            shot_attempt=tuple(self.shot_attempt),
            shot_frames=tuple(self.shot_frames),
            episode_status=tuple(self.ep_status),
            episode_stage=tuple(self.ep_stage),
            episode_delivered=tuple(self.ep_delivered),
            costs_so_far=tuple(self.costs),
        )


def _shot_index(codes: tuple[str, ...], n: int, text: str) -> int | None:
    if codes:
        try:
            return codes.index(text)
        except ValueError:
            return None
    if text.isdigit() and 1 <= int(text) <= n:
        return int(text) - 1
    return None


@dataclass(frozen=True)
class Status:
    """Where every replication starts: a status export (``--from``) and the moment it
    describes (``--now``). Its state depends on each point's compiled model (a point may
    change the scenario), so ``state`` loads it per point; ``sha256`` (of the file's bytes
    and ``now``) goes into every chunk key, so chunks of another status are never reused."""

    path: Path
    now: date | datetime
    text: str
    sha256: str

    @classmethod
    def read(cls, path: str | Path, now: str | date | datetime) -> Status:
        from simulator.calendar import parse_moment

        path = Path(path)
        if isinstance(now, str):
            try:
                now = parse_moment(now)
            except ValueError as error:
                raise UsageError(f"--now: {error}") from None
        raw, text = _read_status_file(path)
        digest = hashlib.sha256(raw)
        digest.update(b"\0now=" + now.isoformat().encode())
        return cls(path, now, text, digest.hexdigest())

    def state(self, scenario: Scenario, model: SeasonModel | None = None) -> StartingState:
        """The starting state for ``scenario`` (every row checked against its model)."""
        model = compile_season(scenario) if model is None else model
        return parse_status(self.text, str(self.path), model, scenario.calendar, self.now)

    def manifest(self) -> dict[str, Any]:
        return {"path": str(self.path), "now": self.now.isoformat(), "sha256": self.sha256}


StatusSource = Status | tuple[str | Path, str | date | datetime]
"""A ``Status``, or ``(path, now)`` with ``now`` a date, a datetime or their text."""


def as_status(status: StatusSource | None) -> Status | None:
    if status is None or isinstance(status, Status):
        return status
    path, now = status
    return Status.read(path, now)
