"""Following each shot through the pipeline: what every stage saw.

A log has no notion of a shot's path through the pipeline, only rows. ``follow_shots``
rebuilds it: it walks each shot's rows in time order, keeping the pipeline position the
shot stands at, and so tells a review that sampled a shot out (the shot went past it with
no row) from one that never saw it, a retry from a new visit, and where a rejected shot
was sent back to. The counts it keeps per stage are what ``simulator.planning.calibration``
fits rates to.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from simulator.planning._calibrate_log import Attempt, History

__all__ = ["StageTally", "follow_shots", "shot_rows"]


def shot_rows(history: History) -> list[list[Attempt]]:
    """Each shot's rows at the pipeline's shot stages, in time order."""
    order = set(history.shot_stages)
    shots: dict[tuple[str, str, str], list[Attempt]] = defaultdict(list)
    for a in history.attempts:
        if a.shot is not None and a.stage in order:
            shots[(a.show, a.episode, a.shot)].append(a)
    return list(shots.values())


@dataclass
class StageTally:
    """What one stage saw, collected while following every shot through the pipeline."""

    attempts: int = 0
    failed: int = 0
    done_visits: list[int] = field(default_factory=list)
    """Attempts each successful visit took."""
    exhausted: list[int] = field(default_factory=list)
    """Attempts of each visit that ended failed with no retry: attempts ran out."""
    retry_gaps: list[float] = field(default_factory=list)
    arrivals: int = 0
    reviewed: int = 0
    rounds: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    """Round of notes (rejections so far by this stage) → [reviews, rejections]."""
    targets: Counter[str] = field(default_factory=Counter)
    rejections_per_shot: list[int] = field(default_factory=list)


def follow_shots(history: History) -> dict[str, StageTally]:
    """Walk every shot's rows in time order, keeping where in the pipeline it stands.

    A row at a later stage than where the shot stood means it passed the reviews in
    between without one: they sampled it out (an arrival, not a review). A rejection sends
    it to the stage of its next row (the rework target). A failed attempt followed by one
    at the same stage is a retry (the gap is the back-off plus any wait for a GPU); one
    followed by nothing, or by another stage, ran out of attempts.
    """
    stages = history.shot_stages
    order = {s: k for k, s in enumerate(stages)}
    review = [history.kinds[s] == "review" for s in stages]
    tallies = {s: StageTally() for s in stages}
    for rows in shot_rows(history):
        cursor = 0  # the pipeline position the shot stands at
        rejections: Counter[str] = Counter()
        visit = 0
        for i, a in enumerate(rows):
            s = order[a.stage]
            t = tallies[a.stage]
            prev = rows[i - 1] if i else None
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            if prev is not None and prev.outcome == "rejected":
                tallies[prev.stage].targets[a.stage] += 1
                cursor = s
            retry = prev is not None and prev.outcome == "failed" and prev.stage == a.stage
            if retry:
                assert prev is not None
                t.retry_gaps.append((a.start - prev.end).total_seconds() / 3600.0)
            # Reviews between where the shot stood and this row were skipped: sampling.
            for k in range(cursor, s):
                if review[k]:
                    tallies[stages[k]].arrivals += 1
            if review[s]:
                t.arrivals += 1
                t.reviewed += 1
                tally = t.rounds[rejections[a.stage]]
                tally[0] += 1
                if a.outcome == "rejected":
                    tally[1] += 1
                    rejections[a.stage] += 1
            else:
                visit = visit + 1 if retry else 1
                t.attempts += 1
                if a.outcome == "failed":
                    t.failed += 1
                    if nxt is None or nxt.stage != a.stage:
                        t.exhausted.append(visit)
                else:
                    t.done_visits.append(visit)
            if a.outcome in ("done", "approved"):
                cursor = s + 1
            elif a.outcome == "failed":
                cursor = s
        _finish_shot(tallies, rows, stages, review, cursor, rejections)
    return tallies


def _finish_shot(
    tallies: dict[str, StageTally],
    rows: Sequence[Attempt],
    stages: Sequence[str],
    review: Sequence[bool],
    cursor: int,
    rejections: Counter[str],
) -> None:
    """The reviews a finished shot passed without a row, and its rejections per review."""
    # A shot that finished its last work stage passed the reviews after it: those it
    # has no row for were skipped. (A shot with work still ahead is in progress.)
    if rows[-1].outcome in ("done", "approved") and all(review[cursor:]):
        for k in range(cursor, len(stages)):
            tallies[stages[k]].arrivals += 1
    for stage, n in rejections.items():
        tallies[stage].rejections_per_shot.append(n)
    for stage in {a.stage for a in rows if review[stages.index(a.stage)]} - set(rejections):
        tallies[stage].rejections_per_shot.append(0)
