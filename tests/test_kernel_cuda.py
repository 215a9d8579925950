"""The kernel source compiles as CUDA, exactly as the GPU launcher compiles it, on every run.

``kernels.nvrtc`` gives the launcher's own program (``kernels.gpu.cuda_program``: the same
source, defines and ``--fmad=false``, plus what CuPy adds) to NVIDIA's NVRTC, which needs
no GPU and no driver, for the architectures of the GPUs the project targets (A100: sm_80,
H100: sm_90). C that is not valid CUDA C++ fails here, not on a GPU machine. NVRTC is in the
dev extra, so a missing NVRTC fails these tests rather than skipping them. Compiler
warnings are reported in pytest's warnings summary; what one thread costs (registers,
stack, spills) is printed with ``-s`` and recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from kernels import gpu, nvrtc
from kernels.layout import KERNEL_SOURCE

ARCHITECTURES = ("sm_80", "sm_90")

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the NVRTC wheel the tests load is installed on Linux"
)


@pytest.fixture(scope="module")
def builds() -> dict[str, nvrtc.CudaBuild]:
    # Each compile takes tens of seconds, nearly all in the assembler; NVRTC compiles
    # separate programs concurrently (ctypes lets go of the GIL during the call).
    with ThreadPoolExecutor(len(ARCHITECTURES)) as pool:
        return dict(zip(ARCHITECTURES, pool.map(nvrtc.compile_kernel, ARCHITECTURES), strict=True))


@pytest.mark.filterwarnings("default::kernels.nvrtc.CudaCompilerWarning")
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_the_kernel_compiles_for_the_gpu(builds: dict[str, nvrtc.CudaBuild], arch: str) -> None:
    build = builds[arch]
    assert build.cubin[:4] == b"\x7fELF"  # machine code for the architecture
    for line in build.warnings:
        warnings.warn(f"{arch}: {line}", nvrtc.CudaCompilerWarning, stacklevel=1)
    print(
        f"\nrs_kernel on {arch}: {build.registers} registers, {build.stack_bytes} bytes of "
        f"stack, {build.spill_store_bytes} bytes of spill stores, {build.spill_load_bytes} "
        f"bytes of spill loads, {len(build.warnings)} warnings"
    )
    assert 0 < build.registers <= 255


def test_the_launcher_compiles_the_source_as_is_without_fused_multiply_add() -> None:
    program = gpu.cuda_program()
    assert "--fmad=false" in program.options  # DESIGN §1b "Numbers"
    # unchanged, so that a compiler message's line numbers are the file's
    assert program.source == KERNEL_SOURCE.read_text(encoding="utf-8")


def test_a_compile_error_names_the_file_and_line() -> None:
    broken = gpu.cuda_program()._replace(
        name="broken.c", source="int ok;\nint bad = undefined_name;\n", entry="none"
    )
    with pytest.raises(nvrtc.CudaCompileError, match=r"broken\.c\(2\): error: .*undefined_name"):
        nvrtc.compile_program(broken, "sm_80")


def test_warnings_and_costs_are_read_from_the_log() -> None:
    small = gpu.cuda_program()._replace(
        name="small.c",
        source='extern "C" __global__ void k(int *x)\n{\n    int unused;\n    *x = 1;\n}\n',
        entry="k",
    )
    build = nvrtc.compile_program(small, "sm_90")
    assert len(build.warnings) == 1
    assert build.warnings[0].startswith('small.c(3): warning #177-D: variable "unused"')
    assert 0 < build.registers < 32
    assert (build.stack_bytes, build.spill_store_bytes, build.spill_load_bytes) == (0, 0, 0)
