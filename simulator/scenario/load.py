"""From a scenario file to a validated, self-contained ``Scenario``.

The steps, each of which may refuse the file with located problems:

1. read the YAML safely, keeping every value's line and column (``_yaml``);
2. apply ``--set PATH=VALUE`` overrides;
3. validate into frozen models (``schema``);
4. inline what the file refers to: GPU prices from the prices file, shot lists from CSV
   (files inside the scenario's folder only, read with limits: ``_files``);
5. check cross-references (``references``).

However many values are wrong, at most ``MAX_PROBLEMS`` problems are reported, the last
one saying how many more there were.

The result refers to no other file, so it can be hashed, shipped to a worker, or
written back to YAML.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.files import StrPath
from simulator.scenario._files import ReadRefused, excerpt, read_regular_file, referenced_file
from simulator.scenario._located import located_problems
from simulator.scenario._overrides import apply_overrides
from simulator.scenario._positions import Positions
from simulator.scenario._values import MAX_FRAMES, MAX_MONEY
from simulator.scenario._words import closest_name
from simulator.scenario._yaml import load_yaml_file
from simulator.scenario.references import check_references
from simulator.scenario.schema import EpisodeSeries, Scenario, ShotRecord, Show

__all__ = [
    "PriceEntry",
    "PricesFile",
    "load_prices",
    "load_scenario",
    "parse_scenario",
    "scenario_sha256",
]

MAX_SHOT_LIST_ROWS = 1_000_000
MAX_SHOT_LIST_BYTES = 64 * 1024 * 1024
"""The largest shot list: a million rows of ordinary width fit with room to spare."""
MAX_PROBLEMS = 20
"""The most problems one refusal lists; the last line counts the rest."""


class PriceEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    usd_per_gpu_hour: Annotated[float, Field(ge=0.0, le=MAX_MONEY)]
    source: Annotated[str, Field(min_length=1, max_length=1000)]
    """Where the figure comes from: a public page, a survey, a contract."""
    date: date | str
    """When the figure was seen (a date or a month, "2026-03")."""
    note: Annotated[str, Field(max_length=1000)] = ""


class PricesFile(BaseModel):
    """A dated, sourced list of GPU prices that scenarios refer to by key."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    as_of: date
    currency: Literal["USD"] = "USD"
    prices: Annotated[dict[str, PriceEntry], Field(min_length=1)]


def _capped(problems: Sequence[Problem]) -> list[Problem]:
    """At most ``MAX_PROBLEMS`` problems, the last saying how many more there were."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    kept = list(problems[: MAX_PROBLEMS - 1])
    rest = len(problems) - len(kept)
    files = {p.file for p in problems[len(kept) :]}
    where = next(iter(files)) if len(files) == 1 else None
    return [*kept, Problem(f"and {rest:,} more problems like these", "", where)]


def _validate(model: type[BaseModel], data: Any, positions: Positions, source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = located_problems(error, positions, source, model)
        raise ScenarioError(_capped(problems)) from None


def load_prices(path: StrPath) -> PricesFile:
    data, positions = load_yaml_file(path)
    result: PricesFile = _validate(PricesFile, data, positions, str(path))
    return result


def load_scenario(path: StrPath, overrides: Sequence[str] = ()) -> Scenario:
    """Read, validate and resolve a scenario file; raise ``ScenarioError`` if it is bad."""
    path = Path(path)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name the system refuses (too long, say)
        exists = False
    if not exists:
        raise ScenarioError(Problem(f"no such scenario file: {path}", file=str(path)))
    data, positions = load_yaml_file(path)
    if overrides:
        data = apply_overrides(data, overrides, positions)
    return parse_scenario(data, positions, source=str(path), base_dir=path.parent)


def parse_scenario(data: Any, positions: Positions, *, source: str, base_dir: StrPath) -> Scenario:
    base_dir = Path(base_dir)
    scenario: Scenario = _validate(Scenario, data, positions, source)

    def at(path: tuple[str | int, ...], message: str) -> Problem:
        return positions.problem(path, message, source)

    problems: list[Problem] = []
    scenario = _inline_prices(scenario, base_dir, at, problems)
    scenario = _inline_shot_lists(scenario, base_dir, at, problems)
    if not problems:
        problems.extend(at(path, message) for path, message in check_references(scenario))
    if problems:
        raise ScenarioError(_capped(problems))
    return scenario


def _inline_prices(
    scenario: Scenario, base_dir: Path, at: Any, problems: list[Problem]
) -> Scenario:
    needs = {name: p for name, p in scenario.pools.items() if p.price is not None}
    if not needs:
        return scenario
    if scenario.prices is None:
        for name in needs:
            problems.append(
                at(("pools", name, "price"), "a 'price' key needs the scenario's 'prices' file")
            )
        return scenario
    try:
        prices_path = referenced_file(base_dir, scenario.prices, "prices file")
    except ReadRefused as error:
        problems.append(at(("prices",), str(error)))
        return scenario
    table = load_prices(prices_path).prices
    pools = dict(scenario.pools)
    for name, pool in needs.items():
        assert pool.price is not None
        entry = table.get(pool.price)
        if entry is None:
            close = closest_name(pool.price, list(table))
            hint = f"; did you mean {close!r}?" if close else ""
            problems.append(
                at(
                    ("pools", name, "price"),
                    f"no price {pool.price!r} in {prices_path}{hint} (prices there: "
                    f"{', '.join(table)})",
                )
            )
            continue
        if (
            pool.price_per_gpu_hour is not None
            and pool.price_per_gpu_hour != entry.usd_per_gpu_hour
        ):
            problems.append(
                at(
                    ("pools", name, "price_per_gpu_hour"),
                    f"{pool.price_per_gpu_hour} disagrees with price {pool.price!r} "
                    f"= {entry.usd_per_gpu_hour} in {prices_path}; give one of the two",
                )
            )
            continue
        pools[name] = pool.model_copy(update={"price_per_gpu_hour": entry.usd_per_gpu_hour})
    return scenario.model_copy(update={"pools": pools})


_Rows = tuple[list[ShotRecord], list[int], list[Problem]]  # records, their lines, problems


def _read_shot_list(path: Path, show: str) -> _Rows:
    try:
        data = read_regular_file(path, MAX_SHOT_LIST_BYTES, "shot list")
    except ReadRefused as error:
        return [], [], [Problem(str(error), f"shows.{show}.shot_list", str(path))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8"
        return [], [], [Problem(message, "", str(path), row)]
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _shot_rows(reader, path)
    except csv.Error as error:  # a malformed or oversized field
        return [], [], [Problem(f"not a readable CSV: {error}", "", str(path), reader.line_num)]


def _shot_rows(reader: csv.DictReader[str], path: Path) -> _Rows:
    problems: list[Problem] = []
    records: list[ShotRecord] = []
    lines: list[int] = []
    skipped = 0
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("episode", "shot", "frames") if c not in header]
    if missing:
        found = excerpt(",".join(header), 40) if header else "no header"
        message = f"expected columns episode, shot, frames; missing {', '.join(missing)}"
        return [], [], [Problem(f"{message} (the first line reads {found})", "", str(path), 1)]
    seen: set[tuple[str, str]] = set()
    for count, row in enumerate(reader, start=1):
        row_number = reader.line_num
        if count > MAX_SHOT_LIST_ROWS:
            problems.append(
                Problem(f"more than {MAX_SHOT_LIST_ROWS:,} rows", "", str(path), row_number)
            )
            break
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        try:
            frames = int(clean["frames"])
            record = ShotRecord(episode=clean["episode"], shot=clean["shot"], frames=frames)
        except (ValueError, ValidationError):
            if len(problems) >= MAX_PROBLEMS - 1:
                skipped += 1  # counted, not described: only so many are printed
                continue
            got = ", ".join(excerpt(clean.get(k) or "") for k in ("episode", "shot", "frames"))
            problems.append(
                Problem(
                    "expected an episode name, a shot code and a whole number of frames from 1 "
                    f"to {MAX_FRAMES:,}, got {got}",
                    "",
                    str(path),
                    row_number,
                )
            )
            continue
        key = (record.episode, record.shot)
        if key in seen:
            problems.append(
                Problem(
                    f"shot {record.shot!r} of {record.episode!r} appears twice",
                    "",
                    str(path),
                    row_number,
                )
            )
        seen.add(key)
        records.append(record)
        lines.append(row_number)
    if skipped:
        problems.append(Problem(f"and {skipped:,} more rows like these", "", str(path)))
    return records, lines, problems


def _unknown_episodes(
    records: list[ShotRecord], lines: list[int], show_name: str, show: Show, path: Path
) -> list[Problem]:
    """A problem for each row whose episode the show does not have."""
    if isinstance(show.episodes, EpisodeSeries):
        known = list(show.episodes.names)
    else:
        known = [ep.name for ep in show.episodes]
    known_set = set(known)
    problems: list[Problem] = []
    hints: dict[str, str] = {}
    for row_number, record in zip(lines, records, strict=True):
        name = record.episode
        if name in known_set:
            continue
        if name not in hints:
            folded = {k.lower(): k for k in known}
            close = [folded[name.lower()]] if name.lower() in folded else []
            close = close or difflib.get_close_matches(name, known, n=1)
            hints[name] = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(
            Problem(
                f"show {show_name!r} has no episode named {name!r}{hints[name]} "
                f"(its episodes: {_listed(known)})",
                "",
                str(path),
                row_number,
            )
        )
    return problems


def _listed(names: list[str]) -> str:
    return ", ".join(names[:10]) + (f", ... ({len(names):,} in all)" if len(names) > 10 else "")


def _inline_shot_lists(
    scenario: Scenario, base_dir: Path, at: Any, problems: list[Problem]
) -> Scenario:
    shows: dict[str, Show] = dict(scenario.shows)
    changed = False
    for name, show in scenario.shows.items():
        if show.shot_list is None or show.shot_records:
            continue
        try:
            path = referenced_file(base_dir, show.shot_list, "shot list")
        except ReadRefused as error:
            problems.append(at(("shows", name, "shot_list"), str(error)))
            continue
        records, lines, found = _read_shot_list(path, name)
        found += _unknown_episodes(records, lines, name, show, path)
        problems.extend(found)
        shows[name] = show.model_copy(update={"shot_records": tuple(records)})
        changed = True
    return scenario.model_copy(update={"shows": shows}) if changed else scenario


def scenario_sha256(scenario: Scenario) -> str:
    """A fingerprint of everything that determines results (key order kept)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
