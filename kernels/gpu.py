"""The batch kernel on a GPU: the same C source, compiled by NVRTC through CuPy.

One GPU thread runs one replication, exactly as one CPU thread does: the source is
``reelsim_kernel.c`` with ``RS_CUDA`` defined, compiled with ``--fmad=false`` so that no
multiply-add is fused (DESIGN §1b "Numbers"). ``cuda_program`` says what is compiled and
how, once: the launcher hands it to CuPy, and ``kernels.nvrtc`` compiles the very same
program without a GPU (the tests do so on every run). Each replication's scratch and
outputs live in device memory; a batch is as large as free device memory allows and larger
runs go in several batches, which changes nothing in the results (a replication depends
only on its number).

Whether a GPU is there is asked of CuPy with ``cupy.cuda.is_available()``: importing CuPy
succeeds on a machine without a GPU or driver (and every device call then fails), so a
successful import says nothing about the device.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from kernels.cpu import KernelRun
from kernels.layout import KERNEL_SOURCE, LAYOUT, source_text

__all__ = [
    "CUPY_ADDED_OPTIONS",
    "DEVICE_MEMORY_SHARE",
    "CudaProgram",
    "available",
    "batch_size",
    "bytes_per_replication",
    "cuda_program",
    "device_architecture",
    "run",
    "thread_cost",
]

_H = LAYOUT["rs_header"]

DEVICE_MEMORY_SHARE = 0.8
"""The share of free device memory one batch may take (the rest is headroom for CuPy)."""

_BLOCK = 64
"""Threads per block: small, since each thread is a whole simulation with a deep stack."""


class CudaProgram(NamedTuple):
    """A CUDA C++ program as handed to NVRTC: its name, its text, its options, its entry."""

    name: str
    source: str
    options: tuple[str, ...]
    entry: str


def cuda_program() -> CudaProgram:
    """The batch kernel as the launcher compiles it for a GPU.

    The C source goes in unchanged (so a compiler message's line numbers are the file's);
    ``RS_CUDA`` selects its CUDA spellings, and ``--fmad=false`` keeps every multiply and
    add rounded on its own, as on the CPU (DESIGN §1b "Numbers").
    """
    return CudaProgram(
        name=KERNEL_SOURCE.name,
        source=source_text(),
        options=("-DRS_CUDA=1", "--fmad=false", "--std=c++14"),
        entry="rs_kernel",
    )


CUPY_ADDED_OPTIONS = ("-ftz=true", "--device-as-default-execution-space")
"""What CuPy appends to a ``RawModule``'s options that bears on the code (besides include
paths and ``-arch=sm_XX`` for the device): ``-ftz=true`` flushes single-precision
subnormals, which the kernel does not use (all its reals are doubles)."""


def _cupy() -> Any:
    import cupy

    return cupy


def available() -> bool:
    """Whether CuPy is installed and sees a usable GPU."""
    try:
        cupy = _cupy()
    except ImportError:  # CuPy is not installed at all
        return False
    try:
        return bool(cupy.cuda.is_available())
    except Exception:  # a broken driver or runtime is no GPU to run on
        return False


@cache
def _kernel() -> Any:
    program = cuda_program()
    module = _cupy().RawModule(code=program.source, options=program.options)
    return module.get_function(program.entry)


def device_architecture() -> str:
    """The architecture of the current GPU as NVRTC names it (``sm_90`` on an H100)."""
    return f"sm_{_cupy().cuda.Device().compute_capability}"


def thread_cost() -> tuple[int, int]:
    """Registers and local memory bytes of one thread of the kernel as compiled here."""
    kernel = _kernel()
    return int(kernel.num_regs), int(kernel.local_size_bytes)


def _words(mi: npt.NDArray[np.int64]) -> tuple[int, int, int]:
    return (
        int(mi[_H["RS_H_SCRATCH_WORDS"]]),
        int(mi[_H["RS_H_OUT_D_WORDS"]]),
        int(mi[_H["RS_H_OUT_I_WORDS"]]),
    )


def bytes_per_replication(mi: npt.NDArray[np.int64]) -> int:
    """Device memory one replication takes: scratch, outputs and its number."""
    scratch, d_words, i_words = _words(mi)
    return 8 * (scratch + d_words + i_words + 1)


def batch_size(mi: npt.NDArray[np.int64], free_bytes: int | None = None) -> int:
    """How many replications fit in one batch in free device memory (0: not even one)."""
    if free_bytes is None:
        free_bytes, _ = _cupy().cuda.runtime.memGetInfo()
    return int(free_bytes * DEVICE_MEMORY_SHARE) // bytes_per_replication(mi)


def run(
    mi: npt.NDArray[np.int64],
    md: npt.NDArray[np.float64],
    replications: npt.NDArray[np.int64],
    *,
    batch: int | None = None,
) -> KernelRun:
    """Run one replication per entry of ``replications`` on the GPU.

    ``batch`` caps the replications launched at once (default: what free device memory
    holds). Raises MemoryError, before allocating anything, if not one replication fits.
    """
    cupy = _cupy()
    mi = np.ascontiguousarray(mi, dtype=np.int64)
    md = np.ascontiguousarray(md, dtype=np.float64)
    reps = np.ascontiguousarray(replications, dtype=np.int64)
    n = len(reps)
    scratch_words, d_words, i_words = _words(mi)
    out_d = np.zeros((n, d_words), dtype=np.float64)
    out_i = np.zeros((n, i_words), dtype=np.int64)
    status = int(mi[_H["RS_H_OI_STATUS"]])
    if n == 0:
        return KernelRun(out_d, out_i, status)
    fits = batch_size(mi)
    if fits < 1:
        raise MemoryError(
            f"one replication needs {bytes_per_replication(mi)} bytes of device memory, "
            f"more than {DEVICE_MEMORY_SHARE:.0%} of what is free"
        )
    size = min(n, fits, batch if batch is not None else n)
    kernel = _kernel()
    d_mi = cupy.asarray(mi)
    d_md = cupy.asarray(md)
    for start in range(0, n, size):
        count = min(size, n - start)
        d_reps = cupy.asarray(reps[start : start + count])
        d_scratch = cupy.empty(count * scratch_words, dtype=cupy.uint64)
        d_out_d = cupy.zeros((count, d_words), dtype=cupy.float64)
        d_out_i = cupy.zeros((count, i_words), dtype=cupy.int64)
        blocks = (count + _BLOCK - 1) // _BLOCK
        kernel(
            (blocks,),
            (_BLOCK,),
            (d_mi, d_md, d_scratch, d_out_d, d_out_i, d_reps, np.int64(count)),
        )
        out_d[start : start + count] = cupy.asnumpy(d_out_d)
        out_i[start : start + count] = cupy.asnumpy(d_out_i)
        del d_scratch, d_out_d, d_out_i, d_reps
    return KernelRun(out_d, out_i, status)
