"""The kernel's contract with the host, held by name.

The kernel source names every slot and code once, as C enums (``kernels.layout`` reads
them). The host lays table rows out by column name (``Columns``), and every Python enum
that the kernel mirrors must equal its C enum member for member, name and value: a code
added, removed or renumbered on one side only fails here, not as a wrong number in a run.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import get_args

import pytest

from kernels import cpu
from kernels.layout import LAYOUT, Columns, parse_enums
from simulator.distributions import Distribution
from simulator.draws import Purpose
from simulator.engines.reference.agenda import EventClass
from simulator.engines.reference.monitor import day_of
from simulator.model import (
    EpisodeStatus,
    PoolKind,
    ReleasePattern,
    Resource,
    ShotStatus,
    StageKind,
)
from simulator.scenario.schema import IndexWeights, Policy

MIRRORED = [
    (Resource, "rs_resource", "RS_RESOURCE_"),
    (PoolKind, "rs_pool_kind", "RS_POOL_"),
    (StageKind, "rs_stage_kind", "RS_STAGE_"),
    (ReleasePattern, "rs_release", "RS_RELEASE_"),
    (ShotStatus, "rs_shot_status", "RS_SHOT_"),
    (EpisodeStatus, "rs_episode_status", "RS_EPISODE_"),
    (Purpose, "rs_purpose", "RS_PURPOSE_"),
    (EventClass, "rs_event_class", "RS_EV_"),
]


@pytest.mark.parametrize(("enum", "c_enum", "prefix"), MIRRORED, ids=lambda x: str(x))
def test_a_mirrored_python_enum_equals_its_kernel_enum_by_name(
    enum: type, c_enum: str, prefix: str
) -> None:
    python = {f"{prefix}{member.name}": int(member) for member in enum}  # type: ignore[attr-defined]
    assert python == LAYOUT[c_enum]


def test_every_distribution_has_a_kernel_code_by_its_dist_key() -> None:
    classes = get_args(get_args(Distribution)[0])
    keys = {get_args(cls.model_fields["dist"].annotation)[0] for cls in classes}
    assert {f"RS_DIST_{key.upper()}" for key in keys} == set(LAYOUT["rs_dist_kind"])


def test_every_pool_rule_has_a_kernel_code_by_its_name() -> None:
    rules = get_args(Policy.model_fields["pool_rule"].annotation)
    assert {f"RS_RULE_{rule.upper()}" for rule in rules} == set(LAYOUT["rs_pool_rule"])


def test_index_weights_are_the_w_columns_of_pool_and_team_rows_in_one_run() -> None:
    """The packer fills ``w_<weight>`` by name; the kernel reads the five weights as one run
    from ``w_arrival`` on, in the order of the key's features."""
    order = ["arrival", "deadline", "priority", "expected_work", "remaining_work"]
    assert sorted(IndexWeights.model_fields) == sorted(order)
    for enum, prefix in (("rs_pool_d", "RS_PD_W_"), ("rs_team_d", "RS_TD_W_")):
        members = LAYOUT[enum]
        first = members[f"{prefix}ARRIVAL"]
        assert [members[f"{prefix}{name.upper()}"] - first for name in order] == [0, 1, 2, 3, 4]
        names = Columns(enum).names
        assert [n for n in names if n.startswith("w_")] == [f"w_{name}" for name in order]


def test_a_row_is_laid_out_by_column_name() -> None:
    episode = Columns("rs_episode_i")
    assert episode.names == ("first_shot", "n_shots", "release", "frames_dist", "fixed_offset")
    row = episode.row(fixed_offset=5, frames_dist=4, release=3, n_shots=2, first_shot=1)
    assert row == [1, 2, 3, 4, 5]
    for member, value in LAYOUT["rs_episode_i"].items():
        if member != "RS_EI_SIZE":
            assert row[value] == value + 1


def test_a_row_with_a_missing_or_unknown_column_is_refused() -> None:
    dist = Columns("rs_dist_i")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['count'\]"):
        dist.row(kind=0, offset=0)
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['counts'\]"):
        dist.row(kind=0, offset=0, count=0, counts=1)


def test_a_table_enum_must_number_its_columns_from_zero() -> None:
    enums = parse_enums(
        "enum rs_gap { RS_G_A = 0, RS_G_B = 2, RS_G_SIZE };\n"
        "enum rs_stray { RS_S_A = 0, RS_T_B, RS_S_SIZE };\n"
        "enum rs_sizeless { RS_N_A = 0, RS_N_B };"
    )
    for name in ("rs_gap", "rs_stray", "rs_sizeless"):
        with pytest.raises(ValueError, match=name):
            Columns(name, enums[name])


def _day_cases() -> list[float]:
    rng = random.Random(24)
    cases = [0.0, 5e-324, 23.999999999999996, 24.0, 47.99999999999999, 1e9 + 0.5]
    for k in range(1, 2000):
        edge = 24.0 * k
        cases += [edge, math.nextafter(edge, 0.0), math.nextafter(edge, math.inf)]
    cases += [rng.uniform(0.0, 1e5) for _ in range(5000)]
    cases += [rng.uniform(0.0, 1e12) for _ in range(1000)]
    return cases


def test_the_daily_bin_is_the_exact_floor_of_hours_over_24() -> None:
    for t in _day_cases():
        assert day_of(t) == math.floor(Fraction(t) / 24), t


@pytest.mark.skipif(not cpu.available(), reason="the CPU kernel is not built")
def test_the_kernel_computes_the_same_daily_bin() -> None:
    from kernels import _cpu

    for t in _day_cases():
        assert _cpu.day_of(t) == day_of(t), t
