"""How far long work is, told the same way by ``run``, ``sweep``, ``staff``, ``compare``
and ``sensitivity``.

A ``ProgressReport`` is the ``Work.progress`` of a command (``simulator.results.work``): it
hears each ``Progress`` and tells the user. On a terminal it draws a bar (once the work has
taken a second, so quick commands stay quiet); when output is not a terminal (a CI log,
``| tee``) it writes a line every ``every_seconds`` instead, and a last line when done.
Both read the same words::

    sweep: 400/1,000 replications (40%), points 1/3 · elapsed 0:00:12 · remaining about 0:00:18

Remaining time is the replications left at the rate of those computed so far (chunks found
on disk from before are done but do not count toward the rate). Writing the results folder
and its plots is work too: ``step("writing the results folder and plots")`` says so, and
once every replication is done the report says the results are being written rather than
falling silent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.progress import Progress as Bar
from rich.progress import ProgressColumn, Task
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from simulator.results.work import Progress

__all__ = ["ProgressReport"]


def _clock_text(seconds: float) -> str:
    """``0:01:05``: hours, minutes, seconds (never a bare number that could be read as
    either)."""
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class ProgressReport:
    """The progress of one command's work: a bar on a terminal, lines elsewhere."""

    every_seconds = 5.0
    """Seconds between lines when output is not a terminal."""
    bar_after_seconds = 1.0
    """Work shorter than this shows no bar."""

    def __init__(
        self,
        console: Console,
        what: str,
        *,
        each: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.what = what
        """What the work is: ``run``, ``sweep``…"""
        self.each = each
        """What each of successive evaluations is, when the work is a series of them
        whose number is not known ahead (``staff``: ``configuration``)."""
        self.evaluations = 1
        self.clock = clock
        self.started = clock()
        self.rate_since = self.started
        self.latest: Progress | None = None
        self.doing: str | None = None
        self.bar: Bar | None = None
        self.last_line: float | None = None
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.ticker: threading.Thread | None = None

    def __enter__(self) -> ProgressReport:
        # The bar appears, and lines keep coming, while a long chunk or the plots are under
        # way, not only when the work reports.
        self.ticker = threading.Thread(target=self._tick, daemon=True)
        self.ticker.start()
        return self

    def _tick(self) -> None:
        wait = self.bar_after_seconds if self.console.is_terminal else self.every_seconds
        while not self.stopped.wait(max(wait, 0.05)):
            self._tell()

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        if self.ticker is not None:
            self.ticker.join()
        if self.bar is not None:
            self.bar.stop()
        elif self.last_line is not None and exc[0] is None:
            self.doing = "done"
            self._line()  # the log's last word on the work: done, and how long it took

    def __call__(self, progress: Progress) -> None:
        """``Work.progress``: told after each chunk or batch of replications."""
        previous = self.latest
        if previous is not None and (
            progress.replications_computed < previous.replications_computed
            or progress.replications_done < previous.replications_done
        ):
            # A new evaluation (staff's next configuration): its own count and rate.
            self.evaluations += 1
            self.rate_since = self.clock()
        self.latest = progress
        self.doing = None
        self._tell()

    def step(self, doing: str) -> None:
        """Work that is not replications, such as writing the results folder and plots."""
        self.doing = doing
        self._tell()

    def status(self) -> str:
        """What the bar and the lines say, as of now."""
        elapsed = f"elapsed {_clock_text(self.clock() - self.started)}"
        p, doing = self.latest, self.doing
        head = self.what if self.each is None else f"{self.what}, {self.each} {self.evaluations}"
        if p is not None:
            share = p.replications_done / p.replications if p.replications else 1.0
            head += f": {p.replications_done:,}/{p.replications:,} replications ({share:.0%})"
            if p.points > 1:
                head += f", points {p.points_done}/{p.points}"
            if doing is None and p.replications_done >= p.replications > 0:
                doing = "summarising and writing the results"
        if doing is not None:
            return f"{head} · {doing} · {elapsed}"
        return f"{head} · {elapsed} · remaining {self._remaining()}"

    def _remaining(self) -> str:
        p = self.latest
        spent = self.clock() - self.rate_since
        if p is None or p.replications_computed == 0 or spent <= 0:
            return "not known yet"
        left = p.replications - p.replications_done
        return f"about {_clock_text(left * spent / p.replications_computed)}"

    def _tell(self) -> None:
        with self.lock:
            self._tell_now()

    def _tell_now(self) -> None:
        now = self.clock()
        if self.console.is_terminal:
            if self.bar is None and now - self.started >= self.bar_after_seconds:
                self.bar = Bar(_StatusColumn(self), console=self.console, transient=True)
                self.bar.start()
                self.bar.add_task(self.what, total=1)
            if self.bar is not None:
                self._update_bar()
        elif now - (self.started if self.last_line is None else self.last_line) >= (
            self.every_seconds
        ):
            self._line()

    def _update_bar(self) -> None:
        assert self.bar is not None
        p = self.latest
        total = max(1, p.replications) if p is not None else 1
        done = p.replications_done if p is not None else 0
        self.bar.update(self.bar.task_ids[0], total=total, completed=done)

    def _line(self) -> None:
        self.last_line = self.clock()
        self.console.print(self.status(), highlight=False, soft_wrap=True)


class _StatusColumn(ProgressColumn):
    """The report's words and, where the terminal has room beside them, a bar; rendered
    afresh at each refresh (so elapsed time moves between chunks)."""

    def __init__(self, report: ProgressReport) -> None:
        super().__init__()
        self.report = report

    def render(self, task: Task) -> RenderableType:
        words = Text(self.report.status(), no_wrap=True, overflow="ellipsis")
        room = min(40, self.report.console.width - len(words.plain) - 2)
        if room < 10:
            return words
        bar = ProgressBar(total=task.total, completed=task.completed, width=room)
        grid = Table.grid(padding=(0, 1))
        grid.add_row(bar, words)
        return grid
