"""What the batch kernel keeps per shot and per task, in the narrowest types the model's
bounds allow.

A shot's frames are kept in 31 bits, its stage, attempt and flag in 16, its state and a
review's count of its rejections in 8; a task's stage, attempt and count of units in 16.
A model beyond those bounds is refused with the numbers, and within them the results are
the reference's, also where a count saturates (a review's rejections past 255, which then
only pick the last reject probability).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from simulator import compile_season, load_scenario
from simulator.engines.kernel import pack, run_raw_batch, trace_replication
from simulator.engines.reference.engine import run_raw
from simulator.engines.trace import TraceKind
from simulator.errors import UnsupportedError
from simulator.model.season import SeasonModel
from simulator.testing.agreement import raw_difference
from simulator.testing.strategies import load_document

pytestmark = pytest.mark.usefixtures("cpu_kernel")

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def season() -> SeasonModel:
    return compile_season(load_scenario(DEMO))


def test_what_a_shots_scratch_cannot_hold_is_refused_with_the_numbers(
    season: SeasonModel,
) -> None:
    ep = season.episodes[0]
    huge = dataclasses.replace(ep, frames=None, fixed_frames=(1 << 31,) * ep.n_shots)
    with pytest.raises(UnsupportedError, match=r"at most 2,147,483,647 frames.* 2,147,483,648"):
        pack(dataclasses.replace(season, episodes=(huge, *season.episodes[1:])))
    stubborn = dataclasses.replace(season.shot_stages[0], max_attempts=1 << 16)
    with pytest.raises(UnsupportedError, match=r"at most 65535 attempts .* got 65536"):
        pack(dataclasses.replace(season, shot_stages=(stubborn, *season.shot_stages[1:])))
    first = season.shot_stages[0]
    crowd = dataclasses.replace(
        first, options=(dataclasses.replace(first.options[0], gang=1 << 16),)
    )
    with pytest.raises(UnsupportedError, match=r"gangs of at most 65535 units .* got 65536"):
        pack(dataclasses.replace(season, shot_stages=(crowd, *season.shot_stages[1:])))
    patient = dataclasses.replace(season.shot_stages[0], max_rounds=256)
    with pytest.raises(UnsupportedError, match=r"at most 255 rejections .* \(max_rounds 256\)"):
        pack(dataclasses.replace(season, shot_stages=(patient, *season.shot_stages[1:])))


LOOPS: dict[str, Any] = {
    "name": "loops",
    "calendar": {"start": "2027-01-04"},
    "shows": {
        "a": {
            "frames_per_shot": 10,
            "episodes": [
                {"name": "e1", "lock": "2027-01-04", "deadline": "2027-01-07", "shots": 3}
            ],
        }
    },
    "shot_stages": {
        "gen": {
            "kind": "gpu",
            "options": [{"pool": "h100", "seconds_per_frame": {"dist": "exponential", "mean": 20}}],
        },
        # Rejected 255 times for sure, then by the last probability (the draw address's
        # pass stops at 255 too, so a shot rejected then is rejected until the horizon).
        "qc": {
            "kind": "review",
            "pool": "h100",
            "seconds_per_frame": 1,
            "reject_probability": [1.0] * 255 + [0.3],
            "rework_to": "gen",
        },
    },
    "episode_stages": {"conform": {"pool": "h100", "hours_per_episode": 1}},
    "pools": {"h100": {"gpus": 2, "price_per_gpu_hour": 2.5}},
    "run": {"seed": 7, "replications": 1, "horizon": "12d"},
}


def test_a_review_past_255_rejections_of_a_shot_agrees() -> None:
    model = compile_season(load_document(LOOPS))
    (kernel,) = run_raw_batch(model, range(1))
    found = raw_difference(model, run_raw(model, 0), kernel, ("reference", "kernel"))
    assert found is None, found
    reworks = Counter(e.task for e in trace_replication(model, 0) if e.kind == TraceKind.REWORK)
    assert max(reworks.values()) > 1000
    assert min(reworks.values()) == 255
