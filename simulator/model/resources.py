"""Which pool or team: one key for a resource, everywhere.

A resource is a pool or a team of the season, named by its kind and its index in the
model's list (file order). ``ResourceKey`` is that pair, a small frozen value that engines,
monitors, waiting rooms and trace events all use; its ``label`` (``pool:NAME`` or
``team:NAME``) is what results, tables and people see, and is made here only.
``resource_keys`` lists a season's resources in their one order: the pools, then the
teams (the order of the kernel's per-resource outputs).
"""

from __future__ import annotations

from typing import NamedTuple

from simulator.model.season import Resource, SeasonModel

__all__ = ["ResourceKey", "resource_keys", "resource_labels"]


class ResourceKey(NamedTuple):
    """A pool or a team: ``ResourceKey(Resource.POOL, 2)`` is the season's third pool.

    A named tuple, so that it hashes and compares as fast as the plain pair it is (the
    reference engine looks resources up on every dispatch); keys sort pools first."""

    kind: Resource
    # The name shadows tuple.index (which a key never needs): the model's word for it.
    index: int  # type: ignore[assignment]

    def label(self, model: SeasonModel) -> str:
        """``pool:NAME`` or ``team:NAME``: the resource as results and people name it."""
        return f"{'pool' if self.kind == Resource.POOL else 'team'}:{self.name(model)}"

    def name(self, model: SeasonModel) -> str:
        """The pool's or team's own name, as the scenario writes it."""
        if self.kind == Resource.POOL:
            return model.pools[self.index].name
        return model.teams[self.index].name

    def position(self, model: SeasonModel) -> int:
        """Where the resource stands in ``resource_keys(model)``."""
        return self.index if self.kind == Resource.POOL else len(model.pools) + self.index


def resource_keys(model: SeasonModel) -> tuple[ResourceKey, ...]:
    """Every resource of the season: the pools, then the teams, each in file order."""
    pools = tuple(ResourceKey(Resource.POOL, p.index) for p in model.pools)
    return pools + tuple(ResourceKey(Resource.TEAM, t.index) for t in model.teams)


def resource_labels(model: SeasonModel) -> list[str]:
    """The labels of ``resource_keys(model)``, in that order."""
    return [key.label(model) for key in resource_keys(model)]
