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
  list) and rework sent to an *earlier* stage; reserved, on-demand and spot pools with
  preemptions and failures; teams on shifts (crossing midnight, in other time zones) or
  around the clock; built-in queue policies and weighted indices; bursting rules.
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
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simulator.calendar import WEEKDAYS
from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario
from simulator.scenario.schema import BUILTIN_POLICIES, Scenario

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

Document = dict[str, Any]
"""A scenario as plain data: what loading its YAML file gives."""

# Strategies are built once here rather than inside the composites: building one costs
# more than drawing from it, and a scenario takes a few hundred draws.
_COIN = st.booleans()
# True on the largest value: hypothesis favours and shrinks towards the smallest, so a
# rare feature stays rare, and a failing scenario shrinks to one without it.
_ONE_IN_3 = st.integers(0, 2).map(lambda n: n == 2)
_ONE_IN_4 = st.integers(0, 3).map(lambda n: n == 3)
_ONE_IN_5 = st.integers(0, 4).map(lambda n: n == 4)

# 0 and 1 are legal, and they are the edge cases engines get wrong most often.
_PROBABILITY = st.one_of(
    st.sampled_from((0.0, 0.0, 0.05, 0.1, 0.25, 0.5, 1.0)),
    st.floats(0.0, 1.0, allow_nan=False),
)
_PRIORITY = st.sampled_from((0, 1, -1, 2.5))
_POLICY_FIELDS = ("arrival", "deadline", "priority", "expected_work", "remaining_work")
_WEIGHT = st.sampled_from((-1, 0, 0.5, 1, 2))
_WEIGHT_KEYS = st.lists(st.sampled_from(_POLICY_FIELDS), max_size=3, unique=True)
_BUILTIN = st.sampled_from(sorted(BUILTIN_POLICIES))

# Names: lowercase, starting with a letter. A name written like a number or a date
# ("1e5", "2027-01-04") is valid, but it is not what people write and it reads back as a
# number or a date unless quoted; generated *valid* scenarios avoid it.
_NAMES = st.one_of(
    st.sampled_from(("h100", "l40s", "spot", "supervisors", "editors", "qc", "ep01")),
    st.from_regex(r"[a-z][a-z0-9_-]{0,9}", fullmatch=True),
)


def names() -> st.SearchStrategy[str]:
    """Names for shows, episodes, stages, pools and teams, as people write them."""
    return _NAMES


@lru_cache(maxsize=32)
def _unique_names(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_NAMES, min_size=min_size, max_size=max_size, unique=True)


def _money(high: int) -> st.SearchStrategy[float | int]:
    return st.one_of(st.integers(0, high), st.floats(0.0, float(high)))


_RATE = _money(300)
_OVERTIME_RATE = _money(450)
_PENALTY = _money(25_000)
_BUDGET = _money(10_000)


# --- durations and distributions ------------------------------------------------------------


# Cached: the same bounds give the same strategy object, which hypothesis then need not
# build and check again on every draw.
@lru_cache(maxsize=256)
def durations(max_hours: float = 48.0) -> st.SearchStrategy[str]:
    """A duration as people write it ("90s", "15m", "4h", "2d", "1h30m"), at most
    ``max_hours`` (>= 0) long.

    Whole units are drawn far more often than fractions, so that equal times come up.
    """
    if not max_hours >= 0:
        raise InvalidArgument(f"max_hours must be >= 0, got {max_hours!r}")

    @st.composite
    def draw_duration(draw: st.DrawFn) -> str:
        unit = draw(st.sampled_from(("s", "m", "h", "h", "d", "hm")))
        if unit == "hm":
            hours = draw(st.integers(0, math.floor(max_hours)))
            minutes = draw(st.sampled_from((0, 15, 30, 45)))
            if hours + minutes / 60 <= max_hours:
                return f"{hours}h{minutes}m"
            unit = "h"
        per = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0}[unit]
        # Capped, so that seconds stay seconds-sized and every unit turns up at any bound.
        n = draw(st.integers(0, min(math.floor(max_hours / per), 600)))
        if unit == "h" and n + 0.5 <= max_hours and draw(_ONE_IN_5):
            return f"{n + 0.5}h"
        return f"{n}{unit}"

    return draw_duration()


def _around(mean: float) -> st.SearchStrategy[float]:
    """Mostly whole numbers and halves in [mean/4, 2·mean], sometimes any float there."""
    low, high = mean / 4, mean * 2
    choices: list[st.SearchStrategy[float]] = []
    if math.ceil(2 * low) <= math.floor(2 * high):  # a small mean may have no halves
        choices.append(
            st.integers(max(math.ceil(2 * low), 1), math.floor(2 * high)).map(lambda n: n / 2)
        )
    return st.one_of(*choices, *choices, st.floats(low, high))


_FORMS = (
    "number",
    "number",
    "constant",
    "exponential",
    "lognormal_mean",
    "lognormal_median",
    "gamma",
    "uniform",
    "triangular",
    "truncated_normal",
    "empirical",
)


@lru_cache(maxsize=256)
def distributions(mean: float = 10.0) -> st.SearchStrategy[Any]:
    """A distribution as YAML writes it: a bare number, or a mapping with ``dist``.

    Values lie around ``mean`` (a finite number > 0). Every distribution of the schema
    appears, in each of the ways it may be written (a lognormal by mean and cv, or by
    median and sigma).
    """
    if not (math.isfinite(mean) and mean > 0):
        raise InvalidArgument(f"mean must be a finite number > 0, got {mean!r}")
    around = _around(mean)

    @st.composite
    def draw_distribution(draw: st.DrawFn) -> Any:
        form = draw(st.sampled_from(_FORMS))
        m = draw(around)
        if form == "number":
            return int(m) if m.is_integer() and draw(_COIN) else m
        if form == "constant":
            return {"dist": "constant", "value": m}
        if form == "exponential":
            return {"dist": "exponential", "mean": m}
        cv = draw(st.sampled_from((0.1, 0.25, 0.5, 1.0, 1.2)))
        if form == "lognormal_mean":
            return {"dist": "lognormal", "mean": m, "cv": cv}
        if form == "lognormal_median":
            return {"dist": "lognormal", "median": m, "sigma": draw(st.sampled_from((0, 0.8)))}
        if form == "gamma":
            return {"dist": "gamma", "mean": m, "cv": cv}
        if form == "uniform":
            return {"dist": "uniform", "low": m / 2, "high": m * 1.5}
        if form == "triangular":
            mode = m * draw(st.sampled_from((0.5, 1.0, 1.5)))
            return {"dist": "triangular", "low": m / 2, "mode": mode, "high": m * 1.5}
        if form == "truncated_normal":
            doc: dict[str, Any] = {"dist": "truncated_normal", "loc": m, "scale": m * cv}
            if draw(_COIN):
                doc["low"] = 0
            if draw(_COIN):
                doc["high"] = m * 3
            return doc
        others = draw(st.lists(st.sampled_from((0, m / 2, m * 2)), max_size=3))
        doc = {"dist": "empirical", "values": [m, *others]}
        if draw(_COIN):
            # Zero weights are allowed; the first is positive so that the sum is.
            weights = st.integers(0, 3)
            doc["weights"] = [1, *(draw(weights) for _ in others)]
        return doc

    return draw_distribution()


# --- time points --------------------------------------------------------------------------


def _moment(draw: st.DrawFn, start: date, hours: int, *, deadline: bool) -> Any:
    """``hours`` after the season start, written as an offset, a date or a date and time.

    A date means 00:00 of that day, or 24:00 for a deadline; it is chosen only when it
    lands exactly on ``hours``.
    """
    forms = ["offset", "datetime"]
    if hours % 24 == 0 and (hours > 0 or not deadline):
        forms += ["date", "date"]
    form = draw(st.sampled_from(forms))
    if form == "date":
        return start + timedelta(days=hours // 24 - (1 if deadline else 0))
    if form == "datetime":
        return datetime(start.year, start.month, start.day) + timedelta(hours=hours)
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


@lru_cache(maxsize=256)
def _hours_up_to(last: int) -> st.SearchStrategy[int]:
    """Whole hours in [0, last], midnight as often as not."""
    return st.one_of(st.integers(0, last // 24).map(lambda d: d * 24), st.integers(0, last))


_LOCK_TO_DEADLINE = st.one_of(st.integers(1, 30).map(lambda d: d * 24), st.integers(1, 72))


def _lock_and_deadline(draw: st.DrawFn, last_lock: int) -> tuple[int, int]:
    """Hours of a picture lock and of a deadline after it (up to a month)."""
    lock = draw(_hours_up_to(last_lock))
    return lock, lock + draw(_LOCK_TO_DEADLINE)


# --- the parts of a scenario ----------------------------------------------------------------


@st.composite
def _release(draw: st.DrawFn) -> dict[str, Any]:
    pattern = draw(st.sampled_from(("all_at_once", "all_at_once", "window", "poisson")))
    if pattern == "window":
        return {"pattern": "window", "window": draw(durations(72.0))}
    if pattern == "poisson":
        return {"pattern": "poisson", "shots_per_day": draw(st.sampled_from((1, 2.5, 10, 50)))}
    return {"pattern": "all_at_once"}


_FRAMES = distributions(96.0)


@st.composite
def _show(
    draw: st.DrawFn, start: date, horizon_hours: int, max_episodes: int, max_shots: int
) -> dict[str, Any]:
    show: dict[str, Any] = {}
    if draw(_COIN):
        show["title"] = draw(st.sampled_from(("Harbor Lights", "Tidewater, season 1", "")))
    # Locks in the first half of the horizon, deadlines up to a month later: most episodes
    # can be delivered, some cannot (a tight deadline is a valid scenario too).
    last_lock = max(horizon_hours // 2, 1)
    shots = st.integers(0, max_shots)
    show_frames = not draw(_ONE_IN_4)
    if draw(_ONE_IN_4):
        lock, deadline = _lock_and_deadline(draw, last_lock)
        series: dict[str, Any] = {
            "count": draw(st.integers(1, max_episodes)),
            "first_lock": _moment(draw, start, lock, deadline=False),
            "lock_every": draw(durations(14 * 24.0)),
            "first_deadline": _moment(draw, start, deadline, deadline=True),
            "deadline_every": draw(durations(14 * 24.0)),
            "shots": draw(shots),
        }
        if draw(_COIN):
            series["priority"] = draw(_PRIORITY)
        if draw(_COIN):
            series["name_format"] = draw(st.sampled_from(("ep{number:02d}", "e{number}")))
        show["episodes"] = series
        show_frames = True  # a series has no per-episode frames
    else:
        episodes = []
        for name in draw(_unique_names(1, max_episodes)):
            lock, deadline = _lock_and_deadline(draw, last_lock)
            episode: dict[str, Any] = {
                "name": name,
                "lock": _moment(draw, start, lock, deadline=False),
                "deadline": _moment(draw, start, deadline, deadline=True),
                "shots": draw(shots),
            }
            if draw(_ONE_IN_4):
                episode["priority"] = draw(_PRIORITY)
            if not show_frames or draw(_ONE_IN_5):
                episode["frames_per_shot"] = draw(_FRAMES)
            if draw(_ONE_IN_5):
                episode["release"] = draw(_release())
            episodes.append(episode)
        show["episodes"] = episodes
    if show_frames:
        show["frames_per_shot"] = draw(_FRAMES)
    if draw(_COIN):
        show["release"] = draw(_release())
    return show


def _queue_policy(draw: st.DrawFn) -> Any:
    """A built-in policy name, or a weighted index written as a mapping."""
    if not draw(_ONE_IN_4):
        return draw(_BUILTIN)
    return {key: draw(_WEIGHT) for key in draw(_WEIGHT_KEYS)}


def _policy_key(policy: Any) -> tuple[float, ...]:
    """The weights a policy (a name or a mapping) stands for, so that equal keys mean
    the same order of tasks."""
    if isinstance(policy, str):
        policy = BUILTIN_POLICIES[policy].model_dump()
    return tuple(float(policy.get(name, 0.0)) for name in _POLICY_FIELDS)


_FAILURES = st.fixed_dictionaries(
    {"time_between_failures_hours": distributions(200.0), "repair_hours": distributions(4.0)}
)


@st.composite
def _pool(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("reserved", "reserved", "on_demand", "spot")))
    gpus = draw(st.integers(1, 8))
    pool: dict[str, Any] = {"gpus": gpus}
    if kind != "reserved" or draw(_COIN):  # reserved is the default: often left out
        pool["kind"] = kind
    if draw(_COIN):
        pool["gpu"] = draw(st.sampled_from(("H100 80GB", "L40S 48GB", "A100")))
    pool["price_per_gpu_hour"] = draw(
        st.one_of(st.sampled_from((0, 1, 2, 2.08, 3.47)), st.floats(0.0, 10.0))
    )
    if kind != "reserved":
        if draw(_COIN):
            pool["min_gpus"] = draw(st.integers(0, gpus))
        if draw(_COIN):
            pool["billing_increment"] = draw(st.sampled_from(("1s", "1m", "1h")))
        if draw(_COIN):
            pool["billing_minimum"] = draw(st.sampled_from(("60s", "1m", "1h", "0s")))
        if draw(_COIN):
            pool["provisioning_delay"] = draw(durations(1.0))
        if draw(_COIN):
            pool["idle_timeout"] = draw(durations(2.0))
    if kind == "spot":
        pool["preemptions_per_gpu_hour"] = draw(st.sampled_from((0, 0.001, 0.01, 0.1, 0.5)))
        if draw(_COIN):
            pool["preemption_notice"] = draw(st.sampled_from(("30s", "2m", "0s")))
        if draw(_COIN):
            pool["preemption_batch"] = draw(st.integers(1, gpus))
    if draw(_ONE_IN_3):
        pool["failures"] = draw(_FAILURES)
    if draw(_ONE_IN_4):
        pool["policy"] = _queue_policy(draw)
    return pool


@st.composite
def _shift(draw: st.DrawFn) -> dict[str, Any]:
    begin = draw(st.integers(0, 23))
    # An end at or before the start crosses midnight; "24:00" is midnight at the end.
    end = draw(st.one_of(st.integers(begin + 1, 24), st.integers(0, begin)))
    minute = draw(st.sampled_from((0, 0, 0, 30)))
    shift: dict[str, Any] = {
        "start": f"{begin:02d}:{minute:02d}",
        "end": f"{end:02d}:00",
        "people": draw(st.integers(0, 3)),
    }
    if draw(_COIN):
        shift["days"] = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True))
    return shift


@st.composite
def _team(draw: st.DrawFn, start: date, horizon_days: int) -> dict[str, Any]:
    team: dict[str, Any] = {}
    if draw(_ONE_IN_4):
        team["around_the_clock"] = draw(st.integers(0, 3))
    else:
        team["shifts"] = draw(st.lists(_shift(), min_size=1, max_size=2))
    team["hourly_rate"] = draw(_RATE)
    if draw(_COIN):
        team["overtime_rate"] = draw(_OVERTIME_RATE)
    if draw(_COIN):
        team["max_overtime"] = draw(st.sampled_from(("0h", "30m", "1h", "2h")))
    if draw(_ONE_IN_4):
        team["utc_offset_hours"] = draw(st.sampled_from((-12, -8, -5, 0, 1, 5.5, 9, 14)))
    if draw(_ONE_IN_4):
        days = draw(st.lists(st.integers(0, horizon_days), max_size=3, unique=True))
        team["holidays"] = [start + timedelta(days=d) for d in days]
    if draw(_ONE_IN_5):
        team["policy"] = _queue_policy(draw)
    return team


def _gang(draw: st.DrawFn, pool: dict[str, Any]) -> int:
    return draw(st.integers(1, min(2, pool["gpus"])))


@st.composite
def _gpu_stage(
    draw: st.DrawFn, pools: dict[str, dict[str, Any]], policy_of: dict[str, Any], teams: list[str]
) -> dict[str, Any]:
    # The pools of one stage must share a queue policy (the stage's tasks wait in one
    # order): a second option only on a pool whose policy orders tasks as the first's.
    first = draw(st.sampled_from(sorted(pools)))
    alike = [p for p in sorted(pools) if _policy_key(policy_of[p]) == _policy_key(policy_of[first])]
    options = []
    for pool in [first, *draw(st.lists(st.sampled_from(alike), max_size=1))]:
        speed = draw(st.sampled_from((0.5, 5.0, 20.0)))
        option: dict[str, Any] = {"pool": pool, "seconds_per_frame": draw(distributions(speed))}
        gang = _gang(draw, pools[pool])
        if gang > 1 or draw(_COIN):
            option["gang"] = gang
        if draw(_COIN):
            option["setup"] = draw(durations(0.5))
        options.append(option)
    stage: dict[str, Any] = {"kind": "gpu", "options": options}
    if draw(_COIN):
        stage["model"] = draw(st.sampled_from(("Wan2.1 I2V-14B, 720p", "upscaler")))
    if draw(_COIN):
        stage["failure_probability"] = draw(_PROBABILITY)
    if draw(_COIN):
        stage["defect_probability"] = draw(_PROBABILITY)
    if draw(_COIN):
        stage["max_attempts"] = draw(st.integers(1, 4))
    if draw(_COIN):
        stage["backoff"] = draw(durations(1.0))
    if draw(_ONE_IN_3):
        stage["fallback"] = {
            "team": draw(st.sampled_from(teams)),
            "minutes_per_shot": draw(distributions(60.0)),
        }
    return stage


@st.composite
def _review_stage(
    draw: st.DrawFn, pools: dict[str, dict[str, Any]], teams: list[str], earlier: list[str]
) -> dict[str, Any]:
    stage: dict[str, Any] = {"kind": "review"}
    if not draw(_ONE_IN_3):
        stage["team"] = draw(st.sampled_from(teams))
    else:
        pool = draw(st.sampled_from(sorted(pools)))
        stage["pool"] = pool
        gang = _gang(draw, pools[pool])
        if gang > 1:
            stage["gang"] = gang
    if draw(_COIN):
        stage["minutes_per_shot"] = draw(distributions(2.0))
    else:
        stage["seconds_per_frame"] = draw(distributions(0.5))
    if draw(_COIN):
        stage["sample_rate"] = draw(_PROBABILITY)
    if draw(_COIN):
        stage["max_rounds"] = draw(st.integers(0, 3))
    # A review that can reject needs an earlier stage to send shots back to; the first
    # stage, if a review, only looks.
    if earlier:
        stage["catch_probability"] = draw(_PROBABILITY)
        if draw(_COIN):
            stage["reject_probability"] = draw(st.lists(_PROBABILITY, min_size=1, max_size=3))
        else:
            stage["reject_probability"] = draw(_PROBABILITY)
        stage["rework_to"] = draw(st.sampled_from(earlier))
    return stage


@st.composite
def _episode_stage(
    draw: st.DrawFn, pools: dict[str, dict[str, Any]], teams: list[str]
) -> dict[str, Any]:
    stage: dict[str, Any] = {"hours_per_episode": draw(distributions(4.0))}
    if draw(_COIN):
        stage["team"] = draw(st.sampled_from(teams))
    else:
        pool = draw(st.sampled_from(sorted(pools)))
        stage["pool"] = pool
        gang = _gang(draw, pools[pool])
        if gang > 1 or draw(_COIN):
            stage["gang"] = gang
    return stage


@st.composite
def _policy(draw: st.DrawFn) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if draw(_COIN):
        policy["queue"] = _queue_policy(draw)
    if draw(_COIN):
        policy["pool_rule"] = draw(st.sampled_from(("cheapest", "fastest", "listed")))
    if draw(_COIN):
        burst: dict[str, Any] = {"wait": draw(durations(4.0))}
        if draw(_COIN):
            burst["slack"] = draw(durations(48.0))
        if draw(_COIN):
            burst["budget_usd"] = draw(_BUDGET)
        policy["burst"] = burst
    return policy


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

    pools = {name: draw(_pool()) for name in draw(_unique_names(1, max_pools))}
    teams = list(draw(_unique_names(1, max_teams)))
    policy = draw(_policy())
    queue = policy.get("queue", "fifo")
    policy_of = {name: pool.get("policy", queue) for name, pool in pools.items()}

    stage_names = draw(_unique_names(1, max_shot_stages))
    shot_stages: dict[str, Any] = {}
    for index, name in enumerate(stage_names):
        if draw(_ONE_IN_3):  # mostly GPU stages; a review may even come first
            shot_stages[name] = draw(_review_stage(pools, teams, stage_names[:index]))
        else:
            shot_stages[name] = draw(_gpu_stage(pools, policy_of, teams))

    doc: Document = {"name": draw(_NAMES)}
    if draw(_COIN):
        doc["description"] = draw(st.sampled_from(("", "A small season.", "Ünïcode — fine")))
    calendar: dict[str, Any] = {"start": start}
    if draw(_COIN):
        days = draw(st.lists(st.integers(0, horizon_days), max_size=2, unique=True))
        calendar["holidays"] = [start + timedelta(days=d) for d in days]
    if draw(_ONE_IN_4):
        calendar["season_end"] = _moment(draw, start, horizon_hours, deadline=True)
    doc["calendar"] = calendar
    doc["shows"] = {
        name: draw(_show(start, horizon_hours, max_episodes, max_shots))
        for name in draw(_unique_names(1, max_shows))
    }
    doc["shot_stages"] = shot_stages
    if max_episode_stages > 0 and draw(_COIN):
        doc["episode_stages"] = {
            name: draw(_episode_stage(pools, teams))
            for name in draw(_unique_names(1, max_episode_stages))
        }
    doc["pools"] = pools
    doc["teams"] = {name: draw(_team(start, horizon_days)) for name in teams}
    if policy:
        doc["policy"] = policy
    if draw(_COIN):
        kinds = ("escaped_defect", "failed_shot", "late_per_day")
        chosen = draw(st.lists(st.sampled_from(kinds), unique=True))
        doc["penalties"] = {key: draw(_PENALTY) for key in chosen}
    run: dict[str, Any] = {
        "seed": draw(st.integers(0, 2**32)),
        "replications": draw(st.integers(1, 5)),
        "horizon": draw(
            st.sampled_from((f"{horizon_days}d", f"{horizon_hours}h", f"{horizon_hours * 60}m"))
        ),
    }
    if draw(_COIN):
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
        missing = draw(_NAMES.filter(lambda n: n not in pools))
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
        if not gpu_stages or draw(_COIN):
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
        if not gpu_stages or draw(_COIN):
            doc["run"]["horizon"] = number
            return doc, "run.horizon", "give the unit with the number"
        stages[stage]["backoff"] = number
        return doc, f"shot_stages.{stage}.backoff", "give the unit with the number"
    assert defect == "bad_date"
    doc["calendar"]["start"] = draw(st.sampled_from(["2027-02-30", "2027-13-01", "next monday"]))
    return doc, "calendar.start", "expected a date"
