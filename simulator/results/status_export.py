"""A tracker's status export made from a traced replication.

Mid-season planning starts from a production tracker's status export
(``simulator.model.starting_state``). To make worked examples, and to test runs from a
starting state against the run they continue, ``status_from_trace`` says where every shot
and episode of a replication stood at a moment — what a tracker would export then — from
the replication's trace events, and ``write_status`` writes those rows as the CSV
``load_status`` reads.
"""

from __future__ import annotations

import csv
from pathlib import Path

from simulator.calendar import date_at
from simulator.engines.trace import Outcome, TraceEvent, TraceKind
from simulator.files import csv_safe_cell
from simulator.model.season import SeasonModel
from simulator.model.starting_state import COLUMNS
from simulator.scenario.schema import Calendar

__all__ = ["status_from_trace", "write_status"]


def status_from_trace(
    model: SeasonModel, calendar: Calendar, trace: list[TraceEvent], now: float
) -> list[dict[str, str]]:
    """The status rows a tracker would export at ``now`` for a traced replication.

    Reads the trace events up to ``now`` (events at ``now`` included) and says where every
    shot and episode stands."""
    n_shot_stages = len(model.shot_stages)
    first_episode_stage = n_shot_stages + len(model.fallbacks)
    # A fallback (a stage position past the shot stages) stands in for its GPU stage.
    shot_stage_of = {st.index: st.index for st in model.shot_stages}
    shot_stage_of.update(
        {n_shot_stages + st.fallback: st.index for st in model.shot_stages if st.fallback >= 0}
    )
    last_stage = n_shot_stages - 1
    stage: dict[int, int] = {}
    passes: dict[int, int] = {}
    attempts: dict[int, int] = {}
    done: dict[int, str] = {}
    episode_at: dict[int, int] = {}
    delivered: dict[int, float] = {}
    for event in trace:
        if event.time > now:
            break
        task = event.task
        if task is None:
            continue
        if event.kind == TraceKind.RELEASE:
            stage[task], passes[task], attempts[task] = 0, 0, 0
        elif event.kind == TraceKind.SHOT_FAILED:
            done[task] = "failed"
        elif event.kind == TraceKind.DELIVERED:
            delivered[task - model.n_shots] = event.time
        elif event.kind == TraceKind.REWORK and event.back_to is not None:
            stage[task], passes[task], attempts[task] = event.back_to, passes[task] + 1, 0
        elif event.kind == TraceKind.START and task >= model.n_shots:
            assert event.stage is not None
            episode_at[task - model.n_shots] = event.stage - first_episode_stage
        elif event.kind == TraceKind.END and task < model.n_shots:
            assert event.stage is not None
            assert event.attempt is not None
            k = shot_stage_of[event.stage]
            if event.outcome == Outcome.FAILED:
                attempts[task] = event.attempt + 1
                stage[task] = k
            elif event.outcome != Outcome.REJECTED:  # a rejected shot: see its rework, next
                stage[task], attempts[task] = k + 1, 0
                if k == last_stage:
                    done[task] = "through"
        elif event.kind == TraceKind.END:  # an episode stage finished: on to the next one
            assert event.stage is not None
            episode_at[task - model.n_shots] = event.stage - first_episode_stage + 1
    rows: list[dict[str, str]] = []
    for ep in model.episodes:
        if ep.index in delivered:
            zoned = calendar.time_zone != "UTC"  # an offset keeps a fall-back hour apart
            at = date_at(calendar, delivered[ep.index], aware=zoned)
            when = at.isoformat(timespec="microseconds")
            rows.append({"episode": ep.name, "status": "delivered", "at": when})
            continue
        if ep.index in episode_at and episode_at[ep.index] < len(model.episode_stages):
            name = model.episode_stages[episode_at[ep.index]].name
            rows.append({"episode": ep.name, "status": "at_stage", "stage": name})
            continue
        for k in range(ep.n_shots):
            sid = ep.first_shot + k
            code = ep.shot_codes[k] if ep.shot_codes else str(k + 1)
            row = {"episode": ep.name, "shot": code}
            if sid in done:
                row["status"] = done[sid]
            elif sid in stage and stage[sid] > last_stage:
                row["status"] = "through"
            elif sid in stage:
                st = model.shot_stages[stage[sid]]
                attempt = min(attempts[sid], st.max_attempts - 1)  # in fallback: the last
                row.update(
                    status="at_stage",
                    stage=st.name,
                    **{"pass": str(passes[sid]), "attempt": str(attempt)},
                )
            else:
                continue  # not released: not in the export
            rows.append(row)
    return rows


def write_status(rows: list[dict[str, str]], path: str | Path) -> None:
    """Write status rows as the CSV ``load_status`` reads."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_safe_cell(v) for k, v in row.items()})
