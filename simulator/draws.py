"""Addressed randomness: every draw is a pure function of where it is used.

A simulation that pulls numbers from one sequential generator gets different numbers as
soon as anything changes the order of its calls: another engine, another event order, one
more task in a queue. reelsim instead gives every random quantity an *address*

    (seed, replication, purpose, owner, sub)

— e.g. "the service time of shot 812, stage 3, rework pass 1, attempt 0 in replication 7" —
and turns that address into uniforms with a *counter-based* generator. Philox4x32-10
(Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) is a keyed
bijection on 128-bit blocks: encrypt a counter under a key and the output looks uniformly
random, with no state carried between calls. So any engine, in any order, on any number of
threads, gets exactly the same numbers for the same address, and two policies compared on
the same seed see the same frames, failures and verdicts (common random numbers).

The mapping from an address to Philox inputs is fixed here, once:

    key     = (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
    counter = (replication, (purpose << 24) | owner, sub, j)

where j = 0, 1, 2, ... numbers the 128-bit blocks drawn at that address. Each block
(a, b, c, d) gives two uniforms of 53 bits, first from (a, b), then from (c, d):

    u = ((a >> 6) * 2**27 + (b >> 5) + 0.5) / 2**53

evaluated in double precision exactly as written (the integer is exact, the sum rounds to
nearest-even, the division by a power of two is exact). The +0.5 keeps u away from 0.
The single integer 2**53 − 1 would round up to u = 1.0, so that one value is mapped to the
largest double below 1 (1 − 2**-53) instead: every uniform lies strictly inside (0, 1) and
``log(u)``, ``log(1 − u)`` and the normal quantile of u are always finite.

This module is the specification the compiled kernel mirrors bit for bit, which is why it
uses plain integers: no vector library, no platform-dependent arithmetic. ``uniforms`` and
``first_blocks`` compute the first blocks at many addresses at once, in lanes of long
integers, with each lane's arithmetic exactly that of one block.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "Address",
    "Purpose",
    "StartedStream",
    "Stream",
    "first_blocks",
    "pack_sub",
    "philox4x32_10",
    "uniform",
    "uniforms",
]

_MASK32 = 0xFFFFFFFF
# Multipliers and Weyl key increments of Philox4x32 (Random123).
_M0 = 0xD2511F53
_M1 = 0xCD9E8D57
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_ROUNDS = 10

_TWO27 = 134217728  # 2**27: the high 26 bits of a word sit above the 27 bits taken from the next
_INV_TWO53 = 1.0 / 9007199254740992.0  # 2**-53, exact
_TWO53 = 9007199254740992.0
# Address fields share the counter words: purpose takes the top 8 bits of word 1, owner 24.
_SEED_BOUND = 1 << 64
_PURPOSE_BOUND = 1 << 8
_OWNER_BOUND = 1 << 24
# Largest double below 1; the one 53-bit integer whose half-offset rounds to 2**53 maps here.
_BELOW_ONE = 1.0 - _INV_TWO53


class Purpose(IntEnum):
    """What a draw is for: the third part of its address.

    Each purpose fixes what ``owner`` and ``sub`` mean, so that two draws can never share an
    address by accident. ``pack_sub(stage, pass_, attempt)`` packs three small indices into
    ``sub``.

    ================  ==============================  =====================================
    purpose           owner                           sub
    ================  ==============================  =====================================
    FRAMES            shot id                         0
    RELEASE           shot id                         0 (window release: one uniform;
                                                      Poisson release: owner = shot id
                                                      gives that shot's interarrival)
    SERVICE           shot id                         pack_sub(stage, pass, attempt)
    ATTEMPT_FAILURE   shot id                         pack_sub(stage, pass, attempt)
    DEFECT            shot id                         pack_sub(stage, pass, attempt)
    REVIEW_SAMPLE     shot id                         pack_sub(stage, pass, 0)
    REVIEW_VERDICT    shot id                         pack_sub(stage, pass, 0)
    FALLBACK          shot id                         pack_sub(stage, pass, 0)
    EPISODE_SERVICE   episode id                      pack_sub(stage, 0, attempt)
    GPU_FAILURE       (pool << 16) | unit             k, the k-th failure of that unit
    GPU_REPAIR        (pool << 16) | unit             k, the repair after the k-th failure
    PREEMPTION        pool                            k, the k-th preemption in that pool
    ================  ==============================  =====================================

    The numbers are part of the address layout: changing one changes every result.
    """

    FRAMES = 1
    RELEASE = 2
    SERVICE = 3
    ATTEMPT_FAILURE = 4
    DEFECT = 5
    REVIEW_SAMPLE = 6
    REVIEW_VERDICT = 7
    FALLBACK = 8
    EPISODE_SERVICE = 9
    GPU_FAILURE = 10
    GPU_REPAIR = 11
    PREEMPTION = 12


class Address(NamedTuple):
    """Where a draw lives: (seed, replication, purpose, owner, sub)."""

    seed: int
    replication: int
    purpose: int
    owner: int
    sub: int


def pack_sub(stage: int, pass_: int, attempt: int) -> int:
    """Pack (stage, rework pass, attempt) into one 32-bit ``sub``: 8 + 8 + 16 bits."""
    # One chained test on the hot path (``type(x) is int`` leaves out bools); the detailed
    # checks only when it fails.
    if (
        type(stage) is int
        and type(pass_) is int
        and type(attempt) is int
        and 0 <= stage < 256
        and 0 <= pass_ < 256
        and 0 <= attempt < 65536
    ):
        return (stage << 24) | (pass_ << 16) | attempt
    _check_range("stage", stage, 1 << 8)
    _check_range("pass", pass_, 1 << 8)
    _check_range("attempt", attempt, 1 << 16)
    return (stage << 24) | (pass_ << 16) | attempt


def _check_range(name: str, value: int, bound: int) -> None:
    # bool is an int subclass; an address part given as True/False is a bug upstream.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected {name} to be an integer, got {value!r}")
    if not 0 <= value < bound:
        raise ValueError(f"expected 0 <= {name} < {bound}, got {value}")


def _check_address(seed: int, replication: int, purpose: int, owner: int, sub: int) -> None:
    _check_range("seed", seed, _SEED_BOUND)
    _check_range("replication", replication, 1 << 32)
    _check_range("purpose", purpose, _PURPOSE_BOUND)
    _check_range("owner", owner, _OWNER_BOUND)
    _check_range("sub", sub, 1 << 32)


def _round_keys(k0: int, k1: int) -> tuple[tuple[int, int], ...]:
    """The ten round keys: the key bumped by the Weyl increments before each later round."""
    keys = []
    for _ in range(_ROUNDS):
        keys.append((k0, k1))
        k0 = (k0 + _W0) & _MASK32
        k1 = (k1 + _W1) & _MASK32
    return tuple(keys)


def _philox_block(
    c0: int, c1: int, c2: int, c3: int, keys: tuple[tuple[int, int], ...]
) -> tuple[int, int, int, int]:
    # One round: two 32x32 -> 64-bit products; their high halves are mixed with the other
    # two words and the round key, their low halves move across. Products of 32-bit values
    # have high halves below 2**32, so the xors need no mask; only the low halves do.
    # The multipliers are literals (0xD2511F53 = _M0, 0xCD9E8D57 = _M1) and the four
    # assignments are ordered so that each reads only words not yet overwritten: this is the
    # hot loop of the whole reference engine, and constants are cheaper than global names.
    for k0, k1 in keys:
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0 = (p1 >> 32) ^ c1 ^ k0
        c1 = p1 & 0xFFFFFFFF
        c2 = (p0 >> 32) ^ c3 ^ k1
        c3 = p0 & 0xFFFFFFFF
    return c0, c1, c2, c3


def philox4x32_10(
    counter: tuple[int, int, int, int], key: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Philox4x32 with 10 rounds: encrypt a 4-word counter under a 2-word key.

    Every word is an unsigned 32-bit integer; out-of-range words raise ValueError.
    """
    if len(counter) != 4 or len(key) != 2:
        raise ValueError(
            f"expected a 4-word counter and a 2-word key, got {len(counter)} and {len(key)}"
        )
    for i, w in enumerate(counter):
        _check_range(f"counter[{i}]", w, 1 << 32)
    for i, w in enumerate(key):
        _check_range(f"key[{i}]", w, 1 << 32)
    c0, c1, c2, c3 = counter
    return _philox_block(c0, c1, c2, c3, _round_keys(key[0], key[1]))


def _to_uniform(hi: int, lo: int) -> float:
    # Written out once here for the documentation and tests; Stream inlines the same steps.
    u = ((hi >> 6) * _TWO27 + (lo >> 5) + 0.5) / _TWO53
    return u if u < 1.0 else _BELOW_ONE


# The key schedule depends on the seed alone, and a run uses one seed: keep the last few.
_KEY_CACHE: dict[int, tuple[tuple[int, int], ...]] = {}


def _keys_for_seed(seed: int) -> tuple[tuple[int, int], ...]:
    keys = _KEY_CACHE.get(seed)
    if keys is None:
        if len(_KEY_CACHE) >= 64:
            _KEY_CACHE.clear()
        keys = _round_keys(seed & _MASK32, (seed >> 32) & _MASK32)
        _KEY_CACHE[seed] = keys
    return keys


class Stream:
    """The uniforms at one address, in order: block j = 0, 1, 2, ..., two per block.

    ``Stream(seed, replication, purpose, owner, sub).next()`` returns the first uniform of
    the address, the next call the second, then the two of block 1, and so on. Most
    addresses need one or two draws; rejection samplers (gamma) may need a few more.
    """

    __slots__ = ("_c0", "_c1", "_c2", "_j", "_keys", "_spare")

    def __init__(self, seed: int, replication: int, purpose: int, owner: int, sub: int) -> None:
        # One chained comparison on the hot path; the detailed message only on failure.
        if not (
            0 <= seed < _SEED_BOUND
            and 0 <= replication <= _MASK32
            and 0 <= purpose < _PURPOSE_BOUND
            and 0 <= owner < _OWNER_BOUND
            and 0 <= sub <= _MASK32
        ):
            _check_address(seed, replication, purpose, owner, sub)
        self._keys = _keys_for_seed(seed)
        self._c0 = replication
        self._c1 = (int(purpose) << 24) | owner
        self._c2 = sub
        self._j = 0
        # The second uniform of the current block, waiting to be returned; None when spent.
        self._spare: float | None = None

    @classmethod
    def at(cls, address: Address) -> Stream:
        """The stream at an ``Address``."""
        return cls(*address)

    def next(self) -> float:
        """The next uniform in (0, 1) at this address."""
        spare = self._spare
        if spare is not None:
            self._spare = None
            return spare
        j = self._j
        if j > _MASK32:
            raise ValueError("a single address ran out of its 2**32 blocks of draws")
        self._j = j + 1
        a, b, c, d = _philox_block(self._c0, self._c1, self._c2, j, self._keys)
        u = ((a >> 6) * _TWO27 + (b >> 5) + 0.5) / _TWO53
        v = ((c >> 6) * _TWO27 + (d >> 5) + 0.5) / _TWO53
        self._spare = v if v < 1.0 else _BELOW_ONE
        return u if u < 1.0 else _BELOW_ONE


def uniform(seed: int, replication: int, purpose: int, owner: int, sub: int) -> float:
    """The first uniform at an address (what most single-draw decisions use): the first
    half of block 0, the second half left unconverted."""
    if not (
        0 <= seed < _SEED_BOUND
        and 0 <= replication <= _MASK32
        and 0 <= purpose < _PURPOSE_BOUND
        and 0 <= owner < _OWNER_BOUND
        and 0 <= sub <= _MASK32
    ):
        _check_address(seed, replication, purpose, owner, sub)
    a, b, _, _ = _philox_block(
        replication, (int(purpose) << 24) | owner, sub, 0, _keys_for_seed(seed)
    )
    u = ((a >> 6) * _TWO27 + (b >> 5) + 0.5) / _TWO53
    return u if u < 1.0 else _BELOW_ONE


# ``first_blocks`` and ``uniforms`` encrypt this many counters at once: long enough that the
# per-operation cost of Python's integers is spread thin, short enough to stay in cache
# (measured: 1,024 and 4,096 equally fast, 64 and 100,000 about 1.5 times slower).
_LANES = 1024


def _first_blocks(
    seed: int, replication: int, purpose: int, owners: Sequence[int], sub: int, *, both: bool
) -> tuple[list[float], list[float]]:
    """The uniforms of block 0 at each address (seed, replication, purpose, owner, sub), the
    first of each and, if ``both``, the second.

    The blocks are computed side by side in one Python integer per Philox word, each counter
    in a 64-bit lane of it: a 32-bit word times a 32-bit multiplier fits its lane, so one
    multiplication, shift, mask or xor of the long integers is that step of every block at
    once, with exactly the arithmetic of ``philox4x32_10`` in each lane.
    """
    for owner in (min(owners), max(owners)) if owners else ():
        _check_address(seed, replication, purpose, owner, sub)
    keys = _keys_for_seed(seed)
    top = int(purpose) << 24
    firsts: list[float] = []
    seconds: list[float] = []
    for start in range(0, len(owners), _LANES):
        part = owners[start : start + _LANES]
        n = len(part)
        # 1 in every lane: ``x * ones`` puts a 32-bit x in every lane.
        ones = int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * n, "little")
        low32 = _MASK32 * ones
        c0 = replication * ones
        c1 = int.from_bytes(struct.pack(f"<{n}Q", *[top | owner for owner in part]), "little")
        c2 = sub * ones
        c3 = 0  # j = 0: the first block
        for k0, k1 in keys:  # the rounds of ``_philox_block``, a high half masked to its lane
            p0 = 0xD2511F53 * c0
            p1 = 0xCD9E8D57 * c2
            c0 = ((p1 >> 32) & low32) ^ c1 ^ (k0 * ones)
            c1 = p1 & low32
            c2 = ((p0 >> 32) & low32) ^ c3 ^ (k1 * ones)
            c3 = p0 & low32
        firsts += _lane_uniforms(n, ones, c0, c1)
        if both:
            seconds += _lane_uniforms(n, ones, c2, c3)
    return firsts, seconds


def _lane_uniforms(n: int, ones: int, hi: int, lo: int) -> list[float]:
    """``_to_uniform`` of each lane's words: (hi >> 6) * 2**27 + (lo >> 5) in each lane, 53
    bits with no carry between lanes, then the half offset and the scaling one by one."""
    bits = (((hi >> 6) & (0x3FFFFFF * ones)) << 27) + ((lo >> 5) & (0x7FFFFFF * ones))
    us = [(x + 0.5) / _TWO53 for x in struct.unpack(f"<{n}Q", bits.to_bytes(8 * n, "little"))]
    return us if max(us) < 1.0 else [u if u < 1.0 else _BELOW_ONE for u in us]


def uniforms(
    seed: int, replication: int, purpose: int, owners: Sequence[int], sub: int
) -> list[float]:
    """``[uniform(seed, replication, purpose, owner, sub) for owner in owners]``, about ten
    times faster for many owners (Philox on many counters at once)."""
    return _first_blocks(seed, replication, purpose, owners, sub, both=False)[0]


def first_blocks(
    seed: int, replication: int, purpose: int, owners: Sequence[int], sub: int
) -> tuple[list[float], list[float]]:
    """The first two uniforms at each address (seed, replication, purpose, owner, sub) for
    ``owner`` in ``owners``, computed side by side (as ``uniforms``): the firsts and the
    seconds. ``StartedStream`` goes on from them."""
    return _first_blocks(seed, replication, purpose, owners, sub, both=True)


class StartedStream:
    """The uniforms at one address whose first block is known (``first_blocks``): its two
    uniforms, then those of ``Stream`` from block 1 on."""

    __slots__ = ("_address", "_held", "_rest")

    def __init__(self, first: float, second: float, address: Address) -> None:
        self._held = [second, first]
        self._address = address
        self._rest: Stream | None = None

    def next(self) -> float:
        """The next uniform in (0, 1) at this address."""
        if self._held:
            return self._held.pop()
        if self._rest is None:
            self._rest = Stream.at(self._address)
            self._rest._j = 1
        return self._rest.next()
