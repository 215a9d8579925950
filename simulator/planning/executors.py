"""Where a sweep's chunks run: in this process, on this machine's cores, or on a Dask cluster.

A sweep is a list of independent tasks — chunks, each a block of replications of one
sweep point (``simulator.planning.evaluation``). What a chunk produces depends only on the
chunk (its scenario, seed and replication numbers, DESIGN §2), never on where or when it
ran, so an executor is free to run chunks in any order and in parallel. It has one job: take a
function and a list of tasks, run them, and hand back each (task, result) pair as it
finishes. The caller writes each result to disk as it arrives; nothing here touches files.

* ``SerialExecutor`` runs one chunk after another in this process; the batch kernel
  inside still uses every core (its own threads, GIL released). Simple and the easiest to
  debug.
* ``LocalExecutor`` runs up to ``workers`` chunks at once on a thread pool (the kernel
  releases the GIL, so threads run in parallel) or a process pool (the reference engine is
  Python and holds the GIL: only processes run it in parallel). Each chunk then gets one
  kernel thread: whole chunks in parallel waste no time at a chunk's ragged end.
* ``DaskExecutor`` sends chunks to the workers of a Dask cluster: a real one at a
  scheduler address, or a ``LocalCluster`` it starts (``dask[distributed]``, the ``dask``
  extra). Results come back to this process, so workers need no shared file system.

Every executor keeps a bounded number of chunks in flight (a few per worker): a sweep of
a million replications never holds more than a handful of chunks' results in memory.

An executor is a context manager: leaving its ``with`` block closes its pool, or the
cluster it started. ``make_executor`` makes the one a ``simulator.results.work.Work`` asks
for (``threads``, ``workers``, ``scheduler``); ``executor_for`` is how planning gets one:
the work's own ``executor``, left open for its owner, or a new one, closed when the work
is done.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from typing import Any, Protocol, Self, TypeVar

from simulator.errors import UsageError
from simulator.results.work import Work

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "default_workers",
    "executor_for",
    "local_cluster",
    "make_executor",
]

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 2
"""Chunks queued per worker: one running and one ready, so no worker waits for the
caller between chunks, and memory stays bounded."""


def default_workers() -> int:
    """The CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Executor(Protocol):
    """Runs tasks and yields ``(task, result)`` as each finishes, in any order."""

    @property
    def workers(self) -> int:
        """How many tasks run at once."""
        ...

    @property
    def threads_per_task(self) -> int | None:
        """Kernel threads a task should use (None: every core)."""
        ...

    @property
    def description(self) -> str:
        """In words, for the manifest and the person watching."""
        ...

    def map_unordered(
        self, function: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[T, R]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None:
        """Close: a pool's processes end, a cluster started for the work stops."""
        ...


class SerialExecutor:
    """One task after another, in this process."""

    workers = 1
    threads_per_task: int | None = None
    description = "serial (this process; the kernel on every core)"

    def map_unordered(
        self, function: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[T, R]]:
        for task in tasks:
            yield task, function(task)

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _bounded(
    submit: Callable[[T], Any],
    wait_one: Callable[[set[Any]], Any],
    result: Callable[[Any], R],
    tasks: Sequence[T],
    limit: int,
) -> Iterator[tuple[T, R]]:
    """Keep at most ``limit`` tasks submitted; yield each as it finishes."""
    pending: dict[Any, T] = {}
    queue = iter(tasks)
    for task in queue:
        pending[submit(task)] = task
        if len(pending) >= limit:
            break
    while pending:
        done = wait_one(set(pending))
        task = pending.pop(done)
        value = result(done)
        following = next(queue, None)
        if following is not None:
            pending[submit(following)] = following
        yield task, value


class LocalExecutor:
    """Up to ``workers`` tasks at once on this machine, on threads or processes."""

    def __init__(self, workers: int | None = None, *, processes: bool = False) -> None:
        if workers is not None and workers < 1:
            raise UsageError(f"workers must be at least 1, got {workers}")
        self._workers = workers if workers is not None else default_workers()
        self.processes = processes
        self._pool: futures.Executor | None = None

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def threads_per_task(self) -> int | None:
        return 1

    @property
    def description(self) -> str:
        kind = "processes" if self.processes else "threads"
        return f"local ({self._workers} {kind})"

    def _ensure_pool(self) -> futures.Executor:
        if self._pool is None:
            if self.processes:
                # spawn, not fork: this process may hold threads (a progress bar, the
                # kernel's pool), and a forked child inherits their locks mid-state.
                context = multiprocessing.get_context("spawn")
                self._pool = futures.ProcessPoolExecutor(self._workers, mp_context=context)
            else:
                self._pool = futures.ThreadPoolExecutor(self._workers)
        return self._pool

    def map_unordered(
        self, function: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[T, R]]:
        pool = self._ensure_pool()

        def wait_one(pending: set[Any]) -> Any:
            done, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
            return next(iter(done))  # any one: the others are picked up next time

        return _bounded(
            lambda task: pool.submit(function, task),
            wait_one,
            lambda future: future.result(),
            tasks,
            IN_FLIGHT_PER_WORKER * self._workers,
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskExecutor:
    """Tasks on a Dask cluster: ``DaskExecutor.connect(address)`` or
    ``DaskExecutor.local(workers)``; or wrap a ``distributed.Client`` you made."""

    def __init__(self, client: Any, *, cluster: Any = None, threads: int | None = 1) -> None:
        self.client = client
        self._cluster = cluster
        self._threads = threads
        # Named now: after close() the client no longer knows its scheduler.
        self._where = "local cluster" if cluster is not None else str(client.scheduler.address)

    @classmethod
    def connect(cls, address: str) -> DaskExecutor:
        """A client of the cluster whose scheduler listens at ``address``."""
        client_class = _distributed().Client
        try:
            client = client_class(address, timeout="30s")
        except OSError as error:
            raise UsageError(f"cannot reach a Dask scheduler at {address!r}: {error}") from None
        return cls(client)

    @classmethod
    def local(cls, workers: int | None = None) -> DaskExecutor:
        """Start a ``local_cluster`` of ``workers`` processes (default: every core) and
        run on it; closing the executor closes the cluster."""
        cluster = local_cluster(workers)
        return cls(_distributed().Client(cluster), cluster=cluster)

    @property
    def workers(self) -> int:
        if self.client.status != "running":
            return 1
        info = self.client.scheduler_info()
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        return max(1, threads)

    @property
    def threads_per_task(self) -> int | None:
        return self._threads

    @property
    def description(self) -> str:
        return f"dask ({self._where}, {self.workers} worker threads)"

    def map_unordered(
        self, function: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[T, R]]:
        distributed = _distributed()
        client = self.client

        def wait_one(pending: set[Any]) -> Any:
            return next(iter(distributed.wait(pending, return_when="FIRST_COMPLETED").done))

        # pure=False: two chunks with equal arguments are still two computations to Dask's
        # eyes; never collapse or cache them (the files on disk are the cache).
        return _bounded(
            lambda task: client.submit(function, task, pure=False),
            wait_one,
            lambda future: future.result(),
            tasks,
            IN_FLIGHT_PER_WORKER * self.workers,
        )

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "Dask is not installed: install reelsim's 'dask' extra (dask[distributed]) to "
            "use --workers or --scheduler"
        ) from None
    return distributed


def local_cluster(workers: int | None = None) -> Any:
    """A Dask ``LocalCluster`` of ``workers`` processes (default: every core), one thread
    each: the GIL is never shared, and each chunk runs the kernel on one core."""
    distributed = _distributed()
    n = workers if workers is not None else default_workers()
    if n < 1:
        raise UsageError(f"workers must be at least 1, got {n}")
    # No dashboard, and the scheduler's small HTTP server (health, metrics) on a free port
    # of this host rather than 8787: a cluster already there (a second sweep on the same
    # machine) would make it fall back with a warning and a leaked socket.
    return distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )


def make_executor(work: Work, *, processes: bool = False) -> Executor:
    """A new executor for ``work``: on the Dask cluster at ``work.scheduler``, on a local
    Dask cluster of ``work.workers`` processes, or (default) on a local pool of
    ``work.threads`` (processes when ``processes``: for the reference engine). Use it as a
    context manager: ``with make_executor(work) as executor:``; leaving the block closes
    the pool or the cluster."""
    if work.scheduler is not None:
        return DaskExecutor.connect(work.scheduler)
    if work.workers is not None:
        return DaskExecutor.local(work.workers)
    return LocalExecutor(work.threads, processes=processes)


@contextmanager
def executor_for(work: Work, engines: Mapping[int, str]) -> Iterator[Executor]:
    """Where ``work``'s chunks run: ``work.executor`` as it is (its owner closes it), or a
    new one (``make_executor``), closed on leaving, on every core of this machine unless
    ``work`` says otherwise: threads for the kernel (it releases the GIL), processes when
    any point needs the reference engine (Python: threads would queue on the GIL)."""
    if work.executor is not None:
        yield work.executor
        return
    with make_executor(work, processes="reference" in engines.values()) as executor:
        yield executor
