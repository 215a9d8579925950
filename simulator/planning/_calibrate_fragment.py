"""The text of a calibration: a scenario fragment a planner pastes from.

Every fitted number is written with its sample size and its confidence interval in a
comment beside it, in its most readable unit, never in exponent notation; what the history
does not tell (defect and catch probabilities without a defect column, gang sizes, pools'
and teams' sizes) is said at the top, as assumptions a scenario must supply.
``simulator.planning.calibration.Calibration.fragment`` is the way in.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.stats import Interval

if TYPE_CHECKING:
    from simulator.planning._calibrate_fit import DistributionFit
    from simulator.planning.calibration import Calibration, ShowFit, StageFit

__all__ = ["Fragment"]

_COMMENT_COLUMN = 44


def _num(x: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, never in exponent notation (a
    planner reads these, and pastes them)."""
    if x == 0.0 or not math.isfinite(x):
        return "0" if x == 0.0 else str(x)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _count(n: int) -> str:
    return f"{n:,}"


def _duration(hours: float) -> tuple[str, float, str]:
    """A duration in its most readable unit: (text, unit size in hours, unit)."""
    for unit, size in (("d", 24.0), ("h", 1.0), ("m", 1.0 / 60.0)):
        if hours >= size:
            return f"{_num(hours / size)}{unit}", size, unit
    return f"{_num(hours * 3600.0)}s", 1.0 / 3600.0, "s"


def _wrapped(text: str, width: int = 92) -> list[str]:
    """A long sentence as comment lines of at most ``width`` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    return [f"#   {line}" if k else f"# {line}" for k, line in enumerate([*lines, line])]


class Fragment:
    """The fitted numbers as a YAML fragment, each with its sample size and interval."""

    def __init__(self, cal: Calibration) -> None:
        self.cal = cal
        self.lines: list[str] = []
        self.pct = f"{100.0 * cal.level:g}%"

    def line(self, indent: int, text: str, comment: str = "") -> None:
        body = " " * indent + text
        if comment:
            body = f"{body.ljust(_COMMENT_COLUMN - 1)} # {comment}"
        self.lines.append(body)

    def about(self, iv: Interval, unit: str = "", scale: float = 1.0, what: str = "") -> str:
        low, high = iv.low / scale, iv.high / scale
        return (
            f"n={_count(iv.n)}{what}, {self.pct} interval "
            f"[{_num(max(low, 0.0) if iv.low > -math.inf else low)}{unit}, {_num(high)}{unit}]"
        )

    def text(self) -> str:
        cal = self.cal
        name = Path(cal.source).name
        self.lines += [
            f"# Fitted by reelsim calibrate from {name}: {_count(cal.rows)} task attempts,",
            f"# {cal.first:%Y-%m-%d} to {cal.last:%Y-%m-%d}. Each fitted number is followed by"
            " its sample size (n)",
            f"# and its {self.pct} confidence interval. Paste what you need into a scenario.",
            "# Not fitted, so assumptions of the scenario:",
        ]
        for assumption in cal.assumptions:
            self.lines += _wrapped(f"ASSUMED: {assumption}")
        for note in cal.notes:
            self.lines.append(f"# NOTE: {note}")
        self.lines.append("")
        if cal.shows:
            self.lines.append("shows:")
            for show in cal.shows:
                self.show(show)
        if cal.shot_stages:
            self.lines += ["", "shot_stages:"]
            for st in cal.shot_stages:
                (self.gpu if st.kind == "gpu" else self.review)(st)
        if cal.episode_stages:
            self.lines += ["", "episode_stages:"]
            for st in cal.episode_stages:
                self.episode(st)
        return "\n".join(self.lines) + "\n"

    def distribution(self, indent: int, fit: DistributionFit, unit: str) -> None:
        if not fit.fitted:
            mean = f"; the sample's mean is {_num(fit.mean.estimate)}{unit}" if fit.mean else ""
            self.line(indent, f"# {fit.quantity}: NOT FITTED, {fit.note}{mean}")
            return
        family = fit.family
        assert family is not None
        if family != "constant":
            assert fit.mean is not None
            best = fit.aic[family]
            others = sorted((f for f in fit.aic if f != family), key=lambda f: fit.aic[f])
            ranking = ", ".join(f"{f} +{_num(fit.aic[f] - best, 3)}" for f in others)
            self.line(indent, f"# {family}, best by AIC (others: {ranking});")
            self.line(
                indent,
                f"# KS D = {_num(fit.ks_statistic, 3)} (p = {_num(fit.ks_pvalue, 2)}); mean "
                f"{_num(fit.mean.estimate)}{unit} ({self.about(fit.mean, unit)})",
            )
            if fit.note:
                self.line(indent, f"# {fit.note}")
        self.line(indent, f"{fit.quantity}:")
        self.line(indent + 2, f"dist: {fit.family}")
        for key, iv in fit.parameters.items():
            self.line(indent + 2, f"{key}: {_num(iv.estimate)}", self.about(iv))
        if fit.family == "truncated_normal":
            self.line(indent + 2, "low: 0")

    def show(self, show: ShowFit) -> None:
        self.line(2, f"{show.name}:", f"{_count(show.shots)} shots in {show.episodes} episodes")
        self.distribution(4, show.frames_per_shot, "")
        rel = show.release
        if rel.pattern is None:
            self.line(4, f"# release: NOT FITTED, {rel.note}")
            return
        source = (
            "the shots' release times"
            if show.release_source == "released"
            else "each shot's first start (no release column: includes queueing)"
        )
        self.line(4, f"# release from {source}")
        if rel.log_likelihood:
            ll = rel.log_likelihood
            self.line(
                4,
                f"# log-likelihood: window {_num(ll['window'])}, poisson {_num(ll['poisson'])}",
            )
        if rel.note:
            self.line(4, f"# {rel.note}")
        self.line(4, "release:")
        self.line(6, f"pattern: {rel.pattern}")
        if rel.pattern == "window" and rel.window_hours is not None:
            iv = rel.window_hours
            text, size, unit = _duration(iv.estimate)
            self.line(6, f'window: "{text}"', self.about(iv, unit, size, " episodes"))
        if rel.pattern == "poisson" and rel.shots_per_day is not None:
            iv = rel.shots_per_day
            self.line(6, f"shots_per_day: {_num(iv.estimate)}", self.about(iv, what=" gaps"))

    def resource_line(self, indent: int, st: StageFit) -> None:
        others = {r: n for r, n in st.resources.items() if r != st.resource}
        comment = "also: " + ", ".join(f"{r} ({n})" for r, n in others.items()) if others else ""
        if st.resource is None:
            self.line(indent, "team: TEAM", "the log names no reviewer or pool: fill in")
        else:
            key = "pool" if st.resource_is_pool else "team"
            self.line(indent, f"{key}: {st.resource}", comment)

    def gpu(self, st: StageFit) -> None:
        self.line(2, f"{st.name}:", f"{_count(st.rows)} attempts")
        self.line(4, "kind: gpu")
        self.line(4, "options:")
        for opt in st.options:
            self.line(6, f"- pool: {opt.pool}")
            self.distribution(8, opt.seconds_per_frame, " s")
            if opt.setup_minutes is not None:
                iv = opt.setup_minutes
                text, size, unit = _duration(iv.estimate / 60.0)
                self.line(8, f'setup: "{text}"', self.about(iv, unit, size * 60.0))
            if opt.note:
                self.line(8, f"# {opt.note}")
        if st.failure_probability is not None:
            iv = st.failure_probability
            self.line(4, f"failure_probability: {_num(iv.estimate)}", self.about(iv))
        if st.max_attempts is not None:
            if st.exhausted:
                why = (
                    f"n={st.visits} visits; {st.exhausted} ran out of attempts after "
                    f"{st.max_attempts}"
                )
            else:
                why = f"n={st.visits} visits, none ran out: the most one took (a lower bound)"
            self.line(4, f"max_attempts: {st.max_attempts}", why)
        if st.defect_probability is not None:
            iv = st.defect_probability
            self.line(
                4, f"defect_probability: {_num(iv.estimate)}", self.about(iv, what=" observations")
            )
        elif st.defect_note:
            self.line(4, "# defect_probability: NOT FITTED, see ASSUMED above")
        if st.backoff_hours is not None:
            text, _, _ = _duration(st.backoff_hours)
            self.line(
                4,
                f'backoff: "{text}"',
                f"shortest of n={st.retries} gaps to a retry; {st.retries_at_backoff} within 1 s",
            )

    def review(self, st: StageFit) -> None:
        self.line(2, f"{st.name}:", f"{_count(st.rows)} reviews")
        self.line(4, "kind: review")
        self.resource_line(4, st)
        if st.time is not None:
            unit = " s" if st.time.quantity == "seconds_per_frame" else " min"
            self.distribution(4, st.time, unit)
        if st.sample_rate is not None:
            iv = st.sample_rate
            self.line(4, f"sample_rate: {_num(iv.estimate)}", self.about(iv, what=" arrivals"))
        if st.caught_per_review is not None:
            iv = st.caught_per_review
            self.line(
                4,
                f"# caught defects per review (defect × catch): {_num(iv.estimate)} "
                f"({self.about(iv, what=' reviews')})",
            )
        if st.catch_probability is not None:
            iv = st.catch_probability
            self.line(
                4,
                f"catch_probability: {_num(iv.estimate)}",
                self.about(iv, what=" with a defect"),
            )
            self.line(4, "# reject_probability: of clean shots (notes), the defects apart")
        elif st.caught_per_review is not None:
            self.line(4, "# catch_probability: NOT FITTED, see ASSUMED above; the reject")
            self.line(4, "# rates are of all rejections, caught defects and notes together")
        rejects = st.reject_probability
        if len(rejects) == 1:
            self.line(4, f"reject_probability: {_num(rejects[0].estimate)}", self.about(rejects[0]))
        elif rejects:
            self.line(4, "reject_probability:", "per round of notes")
            for k, iv in enumerate(rejects):
                self.line(6, f"- {_num(iv.estimate)}", f"round {k + 1}: {self.about(iv)}")
        for k, iv in enumerate(st.sparse_rounds, start=len(rejects) + 1):
            self.line(
                4,
                f"# round {k}: {_num(iv.estimate)} of n={iv.n} reviews rejected; too few to "
                "write (the last rate repeats)",
            )
        if st.max_rounds is not None:
            iv = st.max_rounds
            self.line(
                4,
                f"max_rounds: {st.max_rounds_value}",
                f"n={iv.n} reviews after {st.max_rounds_value} rejections, none rejected "
                f"({self.pct} bound {_num(iv.high, 2)})",
            )
        if st.rework_to is not None and st.rework_share is not None:
            iv = st.rework_share
            self.line(
                4,
                f"rework_to: {st.rework_to}",
                f"share of rejections: {_num(iv.estimate)} ({self.about(iv)})",
            )
        if st.rejections_per_shot is not None:
            iv = st.rejections_per_shot
            self.line(
                4,
                f"# rework rate: {_num(iv.estimate)} rejections per shot reviewed "
                f"({self.about(iv, what=' shots')})",
            )

    def episode(self, st: StageFit) -> None:
        self.line(2, f"{st.name}:", f"{_count(st.rows)} tasks")
        self.resource_line(4, st)
        if st.time is not None:
            self.distribution(4, st.time, " h")
