"""The kernel's draws and samplers, number for number against the Python specification.

The batch kernel mirrors ``simulator.draws`` (Philox4x32-10, the address layout, the
uniform mapping) and ``simulator.distributions`` (every sampler, with its uniforms taken
in the same order). Agreement of whole replications rests on these pieces agreeing
*exactly*, so every comparison here is ``==`` on doubles, not a tolerance.
"""

from __future__ import annotations

import math
import random

import pytest

from kernels import cpu
from simulator.distributions import (
    Constant,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    TruncatedNormal,
    Uniform,
    normal_ppf,
)
from simulator.draws import Purpose, Stream, _to_uniform, philox4x32_10
from simulator.engines.packing import pack_distributions

pytestmark = pytest.mark.usefixtures("cpu_kernel")

if cpu.available():
    from kernels import _cpu

SEEDS = [0, 1, 20240611, 2**32 - 1, 2**32, 2**63 + 12345, 2**64 - 1]


def test_philox_known_answers(philox_known_answers) -> None:
    for counter, key, expected in philox_known_answers:
        assert _cpu.philox(*counter, *key) == expected


def test_philox_blocks_match_python_on_random_inputs():
    rng = random.Random(7)
    for _ in range(2000):
        counter = tuple(rng.getrandbits(32) for _ in range(4))
        key = tuple(rng.getrandbits(32) for _ in range(2))
        assert _cpu.philox(*counter, *key) == philox4x32_10(counter, key)


def test_uniforms_of_an_address_match_the_stream():
    rng = random.Random(11)
    for _ in range(500):
        seed = rng.choice([*SEEDS, rng.getrandbits(64)])
        rep = rng.getrandbits(32)
        purpose = rng.choice(list(Purpose))
        owner = rng.getrandbits(24)
        sub = rng.getrandbits(32)
        stream = Stream(seed, rep, purpose, owner, sub)
        expected = [stream.next() for _ in range(7)]
        assert _cpu.uniforms(seed, rep, int(purpose), owner, sub, 7) == expected


@pytest.mark.parametrize(
    ("hi", "lo"),
    [(0, 0), (0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFE0), (0x12345678, 0x9ABCDEF0)],
)
def test_uniform_mapping_edges(hi, lo):
    # The top 53-bit integer would round up to 1.0: both sides map it to 1 - 2**-53.
    got = _cpu.to_uniform(hi, lo)
    assert got == _to_uniform(hi, lo)
    assert 0.0 < got < 1.0


def test_uniform_mapping_on_random_words():
    rng = random.Random(13)
    for _ in range(5000):
        hi, lo = rng.getrandbits(32), rng.getrandbits(32)
        assert _cpu.to_uniform(hi, lo) == _to_uniform(hi, lo)


def test_normal_quantile_is_as241_bit_for_bit():
    rng = random.Random(3)
    ps = [1e-300, 1e-20, 1e-10, 0.02425, 0.075, 0.0749, 0.5, 0.5 + 1e-17, 0.925, 0.9251]
    ps += [1.0 - 2.0**-53, 2.0**-53, 0.0, 1.0]
    ps += [rng.random() for _ in range(5000)]
    ps += [rng.random() * 1e-6 for _ in range(500)]
    for p in ps:
        got, want = _cpu.normal_ppf(p), normal_ppf(p)
        assert got == want or (math.isinf(got) and got == want), p


DISTRIBUTIONS = [
    Constant(value=45.0),
    Constant(value=0.0),
    Exponential(mean=2.5),
    Exponential(mean=1e-4),
    LogNormal(median=120.0, sigma=0.4),
    LogNormal(median=3.0, sigma=0.0),
    LogNormal(mean=96.0, cv=1.2),
    LogNormal(mean=18.4, cv=0.1),
    Gamma(mean=6.0, cv=0.3),
    Gamma(mean=6.0, cv=1.0),
    Gamma(mean=6.0, cv=1.2),  # shape below 1: boosted, one more uniform
    Gamma(mean=0.5, cv=3.0),
    TruncatedNormal(loc=10.0, scale=3.0),
    TruncatedNormal(loc=10.0, scale=3.0, low=5.0, high=12.0),
    TruncatedNormal(loc=-4.0, scale=1.0, low=0.0),
    TruncatedNormal(loc=0.0, scale=1.0, low=6.0),
    Uniform(low=1.0, high=3.0),
    Uniform(low=2.0, high=2.0),
    Triangular(low=1.0, mode=2.0, high=5.0),
    Triangular(low=1.0, mode=1.0, high=5.0),
    Triangular(low=1.0, mode=5.0, high=5.0),
    Empirical(values=(1.0, 2.0, 3.0)),
    Empirical(values=(4.0, 0.5, 9.0, 7.0), weights=(0.0, 3.0, 0.0, 1.0)),
    Empirical(values=(3.5,), weights=(2.0,)),
]


@pytest.mark.parametrize("index", range(len(DISTRIBUTIONS)))
def test_samplers_match_python_exactly(index):
    dist = DISTRIBUTIONS[index]
    table, params = pack_distributions(DISTRIBUTIONS)
    rng = random.Random(index)
    for k in range(800):
        seed = rng.choice(SEEDS)
        rep = rng.getrandbits(32)
        owner = rng.getrandbits(24)
        sub = k
        purpose = int(Purpose.SERVICE)
        want = dist.sample(Stream(seed, rep, purpose, owner, sub))
        got = _cpu.sample(table, params, index, seed, rep, purpose, owner, sub)
        assert got == want, (dist, seed, rep, owner, sub)
