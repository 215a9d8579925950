"""Build of the CPU batch kernel; the project's metadata lives in pyproject.toml.

The kernel source (kernels/reelsim_kernel.c) is compiled once, at install time, into the
extension ``kernels._cpu``. DESIGN §1b "Numbers": no contraction of a*b+c into a fused
multiply-add, no fast-math, so that every double matches the reference engine.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "kernels._cpu",
            sources=["kernels/_cpu.c"],
            depends=["kernels/reelsim_kernel.c"],
            extra_compile_args=[
                "-std=c99",
                "-O3",
                "-ffp-contract=off",
                "-fno-fast-math",
                "-fno-strict-aliasing",
                "-pthread",
            ],
            extra_link_args=["-pthread"],
        )
    ],
)
