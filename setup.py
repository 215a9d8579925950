"""Build of the CPU batch kernel; the project's metadata lives in pyproject.toml.

The kernel source (kernels/reelsim_kernel.c) is compiled once, at install time, into the
extension ``kernels._cpu``. DESIGN §1b "Numbers": no contraction of a*b+c into a fused
multiply-add, no fast-math, so that every double matches the reference engine.

With GCC 10 or later the build is profile-guided: after the plain -O3 build, the
extension is built again with ``-fprofile-generate``, run on the stored training models
(pgo/*.model, one subprocess, standard library only), and built a third
time with ``-fprofile-use``. That build is kept only if it gives the plain build's
outputs bit for bit on the training models; any step that fails (another compiler, a
failed training run, models of another layout version) keeps the plain build, with the
reason printed. ``REELSIM_PGO=0`` in the environment asks for the plain build alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
TRAINING = ROOT / "pgo"
TRAINING_SECONDS = 60
GCC_10 = "#if !defined(__GNUC__) || defined(__clang__) || __GNUC__ < 10\n#error\n#endif\n"


class KernelBuild(build_ext):
    """build_ext whose kernel extension is profile-guided where the compiler allows."""

    def build_extension(self, ext: Extension) -> None:
        force = self.force
        self.force = True  # every pass below rebuilds, whatever the timestamps say
        try:
            self._build(ext)
        finally:
            self.force = force

    def _build(self, ext: Extension) -> None:
        super().build_extension(ext)
        if ext.name != "kernels._cpu" or os.environ.get("REELSIM_PGO", "1") == "0":
            return
        started = time.perf_counter()
        target = Path(self.get_ext_fullpath(ext.name))
        with tempfile.TemporaryDirectory(prefix="reelsim-pgo-") as tmp:
            plain = Path(tmp) / "plain.so"
            shutil.copyfile(target, plain)
            try:
                models = self._profile_guided(ext, target, Path(tmp) / "profile")
            except Exception as failure:  # whatever went wrong, the plain build stands
                shutil.copyfile(plain, target)
                print(f"kernels._cpu: plain -O3 build ({failure})", file=sys.stderr)
                return
        seconds = time.perf_counter() - started
        print(
            f"kernels._cpu: profile-guided build, trained on {models} (+{seconds:.1f} s)",
            file=sys.stderr,
        )

    def _profile_guided(self, ext: Extension, target: Path, profile: Path) -> str:
        """Build ``ext`` trained on the stored models; return what it was trained on."""
        models = sorted(str(path) for path in TRAINING.glob("*.model"))
        if not models:
            raise RuntimeError("no training models")
        version = _layout_version()
        self._check_compiler(profile.parent)
        expected = _train(target, version, models)
        generate = [f"-fprofile-generate={profile}"]
        self._compile(ext, generate, generate)
        _train(target, version, models)
        if not any(profile.rglob("*.gcda")):
            raise RuntimeError("the training run wrote no profile")
        self._compile(
            ext,
            [f"-fprofile-use={profile}", "-fprofile-partial-training", "-Werror=missing-profile"],
            [],
        )
        if _train(target, version, models) != expected:
            raise RuntimeError("outputs differ from the plain build's")
        return f"{expected['replications']} replications of {len(models)} models"

    def _compile(self, ext: Extension, compile_args: list[str], link_args: list[str]) -> None:
        saved = ext.extra_compile_args, ext.extra_link_args
        ext.extra_compile_args = [*saved[0], *compile_args]
        ext.extra_link_args = [*saved[1], *link_args]
        try:
            super().build_extension(ext)
        except Exception as failure:  # a compiler error of any kind: keep the plain build
            raise RuntimeError(f"the build with {' '.join(compile_args)} failed") from failure
        finally:
            ext.extra_compile_args, ext.extra_link_args = saved

    def _check_compiler(self, folder: Path) -> None:
        probe = folder / "gcc_version.c"
        probe.write_text(GCC_10)
        try:
            self.compiler.compile([str(probe)], output_dir=str(folder))
        except Exception as failure:  # not GCC 10 or later
            raise RuntimeError("the compiler is not GCC 10 or later") from failure


def _layout_version() -> int:
    source = (ROOT / "kernels" / "reelsim_kernel.c").read_text(encoding="utf-8")
    match = re.search(r"^#define RS_LAYOUT_VERSION (\d+)$", source, re.MULTILINE)
    if match is None:
        raise RuntimeError("no RS_LAYOUT_VERSION in the kernel source")
    return int(match.group(1))


def _train(extension: Path, version: int, models: list[str]) -> dict[str, object]:
    """Run the extension on the models in a process of its own; its replications and digest."""
    done = subprocess.run(
        [sys.executable, str(TRAINING / "train.py"), str(extension), str(version), *models],
        capture_output=True,
        text=True,
        timeout=TRAINING_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"the training run failed: {reason}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


setup(
    cmdclass={"build_ext": KernelBuild},
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
