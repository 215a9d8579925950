"""The season's shows as a scenario writes them: episodes (one by one or as a series),
their picture locks and deadlines, how shots are released, and the shots and frames."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from simulator.distributions import DistributionSpec
from simulator.scenario._names import episode_names
from simulator.scenario._values import (
    MAX_FRAMES,
    MAX_SHOTS,
    Duration,
    Frozen,
    Label,
    LargestAtMost,
    Name,
    TimePoint,
    Title,
    Weight,
)

__all__ = ["Episode", "EpisodeSeries", "Release", "ShotRecord", "Show"]


_FRAMES_LIMIT = LargestAtMost(MAX_FRAMES, "frames")
FramesSpec = Annotated[
    DistributionSpec, BeforeValidator(_FRAMES_LIMIT.bare), AfterValidator(_FRAMES_LIMIT)
]
"""Frames per shot: a distribution whose draws fit a shot's count of frames."""

# --- calendar and work ----------------------------------------------------------------


class Release(Frozen):
    """How an episode's shots become available after its picture lock."""

    pattern: Literal["all_at_once", "window", "poisson"] = "all_at_once"
    """``all_at_once`` at the lock, ``window`` spread uniformly, or ``poisson``."""
    window: Duration | None = None
    """``window``: shots arrive uniformly over this long after the lock."""
    shots_per_day: Annotated[float, Field(ge=0.001, le=1_000_000.0)] | None = None
    """``poisson``: shots arrive as a Poisson stream at this rate from the lock."""

    @model_validator(mode="after")
    def _fields_match_pattern(self) -> Release:
        if self.pattern == "window" and self.window is None:
            raise ValueError("pattern 'window' needs 'window', e.g. window: 5d")
        if self.pattern == "poisson" and self.shots_per_day is None:
            raise ValueError("pattern 'poisson' needs 'shots_per_day'")
        if self.pattern != "window" and self.window is not None:
            raise ValueError(f"'window' applies only to pattern 'window', not {self.pattern!r}")
        if self.pattern != "poisson" and self.shots_per_day is not None:
            raise ValueError(
                f"'shots_per_day' applies only to pattern 'poisson', not {self.pattern!r}"
            )
        return self


class Episode(Frozen):
    """One episode, written out."""

    name: Name
    """How results and status files name the episode."""
    lock: TimePoint
    """Picture lock: the episode's shots are released from here (see ``release``)."""
    deadline: TimePoint
    """Delivery deadline; a date means 24:00 of that date."""
    shots: Annotated[int, Field(ge=0, le=100_000)] | None = None
    """Number of AI-assisted shots; optional when the show has a shot list."""
    priority: Weight = 0.0
    """Larger is more urgent (used by the ``priority`` policy)."""
    frames_per_shot: FramesSpec | None = None
    """Overrides the show's distribution for this episode."""
    release: Release | None = None
    """Overrides the show's release pattern for this episode."""


class EpisodeSeries(Frozen):
    """Episodes at a regular cadence: lock and deadline step by a fixed interval."""

    count: Annotated[int, Field(ge=1, le=1000)]
    """How many episodes."""
    first_lock: TimePoint
    """Picture lock of the first episode."""
    lock_every: Duration
    """Time between consecutive locks ("7d": weekly)."""
    first_deadline: TimePoint
    """Delivery deadline of the first episode (a date means its 24:00)."""
    deadline_every: Duration
    """Time between consecutive deadlines."""
    shots: Annotated[int, Field(ge=0, le=100_000)] | None = None
    """AI-assisted shots per episode (optional with a shot list)."""
    priority: Weight = 0.0
    """Every episode's priority; larger is more urgent."""
    name_format: Annotated[str, Field(min_length=1, max_length=100)] = "ep{number:02d}"
    """Episode names: ``{number}`` is 1-based, with an optional format such as ``:02d``
    (width at most 99); every name must be a valid, distinct name."""

    @model_validator(mode="after")
    def _names_valid(self) -> EpisodeSeries:
        episode_names(self.name_format, self.count)  # raises ValueError on a bad format
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The episodes' names, in order."""
        return episode_names(self.name_format, self.count)


def _episodes_tag(value: Any) -> str:
    return "list" if isinstance(value, list | tuple) else "series"


class ShotRecord(Frozen):
    """One shot of a shot list: its episode, its code in the tracker, its frames."""

    episode: Name
    """The episode's name."""
    shot: Annotated[str, Field(min_length=1, max_length=100)]
    """The shot's code in the tracker."""
    frames: Annotated[int, Field(ge=1, le=MAX_FRAMES)]
    """Frames in the shot."""


class Show(Frozen):
    """One show's season."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    title: Title = ""
    """The show's title, for people."""
    episodes: Annotated[
        Annotated[tuple[Episode, ...], Field(min_length=1, max_length=1000), Tag("list")]
        | Annotated[EpisodeSeries, Tag("series")],
        Discriminator(_episodes_tag),
    ]
    """A list of episodes, or a series (``count`` with a cadence)."""
    frames_per_shot: FramesSpec | None = None
    """Frames in a shot, drawn per shot (rounded to the nearest integer, at least 1)."""
    release: Release = Release()
    """How each episode's shots arrive after its lock (episodes may override)."""
    shot_list: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    """A CSV (episode, shot, frames) exported by a production tracker, relative to the
    scenario file; it fixes each episode's shots and their frames."""
    shot_records: Annotated[tuple[ShotRecord, ...], Field(max_length=MAX_SHOTS)] = ()
    """The shot list's rows; loading fills them from ``shot_list``."""

    @model_validator(mode="after")
    def _frames_known(self) -> Show:
        if self.shot_list is not None or self.shot_records:
            return self
        episodes = self.episodes if isinstance(self.episodes, tuple) else ()
        if isinstance(self.episodes, EpisodeSeries) and self.episodes.shots is None:
            raise ValueError("episodes need 'shots' (or give the show a 'shot_list')")
        for ep in episodes:
            if ep.shots is None:
                raise ValueError(f"episode {ep.name!r} needs 'shots' (or a 'shot_list')")
        needs_frames = self.frames_per_shot is None and (
            isinstance(self.episodes, EpisodeSeries)
            or any(ep.frames_per_shot is None for ep in episodes)
        )
        if needs_frames:
            raise ValueError("give 'frames_per_shot' (or a 'shot_list' with frames)")
        return self
