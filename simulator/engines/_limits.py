"""What the batch kernel can hold, and the refusal of a model beyond it.

The draw addresses (``simulator.draws``) have room for so many shots, stages, attempts and
GPUs, and the kernel keeps a shot's progress and a task's record in the narrowest types
these bounds allow (``simulator.engines._memory``); a model beyond them is refused with
``UnsupportedError``, naming the feature and the numbers, before anything is packed.
"""

from __future__ import annotations

import math

from simulator.errors import UnsupportedError
from simulator.model.season import SeasonModel

__all__ = ["check_supported"]

# Draw addresses (simulator/draws.py): owner has 24 bits, a stage index 8, an attempt 16;
# a GPU's failure owner is (pool << 16) | unit. A shot's attempt, which reaches
# max_attempts, and a task's gang are kept in 16 bits in the kernel's scratch, a shot's
# frames in 31.
_OWNER_BOUND = 1 << 24
_STAGE_BOUND = 1 << 8
_ATTEMPT_BOUND = (1 << 16) - 1
_UNIT_BOUND = 1 << 16
_POOL_BOUND = 1 << 8  # the failure owner's bits above a unit's 16
_GANG_BOUND = (1 << 16) - 1
_FRAMES_BOUND = (1 << 31) - 1
# A review's rejections of a shot are counted in 8 bits, up to its max_rounds, or up to the
# last of its reject probabilities (the ones after repeat it).
_ROUNDS_BOUND = 255


def check_supported(model: SeasonModel) -> None:
    """Refuse, naming the feature, what the draw addresses or the kernel cannot hold."""
    n_tasks = model.n_shots + model.n_episodes
    if n_tasks >= _OWNER_BOUND:
        raise UnsupportedError(
            f"the batch kernel runs at most {_OWNER_BOUND - 1} shots and episodes in all "
            f"(the draw-address owner field), got {n_tasks}"
        )
    for kind, stages in (
        ("shot stages", model.shot_stages),
        ("episode stages", model.episode_stages),
    ):
        if len(stages) > _STAGE_BOUND:
            raise UnsupportedError(
                f"the batch kernel runs at most {_STAGE_BOUND} {kind} (the draw address has "
                f"8 bits for a stage), got {len(stages)}"
            )
    for st in model.shot_stages:
        if st.max_attempts > _ATTEMPT_BOUND:
            raise UnsupportedError(
                f"stage {st.name!r}: the batch kernel allows at most {_ATTEMPT_BOUND} "
                f"attempts (a shot's attempt is kept in 16 bits), got {st.max_attempts}"
            )
    _check_frames(model)
    for st in (*model.shot_stages, *model.fallbacks, *model.episode_stages):
        gang = max(o.gang for o in st.options)
        if gang > _GANG_BOUND:
            raise UnsupportedError(
                f"stage {st.name!r}: the batch kernel runs gangs of at most {_GANG_BOUND} "
                f"units (a task's count of units is kept in 16 bits), got {gang}"
            )
    for st in model.shot_stages:
        if st.max_rounds > _ROUNDS_BOUND or len(st.reject_probabilities) > _ROUNDS_BOUND + 1:
            raise UnsupportedError(
                f"stage {st.name!r}: the batch kernel counts at most {_ROUNDS_BOUND} rejections "
                f"of a shot by a review (max_rounds {st.max_rounds}) and "
                f"{_ROUNDS_BOUND + 1} reject probabilities (got {len(st.reject_probabilities)})"
            )
    for pool in model.pools:
        if pool.time_between_failures is not None and (
            pool.gpus > _UNIT_BOUND or pool.index >= _POOL_BOUND
        ):
            raise UnsupportedError(
                f"pool {pool.name!r}: GPU failures are addressed by (pool << 16) | unit, which "
                f"holds at most {_POOL_BOUND} pools of {_UNIT_BOUND} GPUs; got pool "
                f"{pool.index} with {pool.gpus} GPUs"
            )


def _check_frames(model: SeasonModel) -> None:
    """Refuse frames a shot's 31-bit count cannot hold: from a shot list, a starting state,
    or the largest draw of ``frames_per_shot`` (rounded as the engines round it)."""
    for ep in model.episodes:
        most = max(ep.fixed_frames, default=0)
        if ep.frames is not None:
            most = max(most, math.floor(ep.frames.largest + 0.5))
        if most > _FRAMES_BOUND:
            raise UnsupportedError(
                f"episode {ep.name!r}: the batch kernel runs shots of at most {_FRAMES_BOUND:,} "
                f"frames, and this one's may have {most:,}"
            )
    if model.start is not None and max(model.start.shot_frames, default=0) > _FRAMES_BOUND:
        raise UnsupportedError(
            f"the starting state: the batch kernel runs shots of at most {_FRAMES_BOUND:,} "
            f"frames, got {max(model.start.shot_frames):,}"
        )
