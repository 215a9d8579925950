"""The batch kernel on CPU cores: arrays in, arrays out.

The compiled extension ``kernels._cpu`` is built from ``reelsim_kernel.c`` when the
package is installed. ``run`` hands it a model (the int64 and float64 blocks a packer
built), the replication numbers and the thread count; the extension releases the GIL
and runs the replications on that many threads, each with its own scratch slice. What a
replication produces depends only on its number, so the outputs are the same for any
thread count and any split of the replications into calls.

Outputs are two arrays with one row per replication: ``out_d`` (float64) and ``out_i``
(int64); the header of ``mi`` says where each quantity sits in a row (``LAYOUT``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import numpy.typing as npt

from kernels.layout import DEFINES, LAYOUT

__all__ = ["KernelRun", "available", "default_threads", "run", "trace"]

_H = LAYOUT["rs_header"]

_cpu: ModuleType | None
try:
    from kernels import _cpu
except ImportError:  # the extension was not built (no C compiler at install time)
    _cpu = None


def available() -> bool:
    """Whether the compiled CPU kernel is importable."""
    return _cpu is not None


def _extension() -> ModuleType:
    if _cpu is None:
        raise RuntimeError(
            "the CPU batch kernel (kernels._cpu) is not built; reinstall the package with a "
            "C compiler available"
        )
    return _cpu


def default_threads() -> int:
    """The CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class KernelRun:
    """One call's outputs (CPU or GPU): a row per replication of ``out_d`` and ``out_i``."""

    out_d: npt.NDArray[np.float64]
    out_i: npt.NDArray[np.int64]
    status_column: int

    @property
    def status(self) -> npt.NDArray[np.int64]:
        """Per replication: 0 done, 1 the event heap was too small, 2 a layout error."""
        return self.out_i[:, self.status_column]


def _words(mi: npt.NDArray[np.int64]) -> tuple[int, int, int]:
    return (
        int(mi[_H["RS_H_SCRATCH_WORDS"]]),
        int(mi[_H["RS_H_OUT_D_WORDS"]]),
        int(mi[_H["RS_H_OUT_I_WORDS"]]),
    )


def run(
    mi: npt.NDArray[np.int64],
    md: npt.NDArray[np.float64],
    replications: npt.NDArray[np.int64],
    *,
    threads: int,
) -> KernelRun:
    """Run one replication per entry of ``replications`` on ``threads`` threads."""
    ext = _extension()
    mi = np.ascontiguousarray(mi, dtype=np.int64)
    md = np.ascontiguousarray(md, dtype=np.float64)
    reps = np.ascontiguousarray(replications, dtype=np.int64)
    n = len(reps)
    scratch_words, d_words, i_words = _words(mi)
    threads = max(1, min(threads, n))
    out_d = np.zeros((n, d_words), dtype=np.float64)
    out_i = np.zeros((n, i_words), dtype=np.int64)
    scratch = np.empty(threads * scratch_words, dtype=np.uint64)
    if n:
        ext.run(mi, md, reps, out_d, out_i, scratch, threads)
    return KernelRun(out_d, out_i, int(mi[_H["RS_H_OI_STATUS"]]))


def trace(
    mi: npt.NDArray[np.int64],
    md: npt.NDArray[np.float64],
    replication: int,
    *,
    capacity: int = 1_000_000,
) -> tuple[KernelRun, npt.NDArray[np.float64], int]:
    """One replication with its event trace: rows of (time, code, x, y, z).

    Returns the outputs, the records kept (at most ``capacity``) and how many the run
    made (more than ``capacity`` means the trace was cut).
    """
    ext = _extension()
    mi = np.ascontiguousarray(mi, dtype=np.int64)
    md = np.ascontiguousarray(md, dtype=np.float64)
    scratch_words, d_words, i_words = _words(mi)
    width = DEFINES["RS_TRACE_WIDTH"]
    out_d = np.zeros((1, d_words), dtype=np.float64)
    out_i = np.zeros((1, i_words), dtype=np.int64)
    scratch = np.empty(scratch_words, dtype=np.uint64)
    records = np.zeros((capacity, width), dtype=np.float64)
    reps = np.array([replication], dtype=np.int64)
    made = int(ext.run(mi, md, reps, out_d, out_i, scratch, 1, records))
    status_column = int(mi[_H["RS_H_OI_STATUS"]])
    return KernelRun(out_d, out_i, status_column), records[: min(made, capacity)], made
