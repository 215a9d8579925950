"""Shared test settings and fixtures.

Hypothesis profiles come from ``simulator.testing.profiles``: ``HYPOTHESIS_PROFILE=ci``
(what ``.ci/run`` sets) is derandomized, so that a red build fails the same way on a rerun;
``dev`` (the default here) explores new examples on every run.

Tiers (markers in pyproject.toml): unmarked tests are the fast tier (``make test``);
``integration`` tests run the whole system as a user does (notebooks in a fresh kernel,
commands in a subprocess interrupted by a signal, local Dask clusters), ``slow`` tests are
statistical checks on many replications; CI runs every tier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kernels import cpu
from simulator.testing import load_profile

load_profile()

DATA = Path(__file__).parent / "data"

Words = tuple[int, ...]


@pytest.fixture
def cpu_kernel() -> None:
    """Tests of the compiled CPU kernel fail, not skip, where it did not build."""
    if not cpu.available():
        pytest.fail(
            "the CPU kernel (kernels._cpu) is not built: `make test` builds it on install; "
            "by hand, `python setup.py build_ext --inplace` (needs a C compiler)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def philox_known_answers() -> list[tuple[Words, Words, Words]]:
    """The published Random123 known-answer vectors for Philox4x32-10, from
    tests/data/philox4x32-10-kat.txt: (counter, key, output) as 32-bit words."""
    vectors = []
    for line in (DATA / "philox4x32-10-kat.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        counter, key, out = (tuple(int(w, 16) for w in part.split()) for part in line.split("|"))
        vectors.append((counter, key, out))
    assert len(vectors) >= 3, "the known-answer file lost its vectors"
    return vectors
