# ruff: noqa: E501  (the expected tables are as wide as the terminal prints them)
"""What the command line prints, word for word, on the demo: dates, percents, labels.

Golden tests: the expected text is written here. Only the wall time of a run varies from
one machine to the next; it is masked. Replications run on the reference engine (whose
numbers the kernel matches bit for bit) in this process, so the text is the same
everywhere.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from simulator.cli.commands import main
from simulator.model import setting_name
from simulator.report.page import build_page

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"
EXAMPLES = Path(__file__).parents[1] / "scenarios" / "examples"
SERIAL = ["--engine", "reference", "--threads", "1"]


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What a command printed on standard output, the wall time masked and each line's
    right-hand padding dropped."""
    assert main(list(argv)) == 0
    out = re.sub(r" in \d+\.\d s ", " in … s ", capsys.readouterr().out)
    return "\n".join(line.rstrip() for line in out.splitlines())


RUN = """\
demo: 10 replications, engine reference, seed 20270104, 2,696 events in … s (intervals at 95% confidence)
Delivery per episode
┏━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃ episode ┃ deadline              ┃ delivery P50          ┃ delivery P90          ┃ P90 vs deadline ┃  P(miss) (interval) ┃
┡━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ ep01    │ Fri 15 Jan 2027 24:00 │ Tue 05 Jan 2027 16:48 │ Tue 05 Jan 2027 17:18 │ 10.3 days early │ 0.0% (0.0% – 27.8%) │
│ ep02    │ Wed 20 Jan 2027 24:00 │ Thu 07 Jan 2027 14:18 │ Fri 08 Jan 2027 11:05 │ 12.5 days early │ 0.0% (0.0% – 27.8%) │
│ ep03    │ Fri 22 Jan 2027 24:00 │ Mon 11 Jan 2027 17:57 │ Tue 12 Jan 2027 12:01 │ 10.5 days early │ 0.0% (0.0% – 27.8%) │
└─────────┴───────────────────────┴───────────────────────┴───────────────────────┴─────────────────┴─────────────────────┘
Season cost
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃                     ┃             mean (interval) ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ total               │ $54,110 ($45,286 – $63,715) │
│ total P90           │   $75,772 ($59,657 or more) │
│   reserved gpu      │    $1,897 ($1,897 – $1,897) │
│   people            │ $25,760 ($25,760 – $25,760) │
│   overtime          │            $53 ($14 – $100) │
│   escaped defects   │ $26,400 ($17,600 – $36,000) │
│ per delivered frame │     $11.93 ($9.38 – $14.75) │
└─────────────────────┴─────────────────────────────┘
Utilisation
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ resource        ┃ busy share of available hours over the run (interval) ┃ busy share of paid hours to the season end (interval) ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ H100s, reserved │                                 13.3% (11.7% – 15.2%) │                                    5.6% (4.9% – 6.3%) │
│ VFX supervisor  │                                    6.2% (5.9% – 6.5%) │                                    2.7% (2.6% – 2.8%) │
│ Conform editor  │                                 34.7% (32.2% – 37.6%) │                                 15.0% (13.8% – 16.4%) │
└─────────────────┴───────────────────────────────────────────────────────┴───────────────────────────────────────────────────────┘
Waits, per replication (mean)
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ queue                                      ┃ tasks started ┃ wait per task (interval) ┃ still queued at the end (interval) ┃ their wait so far (interval) ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ H100s, reserved                            │            96 │    0.2 h (0.1 h – 0.2 h) │                          0 (0 – 0) │        0.0 h (0.0 h – 0.0 h) │
│ VFX supervisor                             │            90 │    6.1 h (5.0 h – 7.2 h) │                          0 (0 – 0) │        0.0 h (0.0 h – 0.0 h) │
│ Conform editor                             │           3.5 │    1.8 h (0.4 h – 3.3 h) │                          0 (0 – 0) │        0.0 h (0.0 h – 0.0 h) │
│ shots, release to through (time in system) │            48 │ 13.0 h (10.9 h – 15.1 h) │                                    │                              │
└────────────────────────────────────────────┴───────────────┴──────────────────────────┴────────────────────────────────────┴──────────────────────────────┘
Waits and time per stage, per replication (mean)
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃                   ┃               ┃                          ┃              ┃           time per visit ┃  still queued at the end ┃        their wait so far ┃
┃ stage             ┃ tasks started ┃ wait per task (interval) ┃ visits ended ┃               (interval) ┃               (interval) ┃               (interval) ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ Image to video    │            96 │    0.2 h (0.1 h – 0.2 h) │           96 │    0.7 h (0.6 h – 0.8 h) │                0 (0 – 0) │    0.0 h (0.0 h – 0.0 h) │
│ Supervisor review │            90 │    6.1 h (5.0 h – 7.2 h) │           90 │    6.2 h (5.1 h – 7.3 h) │                0 (0 – 0) │    0.0 h (0.0 h – 0.0 h) │
│ Conform           │           3.5 │    1.8 h (0.4 h – 3.3 h) │          3.0 │   8.3 h (6.0 h – 11.0 h) │                0 (0 – 0) │    0.0 h (0.0 h – 0.0 h) │
└───────────────────┴───────────────┴──────────────────────────┴──────────────┴──────────────────────────┴──────────────────────────┴──────────────────────────┘
P(any miss): 0.0% (0.0% – 27.8%)
defects per season: 6.5 caught in review, 3.3 (2.2 – 4.5) escaped to delivery; 0 failed shots; 42 rework passes
verdict: inconclusive — run at least 73 replications. 0 of 10 replications had an episode miss; the risk may still be as high as 27.8%."""


def test_run_at_ten_replications_is_inconclusive_in_dates_and_percents(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = printed(
        capsys, "run", str(DEMO), "-n", "10", *SERIAL[:2], "--no-plots", "--out", str(tmp_path)
    )
    assert out == RUN


SWEEP = """\
demo: sweep
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┓
┃ H100s, reserved: gpus ┃ replications ┃ P(any miss) (interval) ┃ season cost, mean (interval) ┃ escaped defects ┃ verdict      ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━┩
│                     1 │           10 │    0.0% (0.0% – 27.8%) │  $53,165 ($44,360 – $62,759) │             3.3 │ inconclusive │
│                     2 │           10 │    0.0% (0.0% – 27.8%) │  $54,110 ($45,286 – $63,715) │             3.3 │ inconclusive │
└───────────────────────┴──────────────┴────────────────────────┴──────────────────────────────┴─────────────────┴──────────────┘"""


def test_sweep(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["sweep", str(DEMO), "--vary", "pools.h100.gpus=1,2", "-n", "10", *SERIAL]
    assert printed(capsys, *argv, "--no-plots", "--out", str(tmp_path)) == SWEEP


COMPARE = """\
A = pools.h100.gpus=1, B = pools.h100.gpus=2: A − B on common random numbers (10 replications)
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ quantity                    ┃                     A ┃                     B ┃                  A − B (interval) ┃ replications differing ┃ variance × ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ season cost                 │               $53,165 │               $54,110 │           −$945 (−$1,016 – −$875) │               10 of 10 │  52,790.9× │
│ cost: reserved gpu          │                  $948 │                $1,897 │             −$948 (−$948 – −$948) │               10 of 10 │       1.8× │
│ cost: people                │               $25,760 │               $25,760 │                      $0 ($0 – $0) │                3 of 10 │       1.0× │
│ cost: overtime              │                   $56 │                   $53 │                 +$3 (−$67 – +$74) │                7 of 10 │       1.2× │
│ cost: escaped defects       │               $26,400 │               $26,400 │                      $0 ($0 – $0) │                0 of 10 │          – │
│ P(any miss)                 │                  0.0% │                  0.0% │          0.0 pp (0.0 pp – 0.0 pp) │                0 of 10 │          – │
│ escaped defects             │                   3.3 │                   3.3 │                         0 (0 – 0) │                0 of 10 │          – │
│ rework passes               │                    42 │                    42 │                         0 (0 – 0) │                0 of 10 │          – │
│ season end (last work done) │ Tue 12 Jan 2027 06:53 │ Tue 12 Jan 2027 00:06 │ +0.3 days (+0.1 days – +0.5 days) │               10 of 10 │       3.6× │
│ delivery of ep01            │ Tue 05 Jan 2027 18:46 │ Tue 05 Jan 2027 16:21 │ +0.1 days (−0.1 days – +0.3 days) │               10 of 10 │       1.2× │
│ P(miss) of ep01             │                  0.0% │                  0.0% │          0.0 pp (0.0 pp – 0.0 pp) │                0 of 10 │          – │
│ delivery of ep02            │ Thu 07 Jan 2027 19:31 │ Thu 07 Jan 2027 19:01 │    0.0 days (0.0 days – 0.0 days) │                8 of 10 │   1,059.4× │
│ P(miss) of ep02             │                  0.0% │                  0.0% │          0.0 pp (0.0 pp – 0.0 pp) │                0 of 10 │          – │
│ delivery of ep03            │ Tue 12 Jan 2027 06:53 │ Tue 12 Jan 2027 00:06 │ +0.3 days (+0.1 days – +0.5 days) │               10 of 10 │       3.6× │
│ P(miss) of ep03             │                  0.0% │                  0.0% │          0.0 pp (0.0 pp – 0.0 pp) │                0 of 10 │          – │
└─────────────────────────────┴───────────────────────┴───────────────────────┴───────────────────────────────────┴────────────────────────┴────────────┘"""


def test_compare_one_scenario_with_two_sets_of_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["compare", str(DEMO), "--set-a", "pools.h100.gpus=1", "--set-b", "pools.h100.gpus=2"]
    assert printed(capsys, *argv, "-n", "10", *SERIAL, "--out", str(tmp_path)) == COMPARE


SAME = """\
No replication differed: A (cheap lateness) and B (demo) gave the same cost, deliveries and defects in every replication, so the change makes no difference here."""


def test_compare_says_plainly_when_no_replication_differed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Nothing is late in the demo: a different price of lateness changes no replication.
    argv = [
        "compare",
        str(DEMO),
        "--set-a",
        "penalties.late_per_day=1",
        "--label-a",
        "cheap lateness",
    ]
    assert printed(capsys, *argv, "-n", "10", *SERIAL, "--out", str(tmp_path)) == SAME


VALIDATE = """\
demo: valid
1 show, 3 episodes, 48 shots, about 4,608 frames; the season ends Fri 22 Jan 2027 24:00
Work per stage (expected, on each stage's first option)
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ stage             ┃ kind    ┃ served by       ┃ visits/shot ┃ attempts/visit ┃ hours/attempt ┃ unit-hours ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ Image to video    │ gpu     │ H100s, reserved │        1.90 │           1.05 │         0.524 │         50 │
│ Supervisor review │ review  │ VFX supervisor  │        1.90 │           1.00 │         0.033 │          3 │
│ Conform           │ episode │ Conform editor  │           – │           1.00 │         6.000 │         18 │
└───────────────────┴─────────┴─────────────────┴─────────────┴────────────────┴───────────────┴────────────┘
Pre-flight: offered work against capacity
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┓
┃ resource        ┃ offered h ┃ capacity h ┃ season utilisation ┃ worst deadline ┃ utilisation by then ┃ verdict     ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━┩
│ H100s, reserved │        50 │        912 │                 6% │ ep03           │                  6% │ comfortable │
│ VFX supervisor  │         3 │        112 │                 3% │ ep03           │                  3% │ comfortable │
│ Conform editor  │        18 │        112 │                16% │ ep03           │                 16% │ comfortable │
└─────────────────┴───────────┴────────────┴────────────────────┴────────────────┴─────────────────────┴─────────────┘
verdict: comfortable"""


def test_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert printed(capsys, "validate", str(DEMO)) == VALIDATE


def verdict_of(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("verdict: "))


@pytest.mark.parametrize(
    ("overrides", "word"),
    [((), "inconclusive"), (("--set", "run.horizon=5d"), "late")],
    ids=["no misses in 10", "nothing delivered"],
)
def test_the_report_and_the_terminal_give_the_same_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, overrides: tuple[str, ...], word: str
) -> None:
    argv = ["run", str(DEMO), "-n", "10", *SERIAL[:2], "--no-plots", *overrides]
    line = verdict_of(printed(capsys, *argv, "--out", str(tmp_path)))
    page = build_page(tmp_path)
    assert page.verdict is not None
    assert page.verdict.word == word
    assert line == f"verdict: {word}{page.verdict.text[len(word) :]}" or line == (
        f"verdict: {word} — {page.verdict.text}"
    )
    # The page's plain words do not say the opposite of its verdict.
    if word == "inconclusive":
        assert any("cannot" in sentence and "rule it out" in sentence for sentence in page.reading)


def test_one_replication_says_its_intervals_cannot_be_computed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = printed(
        capsys, "run", str(DEMO), "-n", "1", *SERIAL[:2], "--no-plots", "--out", str(tmp_path)
    )
    assert "∞" not in out
    assert "(n/a with 1 replication)" in out
    assert "P(any miss): 0.0% (0.0% – 79.3%)" in out  # a proportion is bounded even from one
    html = (build_page(tmp_path).headlines[1]).interval
    assert html == "n/a with 1 replication"


def test_a_run_from_a_status_marks_what_was_delivered_and_warns_when_too_few(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status = ["--from", str(EXAMPLES / "status.csv"), "--now", "2027-03-02T12:00"]
    argv = ["run", str(EXAMPLES / "known.yaml"), *status, "-n", "10", "--no-plots"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    # Eight episodes were delivered before 2 March: shown as delivered, not simulated.
    assert "delivered Wed 06 Jan 2027 16:07" in rows["ep01"]
    assert "before the run" in rows["ep08"]
    assert "%" not in rows["ep08"]
    assert "before the run" not in rows["ep09"]
    assert "%" in rows["ep09"]
    assert "warning: 10 replications from a status file are too few" in err
    assert "at least 73" in err
    # The report says the same of them.
    table = next(
        t
        for s in build_page(tmp_path).sections
        for t in s.blocks
        if t.kind == "table" and t.title == "Delivery per episode"
    )
    rows = {row[0]: row for row in table.rows}
    assert rows["ep01"][3:5] == ["delivered Wed 06 Jan 2027 16:07", "before the run"]
    assert rows["ep09"][4] != "before the run"


def test_a_label_longer_than_its_bound_is_refused_where_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(DEMO), "--set", f"pools.h100.label={'x' * 81}"]) == 2
    assert "label" in capsys.readouterr().err


def test_compare_names_its_sides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["compare", str(DEMO), "--set-a", "pools.h100.gpus=1", "--set-b", "pools.h100.gpus=2"]
    labels = ["--label-a", "one GPU", "--label-b", "two GPUs"]
    out = printed(capsys, *argv, *labels, "-n", "4", *SERIAL, "--out", str(tmp_path))
    assert out.startswith("A = one GPU, B = two GPUs: A − B on common random numbers")
    assert build_page(tmp_path).title.startswith("one GPU against two GPUs")


def test_the_words_of_a_number() -> None:
    from simulator.report.words import count, days_against, money, number, percent

    assert money(-0.3) == "$0"  # never -$0
    assert money(-1234.6) == "-$1,235"
    assert number(-0.04) == "0.0"  # never -0.0
    assert percent(-0.0001) == "0.0%"
    assert [count(x) for x in (0, 0.04321, 3.27, 42.5, 99.7, 1234.5)] == [
        "0",
        "0.043",
        "3.3",
        "42",
        "100",
        "1,234",
    ]
    assert days_against(48.0, 24.0) == "1.0 day early"
    assert days_against(48.0, 108.0) == "2.5 days late"
    assert days_against(48.0, 48.5) == "on the deadline"
    assert days_against(48.0, math.inf) == "not delivered"


def test_settings_are_named_by_labels_and_season_settings_by_words() -> None:
    labels = {"team:supervisors": "VFX supervisors", "pool:h100": "H100s, reserved"}
    assert setting_name("teams.supervisors.shifts.0.people", labels) == (
        "VFX supervisors: shift 1, people"
    )
    assert setting_name("pools.h100.gpus", labels) == "H100s, reserved: gpus"
    assert setting_name("pools.l40s.gpus", labels) == "l40s: gpus"  # no label: its name
    assert setting_name("policy.queue", labels) == "queue order"
    assert setting_name("policy.burst.budget_usd", labels) == "cloud burst budget (USD)"
    assert setting_name("calendar.start", labels) == "calendar.start"  # no words: the path
