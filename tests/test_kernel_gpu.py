"""The GPU launcher: batch sizes from device memory, refusal without a GPU, and, where a
GPU is there, the same results as the CPU kernel replication by replication."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernels import gpu
from simulator import compile_season, load_scenario
from simulator.engines.kernel import pack, run_batch, run_raw_batch
from simulator.errors import UnsupportedError
from simulator.testing.agreement import raw_difference

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return compile_season(load_scenario(SCENARIOS / "demo.yaml"))


def test_a_batch_is_what_free_device_memory_holds(demo) -> None:  # type: ignore[no-untyped-def]
    packed = pack(demo)
    per_rep = gpu.bytes_per_replication(packed.mi)
    assert per_rep == packed.scratch_bytes + packed.output_bytes + 8
    free = 1000 * per_rep
    assert (
        gpu.batch_size(packed.mi, free_bytes=free) == int(free * gpu.DEVICE_MEMORY_SHARE) // per_rep
    )
    assert gpu.batch_size(packed.mi, free_bytes=per_rep) == 0


@pytest.mark.skipif(gpu.available(), reason="a GPU is available here")
def test_the_gpu_backend_is_refused_without_a_gpu(demo) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsupportedError, match="no GPU"):
        run_batch(demo, range(2), backend="gpu")


@pytest.mark.skipif(not gpu.available(), reason="needs a GPU and CuPy")
@pytest.mark.parametrize("name", ["demo", "season-full-auto"])
def test_gpu_and_cpu_agree(name: str, cpu_kernel: None) -> None:
    model = compile_season(load_scenario(SCENARIOS / f"{name}.yaml"))
    on_cpu = run_raw_batch(model, range(64), threads=2)
    on_gpu = run_raw_batch(model, range(64), backend="gpu")
    for c, g in zip(on_cpu, on_gpu, strict=True):
        found = raw_difference(model, c, g, ("CPU", "GPU"))
        assert found is None, found
