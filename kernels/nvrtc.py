"""The GPU kernel compiled without a GPU: NVRTC, as the launcher uses it, on any machine.

NVIDIA's runtime compiler NVRTC turns CUDA C++ into PTX and, for a real architecture such
as ``sm_80``, into a cubin of machine code. It needs no GPU and no driver, and NVIDIA ships
it as a wheel (``nvidia-cuda-nvrtc-cu12``, in reelsim's dev extra), so the tests compile the
kernel on every run, exactly as the launcher (``kernels.gpu``) has CuPy compile it on a GPU
machine: the same ``cuda_program``, with the options CuPy adds. What is left to a GPU
machine is running it (``benchmarks/gpu_check.py``).

Compiling also says what one thread of the kernel costs, from the assembler's report
(``--ptxas-options=-v``): registers, stack frame, and spills (values that did not fit in
registers and went to slow local memory)::

    python -m kernels.nvrtc sm_80 sm_90

The library is reached through ``ctypes``: six calls of NVRTC's C interface.
"""

from __future__ import annotations

import ctypes
import importlib.util
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kernels.gpu import CUPY_ADDED_OPTIONS, CudaProgram, cuda_program

__all__ = [
    "CudaBuild",
    "CudaCompileError",
    "CudaCompilerWarning",
    "NvrtcMissingError",
    "compile_kernel",
    "compile_program",
    "version",
]

_LIBRARY = "libnvrtc.so.12"
_PACKAGE = "nvidia.cuda_nvrtc"
_WARNING = re.compile(r"(?:^|[\s:])warning\s*[#:]")
"""A warning's line: ``file.c(3): warning #177-D: ...`` or ``ptxas warning : ...``."""


class NvrtcMissingError(RuntimeError):
    """NVRTC is not installed where ``kernels.nvrtc`` looks for it."""


class CudaCompileError(RuntimeError):
    """NVRTC rejected a program; the message is its log (file(line): error: ...)."""


class CudaCompilerWarning(UserWarning):
    """A warning NVRTC gave on a program (the tests report them as this category)."""


@dataclass(frozen=True)
class CudaBuild:
    """One program compiled for one architecture, with what one thread of it costs."""

    arch: str
    log: str
    cubin: bytes
    registers: int
    stack_bytes: int
    spill_store_bytes: int
    spill_load_bytes: int

    @property
    def warnings(self) -> tuple[str, ...]:
        """The compiler's warnings (front end and assembler), one line each."""
        return tuple(line for line in self.log.splitlines() if _WARNING.search(line))


@cache
def _library() -> ctypes.CDLL:
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except ModuleNotFoundError:  # not even the "nvidia" namespace is there
        spec = None
    folders = (spec.submodule_search_locations or []) if spec else []
    found = [Path(f) / "lib" / _LIBRARY for f in folders if (Path(f) / "lib" / _LIBRARY).is_file()]
    if not found:
        raise NvrtcMissingError(
            f"NVRTC ({_LIBRARY}) is not installed: pip install 'nvidia-cuda-nvrtc-cu12' "
            "(reelsim's dev extra installs it)"
        )
    lib = ctypes.CDLL(str(found[0]))
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
    return lib


def _check(result: int, call: str) -> None:
    if result != 0:
        text = _library().nvrtcGetErrorString(result).decode()
        raise CudaCompileError(f"NVRTC {call} failed: {text}")


def version() -> tuple[int, int]:
    """NVRTC's version (major, minor)."""
    major, minor = ctypes.c_int(), ctypes.c_int()
    _check(_library().nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)), "nvrtcVersion")
    return major.value, minor.value


def _read(program: ctypes.c_void_p, what: str) -> bytes:
    """The program's log or cubin: NVRTC's size-then-copy pair of calls."""
    lib = _library()
    size = ctypes.c_size_t()
    _check(getattr(lib, f"nvrtcGet{what}Size")(program, ctypes.byref(size)), what)
    buffer = ctypes.create_string_buffer(size.value)
    _check(getattr(lib, f"nvrtcGet{what}")(program, buffer), what)
    return buffer.raw[: size.value]


def _entry_usage(log: str, arch: str, entry: str) -> tuple[int, int, int, int]:
    """Registers, stack, spill stores and spill loads of ``entry`` from the assembler's log."""
    start = log.find(f"Compiling entry function '{entry}' for '{arch}'")
    report = log[start:] if start >= 0 else ""
    used = re.search(r"Used (\d+) registers", report)
    frame = re.search(
        r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", report
    )
    if used is None or frame is None:
        raise CudaCompileError(f"no resource report for {entry} on {arch} in the log:\n{log}")
    stack, stores, loads = (int(g) for g in frame.groups())
    return int(used.group(1)), stack, stores, loads


def compile_program(program: CudaProgram, arch: str) -> CudaBuild:
    """Compile ``program`` for ``arch`` (``sm_80``, ``sm_90``, ...) as CuPy would on a GPU.

    Raises CudaCompileError with the compiler's log if NVRTC rejects the program, and
    NvrtcMissingError if NVRTC is not installed.
    """
    lib = _library()
    handle = ctypes.c_void_p()
    _check(
        lib.nvrtcCreateProgram(
            ctypes.byref(handle), program.source.encode(), program.name.encode(), 0, None, None
        ),
        "nvrtcCreateProgram",
    )
    try:
        options = [
            *program.options,
            *CUPY_ADDED_OPTIONS,
            f"--gpu-architecture={arch}",
            "--ptxas-options=-v",  # the resource report, into the log; the code is the same
        ]
        encoded = (ctypes.c_char_p * len(options))(*(o.encode() for o in options))
        result = lib.nvrtcCompileProgram(handle, len(options), encoded)
        log = _read(handle, "ProgramLog").rstrip(b"\0").decode(errors="replace")
        if result != 0:
            raise CudaCompileError(f"{program.name} does not compile for {arch}:\n{log}")
        cubin = _read(handle, "CUBIN")
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(handle))
    registers, stack, stores, loads = _entry_usage(log, arch, program.entry)
    return CudaBuild(arch, log, cubin, registers, stack, stores, loads)


def compile_kernel(arch: str) -> CudaBuild:
    """The batch kernel (``kernels.gpu.cuda_program``) compiled for ``arch``."""
    return compile_program(cuda_program(), arch)


def main(argv: Sequence[str] | None = None) -> int:
    """Print what one thread of the kernel costs on each architecture named."""
    archs = list(argv if argv is not None else sys.argv[1:]) or ["sm_80", "sm_90"]
    major, minor = version()
    print(f"rs_kernel compiled by NVRTC {major}.{minor}, options {cuda_program().options}")
    print(f"{'arch':6} {'registers':>9} {'stack B':>8} {'spill st B':>10} {'spill ld B':>10}")
    for arch in archs:
        build = compile_kernel(arch)
        print(
            f"{arch:6} {build.registers:9d} {build.stack_bytes:8d} "
            f"{build.spill_store_bytes:10d} {build.spill_load_bytes:10d}"
        )
        for line in build.warnings:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
