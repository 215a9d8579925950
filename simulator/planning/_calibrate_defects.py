"""Defect and catch probabilities, fitted to a task log's defect column.

The model (``docs/model.md``): a successful GPU attempt leaves a latent defect flag with
its stage's ``defect_probability``; a review rejects a shot with any flag iff its verdict
draw is under ``catch_probability`` (a *caught* defect), and a clean shot iff the draw is
under ``reject_probability`` of its round (a *note*); after ``max_rounds`` rejections it
approves whatever it sees; a rework clears the flags of its target and every later stage.

What a log with a defect column shows:

* every rejection says whether it caught a defect or was a note;
* with ``found_after_delivery``, a delivered shot's last row says whether a defect was
  found in it afterwards (an escape).

So *whether a shot carried a defect* is seen at a review that rejected it, and — when
escapes are recorded — at a review that approved it: the shot's later rows, up to its next
GPU row, end in a caught defect (present), a note (clean: a shot with a flag cannot get a
note) or its delivery (present iff it escaped). That resolves every review of a stage that
no GPU stage follows (a *final* review); a review between GPU stages is resolved only when
something after it rejects the shot before more GPU work, which would select the shots, so
it is not used for catch and defect rates.

Estimators, per review stage (over the rounds in which it could still reject):

* caught / reviews: the share of reviewed shots that carried a defect times the catch
  probability (defect × catch), with a Wilson interval — fitted whenever the column is
  there;
* ``catch_probability`` = caught / (caught + missed), missed = approvals of a shot that
  carried a defect, Wilson — a final review with escapes recorded;
* ``reject_probability`` of clean shots, per round = notes / (notes + clean approvals).

Per GPU stage: after a *clean point* (the shot's start, a note, a review that found it
clean) each GPU stage done adds a fresh flag draw; the first final review that resolves the
shot tells whether any of those draws left a defect: an observation of
``1 − Π (1 − d_g)`` over the stages done since. Maximum likelihood over all such
observations (with ``θ_g = −ln(1 − d_g)`` the likelihood is concave) gives each stage's
``defect_probability`` where the sets of stages seen separate it (a rework to a later
stage redoes only part of the pipeline); its interval is the profile likelihood's.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from simulator.errors import Problem, ScenarioError
from simulator.planning._calibrate_log import MAX_PROBLEMS, Attempt, History
from simulator.planning._calibrate_shots import shot_rows
from simulator.stats import Interval, proportion_interval

__all__ = [
    "DefectTally",
    "ReviewDefectFit",
    "RoundCount",
    "fit_defect_probabilities",
    "fit_review_defects",
    "follow_defects",
]


@dataclass
class RoundCount:
    """One review stage's reviews in one round of notes, told apart by the defect column."""

    reviews: int = 0
    caught: int = 0
    notes: int = 0
    missed: int = 0
    """Approvals of a shot that carried a defect (caught later, or found after delivery)."""
    clean: int = 0
    """Approvals of a shot that carried none."""


@dataclass
class DefectTally:
    """What the defect column shows, per review stage and for the GPU stages' draws."""

    escapes: bool
    """Defects found after delivery are recorded (``found_after_delivery``)."""
    order: tuple[str, ...] = ()
    """The shot stages in pipeline order."""
    final: dict[str, bool] = field(default_factory=dict)
    """Per review stage: no GPU stage follows it in the pipeline."""
    rounds: dict[str, dict[int, RoundCount]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(RoundCount))
    )
    draws: Counter[tuple[frozenset[str], bool]] = field(default_factory=Counter)
    """(GPU stages done since a clean point, whether the shot then carried a defect)."""


def _misplaced(rows: Sequence[Attempt], delivered: bool, escapes: bool) -> list[Attempt]:
    """Rows with a defect that is neither a caught one nor one found after delivery."""
    out = []
    for i, a in enumerate(rows):
        final_row = delivered and i == len(rows) - 1
        if a.defect and a.outcome != "rejected" and not (final_row and escapes):
            out.append(a)
    return out


def _presence(
    rows: Sequence[Attempt], review: dict[str, bool], escapes: bool, escaped: bool | None
) -> list[bool | None]:
    """Per row: whether the shot carried a defect at this review (None: not seen)."""
    out: list[bool | None] = [None] * len(rows)
    for i, a in enumerate(rows):
        if not review[a.stage]:
            continue
        if a.outcome == "rejected":
            out[i] = bool(a.defect)
            continue
        if not escapes:
            continue
        for b in rows[i + 1 :]:
            if not review[b.stage]:
                break  # more GPU work: a defect seen later may be a new one
            if b.outcome == "rejected":
                out[i] = bool(b.defect)
                break
        else:
            out[i] = escaped
    return out


def follow_defects(history: History, *, escapes: bool, column: str) -> DefectTally:
    """Walk every shot's rows and count what the defect column shows. Refuses (located) a
    defect on a row that can carry none: an approval or a finished attempt that is not a
    delivered shot's last row, or such a last row when escapes are not recorded."""
    stages = history.shot_stages
    review = {s: history.kinds[s] == "review" for s in stages}
    tally = DefectTally(escapes, stages)
    for k, s in enumerate(stages):
        if review[s]:
            tally.final[s] = not any(not review[t] for t in stages[k + 1 :])
    problems = []
    for rows in shot_rows(history):
        last = rows[-1]
        after = stages[stages.index(last.stage) + 1 :]
        delivered = last.outcome in ("done", "approved") and all(review[s] for s in after)
        for a in _misplaced(rows, delivered, escapes):
            hint = (
                "; if your tracker records defects found after delivery there, set"
                " found_after_delivery: true in the mapping"
                if delivered and a is last
                else ""
            )
            what = "an approval" if a.outcome == "approved" else "a finished attempt"
            problems.append(
                Problem(
                    f"a defect on {what}: only a rejection (a defect caught) or a delivered"
                    f" shot's last row (one found after delivery) carries one{hint}",
                    column,
                    history.source,
                    a.row,
                )
            )
        escaped = bool(last.defect) if escapes and delivered else None
        presence = _presence(rows, review, escapes, escaped)
        _count_reviews(tally, rows, review, presence)
        _count_draws(tally, rows, review, presence)
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        if len(problems) > MAX_PROBLEMS:
            stopped = Problem(f"stopped after {MAX_PROBLEMS} problems", file=history.source)
            problems = [*problems[:MAX_PROBLEMS], stopped]
        raise ScenarioError(problems)
    return tally


def _count_reviews(
    tally: DefectTally,
    rows: Sequence[Attempt],
    review: dict[str, bool],
    presence: Sequence[bool | None],
) -> None:
    rejections: Counter[str] = Counter()
    for a, present in zip(rows, presence, strict=True):
        if not review[a.stage]:
            continue
        count = tally.rounds[a.stage][rejections[a.stage]]
        count.reviews += 1
        if a.outcome == "rejected":
            rejections[a.stage] += 1
            if a.defect:
                count.caught += 1
            else:
                count.notes += 1
        elif present is True:
            count.missed += 1
        elif present is False:
            count.clean += 1


def _count_draws(
    tally: DefectTally,
    rows: Sequence[Attempt],
    review: dict[str, bool],
    presence: Sequence[bool | None],
) -> None:
    clean_point, since = True, set[str]()
    for a, present in zip(rows, presence, strict=True):
        if not review[a.stage]:
            if clean_point and a.outcome == "done":
                since.add(a.stage)
            continue
        if clean_point and since and tally.final[a.stage] and present is not None:
            tally.draws[(frozenset(since), present)] += 1
        if present is not None:
            # A note or a clean shot: no flag anywhere. A defect: a rework leaves the flags
            # of the stages before its target, unseen.
            clean_point, since = not present, set()
        elif not tally.final[a.stage]:
            clean_point = False  # an approval here selects the shots that pass it


# --- review stages --------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDefectFit:
    """A review stage's rates from the defect column."""

    caught_per_review: Interval | None
    """Caught defects over reviews: defect × catch."""
    catch_probability: Interval | None
    reject_probability: tuple[Interval | None, ...] = ()
    """Of clean shots, per round (None: no clean review resolved in that round)."""
    note: str = ""
    """Why ``catch_probability`` is not fitted."""


def fit_review_defects(
    tally: DefectTally, stage: str, max_rounds: int | None, rounds: int, level: float
) -> ReviewDefectFit:
    """``rounds``: how many rounds of reject rates the stage writes."""
    counts = tally.rounds.get(stage, {})
    open_rounds = [counts[r] for r in sorted(counts) if max_rounds is None or r < max_rounds]
    n = sum(c.reviews for c in open_rounds)
    caught = sum(c.caught for c in open_rounds)
    product = proportion_interval(caught, n, level=level) if n else None
    if not tally.escapes:
        why = (
            "only caught defects per review is fitted: the share of reviewed shots that"
            " carried a defect times catch_probability; the two factors stay assumed, since a"
            " defect a review missed is seen only as one found after delivery, which the"
            " history does not record (found_after_delivery in the mapping)"
        )
        return ReviewDefectFit(product, None, note=why)
    if not tally.final.get(stage, False):
        why = (
            "a GPU stage follows this review: a defect it missed cannot be told from one"
            " made after it"
        )
        return ReviewDefectFit(product, None, note=why)
    present = caught + sum(c.missed for c in open_rounds)
    if present == 0:
        return ReviewDefectFit(product, None, note="no shot it reviewed carried a defect")
    catch = proportion_interval(caught, present, level=level)
    clean = []
    for r in range(rounds):
        c = counts.get(r)
        seen = 0 if c is None else c.notes + c.clean
        clean.append(proportion_interval(c.notes, seen, level=level) if c and seen else None)
    return ReviewDefectFit(product, catch, tuple(clean))


# --- GPU stages -----------------------------------------------------------------------

_THETA_MAX = 30.0
_THETA_MIN = 1e-12


class _Likelihood:
    """Log-likelihood of the draws in ``θ_g = −ln(1 − d_g)``: an observation of the stages
    G is a defect with probability ``1 − exp(−Σ_G θ_g)``."""

    def __init__(self, draws: Counter[tuple[frozenset[str], bool]], stages: Sequence[str]):
        groups = sorted({g for g, _ in draws}, key=lambda g: sorted(g))
        self.stages = list(stages)
        self.incidence = np.array([[s in g for s in stages] for g in groups], dtype=float)
        self.n = np.array([draws[(g, True)] + draws[(g, False)] for g in groups], dtype=float)
        self.k = np.array([draws[(g, True)] for g in groups], dtype=float)

    def value(self, theta: np.ndarray) -> float:
        s = self.incidence @ theta
        hit = self.k * np.log(-np.expm1(-s), where=self.k > 0, out=np.zeros_like(s))
        return float(np.sum(hit - (self.n - self.k) * s))

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        s = self.incidence @ theta
        per_group = self.k / np.expm1(s) - (self.n - self.k)
        return np.asarray(self.incidence.T @ per_group)

    def best(self, fixed: int | None = None, at: float = 0.0) -> tuple[float, np.ndarray]:
        """The largest log-likelihood, with stage ``fixed``'s θ held at ``at``."""
        free = [i for i in range(len(self.stages)) if i != fixed]
        theta = np.full(len(self.stages), 0.05)
        if fixed is not None:
            theta[fixed] = at

        def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
            theta[free] = x
            return -self.value(theta), -self.gradient(theta)[free]

        if free:
            bounds = [(_THETA_MIN, _THETA_MAX)] * len(free)
            found = optimize.minimize(negative, theta[free], jac=True, bounds=bounds)
            theta[free] = found.x
        return self.value(theta), theta.copy()

    def identified(self, i: int) -> bool:
        """Whether the observed sets of stages separate stage ``i`` from the others."""
        rows = self.incidence[self.n > 0]
        unit = np.eye(len(self.stages))[i]
        rank = np.linalg.matrix_rank(rows)
        return bool(rows.size) and rank == np.linalg.matrix_rank(np.vstack([rows, unit]))


def fit_defect_probabilities(
    tally: DefectTally, gpu_stages: Sequence[str], level: float
) -> dict[str, Interval | str]:
    """Each GPU stage's ``defect_probability`` with its profile-likelihood interval, or
    why it is not fitted."""
    if not tally.escapes:
        why = (
            "a defect no review caught is never seen without the defects found after"
            " delivery (found_after_delivery in the mapping); the reviews' caught defects per"
            " review hold it only in a product with their catch_probability"
        )
        return dict.fromkeys(gpu_stages, why)
    seen = [s for s in gpu_stages if any(s in g for g, _ in tally.draws)]
    out: dict[str, Interval | str] = {s: _unseen(tally, s) for s in gpu_stages}
    if not seen:
        return out
    like = _Likelihood(tally.draws, seen)
    top, theta = like.best()
    drop = float(stats.chi2.ppf(level, 1)) / 2.0
    for i, stage in enumerate(seen):
        if not like.identified(i):
            out[stage] = _combined(tally, stage, level)
            continue
        n = int(sum(like.n[like.incidence[:, i] > 0]))

        def short(t: float, i: int = i) -> float:
            return like.best(i, t)[0] - (top - drop)

        low = 0.0 if short(_THETA_MIN) >= 0 else optimize.brentq(short, _THETA_MIN, theta[i])
        high = (
            _THETA_MAX if short(_THETA_MAX) >= 0 else optimize.brentq(short, theta[i], _THETA_MAX)
        )
        d = [-math.expm1(-t) for t in (theta[i], low, high)]
        out[stage] = Interval(d[0] if theta[i] > 1e-9 else 0.0, d[1], d[2], n, level)
    return out


def _unseen(tally: DefectTally, stage: str) -> str:
    """Why a GPU stage has no observation."""
    after = tally.order[tally.order.index(stage) + 1 :]
    first_review = next((s for s in after if s in tally.final), None)
    if first_review is None:
        return "no review follows it"
    if not tally.final[first_review]:
        return (
            f"its defects reach a review with no GPU stage after it only through"
            f" {first_review}, which has GPU work after it and selects the shots it passes"
        )
    return "no shot reached a review after it"


def _combined(tally: DefectTally, stage: str, level: float) -> str:
    """What is identified when a stage is always redone together with others."""
    groups = sorted({g for g, _ in tally.draws if stage in g}, key=sorted)
    group = max(groups, key=lambda g: tally.draws[(g, True)] + tally.draws[(g, False)])
    k, n = tally.draws[(group, True)], tally.draws[(group, True)] + tally.draws[(group, False)]
    iv = proportion_interval(k, n, level=level)
    names = " and ".join(sorted(group))
    return (
        f"always redone together with another stage: only the chance that {names} together"
        f" leave a defect is identified, {iv.estimate:.4g} (n={n}, {100 * level:g}% interval"
        f" [{iv.low:.4g}, {iv.high:.4g}])"
    )
