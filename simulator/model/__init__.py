"""The compiled season both engines run: ``compile_season`` turns a ``Scenario`` into a
``SeasonModel`` (every duration in hours, every date an hour from t = 0); the one key of a
pool or team (``ResourceKey``, labelled ``pool:NAME`` or ``team:NAME``); queue policies;
the starting state of a run from where the season stands; the capacity pre-flight and the
settings worth a second look (``cautions``).
"""

from __future__ import annotations

from simulator.model.cautions import (
    cautions,
)
from simulator.model.compiler import compile_season
from simulator.model.naming import setting_name
from simulator.model.policies import (
    IndexPolicy,
    QueuePolicy,
    TaskFeatures,
    builtin_policy,
    load_policy,
)
from simulator.model.preflight import (
    Load,
    Preflight,
    StageWork,
    preflight,
)
from simulator.model.resources import ResourceKey, resource_keys, resource_labels
from simulator.model.season import (
    EpisodeModel,
    EpisodeStatus,
    Option,
    PoolKind,
    PoolModel,
    ReleasePattern,
    Resource,
    SeasonModel,
    ShotStatus,
    StageKind,
    StageModel,
    StartingState,
    TeamModel,
)
from simulator.model.starting_state import (
    Status,
    StatusSource,
    as_status,
    empty_state,
    load_status,
    parse_status,
    with_start,
)

__all__ = [
    "EpisodeModel",
    "EpisodeStatus",
    "IndexPolicy",
    "Load",
    "Option",
    "PoolKind",
    "PoolModel",
    "Preflight",
    "QueuePolicy",
    "ReleasePattern",
    "Resource",
    "ResourceKey",
    "SeasonModel",
    "ShotStatus",
    "StageKind",
    "StageModel",
    "StageWork",
    "StartingState",
    "Status",
    "StatusSource",
    "TaskFeatures",
    "TeamModel",
    "as_status",
    "builtin_policy",
    "cautions",
    "compile_season",
    "empty_state",
    "load_policy",
    "load_status",
    "parse_status",
    "preflight",
    "resource_keys",
    "resource_labels",
    "setting_name",
    "with_start",
]
