"""A live planning session: the plan it started from, every configuration tried, the runs.

A session holds one scenario file (the *baseline*: the plan the meeting started from) and
a list of configurations, each a list of ``--set`` changes to it. The baseline runs first
as a one-point sweep (``simulator.planning.sweep``); every other configuration runs as
``simulator.planning.compare`` of the changed scenario (A) against the baseline (B), on the
same seed and replications: common random numbers, so the paired difference A − B is the
one ``reelsim compare SCENARIO --set-a CHANGE`` prints, number for number.

**Answers arrive in steps.** A configuration runs for a small batch first (``first``
replications, 20 by default), then for ten times more, up to ``replications`` (200;
``answer_steps``). Every step is
a whole comparison of its own, on chunks of ``first`` replications kept in one folder
(``results/explore-NAME/`` beside the scenario): a step reuses the chunks of the steps
before it, and every configuration reuses the baseline's: its chunks, and its result at
that step as it is (``compare``'s ``known_b``), not checked and summarised again. One
configuration runs at a time, on one executor the session owns: with the batch kernel, one
chunk at a time on every core (``KernelThreads``), so that the first answer, a single
chunk, has them all. A configuration may be cancelled, between two chunks, and keeps the
answer of its last finished step. Once its full answer is in, its figure over the season is
drawn (``simulator.explore.season``).

**Bad input never stops the session.** A change is checked by loading the scenario with it
(the schema judges every value) before it is queued: a bad one is refused with the message
the command line gives. A configuration that loads but cannot run says why in its state.
Nothing is written outside the scenario's folder (``simulator.explore.saving``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.engines import choose_engine
from simulator.errors import ReelsimError, UsageError
from simulator.explore.knobs import SHIFT, Knob, expand_shifts, scenario_knobs
from simulator.explore.season import season_figure, season_frame
from simulator.explore.views import comparison_rows, glance, headline, summary_view
from simulator.model.compiler import compile_season
from simulator.planning import (
    Comparison,
    Executor,
    LocalExecutor,
    PointResult,
    compare,
    make_executor,
    sweep,
)
from simulator.planning.executors import default_workers
from simulator.report.words import DIFFERENCES, SeasonCalendar, setting_name
from simulator.results.work import Progress, Work
from simulator.scenario import load_scenario, load_yaml_file

__all__ = ["Configuration", "KernelThreads", "Session", "answer_steps", "refusal"]

STATES = ("queued", "running", "done", "cancelled", "failed")


class KernelThreads(LocalExecutor):
    """The batch kernel's chunks one at a time, each on ``threads`` kernel threads (None:
    every core): a session's first answer is a single chunk, and it gets every core."""

    def __init__(self, threads: int | None = None) -> None:
        super().__init__(1)
        self._threads = threads if threads is not None else default_workers()

    @property
    def threads_per_task(self) -> int | None:
        return self._threads

    @property
    def description(self) -> str:
        return f"local (one chunk at a time on {self._threads} kernel threads)"

    def __enter__(self) -> KernelThreads:
        return self


class _Cancelled(Exception):
    """Raised from a run's progress report when its configuration was cancelled."""


class _SameAsBaseline(Exception):
    """The changes leave the scenario as it was."""


def refusal(error: ReelsimError) -> str:
    """What the command line prints for ``error`` (``reelsim`` writes ``error: ...``)."""
    return f"error: {error}"


def answer_steps(first: int, replications: int) -> list[int]:
    """The replications of each answer: ``first``, then ten times more while that is
    short of ``replications``, then ``replications`` (20, 200; 20, 200, 1000). Every step
    summarises the changed side afresh and pairs it with the baseline (about a quarter of a
    second for season-hybrid at 200), so steps are few and far apart."""
    steps = [min(first, replications)]
    while steps[-1] * 10 < replications:
        steps.append(steps[-1] * 10)
    if steps[-1] < replications:
        steps.append(replications)
    return steps


@dataclass
class Configuration:
    """One configuration tried: its changes and, as they arrive, its answers."""

    id: int
    changes: tuple[str, ...]
    label: str
    state: str = "queued"
    replications: int = 0
    """Replications behind the latest answer (0: none yet)."""
    computing: int = 0
    """Replications of the answer being computed now."""
    progress: float = 0.0
    """How far the answer being computed is, from 0 to 1 (chunks on disk, both sides)."""
    error: str = ""
    note: str = ""
    view: dict[str, Any] | None = None
    """The latest answer, every figure in words (``simulator.explore.views``)."""
    result: PointResult | None = None
    comparison: Comparison | None = None
    seconds: list[float] = field(default_factory=list)
    """Seconds from submission to each answer (waiting behind other runs included)."""
    season: dict[str, Any] | None = None
    """The full answer over the season (``simulator.explore.season``): ``numbers`` (per
    resource, the daily means of busy units and queue), ``names`` and the ``svg``."""
    season_note: str = ""
    """Why there is no figure over the season, when its chunks lack the daily bins."""
    saved: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.perf_counter)
    finished: threading.Event = field(default_factory=threading.Event)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "changes": list(self.changes),
            "label": self.label,
            "state": self.state,
            "replications": self.replications,
            "computing": self.computing,
            "progress": round(self.progress, 3),
            "error": self.error,
            "note": self.note,
            "view": self.view,
            "saved": self.saved,
            "season": None
            if self.season is None
            else [self.season["names"].get(k, k) for k in self.season["numbers"]],
            "season_note": self.season_note,
            "seconds": [round(s, 3) for s in self.seconds],
        }


class Session:
    """The plan a meeting started from and every configuration it tried since."""

    def __init__(
        self,
        scenario: str | Path,
        *,
        seed: int | None = None,
        replications: int = 200,
        first: int = 20,
        threads: int | None = None,
        engine: str = "auto",
    ) -> None:
        self.scenario_path = Path(scenario).resolve()
        self.folder = self.scenario_path.parent
        """The folder the session was started for: it writes nothing outside it."""
        baseline = load_scenario(self.scenario_path)
        if replications < 1 or first < 1:
            raise UsageError("replications and the first batch must be at least 1")
        self.scenario = baseline
        self.seed = baseline.run.seed if seed is None else seed
        self.replications = replications
        self.first = first
        self.steps = answer_steps(first, replications)
        self.engine = engine
        model = compile_season(baseline)
        self.labels = model.labels()
        self.calendar = SeasonCalendar(baseline.calendar.start, baseline.calendar)
        data, _ = load_yaml_file(self.scenario_path)
        self.knobs: list[Knob] = scenario_knobs(
            baseline, data, self.labels, any(p.cloud for p in model.pools)
        )
        self.glance = glance(model, self.calendar)
        self.work_folder = self.folder / "results" / f"explore-{baseline.name}"
        self.configurations: list[Configuration] = []
        self.version = 0
        self._lock = threading.RLock()
        self._todo: queue.Queue[Configuration | None] = queue.Queue()
        # The reference engine is Python: only processes run its chunks side by side. The
        # kernel runs one chunk at a time on every thread, so that a first answer (one
        # chunk) has every core too; writing a chunk overlaps the next one's run.
        reference = choose_engine(model, engine).engine == "reference"
        self._executor: Executor = (
            make_executor(Work(threads=threads, engine=engine), processes=True)
            if reference
            else KernelThreads(threads)
        )
        self._baseline: dict[int, PointResult] = {}
        """The baseline's result at each step: every comparison's B, taken as it is."""
        self._worker = threading.Thread(target=self._work, name="explore-runs", daemon=True)
        self._worker.start()
        self._queue(())

    # --- what the page asks ---------------------------------------------------------------

    def check(self, changes: Sequence[str]) -> None:
        """Load the scenario with ``changes``: a bad one raises the command line's error."""
        load_scenario(self.scenario_path, list(changes))

    def submit(self, changes: Sequence[str]) -> Configuration:
        """Check ``changes`` (``PATH=VALUE`` each) and queue the configuration they make;
        one already tried is given back as it is, not run again. A shift (``shows.NAME.
        episodes.*.deadline=DAYS``) stands for its overrides, one per episode
        (``simulator.explore.knobs.expand_shifts``): they are the configuration's changes."""
        given = tuple(c.strip() for c in changes if c.strip())
        changes = tuple(expand_shifts(self.scenario, given))
        with self._lock:
            for known in self.configurations:
                if known.changes == changes and known.state != "failed":
                    if known.state == "cancelled":
                        known.cancel.clear()
                        known.finished.clear()
                        known.state = "queued"
                        self._todo.put(known)
                        self._changed()
                    return known
        if not changes:
            raise UsageError("no change: give at least one PATH=VALUE")
        self.check(changes)
        return self._queue(changes, self._label(given))

    def cancel(self, configuration: int) -> Configuration:
        found = self.get(configuration)
        with self._lock:
            found.cancel.set()
            if found.state == "queued":
                found.state = "cancelled"
                found.finished.set()
            self._changed()
        return found

    def get(self, configuration: int) -> Configuration:
        with self._lock:
            if not 0 <= configuration < len(self.configurations):
                raise UsageError(f"no configuration {configuration}")
            return self.configurations[configuration]

    def wait(self, configuration: int, timeout: float | None = None) -> Configuration:
        """The configuration once it is done, cancelled or failed (for scripts and tests)."""
        found = self.get(configuration)
        if not found.finished.wait(timeout):
            raise TimeoutError(f"configuration {configuration} still running after {timeout} s")
        return found

    def state(self) -> dict[str, Any]:
        """Everything the page shows, as JSON data."""
        with self._lock:
            return {
                "version": self.version,
                "scenario": self.scenario.name,
                "seed": self.seed,
                "replications": self.replications,
                "steps": self.steps,
                "configurations": [c.to_json() for c in self.configurations],
            }

    def close(self) -> None:
        """Stop after the chunk in hand; close the executor."""
        with self._lock:
            for c in self.configurations:
                c.cancel.set()
        self._todo.put(None)
        self._worker.join(timeout=30)
        self._executor.close()

    # --- running --------------------------------------------------------------------------

    def _label(self, changes: Sequence[str]) -> str:
        if not changes:
            return "baseline"
        words = []
        for change in changes:
            path, _, value = (part.strip() for part in change.partition("="))
            shift = SHIFT.match(path)
            if shift is not None:
                words.append(f"{shift[1]}: every {shift[2]} {int(value):+d} days")
            else:
                words.append(f"{setting_name(path, self.labels)} = {value}")
        return "; ".join(words)

    def _queue(self, changes: tuple[str, ...], label: str = "baseline") -> Configuration:
        with self._lock:
            configuration = Configuration(len(self.configurations), changes, label)
            self.configurations.append(configuration)
            self._todo.put(configuration)
            self._changed()
        return configuration

    def _changed(self) -> None:
        self.version += 1

    def touch(self) -> None:
        """Tell the page that something changed (a configuration was saved)."""
        with self._lock:
            self._changed()

    def _work(self) -> None:
        while (configuration := self._todo.get()) is not None:
            if configuration.cancel.is_set():
                continue
            self._run(configuration)

    def _run(self, configuration: Configuration) -> None:
        with self._lock:
            configuration.state = "running"
            self._changed()
        try:
            for n in self.steps:
                if n <= configuration.replications:
                    continue
                with self._lock:
                    configuration.computing, configuration.progress = n, 0.0
                    self._changed()
                self._answer(configuration, n)
            self._draw_season(configuration)
            final = "done"
        except _Cancelled:
            final = "cancelled"
        except _SameAsBaseline:
            configuration.note = "These changes leave the scenario as it was: the baseline."
            configuration.view = self.configurations[0].view
            configuration.replications = self.configurations[0].replications
            configuration.season = self.configurations[0].season
            final = "done"
        except ReelsimError as error:
            configuration.error = refusal(error)
            final = "failed"
        except Exception as error:  # the session goes on; the page says what happened
            configuration.error = f"error: {type(error).__name__}: {error}"
            final = "failed"
        with self._lock:
            configuration.state = final
            configuration.computing = 0
            configuration.finished.set()
            self._changed()

    def _work_for(self, configuration: Configuration, n: int) -> Work:
        def progress(done: Progress) -> None:
            if configuration.cancel.is_set():
                raise _Cancelled
            with self._lock:
                configuration.progress = done.replications_done / max(1, done.replications)
                self._changed()

        return Work(
            replications=n,
            seed=self.seed,
            chunk_size=self.first,
            engine=self.engine,
            daily=True,
            executor=self._executor,
            progress=progress,
        )

    def _answer(self, configuration: Configuration, n: int) -> None:
        """Run ``configuration`` for ``n`` replications and publish the answer."""
        work = self._work_for(configuration, n)
        if not configuration.changes:
            result = sweep(
                self.scenario_path, [], out=self.work_folder, work=work, plots=False
            ).results[0]
            self._baseline[n] = result
            view = summary_view(result.summary, self.calendar)
            comparison = None
        else:
            try:
                comparison = compare(
                    self.scenario_path,
                    out=self.work_folder,
                    work=work,
                    overrides_a=configuration.changes,
                    label_a=configuration.label,
                    label_b="baseline",
                    known_b=self._baseline.get(n),
                )
            except UsageError as error:
                if "same scenario" not in str(error):
                    raise
                raise _SameAsBaseline from None
            result = comparison.a
            view = summary_view(result.summary, self.calendar)
            view["differences"] = comparison_rows(comparison, self.calendar)
            view["sentence"] = self._sentence(configuration, comparison)
            view["baseline"] = headline(comparison.b.summary)
        with self._lock:
            configuration.result, configuration.comparison = result, comparison
            configuration.view, configuration.replications = view, n
            configuration.seconds.append(time.perf_counter() - configuration.submitted)
            self._changed()

    def _draw_season(self, configuration: Configuration) -> None:
        """Draw the full answer over the season, once it is in (about 0.7 s for
        season-hybrid's seven pools and teams: after the answer, not before it)."""
        result = configuration.result
        if result is None or configuration.season is not None:
            return
        scenario = result.point.scenario
        model = compile_season(scenario)
        try:
            frame = season_frame(model, self.work_folder, result.chunks)
        except ReelsimError:  # chunks found on disk, written without the daily bins
            configuration.season_note = (
                f"No figure over the season: the chunks found in {self.work_folder} were "
                "written without the daily bins; remove that folder to draw it."
            )
            return
        season = season_figure(configuration.label, scenario, model, frame)
        with self._lock:
            configuration.season = season
            self._changed()

    def _sentence(self, configuration: Configuration, result: Comparison) -> str:
        """ "LABEL: P(any miss) −18.0 pp (−22.0 pp – −14.0 pp), season cost +$41,000 (…)"."""
        parts = []
        for quantity, words in (("p_any_miss", "P(any miss)"), ("cost_total", "season cost")):
            row = result.row(quantity)
            say = DIFFERENCES["chance" if quantity == "p_any_miss" else "cost"]
            parts.append(
                f"{words} {say(row['difference'])} ({say(row['low'])} – {say(row['high'])})"
            )
        return f"{configuration.label}: " + ", ".join(parts) + " against the baseline"
