"""From a scenario file to a validated, self-contained ``Scenario``.

The steps, each of which may refuse the file with located problems:

1. read the YAML safely, keeping every value's line and column (``_yaml``);
2. apply ``--set PATH=VALUE`` overrides;
3. validate into frozen models (``schema``);
4. inline what the file refers to: GPU prices from the prices file, shot lists from CSV;
5. check cross-references (``references``).

The result refers to no other file, so it can be hashed, shipped to a worker, or
written back to YAML.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.scenario._located import located_problems
from simulator.scenario._yaml import Positions, apply_overrides, load_yaml_file
from simulator.scenario.references import check_references
from simulator.scenario.schema import Scenario, ShotRecord, Show

__all__ = [
    "PriceEntry",
    "PricesFile",
    "load_prices",
    "load_scenario",
    "parse_scenario",
    "scenario_sha256",
]

MAX_SHOT_LIST_ROWS = 1_000_000


class PriceEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    usd_per_gpu_hour: Annotated[float, Field(ge=0.0)]
    source: Annotated[str, Field(min_length=1)]
    """Where the figure comes from: a public page, a survey, a contract."""
    date: date | str
    """When the figure was seen (a date or a month, "2026-03")."""
    note: str = ""


class PricesFile(BaseModel):
    """A dated, sourced list of GPU prices that scenarios refer to by key."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    as_of: date
    currency: Literal["USD"] = "USD"
    prices: Annotated[dict[str, PriceEntry], Field(min_length=1)]


def _is_file(path: Path) -> bool:
    """``path.is_file()``, with a name the system refuses (too long, say) as no file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _validate(model: type[BaseModel], data: Any, positions: Positions, source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(located_problems(error, positions, source, model)) from None


def load_prices(path: Path) -> PricesFile:
    data, positions = load_yaml_file(path)
    result: PricesFile = _validate(PricesFile, data, positions, str(path))
    return result


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, validate and resolve a scenario file; raise ``ScenarioError`` if it is bad."""
    path = Path(path)
    if not _is_file(path):
        raise ScenarioError(Problem(f"no such scenario file: {path}", file=str(path)))
    data, positions = load_yaml_file(path)
    if overrides:
        data = apply_overrides(data, overrides, positions)
    return parse_scenario(data, positions, source=str(path), base_dir=path.parent)


def parse_scenario(data: Any, positions: Positions, *, source: str, base_dir: Path) -> Scenario:
    scenario: Scenario = _validate(Scenario, data, positions, source)

    def at(path: tuple[str | int, ...], message: str) -> Problem:
        return positions.problem(path, message, source)

    problems: list[Problem] = []
    scenario = _inline_prices(scenario, base_dir, at, problems)
    scenario = _inline_shot_lists(scenario, base_dir, at, problems)
    if not problems:
        problems.extend(at(path, message) for path, message in check_references(scenario))
    if problems:
        raise ScenarioError(problems)
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
    prices_path = base_dir / scenario.prices
    if not _is_file(prices_path):
        problems.append(at(("prices",), f"no such prices file: {prices_path}"))
        return scenario
    table = load_prices(prices_path).prices
    pools = dict(scenario.pools)
    for name, pool in needs.items():
        assert pool.price is not None
        entry = table.get(pool.price)
        if entry is None:
            import difflib

            close = difflib.get_close_matches(pool.price, list(table), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                at(("pools", name, "price"), f"no price {pool.price!r} in {prices_path}{hint}")
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


def _read_shot_list(path: Path, show_name: str) -> tuple[list[ShotRecord], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return [], [
            Problem(f"cannot read shot list: {error}", f"shows.{show_name}.shot_list", str(path))
        ]
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _shot_rows(reader, path)
    except csv.Error as error:  # a malformed or oversized field
        return [], [Problem(f"not a readable CSV: {error}", "", str(path), reader.line_num)]


def _shot_rows(reader: csv.DictReader[str], path: Path) -> tuple[list[ShotRecord], list[Problem]]:
    problems: list[Problem] = []
    records: list[ShotRecord] = []
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("episode", "shot", "frames") if c not in header]
    if missing:
        return [], [
            Problem(
                f"expected columns episode, shot, frames; missing {', '.join(missing)}"
                f" (found: {', '.join(header) or 'no header'})",
                "",
                str(path),
                1,
                None,
            )
        ]
    seen: set[tuple[str, str]] = set()
    for row_number, row in enumerate(reader, start=2):
        if row_number > MAX_SHOT_LIST_ROWS:
            problems.append(
                Problem(f"more than {MAX_SHOT_LIST_ROWS} rows", "", str(path), row_number)
            )
            break
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        try:
            frames = int(clean["frames"])
            record = ShotRecord(episode=clean["episode"], shot=clean["shot"], frames=frames)
        except (ValueError, ValidationError):
            problems.append(
                Problem(
                    f"expected an episode name, a shot code and a whole number of frames >= 1, "
                    f"got {clean.get('episode')!r}, {clean.get('shot')!r}, {clean.get('frames')!r}",
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
    return records, problems


def _inline_shot_lists(
    scenario: Scenario, base_dir: Path, at: Any, problems: list[Problem]
) -> Scenario:
    shows: dict[str, Show] = dict(scenario.shows)
    changed = False
    for name, show in scenario.shows.items():
        if show.shot_list is None or show.shot_records:
            continue
        path = base_dir / show.shot_list
        if not _is_file(path):
            problems.append(at(("shows", name, "shot_list"), f"no such shot list: {path}"))
            continue
        records, found = _read_shot_list(path, name)
        problems.extend(found)
        shows[name] = show.model_copy(update={"shot_records": tuple(records)})
        changed = True
    return scenario.model_copy(update={"shows": shows}) if changed else scenario


def scenario_sha256(scenario: Scenario) -> str:
    """A fingerprint of everything that determines results (key order kept)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
