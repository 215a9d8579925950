"""Run replications of a scenario and keep what they produce.

``simulate`` is the one entry point for a run: it compiles the scenario, runs the
replications on an engine, and returns a ``Run`` — the per-replication results with
their provenance. ``simulator.results.summary`` turns a run into headline numbers with
intervals; ``simulator.folders.write`` writes the results folder.

Replication ``i`` of a run with seed ``s`` is the same replication whichever engine runs
it, however the replications are split, and whether or not other replications run
beside it (DESIGN §2).

**Resumable runs.** Given ``resume_in`` (the results folder the run is for), a run is a
sweep of one point: its replications run in chunks (``simulator.results.chunks``), each
written atomically under ``resume_in/replications/`` as it finishes, and a chunk already
there is read back instead of run again. An interrupted run (Ctrl-C, or the process
killed) therefore loses at most the chunks in flight, and the same call resumes it; since
a chunk depends only on its key, the results are the same as an uninterrupted run's. Runs
that cannot be keyed by their scenario alone — with queue policies written in Python,
traces or a starting state — run in memory as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulator._version import __version__
from simulator.engines.choice import choose_engine, run_replications
from simulator.engines.replication import ReplicationResult
from simulator.engines.trace import TraceEvent, TraceKind, stages
from simulator.errors import Interrupted, UsageError
from simulator.model.compiler import compile_season
from simulator.model.policies import QueuePolicy
from simulator.model.season import Resource, SeasonModel
from simulator.model.starting_state import as_status, with_start
from simulator.results.resource_use import waits_frame
from simulator.results.tables import replications_frame
from simulator.results.work import Progress, Work
from simulator.scenario.load import scenario_sha256
from simulator.scenario.schema import Scenario

__all__ = ["TRACE_COLUMNS", "Run", "run_chunk_size", "simulate", "trace_detail"]


def run_chunk_size(engine: str) -> int:
    """Replications per chunk of a resumable run: about a second of work on one core, so an
    interruption loses little and the folder holds few files. The numbers never depend on
    it."""
    return 1000 if engine == "kernel" else 20


@dataclass
class Run:
    """A finished run: its replications and where they came from."""

    scenario: Scenario
    model: SeasonModel
    engine: str
    engine_reason: str
    seed: int
    results: list[ReplicationResult]
    wall_seconds: float
    scenario_sha256: str
    version: str = __version__
    traces: dict[int, list[TraceEvent]] = field(default_factory=dict)
    """Trace events per replication, of a run with ``trace``."""
    chunks: list[Path] = field(default_factory=list)
    """The chunk files of a resumable run (``resume_in``); ``discard_chunks`` removes them."""

    def discard_chunks(self) -> None:
        """Remove the run's chunk files, and the folders they leave empty, once its
        results folder is written: they were there only to resume an interrupted run."""
        for path in self.chunks:
            path.unlink(missing_ok=True)
            for folder in (path.parent, path.parent.parent):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
        self.chunks = []

    @property
    def replications(self) -> int:
        return len(self.results)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)

    def replications_frame(self) -> pd.DataFrame:
        """One row per (replication, episode): the table of ``replications.parquet``."""
        return replications_frame(self.model, self.results)

    def timeseries_frame(self) -> pd.DataFrame:
        """One row per (replication, resource, day): mean busy units and queue length."""
        rows = []
        for r in self.results:
            for resource, busy in r.daily_busy.items():
                queue = r.daily_queue[resource]
                for day, (b, q) in enumerate(zip(busy, queue, strict=True)):
                    rows.append((r.replication, resource, day, b, q))
        return pd.DataFrame(rows, columns=["replication", "resource", "day", "busy", "queue"])

    def waits_frame(self) -> pd.DataFrame:
        """Per replication, the waits per resource and per stage, the time per stage visit
        and the shots' time in system: the table of ``waits.parquet``
        (``simulator.results.resource_use.waits_frame``)."""
        return waits_frame(self.model, self.results)

    def trace_frame(self) -> pd.DataFrame:
        """One row per trace event (the table of ``trace.parquet``): its typed fields, with
        stages and resources by name, and a ``detail`` sentence for people. This is the one
        place where trace events become text."""
        model = self.model
        names = [st.name for st in stages(model)]
        rows = []
        for rep, events in self.traces.items():
            for e in events:
                rows.append(
                    (
                        rep,
                        e.time,
                        e.kind.value,
                        e.task,
                        None if e.stage is None else names[e.stage],
                        e.pass_,
                        e.attempt,
                        None if e.outcome is None else e.outcome.value,
                        None if e.resource is None else e.resource.label(model),
                        None if e.cause is None else e.cause.value,
                        e.unit,
                        None if e.back_to is None else model.shot_stages[e.back_to].name,
                        trace_detail(model, e),
                    )
                )
        frame = pd.DataFrame(rows, columns=TRACE_COLUMNS)
        for column in ("task", "pass", "attempt", "unit"):
            frame[column] = frame[column].astype("Int64")
        return frame


TRACE_COLUMNS = (
    "replication",
    "time_h",
    "event",
    "task",
    "stage",
    "pass",
    "attempt",
    "outcome",
    "resource",
    "cause",
    "unit",
    "back_to",
    "detail",
)


def trace_detail(model: SeasonModel, e: TraceEvent) -> str:
    """A trace event in words (the ``detail`` column of the trace table)."""
    stage = "" if e.stage is None else stages(model)[e.stage].name
    where = "" if e.resource is None else e.resource.label(model)
    if e.kind == TraceKind.START:
        gang = f"/{e.gang}" if e.resource is not None and e.resource.kind == Resource.POOL else ""
        return f"task {e.task} {stage} on {where}{gang} for {e.hours!r} h"
    if e.kind == TraceKind.END:
        assert e.outcome is not None
        return (
            f"task {e.task} {stage} {e.outcome.value} pass {e.pass_} attempt {e.attempt} "
            f"started {e.started!r}"
        )
    if e.kind == TraceKind.INTERRUPTED:
        assert e.cause is not None
        return f"task {e.task}: {e.cause.value} on {where}, unit {e.unit}"
    if e.kind == TraceKind.RELEASE:
        return f"shot {e.task}"
    if e.kind == TraceKind.ATTEMPT_FAILED:
        return f"shot {e.task} {stage} attempt {e.attempt}"
    if e.kind == TraceKind.SHOT_FAILED:
        return f"shot {e.task} at {stage}"
    if e.kind == TraceKind.REWORK:
        assert e.back_to is not None
        return f"shot {e.task} from {stage} to {model.shot_stages[e.back_to].name}"
    if e.kind == TraceKind.DELIVERED:
        assert e.task is not None
        return f"episode {model.episodes[e.task - model.n_shots].name}"
    if e.kind == TraceKind.PREEMPTION_NOTICE:
        return f"{where} units {list(e.units)}"
    if e.kind == TraceKind.SHIFT_CHANGE:
        return f"{where}: {e.people} on duty"
    return f"{where} unit {e.unit}"  # a lease, a GPU failure or a repair


def simulate(
    scenario: Scenario,
    work: Work | None = None,
    *,
    policies: Mapping[str, QueuePolicy] | None = None,
    trace: bool = False,
    first_replication: int = 0,
    resume_in: str | Path | None = None,
) -> Run:
    """Run replications of ``scenario`` as ``work`` says (default: ``Work()``, the
    scenario's own ``run.replications`` and ``run.seed``, on the ``auto`` engine).

    ``Work.engine`` is ``auto`` (the batch kernel when it can run the scenario, else the
    reference engine), ``reference`` or ``kernel``; ``Run.engine_reason`` says why.
    ``Work.status`` runs the rest of the season from where it stands. A run goes in this
    process: ``Work.threads`` are the kernel's; workers, schedulers and executors are for
    planning (``simulator.planning``). ``policies`` maps a pool's or team's name to a queue
    policy of your own (reference engine only). ``trace`` records every event of every
    replication (reference engine; keep the run small).

    ``resume_in`` makes the run resumable (see the module docstring): the results folder
    the run is for, under whose ``replications/`` its chunks of ``Work.chunk_size``
    replications (default ``run_chunk_size``) are kept until the folder is written; Ctrl-C
    then raises ``simulator.errors.Interrupted``, saying how many replications are kept.
    """
    work = Work() if work is None else work
    if work.workers is not None or work.scheduler is not None or work.executor is not None:
        raise UsageError(
            "a run goes in this process: workers, scheduler and executor are for sweep, "
            "staff, compare and sensitivity"
        )
    if work.seed is not None:
        run_settings = scenario.run.model_copy(update={"seed": work.seed})
        scenario = scenario.model_copy(update={"run": run_settings})
    n = work.replications if work.replications is not None else scenario.run.replications
    unknown = set(policies or {}) - set(scenario.pools) - set(scenario.teams)
    if unknown:
        raise UsageError(
            f"policies given for {', '.join(sorted(unknown))}, which are neither pools nor "
            f"teams of {scenario.name!r}"
        )
    status = as_status(work.status)
    model = compile_season(scenario)
    if status is not None:
        model = with_start(model, status.state(scenario, model))
    choice = choose_engine(model, work.engine, policies=policies, trace=trace)
    started = time.perf_counter()
    traces: dict[int, list[TraceEvent]] = {}
    replication_range = range(first_replication, first_replication + n)
    if choice.engine == "kernel":
        _check_memory(model, work.threads)
    chunks: list[Path] = []
    if resume_in is not None and not policies and not trace and status is None:
        size = work.chunk_size if work.chunk_size is not None else run_chunk_size(choice.engine)
        results = _run_in_chunks(
            scenario, model, replication_range, choice.engine, work, Path(resume_in), size, chunks
        )
    else:
        results = run_replications(
            model,
            replication_range,
            choice.engine,
            threads=work.threads,
            policies=policies,
            traces=traces if trace else None,
            progress=_told(work, n),
        )
    return Run(
        scenario=scenario,
        model=model,
        engine=choice.engine,
        engine_reason=choice.reason,
        seed=model.seed,
        results=results,
        wall_seconds=time.perf_counter() - started,
        scenario_sha256=scenario_sha256(scenario),
        traces=traces,
        chunks=chunks,
    )


def _told(
    work: Work, total: int, found: int = 0, computed: int = 0, reused: int = 0
) -> Callable[[int, int], None] | None:
    """The engines' ``progress(done, total)`` (replications of one batch) as
    ``Work.progress`` hears it: ``found`` replications were on disk and ``computed`` were
    computed before this batch, in ``reused`` chunks found on disk."""
    tell = work.progress
    if tell is None:
        return None

    def progress(done: int, _: int) -> None:
        done_now = found + computed + done
        tell(
            Progress(
                points_done=int(done_now == total),
                points=1,
                replications_done=done_now,
                replications=total,
                replications_computed=computed + done,
                chunks_reused=reused,
                round=0,
            )
        )

    return progress


def _check_memory(model: SeasonModel, threads: int | None) -> None:
    """Refuse, with the numbers, a run of which not even one replication fits in memory.

    Larger runs are cut to fit: the kernel runs a bounded batch at a time and checks each
    batch before allocating it (``simulator.engines.kernel``), and a resumable run keeps only one
    chunk's results in memory while it computes."""
    from simulator.engines.kernel import _available_memory, pack
    from simulator.engines.kernel import _check_memory as check_batch

    check_batch(pack(model), 1, threads or 1, _available_memory())


def _run_in_chunks(
    scenario: Scenario,
    model: SeasonModel,
    replications: range,
    engine: str,
    work: Work,
    folder: Path,
    chunk_size: int,
    files: list[Path],
) -> list[ReplicationResult]:
    """Run (or find under ``folder``) each chunk; append the chunk files to ``files``."""
    from simulator.results.chunks import (
        chunk_exists,
        chunk_frame,
        chunk_keys,
        read_replications,
        results_from_frame,
        write_chunk,
    )

    sha = scenario_sha256(scenario)
    first, stop = replications.start, replications.stop
    keys = chunk_keys(sha, model.seed, first, stop, chunk_size)
    total = len(replications)
    on_disk = [k for k in keys if chunk_exists(folder, k)]
    found = sum(k.replications for k in on_disk)
    computed = 0
    try:
        for key in keys:
            if chunk_exists(folder, key):
                continue
            results = run_replications(
                model,
                range(key.start, key.stop),
                engine,
                threads=work.threads,
                progress=_told(work, total, found, computed, len(on_disk)),
            )
            write_chunk(folder, key, chunk_frame(model, results, daily=True))
            computed += key.replications
    except KeyboardInterrupt:
        raise Interrupted(found + computed, total, folder) from None
    files.extend(folder / key.relative_path for key in keys)
    frame = read_replications(folder, keys)
    return results_from_frame(model, frame)
