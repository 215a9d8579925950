"""Scenario settings in the names people use.

A setting is addressed by its dotted path (``teams.supervisors.shifts.0.people``) where the
path is the point — the ``--set`` echo, provenance, a folder's tables. Everywhere else it
is named by the label of what it belongs to (``SeasonModel.labels``): "VFX supervisor:
shift 1, people". The plots and the reports both name settings here, so a sweep's axis
and its page's table say the same words.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["setting_name"]

_OWNERS = {
    "pools": "pool",
    "teams": "team",
    "shot_stages": "stage",
    "episode_stages": "stage",
    "shows": "show",
}
"""The first word of a path to a pool, team, stage or show, and its key's kind in
``SeasonModel.labels`` (``pool:NAME``…)."""

_SEASON_SETTINGS = {
    "policy.queue": "queue order",
    "policy.pool_rule": "which free GPU option a task takes",
    "policy.burst.wait": "burst to cloud once the head of a queue has waited",
    "policy.burst.slack": "burst to cloud once a task's slack is under",
    "policy.burst.budget_usd": "cloud burst budget (USD)",
    "penalties.escaped_defect": "penalty per escaped defect (USD)",
    "penalties.failed_shot": "penalty per failed shot (USD)",
    "penalties.late_per_day": "penalty per episode-day late (USD)",
    "run.replications": "replications",
    "run.seed": "seed",
    "run.horizon": "horizon",
}
"""Settings of the whole season (not of a pool, team, stage or show), in words."""


def setting_name(path: str, labels: Mapping[str, str]) -> str:
    """A scenario setting in words, by the label of what it belongs to:
    ``teams.supervisors.shifts.0.people`` is "VFX supervisor: shift 1, people" (``labels``
    as ``SeasonModel.labels``: ``team:supervisors`` → "VFX supervisor"; a name without a
    label stays its name). The season's own settings have names of their own
    (``policy.burst.wait`` is "burst to cloud once the head of a queue has waited"); any
    other path stays a path."""
    if path in _SEASON_SETTINGS:
        return _SEASON_SETTINGS[path]
    parts = path.split(".")
    if len(parts) < 3 or parts[0] not in _OWNERS:
        return path
    owner = labels.get(f"{_OWNERS[parts[0]]}:{parts[1]}", parts[1])
    words: list[str] = []
    rest = parts[2:]
    while rest:
        head, *rest = rest
        if rest and rest[0].isdigit():
            words.append(f"{head.rstrip('s')} {int(rest[0]) + 1}")
            rest = rest[1:]
        else:
            words.append(head.replace("_", " "))
    return f"{owner}: {', '.join(words)}"
