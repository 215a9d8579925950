"""Addressed randomness: Philox4x32-10 known answers, the address layout and Stream order."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from simulator.draws import (
    Address,
    Purpose,
    StartedStream,
    Stream,
    _to_uniform,
    first_blocks,
    pack_sub,
    philox4x32_10,
    uniform,
    uniforms,
)

SEED = 20240611


def test_philox_known_answers(philox_known_answers) -> None:
    for counter, key, expected in philox_known_answers:
        assert philox4x32_10(counter, key) == expected


def test_philox_rejects_words_out_of_range():
    with pytest.raises(ValueError, match=r"counter\[2\]"):
        philox4x32_10((0, 0, 1 << 32, 0), (0, 0))
    with pytest.raises(ValueError, match=r"key\[0\]"):
        philox4x32_10((0, 0, 0, 0), (-1, 0))
    with pytest.raises(ValueError, match="4-word counter"):
        philox4x32_10((0, 0, 0), (0, 0))  # type: ignore[arg-type]


def test_uniform_mapping_never_reaches_zero_or_one():
    lowest = _to_uniform(0, 0)
    highest = _to_uniform(0xFFFFFFFF, 0xFFFFFFFF)
    assert lowest == 0.5 / 2.0**53
    assert lowest > 0.0
    # 2**53 − 1 + 0.5 rounds to 2**53 in doubles; that one value is kept below 1.
    assert highest == 1.0 - 2.0**-53
    assert highest < 1.0
    # Only the top 26 bits of the first word and 27 of the second matter.
    assert _to_uniform(0x80000000, 0) == _to_uniform(0x8000003F, 0x1F)
    assert _to_uniform(0x80000000, 0) == (2**52 + 0.5) / 2.0**53


def test_stream_follows_the_address_layout_across_blocks():
    replication, owner, sub = 7, 812, pack_sub(3, 1, 2)
    stream = Stream(SEED, replication, Purpose.SERVICE, owner, sub)
    key = (SEED & 0xFFFFFFFF, (SEED >> 32) & 0xFFFFFFFF)
    expected = []
    for j in range(3):
        a, b, c, d = philox4x32_10((replication, (int(Purpose.SERVICE) << 24) | owner, sub, j), key)
        expected += [_to_uniform(a, b), _to_uniform(c, d)]
    assert [stream.next() for _ in range(6)] == expected


def test_seed_above_32_bits_uses_the_second_key_word():
    seed = (0x12345678 << 32) | 0x9ABCDEF0
    a, b, _, _ = philox4x32_10((0, (1 << 24) | 5, 0, 0), (0x9ABCDEF0, 0x12345678))
    assert uniform(seed, 0, Purpose.FRAMES, 5, 0) == _to_uniform(a, b)
    assert uniform(seed, 0, Purpose.FRAMES, 5, 0) != uniform(0x9ABCDEF0, 0, 1, 5, 0)


def test_same_address_same_values():
    first = Stream(SEED, 3, Purpose.DEFECT, 44, pack_sub(1, 0, 0))
    second = Stream(SEED, 3, Purpose.DEFECT, 44, pack_sub(1, 0, 0))
    assert [first.next() for _ in range(9)] == [second.next() for _ in range(9)]
    assert Stream.at(Address(SEED, 3, Purpose.DEFECT, 44, pack_sub(1, 0, 0))).next() == uniform(
        SEED, 3, Purpose.DEFECT, 44, pack_sub(1, 0, 0)
    )


@pytest.mark.parametrize(
    "other",
    [
        (SEED + 1, 3, 5, 44, 9),
        (SEED, 4, 5, 44, 9),
        (SEED, 3, 6, 44, 9),
        (SEED, 3, 5, 45, 9),
        (SEED, 3, 5, 44, 10),
    ],
)
def test_any_different_address_gives_a_different_stream(other):
    base = Stream(SEED, 3, 5, 44, 9)
    changed = Stream(*other)
    assert [base.next() for _ in range(4)] != [changed.next() for _ in range(4)]


def test_uniforms_lie_in_the_open_interval_and_average_one_half():
    stream = Stream(SEED, 0, Purpose.RELEASE, 1, 0)
    n = 20_000
    draws = [stream.next() for _ in range(n)]
    assert min(draws) > 0.0
    assert max(draws) < 1.0
    # The mean of n uniforms has standard error sqrt(1/12 / n); allow 4.5 of them.
    assert abs(math.fsum(draws) / n - 0.5) < 4.5 * math.sqrt(1.0 / 12.0 / n)
    # Neighbouring owners are unrelated: their first draws are not ordered alike.
    firsts = [uniform(SEED, 0, Purpose.FRAMES, shot, 0) for shot in range(2000)]
    rises = sum(b > a for a, b in pairwise(firsts))
    assert abs(rises / 1999 - 0.5) < 4.5 * math.sqrt(0.25 / 1999)


def test_pack_sub_layout_and_ranges():
    assert pack_sub(0, 0, 0) == 0
    assert pack_sub(3, 1, 2) == (3 << 24) | (1 << 16) | 2
    assert pack_sub(255, 255, 65535) == 0xFFFFFFFF
    with pytest.raises(ValueError, match="stage"):
        pack_sub(256, 0, 0)
    with pytest.raises(ValueError, match="pass"):
        pack_sub(0, 256, 0)
    with pytest.raises(ValueError, match="attempt"):
        pack_sub(0, 0, 65536)
    with pytest.raises(ValueError, match="attempt"):
        pack_sub(0, 0, -1)


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ((1 << 64, 0, 1, 0, 0), "seed"),
        ((-1, 0, 1, 0, 0), "seed"),
        ((0, 1 << 32, 1, 0, 0), "replication"),
        ((0, 0, 256, 0, 0), "purpose"),
        ((0, 0, 1, 1 << 24, 0), "owner"),
        ((0, 0, 1, 0, 1 << 32), "sub"),
    ],
)
def test_stream_rejects_addresses_out_of_range(address, field):
    with pytest.raises(ValueError, match=rf"expected 0 <= {field} <"):
        Stream(*address)


def test_largest_address_fields_are_accepted():
    u = uniform((1 << 64) - 1, (1 << 32) - 1, 255, (1 << 24) - 1, (1 << 32) - 1)
    assert 0.0 < u < 1.0


@pytest.mark.parametrize("n", [0, 1, 1023, 1024, 2500])
def test_uniforms_are_the_first_uniforms_of_their_addresses(n):
    # Extreme words in every field: lanes must not carry into each other.
    seed, rep, sub = (1 << 64) - 1, (1 << 32) - 1, (1 << 32) - 1
    owners = [(k * 2654435761) % (1 << 24) for k in range(n - 1)] + [(1 << 24) - 1] * (n > 0)
    expected = [uniform(seed, rep, 255, owner, sub) for owner in owners]
    assert uniforms(seed, rep, 255, owners, sub) == expected
    assert uniforms(SEED, 3, Purpose.RELEASE, range(n), 0) == [
        uniform(SEED, 3, Purpose.RELEASE, owner, 0) for owner in range(n)
    ]


def test_started_streams_go_on_as_the_streams_of_their_addresses():
    owners = [0, 7, (1 << 24) - 1]
    firsts, seconds = first_blocks(SEED, 5, Purpose.SERVICE, owners, pack_sub(2, 0, 0))
    for owner, first, second in zip(owners, firsts, seconds, strict=True):
        address = Address(SEED, 5, Purpose.SERVICE, owner, pack_sub(2, 0, 0))
        stream, started = Stream.at(address), StartedStream(first, second, address)
        assert [started.next() for _ in range(7)] == [stream.next() for _ in range(7)]


def test_uniforms_reject_owners_out_of_range():
    with pytest.raises(ValueError, match="expected 0 <= owner <"):
        uniforms(SEED, 0, Purpose.RELEASE, [3, 1 << 24, 5], 0)


def test_purpose_numbers_are_part_of_the_layout():
    # Renumbering a purpose changes every result; this pins the published layout.
    assert {p.name: p.value for p in Purpose} == {
        "FRAMES": 1,
        "RELEASE": 2,
        "SERVICE": 3,
        "ATTEMPT_FAILURE": 4,
        "DEFECT": 5,
        "REVIEW_SAMPLE": 6,
        "REVIEW_VERDICT": 7,
        "FALLBACK": 8,
        "EPISODE_SERVICE": 9,
        "GPU_FAILURE": 10,
        "GPU_REPAIR": 11,
        "PREEMPTION": 12,
    }
