"""Hypothesis strategies that generate scenarios, for testing engines and policies.

A property test states something that must hold for *every* valid scenario (no shot is
delivered before its episode's picture lock; the cost of a run is never negative; a new
queue policy never loses a shot) and lets hypothesis look for a scenario that breaks it.
These strategies are the "every valid scenario" part::

    from hypothesis import given
    from simulator.testing import scenarios

    @given(scenarios(max_episodes=2))
    def test_my_policy_delivers_every_shot(scenario):
        ...

What is generated, and why it looks the way it does:

* **Small seasons.** One or two shows, one to three episodes each, zero to six shots an
  episode, one to four shot stages, up to two episode stages, one to three pools, one or
  two teams, a horizon of 30 to 120 days. Small scenarios run in milliseconds, and when a
  property fails hypothesis shrinks the scenario towards the smallest one that still
  fails, which is the one a person can read.
* **Every feature, mixed.** GPU stages with one or two options (gangs of one or two GPUs),
  failures, retries, backoff, latent defects and manual fallbacks; reviews by a team or
  by a QC model on a pool, sampled, with catch and reject probabilities (per round, as a
  list) and rework sent to an *earlier* stage or to ``origin``; reserved, on-demand and
  spot pools with preemptions and failures, a reserved pool's failed GPUs sometimes
  waiting for a repair crew (repairers around the clock, or a team of its own on shifts);
  teams on shifts (crossing midnight, in other time zones) or around the clock; built-in
  queue policies and weighted indices; bursting rules.
* **Round numbers on purpose.** Durations are mostly whole seconds, minutes, hours and
  days, shifts start on the hour, locks fall on midnight, probabilities are often 0 or 1.
  Equal times and events exactly at a shift boundary are where event-ordering bugs live,
  and random real numbers almost never produce them.
* **Exactly what a file gives.** A scenario is built as plain data, the shape YAML
  loading produces (mappings, lists, strings, numbers, dates), written out as YAML text
  and loaded by the loader itself (``load_yaml`` then ``parse_scenario``, with its
  cross-reference checks). So a generated scenario is one a person could have written;
  ``scenario_documents`` gives the data itself, to mutate or write to a file.

``invalid_scenario_documents`` injects one known mistake into a valid document and says
at which path the loader must report it, for testing error reporting.

Every generated scenario is valid (the package's own tests check hundreds of them), so a
property that fails is about the code under test, not about the generator.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario
from simulator.scenario.schema import Scenario
from simulator.testing._parts import (
    COIN,
    NAMES,
    ONE_IN_3,
    ONE_IN_4,
    PENALTY,
    Document,
    distributions,
    durations,
    episode_stage_part,
    gpu_stage_part,
    moment,
    names,
    policy_part,
    pool_part,
    review_stage_part,
    show_part,
    team_part,
    unique_names,
)

__all__ = [
    "distributions",
    "document_to_yaml",
    "durations",
    "invalid_scenario_documents",
    "load_document",
    "names",
    "scenario_documents",
    "scenarios",
]

# --- whole scenarios --------------------------------------------------------------------------


@st.composite
def scenario_documents(
    draw: st.DrawFn,
    *,
    max_shows: int = 2,
    max_episodes: int = 3,
    max_shots: int = 6,
    max_shot_stages: int = 4,
    max_episode_stages: int = 2,
    max_pools: int = 3,
    max_teams: int = 2,
) -> Document:
    """A valid scenario as plain data: what loading a valid YAML file gives.

    Mappings, lists, strings, numbers and ``datetime.date``/``datetime`` values only, in
    the order a person would write them. The ``max_*`` arguments bound the size
    (``max_episodes`` per show, ``max_shots`` per episode); each is at least 1, except
    ``max_episode_stages``, which may be 0.
    """
    start = draw(st.dates(date(2025, 1, 1), date(2030, 12, 31)))
    horizon_days = draw(st.integers(30, 120))
    horizon_hours = horizon_days * 24

    pools = {name: draw(pool_part()) for name in draw(unique_names(1, max_pools))}
    teams = list(draw(unique_names(1, max_teams)))
    policy = draw(policy_part())
    queue = policy.get("queue", "fifo")
    policy_of = {name: pool.get("policy", queue) for name, pool in pools.items()}

    # No stage is called ``origin``: ``rework_to: origin`` means the stage of the defect.
    stage_names = draw(unique_names(1, max_shot_stages).filter(lambda ns: "origin" not in ns))
    shot_stages: dict[str, Any] = {}
    for index, name in enumerate(stage_names):
        if draw(ONE_IN_3):  # mostly GPU stages; a review may even come first
            gpu_before = any(s["kind"] == "gpu" for s in shot_stages.values())
            review = review_stage_part(pools, teams, stage_names[:index], gpu_before)
            shot_stages[name] = draw(review)
        else:
            shot_stages[name] = draw(gpu_stage_part(pools, policy_of, teams))

    doc: Document = {"name": draw(NAMES)}
    if draw(COIN):
        doc["description"] = draw(st.sampled_from(("", "A small season.", "Ünïcode — fine")))
    calendar: dict[str, Any] = {"start": start}
    if draw(COIN):
        days = draw(st.lists(st.integers(0, horizon_days), max_size=2, unique=True))
        calendar["holidays"] = [start + timedelta(days=d) for d in days]
    if draw(ONE_IN_4):
        calendar["season_end"] = moment(draw, start, horizon_hours, deadline=True)
    doc["calendar"] = calendar
    doc["shows"] = {
        name: draw(show_part(start, horizon_hours, max_episodes, max_shots))
        for name in draw(unique_names(1, max_shows))
    }
    doc["shot_stages"] = shot_stages
    if max_episode_stages > 0 and draw(COIN):
        doc["episode_stages"] = {
            name: draw(episode_stage_part(pools, teams))
            for name in draw(unique_names(1, max_episode_stages))
        }
    doc["pools"] = pools
    doc["teams"] = {name: draw(team_part(start, horizon_days)) for name in teams}
    _repair_teams(draw, pools, doc["teams"], start, horizon_days)
    if policy:
        doc["policy"] = policy
    if draw(COIN):
        kinds = ("escaped_defect", "failed_shot", "late_per_day")
        chosen = draw(st.lists(st.sampled_from(kinds), unique=True))
        doc["penalties"] = {key: draw(PENALTY) for key in chosen}
    run: dict[str, Any] = {
        "seed": draw(st.integers(0, 2**32)),
        "replications": draw(st.integers(1, 5)),
        "horizon": draw(
            st.sampled_from((f"{horizon_days}d", f"{horizon_hours}h", f"{horizon_hours * 60}m"))
        ),
    }
    if draw(COIN):
        run["confidence"] = draw(st.sampled_from((0.9, 0.95, 0.99)))
    doc["run"] = run
    return doc


# The C emitter, where PyYAML was built with it: ten times faster than the Python one,
# which would otherwise take most of the time of generating a scenario.
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):
    """Writes every string in double quotes.

    The loader reads numbers by YAML 1.2 rules, and PyYAML writes by YAML 1.1 rules,
    under which a string such as ``1e5`` or ``0o17`` needs no quotes; in quotes it stays
    a string whichever rules the reader follows.
    """


def _quoted(dumper: Any, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')


_Dumper.add_representer(str, _quoted)


def document_to_yaml(document: Document) -> str:
    """A scenario document as the text of a YAML file (keys in their order)."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def load_document(
    document: Document, *, source: str = "<generated>", base_dir: str | Path = "."
) -> Scenario:
    """The ``Scenario`` a file holding ``document`` loads as; ``ScenarioError`` if bad.

    The document goes through YAML text, so that problems carry the line and column
    where the file would have the bad value, exactly as ``load_scenario`` reports them.
    Files the document refers to (``prices``, ``shot_list``) are found from ``base_dir``.
    """
    data, positions = load_yaml(document_to_yaml(document), source)
    return parse_scenario(data, positions, source=source, base_dir=Path(base_dir))


def _repair_teams(
    draw: st.DrawFn,
    pools: dict[str, Any],
    teams: dict[str, Any],
    start: date,
    horizon_days: int,
) -> None:
    """Give some pools with a repair crew a team of their own instead, mostly on shifts."""
    for k, pool in enumerate(pools.values()):
        if "repair" in pool and draw(COIN):
            crew = f"repair-crew-{k}"  # longer than any generated name: no clash
            pool["repair"] = {"team": crew}
            team = teams[crew] = draw(team_part(start, horizon_days))
            # Someone on every shift, and little overtime allowed, so that repairs start and
            # shift ends pause some of them.
            if "around_the_clock" in team:
                team["around_the_clock"] = max(1, team["around_the_clock"])
            for shift in team.get("shifts", ()):
                shift["people"] = max(1, shift["people"])
            team["max_overtime"] = draw(st.sampled_from(("0h", "30m", "1h")))


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    max_shows: int = 2,
    max_episodes: int = 3,
    max_shots: int = 6,
    max_shot_stages: int = 4,
    max_episode_stages: int = 2,
    max_pools: int = 3,
    max_teams: int = 2,
) -> Scenario:
    """A valid ``Scenario``, exactly as ``load_scenario`` gives it for some file.

    The arguments bound its size as in ``scenario_documents``.
    """
    document = draw(
        scenario_documents(
            max_shows=max_shows,
            max_episodes=max_episodes,
            max_shots=max_shots,
            max_shot_stages=max_shot_stages,
            max_episode_stages=max_episode_stages,
            max_pools=max_pools,
            max_teams=max_teams,
        )
    )
    # No filtering: a document the loader refuses is a bug in this module, and the
    # ScenarioError (with its located problems) is the clearest report of it.
    return load_document(document)


# --- one known mistake ------------------------------------------------------------------


@st.composite
def invalid_scenario_documents(draw: st.DrawFn) -> tuple[Document, str, str]:
    """``(document, path, reason)``: a valid document with one mistake in it.

    ``path`` is the dotted path at which loading must report a problem, and ``reason`` a
    piece of text its message must contain. The mistakes are those people make: a
    negative count, a pool that does not exist, rework sent to a later stage, a gang
    larger than its pool, a misspelt key, a value of the wrong type, NaN, a missing
    required key, a duration without its unit and an impossible date.
    """
    doc = draw(scenario_documents())
    pools: dict[str, Any] = doc["pools"]
    stages: dict[str, Any] = doc["shot_stages"]
    gpu_stages = [n for n, s in stages.items() if s["kind"] == "gpu"]
    reviews = [n for n, s in stages.items() if s["kind"] == "review"]

    defects = ["negative_count", "misspelt_key", "wrong_type", "nan", "missing_key"]
    defects += ["duration_without_unit", "bad_date"]
    if gpu_stages:
        defects += ["unknown_pool", "gang_too_large"]
    if reviews:
        defects.append("rework_to_later")
    defect = draw(st.sampled_from(defects))
    pool = draw(st.sampled_from(sorted(pools)))
    # Without a GPU stage, a mistake meant for one goes elsewhere.
    stage = draw(st.sampled_from(gpu_stages)) if gpu_stages else ""
    on_stage = ["stage"] if gpu_stages else []

    if defect == "negative_count":
        place = draw(st.sampled_from(["gpus", "replications", *on_stage]))
        if place == "gpus":
            pools[pool]["gpus"] = -draw(st.integers(1, 8))
            return doc, f"pools.{pool}.gpus", "must be an integer >= 0"
        if place == "replications":
            doc["run"]["replications"] = -draw(st.integers(0, 8))
            return doc, "run.replications", "must be an integer >= 1"
        stages[stage]["max_attempts"] = -draw(st.integers(0, 3))
        return doc, f"shot_stages.{stage}.max_attempts", "must be an integer >= 1"
    if defect == "unknown_pool":
        k = draw(st.integers(0, len(stages[stage]["options"]) - 1))
        missing = draw(NAMES.filter(lambda n: n not in pools))
        stages[stage]["options"][k]["pool"] = missing
        return doc, f"shot_stages.{stage}.options.{k}.pool", f"no pool named {missing!r}"
    if defect == "gang_too_large":
        k = draw(st.integers(0, len(stages[stage]["options"]) - 1))
        option = stages[stage]["options"][k]
        option["gang"] = pools[option["pool"]]["gpus"] + draw(st.integers(1, 4))
        return doc, f"shot_stages.{stage}.options.{k}.gang", "can never run"
    if defect == "rework_to_later":
        review = draw(st.sampled_from(reviews))
        later = list(stages)[list(stages).index(review) :]  # itself is not earlier either
        stages[review]["rework_to"] = draw(st.sampled_from(later))
        return doc, f"shot_stages.{review}.rework_to", "must name a stage before"
    if defect == "misspelt_key":
        # The loader should name the key and suggest the one that is now missing.
        where = draw(st.sampled_from(["top", "pool", "run"]))
        if where == "top":
            doc["shot_stage"] = doc.pop("shot_stages")
            return doc, "shot_stage", "unknown key 'shot_stage'; did you mean 'shot_stages'?"
        if where == "pool":
            pools[pool]["gpsu"] = pools[pool].pop("gpus")
            return doc, f"pools.{pool}.gpsu", "unknown key 'gpsu'; did you mean 'gpus'?"
        doc["run"]["replication"] = doc["run"].pop("replications")
        return doc, "run.replication", "did you mean 'replications'?"
    if defect == "wrong_type":
        where = draw(st.sampled_from(["gpus", "shots", "seed"]))
        if where == "gpus":
            pools[pool]["gpus"] = draw(st.sampled_from(["eight", [8], {"count": 8}]))
            return doc, f"pools.{pool}.gpus", "expected an integer"
        if where == "shots":
            show = next(iter(doc["shows"]))
            episodes = doc["shows"][show]["episodes"]
            if isinstance(episodes, list):
                episodes[0]["shots"] = "twelve"
                return doc, f"shows.{show}.episodes.0.shots", "expected an integer"
            episodes["shots"] = "twelve"
            return doc, f"shows.{show}.episodes.shots", "expected an integer"
        doc["run"]["seed"] = "lucky"
        return doc, "run.seed", "expected an integer"
    if defect == "nan":
        if not gpu_stages or draw(COIN):
            pools[pool]["price_per_gpu_hour"] = math.nan
            return doc, f"pools.{pool}.price_per_gpu_hour", "finite"
        stages[stage]["failure_probability"] = math.nan
        return doc, f"shot_stages.{stage}.failure_probability", "finite"
    if defect == "missing_key":
        where = draw(st.sampled_from(["gpus", "start", "hourly_rate", *on_stage]))
        if where == "gpus":
            del pools[pool]["gpus"]
            return doc, f"pools.{pool}", "missing required key 'gpus'"
        if where == "start":
            del doc["calendar"]["start"]
            return doc, "calendar", "missing required key 'start'"
        if where == "stage":
            del stages[stage]["options"]
            return doc, f"shot_stages.{stage}", "missing required key 'options'"
        team = next(iter(doc["teams"]))
        del doc["teams"][team]["hourly_rate"]
        return doc, f"teams.{team}", "missing required key 'hourly_rate'"
    if defect == "duration_without_unit":
        number = draw(st.sampled_from([5, 30, 720, 2.5]))
        if not gpu_stages or draw(COIN):
            doc["run"]["horizon"] = number
            return doc, "run.horizon", "give the unit with the number"
        stages[stage]["backoff"] = number
        return doc, f"shot_stages.{stage}.backoff", "give the unit with the number"
    assert defect == "bad_date"
    doc["calendar"]["start"] = draw(st.sampled_from(["2027-02-30", "2027-13-01", "next monday"]))
    return doc, "calendar.start", "expected a date"
