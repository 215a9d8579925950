"""Bad scenario files are refused with a located message, exit code 2 and no traceback.

Each file in ``bad_scenarios/`` holds one realistic mistake and says on its first line
what ``reelsim validate`` must report::

    # expect: pools.h100.gpus @ 36:11 ~ must be an integer >= 0

that is, the dotted path of the bad value (``-`` for a file that is not a scenario at all:
bad YAML, a forbidden tag, a limit crossed), where it is (line:column in the file, this
line counted) and a piece of the message. To add a case, write the file with its expect
line; nothing else needs to change.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.cli.commands import main

FOLDER = Path(__file__).parent / "bad_scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))
_EXPECT = re.compile(r"# expect: (?P<path>\S+) @ (?P<line>\d+):(?P<column>\d+) ~ (?P<text>.+)")


@dataclass(frozen=True)
class Expected:
    path: str  # "" when the problem is with the file, not a value in it
    line: int
    column: int
    text: str

    def head(self, file: Path) -> str:
        """How the problem's line of output begins: ``file:line:col path:``."""
        where = f"{file}:{self.line}:{self.column}"
        return f"{where} {self.path}:" if self.path else f"{where}:"


def expected(file: Path) -> Expected:
    # Bytes: one of the files is deliberately not UTF-8 after its first line.
    first = file.read_bytes().split(b"\n", 1)[0].decode("ascii")
    match = _EXPECT.fullmatch(first.rstrip())
    assert match, f"{file.name}: the first line must be '# expect: PATH @ LINE:COL ~ TEXT'"
    path = match["path"]
    return Expected(
        "" if path == "-" else path, int(match["line"]), int(match["column"]), match["text"]
    )


def test_there_are_enough_bad_scenarios() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("file", FILES, ids=lambda p: p.stem)
def test_a_bad_scenario_is_refused_where_the_mistake_is(
    file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    want = expected(file)
    code = main(["validate", str(file)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line.removeprefix("error: ") for line in err.splitlines()]
    # One line of output names the place, the path and the reason together.
    assert any(line.startswith(want.head(file)) and want.text in line for line in lines), (
        f"expected a line starting {want.head(file)!r} containing {want.text!r}; got:\n{err}"
    )


def test_the_real_command_exits_2_without_a_traceback() -> None:
    # One real process, to see the exit code and stderr a person gets; the rest run
    # in-process (a process start costs more than all of them together).
    file = FOLDER / "negative-gpus.yaml"
    want = expected(file)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert want.head(file) in done.stderr
    assert want.text in done.stderr
