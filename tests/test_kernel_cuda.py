"""The kernel source compiles as CUDA, where a CUDA compiler is installed.

The same ``reelsim_kernel.c`` that the CPU build compiles is given to NVRTC on a GPU
machine. Compiling it here with nvcc (which, like NVRTC, needs no GPU and no driver)
catches C that is not valid CUDA C++ before a GPU ever sees it, and records what one
thread of the kernel costs: registers, stack and spills (a spill is a register that did
not fit and went to slow local memory).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kernels.layout import KERNEL_SOURCE

NVCC = shutil.which("nvcc")


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="no CUDA compiler (nvcc) on this machine")
def test_the_kernel_source_compiles_as_cuda(tmp_path: Path) -> None:
    assert NVCC is not None
    done = subprocess.run(
        [
            NVCC,
            "-x",
            "cu",
            "-DRS_CUDA",
            "--fmad=false",  # DESIGN §1b "Numbers": no fused multiply-add
            "-arch=sm_80",
            "-Xptxas",
            "-v",
            "-c",
            str(KERNEL_SOURCE),
            "-o",
            str(tmp_path / "kernel.o"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = done.stderr
    entry = report[report.index("Compiling entry function 'rs_kernel'") :]
    used = re.search(r"Used (\d+) registers", entry)
    frame = re.search(
        r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", entry
    )
    assert used is not None
    assert frame is not None
    registers = int(used.group(1))
    stack, spill_stores, spill_loads = (int(g) for g in frame.groups())
    print(
        f"\nrs_kernel on sm_80: {registers} registers, {stack} bytes of stack, "
        f"{spill_stores} bytes of spill stores, {spill_loads} bytes of spill loads"
    )
    assert registers <= 255
