"""The progress report of long commands: a bar on a terminal, a line every few seconds in
a log, both saying elapsed and remaining time in the same words."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from simulator.cli import ProgressReport
from simulator.cli.commands import main
from simulator.results.work import Progress

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "demo.yaml"
LINE = re.compile(
    r"^(?P<what>[a-z, 0-9]+): (?P<done>[\d,]+)/(?P<total>[\d,]+) replications \(\d+%\)"
    r".* · elapsed \d+:\d\d:\d\d · remaining (about \d+:\d\d:\d\d|not known yet)$"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(done: int, total: int, computed: int | None = None, points: int = 1) -> Progress:
    return Progress(
        points_done=0,
        points=points,
        replications_done=done,
        replications=total,
        replications_computed=done if computed is None else computed,
        chunks_reused=0,
        round=0,
    )


def _log() -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, force_terminal=False, width=200), text


def test_a_log_gets_a_line_every_few_seconds_with_elapsed_and_remaining() -> None:
    console, text = _log()
    clock = FakeClock()
    with ProgressReport(console, "sweep", clock=clock) as report:
        clock.now += 1
        report(_progress(100, 1000, points=4))
        assert text.getvalue() == ""  # nothing before every_seconds have passed
        clock.now += 4
        report(_progress(200, 1000, points=4))
        clock.now += 1
        report(_progress(250, 1000, points=4))  # one second after the last line: quiet
        clock.now += 4.5
        report(_progress(400, 1000, computed=300, points=4))  # 100 found on disk
    lines = text.getvalue().splitlines()
    assert lines == [
        # 200 computed in 5 s: 40 a second; 800 left take 20 s
        "sweep: 200/1,000 replications (20%), points 0/4 · elapsed 0:00:05 · "
        "remaining about 0:00:20",
        # 300 computed in 10.5 s; 600 left take 21 s (those found on disk are no rate)
        "sweep: 400/1,000 replications (40%), points 0/4 · elapsed 0:00:10 · "
        "remaining about 0:00:21",
        "sweep: 400/1,000 replications (40%), points 0/4 · done · elapsed 0:00:10",
    ]


def test_writing_the_results_is_work_the_report_tells() -> None:
    console, text = _log()
    clock = FakeClock()
    with ProgressReport(console, "run", clock=clock) as report:
        report(_progress(500, 500))
        clock.now += 7
        report.step("writing the results folder and plots")
    first = text.getvalue().splitlines()[0]
    assert first == (
        "run: 500/500 replications (100%) · writing the results folder and plots · elapsed 0:00:07"
    )


def test_each_configuration_of_a_search_is_counted_with_its_own_rate() -> None:
    console, _ = _log()
    clock = FakeClock()
    report = ProgressReport(console, "staff", each="configuration", clock=clock)
    clock.now += 10
    report(_progress(100, 100))
    clock.now += 1
    report(_progress(0, 100))  # the next configuration starts
    clock.now += 2
    report(_progress(50, 100))
    assert report.status() == (
        "staff, configuration 2: 50/100 replications (50%) · elapsed 0:00:13 · "
        "remaining about 0:00:02"
    )


def test_a_terminal_gets_a_bar_in_the_same_words() -> None:
    text = io.StringIO()
    console = Console(file=text, force_terminal=True, width=200)
    clock = FakeClock()
    with ProgressReport(console, "compare", clock=clock) as report:
        clock.now += 2
        report(_progress(10, 40, points=2))
        assert report.bar is not None
        report.bar.refresh()
    assert "compare: 10/40 replications (25%), points 0/2" in text.getvalue()
    assert "elapsed 0:00:02 · remaining about 0:00:06" in text.getvalue()


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["run", str(DEMO), "-n", "6", "--engine", "reference", "--no-plots"], "run"),
        (
            ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "-n", "4", "--chunk", "2"],
            "sweep",
        ),
    ],
)
def test_commands_print_progress_lines_when_output_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    what: str,
) -> None:
    monkeypatch.setattr(ProgressReport, "every_seconds", 0.0)  # a line at every report
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if LINE.match(line)]
    assert lines, err
    assert {LINE.match(line)["what"] for line in lines} == {what}  # type: ignore[index]
    assert any("remaining about" in line for line in lines)
    assert re.search(rf"^{what}: .* · done · elapsed \d+:\d\d:\d\d$", err, re.M)
