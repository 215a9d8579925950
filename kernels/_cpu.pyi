"""Types of the compiled CPU kernel (kernels/_cpu.c)."""

from typing import Any

HEADER_SIZE: int
LAYOUT_VERSION: int
EVENT_WORDS: int
TRACE_WIDTH: int

def run(
    mi: Any,
    md: Any,
    reps: Any,
    out_d: Any,
    out_i: Any,
    scratch: Any,
    threads: int,
    trace: Any = None,
) -> int: ...
def philox(c0: int, c1: int, c2: int, c3: int, k0: int, k1: int) -> tuple[int, int, int, int]: ...
def uniforms(seed: int, rep: int, purpose: int, owner: int, sub: int, n: int) -> list[float]: ...
def sample(
    dist_table: Any, md: Any, dist: int, seed: int, rep: int, purpose: int, owner: int, sub: int
) -> float: ...
def to_uniform(hi: int, lo: int) -> float: ...
def normal_ppf(p: float) -> float: ...
def day_of(t: float) -> float: ...
