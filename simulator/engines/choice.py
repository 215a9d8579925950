"""Which engine runs a batch of replications, and running it.

Both engines produce the same ``ReplicationResult`` for the same (scenario, seed,
replication) — DESIGN §3 — so the choice is about speed and features only:

* ``reference``: the SimPy model; runs everything, including queue policies written in
  Python and event traces; a few replications a second.
* ``kernel``: the compiled batch kernel on CPU threads; index policies only; hundreds of
  times faster per core.
* ``auto``: the kernel whenever it is built and supports the run, else the reference; the
  reason is reported, never a silent approximation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent
from simulator.errors import UnsupportedError, UsageError
from simulator.model.policies import QueuePolicy
from simulator.model.season import SeasonModel

__all__ = ["ENGINES", "EngineChoice", "choose_engine", "run_replications"]

ENGINES = ("auto", "reference", "kernel")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EngineChoice:
    engine: str
    """``reference`` or ``kernel``: what will run."""
    reason: str
    """Why, in words for the person who asked."""


def _kernel_refusal(
    model: SeasonModel, policies: Mapping[str, QueuePolicy] | None, trace: bool
) -> str | None:
    """Why the kernel cannot run this, or None if it can."""
    if policies:
        return f"queue policies written in Python ({', '.join(sorted(policies))})"
    if trace:
        return "event traces (--trace) come from the reference engine"
    try:
        from kernels import cpu
        from simulator.engines.kernel import pack
    except ImportError as error:  # pragma: no cover - a broken installation
        return f"the batch kernel cannot be imported ({error})"
    if not cpu.available():
        return "the CPU batch kernel is not built in this installation"
    try:
        pack(model)
    except UnsupportedError as error:
        return str(error)
    return None


def choose_engine(
    model: SeasonModel,
    requested: str,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: bool = False,
) -> EngineChoice:
    if requested not in ENGINES:
        raise UsageError(f"no engine named {requested!r} (choose from {', '.join(ENGINES)})")
    if requested == "reference":
        return EngineChoice("reference", "asked for")
    refusal = _kernel_refusal(model, policies, trace)
    if requested == "kernel":
        if refusal is not None:
            raise UnsupportedError(f"the batch kernel cannot run this: {refusal}")
        return EngineChoice("kernel", "asked for")
    if refusal is not None:
        return EngineChoice("reference", f"the kernel cannot run this: {refusal}")
    return EngineChoice("kernel", "the kernel supports this scenario")


def run_replications(
    model: SeasonModel,
    replications: Sequence[int],
    engine: str,
    *,
    threads: int | None = None,
    policies: Mapping[str, QueuePolicy] | None = None,
    traces: dict[int, list[TraceEvent]] | None = None,
    progress: Progress | None = None,
    batch: int = 256,
) -> list[ReplicationResult]:
    """Run the given replications on ``engine`` (``reference`` or ``kernel``).

    The kernel runs them in batches of ``batch`` so that progress can be reported; the
    results do not depend on the batch size. ``traces``, when given, receives the trace
    events of each replication (reference engine).
    """
    total = len(replications)
    results: list[ReplicationResult] = []
    if engine == "kernel":
        from simulator.engines.kernel import run_batch

        for start in range(0, total, batch):
            chunk = replications[start : start + batch]
            results.extend(run_batch(model, chunk, threads))
            if progress is not None:
                progress(len(results), total)
        return results
    if engine != "reference":
        raise UsageError(f"no engine named {engine!r}")
    from simulator.engines.reference.engine import run_replication

    for rep in replications:
        log: list[TraceEvent] | None = [] if traces is not None else None
        results.append(run_replication(model, rep, policies=policies, trace=log))
        if traces is not None and log is not None:
            traces[rep] = log
        if progress is not None:
            progress(len(results), total)
    return results
