"""Chunks: a block of replications of one scenario, stored as a small Parquet table.

A sweep (``simulator.planning.sweeps``) cuts its work into chunks. A chunk is a pure function of
its key — the scenario's fingerprint, the seed, the replication range, the version of
the draw-address layout and, for a run from where the season stands, the fingerprint of
the starting state (the status file's bytes and ``now``) — because every draw is a
function of (seed, replication, what it is for) (DESIGN §2). So a chunk can run on any
machine, in any order, be written once and found again: the key is the file name, and a
file that exists is a chunk that is done. Files are written atomically (to a temporary
name, then renamed): a killed process leaves a chunk either complete or absent, never
half-written.

**Damaged chunks.** A chunk is written with a CRC checksum on every Parquet page, and a
chunk found on disk is read back in full, checksums verified, before it is reused. One that
cannot be read (truncated, overwritten, a flipped bit) is set aside under its name plus
``.corrupt``, with a ``DamagedChunk`` warning, and computed again as if it had never been
there: a damaged file never breaks the reruns that would repair it.

A chunk's table has the rows of a run's ``replications.parquet`` (one per replication and
episode) plus, repeated on each of a replication's episode rows, what is per replication:
its end time (``end_h``), its event count (``events``), the busy, available and paid
unit-hours of every pool and team (``busy_h:pool:NAME``, ``available_h:team:NAME``,
``paid_h:pool:NAME``), each resource's waits (``waits_n:KEY``: tasks started from its
queue, ``waits_h:KEY``: the hours they waited, ``queue_h:KEY``: the queue's area, which
adds the waits so far of tasks still queued at the end, ``queued_n:KEY``: the tasks still
queued at the end), each stage's waits, visits and work still queued (``stage_wait_n``,
``stage_wait_h``, ``visit_n``, ``visit_h``, ``queued_n``, ``queued_h``, each
``:stage:NAME``) and the shots through the pipeline with their hours in the system
(``through_n``, ``through_h``). That is everything a
summary reads (``simulator.results.summary.SummaryColumns.from_chunk``), so a
point's summary is rebuilt from its chunks alone, one chunk at a time; the daily bins of
busy units and queues are not kept unless asked (``Work.daily``: no summary uses them, and
they would be most of the bytes). A run's chunks (``simulator.results.runs``) keep
them, because its results folder has ``timeseries.parquet``: ``daily_busy:KEY`` and
``daily_queue:KEY`` hold each replication's daily bins as a list, on its first episode row.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from simulator.engines.choice import choose_engine, run_replications
from simulator.engines.replication import COST_CATEGORIES, ReplicationResult
from simulator.engines.trace import stage_keys
from simulator.errors import UsageError
from simulator.files import StrPath, atomic_write
from simulator.model.compiler import compile_season
from simulator.model.resources import resource_labels
from simulator.model.season import SeasonModel, StartingState
from simulator.model.starting_state import with_start
from simulator.results.tables import replications_frame
from simulator.scenario.schema import Scenario

__all__ = [
    "CHUNK_RESOURCE_COLUMNS",
    "CHUNK_STAGE_COLUMNS",
    "DRAW_LAYOUT_VERSION",
    "ChunkKey",
    "ChunkTask",
    "DamagedChunk",
    "attempt_chunk",
    "check_chunk_columns",
    "chunk_exists",
    "chunk_frame",
    "chunk_keys",
    "read_replications",
    "resource_keys",
    "results_from_frame",
    "run_chunk",
    "write_chunk",
]

DRAW_LAYOUT_VERSION = 1
"""Version of the draw-address layout (``simulator/draws.py``, DESIGN §2) that chunk keys
carry. It lives with the chunks rather than beside the draws because only stored chunks
need it: bump it whenever what replication ``i`` of a seed draws changes (a new address
field, a new occurrence counter), so that chunks computed under the old layout are never
reused."""


@dataclass(frozen=True, order=True)
class ChunkKey:
    """What a chunk's results depend on, and so its file name."""

    scenario_sha256: str
    seed: int
    start: int
    stop: int
    layout: int
    """``DRAW_LAYOUT_VERSION`` when the chunk was computed."""
    state: str = ""
    """The fingerprint of the starting state (``Status.sha256``: the status file's bytes and
    ``now``); empty for a run from the season start."""

    @property
    def replications(self) -> int:
        return self.stop - self.start

    @property
    def relative_path(self) -> str:
        # scenario=<sha> is a Hive partition: the folder reads as one dataset with a
        # ``scenario`` column. Zero-padded ranges list in replication order.
        state = f"_from={self.state}" if self.state else ""
        return (
            f"replications/scenario={self.scenario_sha256}/"
            f"seed={self.seed}_layout={self.layout}{state}_"
            f"reps={self.start:010d}-{self.stop:010d}.parquet"
        )


def chunk_keys(
    scenario_sha256: str, seed: int, start: int, stop: int, size: int, state: str = ""
) -> list[ChunkKey]:
    """Replications [start, stop) of a scenario cut into chunks of ``size`` (the last may
    be shorter)."""
    return [
        ChunkKey(scenario_sha256, seed, a, min(a + size, stop), DRAW_LAYOUT_VERSION, state)
        for a in range(start, stop, size)
    ]


@dataclass(frozen=True)
class ChunkTask:
    """One chunk to compute: shipped to a worker, so it carries the whole scenario."""

    point: int
    scenario: Scenario
    key: ChunkKey
    engine: str
    threads: int | None
    start: StartingState | None = None
    """Where every replication starts (``None``: the season start)."""
    daily: bool = False
    """Keep the daily bins (``Work.daily``)."""


CHUNK_RESOURCE_COLUMNS = (
    "busy_h",
    "available_h",
    "paid_h",
    "waits_n",
    "waits_h",
    "queue_h",
    "queued_n",
)
"""The per-resource columns of a chunk (``busy_h:pool:NAME``…)."""

CHUNK_STAGE_COLUMNS = ("stage_wait_n", "stage_wait_h", "visit_n", "visit_h", "queued_n", "queued_h")
"""The per-stage columns of a chunk (``visit_h:stage:NAME``…): tasks started from the
stage's queue and the hours they waited, visits ended and their hours in the stage, tasks
still queued at the end and the hours they had waited."""

_STAGE_FIELDS = {
    "stage_wait_n": ("stage_waits", 0),
    "stage_wait_h": ("stage_waits", 1),
    "visit_n": ("stage_visits", 0),
    "visit_h": ("stage_visits", 1),
    "queued_n": ("stage_queued", 0),
    "queued_h": ("stage_queued", 1),
}
"""Each per-stage column: the ``ReplicationResult`` field and the place in its pairs."""


def _resource_values(r: ReplicationResult, key: str) -> dict[str, float]:
    count, hours = r.waits.get(key, (0, 0.0))
    return {
        "busy_h": float(r.busy_hours.get(key, 0.0)),
        "available_h": float(r.available_hours.get(key, 0.0)),
        "paid_h": float(r.paid_hours.get(key, 0.0)),
        "waits_n": float(count),
        "waits_h": float(hours),
        "queue_h": float(r.queue_area.get(key, 0.0)),
        "queued_n": float(r.queued.get(key, 0)),
    }


def _stage_values(r: ReplicationResult, key: str) -> dict[str, float]:
    return {
        name: float(getattr(r, field).get(key, (0, 0.0))[at])
        for name, (field, at) in _STAGE_FIELDS.items()
    }


def resource_keys(model: SeasonModel) -> list[str]:
    """Result keys of the pools, then the teams: their labels, ``pool:NAME``, ``team:NAME``."""
    return resource_labels(model)


def chunk_frame(
    model: SeasonModel, results: Sequence[ReplicationResult], *, daily: bool = False
) -> pd.DataFrame:
    """A chunk's table (see the module docstring); ``daily`` keeps the daily bins."""
    frame = replications_frame(model, results)
    per_episode = model.n_episodes

    def spread(values: list[Any]) -> np.ndarray:
        return np.repeat(np.asarray(values), per_episode)

    extra: dict[str, np.ndarray] = {
        "end_h": spread([float(r.end_time) for r in results]),
        "events": spread([int(r.events) for r in results]),
        "through_n": spread([int(r.flow[0]) for r in results]),
        "through_h": spread([float(r.flow[1]) for r in results]),
    }
    for key in resource_keys(model):
        values = [_resource_values(r, key) for r in results]
        for name in CHUNK_RESOURCE_COLUMNS:
            extra[f"{name}:{key}"] = spread([v[name] for v in values])
    for key in stage_keys(model):
        values = [_stage_values(r, key) for r in results]
        for name in CHUNK_STAGE_COLUMNS:
            extra[f"{name}:{key}"] = spread([v[name] for v in values])
    if daily:
        for name in ("daily_busy", "daily_queue"):
            for key in resource_keys(model):
                column = np.empty(len(results) * per_episode, dtype=object)
                column[::per_episode] = [
                    [float(x) for x in getattr(r, name).get(key, [])] for r in results
                ]
                extra[f"{name}:{key}"] = column
    return pd.concat([frame, pd.DataFrame(extra)], axis=1)


def run_chunk(task: ChunkTask) -> pd.DataFrame:
    """Compute one chunk, on whichever machine the executor chose."""
    model = compile_season(task.scenario)
    if task.start is not None:
        model = with_start(model, task.start)
    choice = choose_engine(model, task.engine)
    results = run_replications(
        model, range(task.key.start, task.key.stop), choice.engine, threads=task.threads
    )
    return chunk_frame(model, results, daily=task.daily)


def attempt_chunk(task: ChunkTask) -> pd.DataFrame | str:
    """``run_chunk``, with an error handed back as text (its type and message) instead of
    raised: a sweep then keeps running its other chunks and reports each failure with its
    point and replication range."""
    try:
        return run_chunk(task)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


class DamagedChunk(UserWarning):
    """A chunk on disk could not be read: it was set aside (``*.corrupt``) and is computed
    again."""


def chunk_exists(out: StrPath, key: ChunkKey) -> bool:
    """Whether the chunk is on disk and reads back whole (a damaged one is set aside, with
    a ``DamagedChunk`` warning, and counts as absent)."""
    path = Path(out) / key.relative_path
    if not path.is_file():
        return False
    try:
        pq.read_table(path, page_checksum_verification=True)
    except Exception as error:  # any failure to read it back: Arrow, OS, or codec errors
        _set_aside(path, f"{type(error).__name__}: {error}")
        return False
    return True


def _set_aside(path: Path, problem: str) -> None:
    aside = path.with_name(path.name + ".corrupt")
    path.replace(aside)
    warnings.warn(
        f"chunk {path} could not be read ({problem[:200]}); set aside as {aside.name} and "
        "computed again",
        DamagedChunk,
        stacklevel=3,
    )


def write_chunk(out: StrPath, key: ChunkKey, frame: pd.DataFrame) -> None:
    """Write a chunk atomically, with a checksum on every page (see the module docstring)."""
    atomic_write(
        Path(out) / key.relative_path,
        lambda tmp: frame.to_parquet(tmp, index=False, write_page_checksum=True),
    )


def read_replications(
    out: StrPath, keys: Sequence[ChunkKey], columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The rows of the given chunks in replication order (only ``columns``, if given). A
    chunk that lacks one of ``columns`` (written by an earlier version of reelsim) is
    refused with a ``UsageError`` that names it."""
    tables = []
    for key in sorted(keys, key=lambda k: k.start):
        path = Path(out) / key.relative_path
        if columns:
            names = set(pq.read_schema(path).names)
            missing = [c for c in columns if c not in names]
            if missing:
                more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
                raise UsageError(
                    f"chunk {path} lacks {', '.join(missing[:4])}{more}: it was written by "
                    "another version of reelsim; use a fresh --out folder"
                )
        tables.append(pq.read_table(path, columns=list(columns) if columns else None))
    if not tables:
        return pd.DataFrame(columns=list(columns or []))
    return pd.concat([t.to_pandas() for t in tables], ignore_index=True)


def check_chunk_columns(model: SeasonModel, frame: pd.DataFrame) -> None:
    """Raise ``UsageError`` naming what a chunk table lacks that this version writes (a
    chunk written by an earlier version of reelsim)."""
    wanted = [
        *(f"cost_{c}" for c in COST_CATEGORIES),
        "through_n",
        "through_h",
        *(f"{name}:{key}" for key in resource_keys(model) for name in CHUNK_RESOURCE_COLUMNS),
        *(f"{name}:{key}" for key in stage_keys(model) for name in CHUNK_STAGE_COLUMNS),
    ]
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        raise UsageError(
            f"chunks on disk lack {shown}: they were written by another version of reelsim; "
            "use a fresh --out folder"
        )


def results_from_frame(model: SeasonModel, frame: pd.DataFrame) -> list[ReplicationResult]:
    """The ``ReplicationResult``s a point's chunk rows describe (without daily bins)."""
    per_episode = model.n_episodes
    n = len(frame) // per_episode
    names = [ep.name for ep in model.episodes]
    if n * per_episode != len(frame) or list(frame["episode"].iloc[:per_episode]) != names:
        raise UsageError("a chunk's rows do not match its scenario's episodes; use a fresh folder")
    check_chunk_columns(model, frame)

    # Columns to per-replication lists in one vectorised step each: a point may hold
    # hundreds of thousands of rows, and a Python loop over rows would dominate.
    def grid(column: str, kind: type = float) -> list[list[Any]]:
        return frame[column].to_numpy(kind).reshape(n, per_episode).tolist()

    def per_rep(column: str, kind: type = float) -> list[Any]:
        return frame[column].to_numpy(kind)[::per_episode].tolist()

    delivery, lateness = grid("delivery_h"), grid("lateness_h")
    cost = {c: grid(f"cost_{c}") for c in COST_CATEGORIES}
    shots, frames, attempts = grid("shots", int), grid("frames", int), grid("attempts", int)
    reworks, escaped = grid("rework_passes", int), grid("escaped_defects", int)
    caught, failed = grid("caught_defects", int), grid("failed_shots", int)
    resources = resource_keys(model)
    by = {
        name: {key: per_rep(f"{name}:{key}") for key in resources}
        for name in CHUNK_RESOURCE_COLUMNS
    }
    per_stage = {
        name: {key: per_rep(f"{name}:{key}") for key in stage_keys(model)}
        for name in CHUNK_STAGE_COLUMNS
    }

    def pairs(count: str, hours: str, i: int) -> dict[str, tuple[int, float]]:
        return {
            key: (int(per_stage[count][key][i]), per_stage[hours][key][i])
            for key in stage_keys(model)
        }

    reps, ends, events = per_rep("replication", int), per_rep("end_h"), per_rep("events", int)
    through_n, through_h = per_rep("through_n", int), per_rep("through_h")
    bins: dict[str, dict[str, list[Any]]] = {"daily_busy": {}, "daily_queue": {}}
    for name, by_key in bins.items():
        for key in resources:
            if f"{name}:{key}" in frame.columns:
                cells = frame[f"{name}:{key}"].to_numpy(object)[::per_episode]
                by_key[key] = [[float(x) for x in cell] for cell in cells]
    return [
        ReplicationResult(
            replication=reps[i],
            end_time=ends[i],
            events=events[i],
            delivery=delivery[i],
            lateness_hours=lateness[i],
            cost={c: cost[c][i] for c in COST_CATEGORIES},
            busy_hours={key: by["busy_h"][key][i] for key in resources},
            available_hours={key: by["available_h"][key][i] for key in resources},
            paid_hours={key: by["paid_h"][key][i] for key in resources},
            waits={key: (int(by["waits_n"][key][i]), by["waits_h"][key][i]) for key in resources},
            queue_area={key: by["queue_h"][key][i] for key in resources},
            queued={key: int(by["queued_n"][key][i]) for key in resources},
            flow=(through_n[i], through_h[i]),
            stage_waits=pairs("stage_wait_n", "stage_wait_h", i),
            stage_visits=pairs("visit_n", "visit_h", i),
            stage_queued=pairs("queued_n", "queued_h", i),
            shots=shots[i],
            frames=frames[i],
            attempts=attempts[i],
            reworks=reworks[i],
            escaped=escaped[i],
            caught=caught[i],
            failed=failed[i],
            daily_busy={key: values[i] for key, values in bins["daily_busy"].items()},
            daily_queue={key: values[i] for key, values in bins["daily_queue"].items()},
        )
        for i in range(n)
    ]
