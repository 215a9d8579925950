"""The parts of a generated scenario: names, money, durations, distributions, time points,
shows, pools, teams, stages and policies (``simulator.testing.strategies`` assembles them).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simulator.calendar import WEEKDAYS
from simulator.scenario.schema import BUILTIN_POLICIES

Document = dict[str, Any]
"""A scenario as plain data: what loading its YAML file gives."""

# Strategies are built once here rather than inside the composites: building one costs
# more than drawing from it, and a scenario takes a few hundred draws.
COIN = st.booleans()
# True on the largest value: hypothesis favours and shrinks towards the smallest, so a
# rare feature stays rare, and a failing scenario shrinks to one without it.
ONE_IN_3 = st.integers(0, 2).map(lambda n: n == 2)
ONE_IN_4 = st.integers(0, 3).map(lambda n: n == 3)
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
NAMES = st.one_of(
    st.sampled_from(("h100", "l40s", "spot", "supervisors", "editors", "qc", "ep01")),
    st.from_regex(r"[a-z][a-z0-9_-]{0,9}", fullmatch=True),
)


def names() -> st.SearchStrategy[str]:
    """Names for shows, episodes, stages, pools and teams, as people write them."""
    return NAMES


@lru_cache(maxsize=32)
def unique_names(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(NAMES, min_size=min_size, max_size=max_size, unique=True)


def _money(high: int) -> st.SearchStrategy[float | int]:
    return st.one_of(st.integers(0, high), st.floats(0.0, float(high)))


_RATE = _money(300)
_OVERTIME_RATE = _money(450)
PENALTY = _money(25_000)
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
            return int(m) if m.is_integer() and draw(COIN) else m
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
            if draw(COIN):
                doc["low"] = 0
            if draw(COIN):
                doc["high"] = m * 3
            return doc
        others = draw(st.lists(st.sampled_from((0, m / 2, m * 2)), max_size=3))
        doc = {"dist": "empirical", "values": [m, *others]}
        if draw(COIN):
            # Zero weights are allowed; the first is positive so that the sum is.
            weights = st.integers(0, 3)
            doc["weights"] = [1, *(draw(weights) for _ in others)]
        return doc

    return draw_distribution()


# --- time points --------------------------------------------------------------------------


def moment(draw: st.DrawFn, start: date, hours: int, *, deadline: bool) -> Any:
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
def show_part(
    draw: st.DrawFn, start: date, horizon_hours: int, max_episodes: int, max_shots: int
) -> dict[str, Any]:
    show: dict[str, Any] = {}
    if draw(COIN):
        show["title"] = draw(st.sampled_from(("Harbor Lights", "Tidewater, season 1", "")))
    # Locks in the first half of the horizon, deadlines up to a month later: most episodes
    # can be delivered, some cannot (a tight deadline is a valid scenario too).
    last_lock = max(horizon_hours // 2, 1)
    shots = st.integers(0, max_shots)
    show_frames = not draw(ONE_IN_4)
    if draw(ONE_IN_4):
        lock, deadline = _lock_and_deadline(draw, last_lock)
        series: dict[str, Any] = {
            "count": draw(st.integers(1, max_episodes)),
            "first_lock": moment(draw, start, lock, deadline=False),
            "lock_every": draw(durations(14 * 24.0)),
            "first_deadline": moment(draw, start, deadline, deadline=True),
            "deadline_every": draw(durations(14 * 24.0)),
            "shots": draw(shots),
        }
        if draw(COIN):
            series["priority"] = draw(_PRIORITY)
        if draw(COIN):
            series["name_format"] = draw(st.sampled_from(("ep{number:02d}", "e{number}")))
        show["episodes"] = series
        show_frames = True  # a series has no per-episode frames
    else:
        episodes = []
        for name in draw(unique_names(1, max_episodes)):
            lock, deadline = _lock_and_deadline(draw, last_lock)
            episode: dict[str, Any] = {
                "name": name,
                "lock": moment(draw, start, lock, deadline=False),
                "deadline": moment(draw, start, deadline, deadline=True),
                "shots": draw(shots),
            }
            if draw(ONE_IN_4):
                episode["priority"] = draw(_PRIORITY)
            if not show_frames or draw(_ONE_IN_5):
                episode["frames_per_shot"] = draw(_FRAMES)
            if draw(_ONE_IN_5):
                episode["release"] = draw(_release())
            episodes.append(episode)
        show["episodes"] = episodes
    if show_frames:
        show["frames_per_shot"] = draw(_FRAMES)
    if draw(COIN):
        show["release"] = draw(_release())
    return show


def _queue_policy(draw: st.DrawFn) -> Any:
    """A built-in policy name, or a weighted index written as a mapping."""
    if not draw(ONE_IN_4):
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
def pool_part(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("reserved", "reserved", "on_demand", "spot")))
    gpus = draw(st.integers(1, 8))
    pool: dict[str, Any] = {"gpus": gpus}
    if kind != "reserved" or draw(COIN):  # reserved is the default: often left out
        pool["kind"] = kind
    if draw(COIN):
        pool["gpu"] = draw(st.sampled_from(("H100 80GB", "L40S 48GB", "A100")))
    pool["price_per_gpu_hour"] = draw(
        st.one_of(st.sampled_from((0, 1, 2, 2.08, 3.47)), st.floats(0.0, 10.0))
    )
    if kind != "reserved":
        if draw(COIN):
            pool["min_gpus"] = draw(st.integers(0, gpus))
        if draw(COIN):
            pool["billing_increment"] = draw(st.sampled_from(("1s", "1m", "1h")))
        if draw(COIN):
            pool["billing_minimum"] = draw(st.sampled_from(("60s", "1m", "1h", "0s")))
        if draw(COIN):
            pool["provisioning_delay"] = draw(durations(1.0))
        if draw(COIN):
            pool["idle_timeout"] = draw(durations(2.0))
    if kind == "spot":
        pool["preemptions_per_gpu_hour"] = draw(st.sampled_from((0, 0.001, 0.01, 0.1, 0.5)))
        if draw(COIN):
            pool["preemption_notice"] = draw(st.sampled_from(("30s", "2m", "0s")))
        if draw(COIN):
            pool["preemption_batch"] = draw(st.integers(1, gpus))
    if draw(ONE_IN_3):
        pool["failures"] = draw(_FAILURES)
        if kind == "reserved" and draw(COIN):  # a repair crew, often smaller than the pool
            pool["repair"] = {"repairers": draw(st.integers(1, gpus + 1))}
            # Failing often enough that units queue for it within a short season.
            mean = draw(st.sampled_from((2, 4, 8, 16)))
            pool["failures"]["time_between_failures_hours"] = {"dist": "exponential", "mean": mean}
    if draw(ONE_IN_4):
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
    if draw(COIN):
        shift["days"] = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True))
    return shift


_TEAM_ZONES = (-12, -8, -5, 0, 1, 5.5, 9, 14, "America/Los_Angeles", "Europe/London", "Asia/Manila")


@st.composite
def team_part(draw: st.DrawFn, start: date, horizon_days: int) -> dict[str, Any]:
    team: dict[str, Any] = {}
    if draw(ONE_IN_4):
        team["around_the_clock"] = draw(st.integers(0, 3))
    else:
        team["shifts"] = draw(st.lists(_shift(), min_size=1, max_size=2))
    team["hourly_rate"] = draw(_RATE)
    if draw(COIN):
        team["overtime_rate"] = draw(_OVERTIME_RATE)
    if draw(COIN):
        team["max_overtime"] = draw(st.sampled_from(("0h", "30m", "1h", "2h")))
    if draw(ONE_IN_4):  # a fixed offset, or a zone with daylight saving
        zone = draw(st.sampled_from(_TEAM_ZONES))
        team["time_zone" if isinstance(zone, str) else "utc_offset_hours"] = zone
    if draw(ONE_IN_4):
        days = draw(st.lists(st.integers(0, horizon_days), max_size=3, unique=True))
        team["holidays"] = [start + timedelta(days=d) for d in days]
        if draw(ONE_IN_4):  # a country's public holidays besides those dates
            country = draw(st.sampled_from(("US", "PH", "GB")))
            team["holidays"] = {"country": country, "dates": team["holidays"]}
    if draw(_ONE_IN_5):
        team["policy"] = _queue_policy(draw)
    return team


def _gang(draw: st.DrawFn, pool: dict[str, Any]) -> int:
    return draw(st.integers(1, min(2, pool["gpus"])))


@st.composite
def gpu_stage_part(
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
        if gang > 1 or draw(COIN):
            option["gang"] = gang
        if draw(COIN):
            option["setup"] = draw(durations(0.5))
        options.append(option)
    stage: dict[str, Any] = {"kind": "gpu", "options": options}
    if draw(COIN):
        stage["model"] = draw(st.sampled_from(("Wan2.1 I2V-14B, 720p", "upscaler")))
    if draw(COIN):
        stage["failure_probability"] = draw(_PROBABILITY)
    if draw(COIN):
        stage["defect_probability"] = draw(_PROBABILITY)
    if draw(COIN):
        stage["max_attempts"] = draw(st.integers(1, 4))
    if draw(COIN):
        stage["backoff"] = draw(durations(1.0))
    if draw(ONE_IN_3):
        stage["fallback"] = {
            "team": draw(st.sampled_from(teams)),
            "minutes_per_shot": draw(distributions(60.0)),
        }
    return stage


@st.composite
def review_stage_part(
    draw: st.DrawFn,
    pools: dict[str, dict[str, Any]],
    teams: list[str],
    earlier: list[str],
    gpu_before: bool = False,
) -> dict[str, Any]:
    stage: dict[str, Any] = {"kind": "review"}
    if not draw(ONE_IN_3):
        stage["team"] = draw(st.sampled_from(teams))
    else:
        pool = draw(st.sampled_from(sorted(pools)))
        stage["pool"] = pool
        gang = _gang(draw, pools[pool])
        if gang > 1:
            stage["gang"] = gang
    if draw(COIN):
        stage["minutes_per_shot"] = draw(distributions(2.0))
    else:
        stage["seconds_per_frame"] = draw(distributions(0.5))
    if draw(COIN):
        stage["sample_rate"] = draw(_PROBABILITY)
    if draw(COIN):
        stage["max_rounds"] = draw(st.integers(0, 3))
    # A review that can reject needs an earlier stage to send shots back to; the first
    # stage, if a review, only looks. With a GPU stage before it, it may send shots back
    # to where their defect was made (``origin``).
    if earlier:
        stage["catch_probability"] = draw(_PROBABILITY)
        if draw(COIN):
            stage["reject_probability"] = draw(st.lists(_PROBABILITY, min_size=1, max_size=3))
        else:
            stage["reject_probability"] = draw(_PROBABILITY)
        stage["rework_to"] = draw(st.sampled_from([*earlier, "origin"] if gpu_before else earlier))
    return stage


@st.composite
def episode_stage_part(
    draw: st.DrawFn, pools: dict[str, dict[str, Any]], teams: list[str]
) -> dict[str, Any]:
    stage: dict[str, Any] = {"hours_per_episode": draw(distributions(4.0))}
    if draw(COIN):
        stage["team"] = draw(st.sampled_from(teams))
    else:
        pool = draw(st.sampled_from(sorted(pools)))
        stage["pool"] = pool
        gang = _gang(draw, pools[pool])
        if gang > 1 or draw(COIN):
            stage["gang"] = gang
    return stage


@st.composite
def policy_part(draw: st.DrawFn) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if draw(COIN):
        policy["queue"] = _queue_policy(draw)
    if draw(COIN):
        policy["pool_rule"] = draw(st.sampled_from(("cheapest", "fastest", "listed")))
    if draw(COIN):
        burst: dict[str, Any] = {"wait": draw(durations(4.0))}
        if draw(COIN):
            burst["slack"] = draw(durations(48.0))
        if draw(COIN):
            burst["budget_usd"] = draw(_BUDGET)
        policy["burst"] = burst
    return policy
