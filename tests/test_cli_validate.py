"""``reelsim validate`` and ``reelsim schema``, in-process: exit codes and what is printed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import pytest

from simulator.cli.commands import cli, main
from simulator.scenario.load import load_scenario

EXAMPLES = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
DEMO = Path(__file__).parent.parent / "scenarios" / "demo.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_and_prints_its_verdict(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert "Pre-flight" in out
    assert "verdict:" in out


def preflight_capacity(out: str, resource: str) -> float:
    """The "capacity h" of a resource in the pre-flight table that validate prints."""
    table = out[out.index("Pre-flight") :]
    header = next(line for line in table.splitlines() if "capacity h" in line)
    columns = [c.strip() for c in header.strip("┃ ").split("┃")]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if cells[0] == resource:
            return float(cells[columns.index("capacity h")].replace(",", ""))
    raise AssertionError(f"no row {resource!r} in the pre-flight:\n{table}")


def test_set_changes_the_preflight(capsys: pytest.CaptureFixture[str]) -> None:
    code, before, err = run(capsys, "validate", str(DEMO))
    assert code == 0, err
    tenfold = 10 * load_scenario(DEMO).pools["h100"].gpus
    code, after, err = run(capsys, "validate", str(DEMO), "--set", f"pools.h100.gpus={tenfold}")
    assert code == 0, err
    # Ten times the GPUs: ten times the pool's capacity.
    capacity = preflight_capacity(before, "H100s, reserved")  # the pool's label
    assert capacity > 0
    assert preflight_capacity(after, "H100s, reserved") == pytest.approx(10 * capacity, rel=1e-3)


def test_set_with_a_bad_path_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(DEMO), "--set", "pools.h200.gpus=4")
    assert code == 2
    assert "pools.h200.gpus" in err
    assert "h100" in err  # the key that exists there
    assert "Traceback" not in err


def test_set_with_a_bad_value_is_located_at_the_override(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "validate", str(DEMO), "--set", "pools.h100.gpus=-1")
    assert code == 2
    assert "--set pools.h100.gpus=-1" in err
    assert "must be an integer >= 0" in err


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema")
    assert code == 0, err
    schema = json.loads(out)
    assert "shot_stages" in schema["properties"]
    assert "shot_stages" in out


def test_an_alias_bomb_is_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nine levels of nine aliases would expand to 9**9 values; a megabyte more of aliases
    # after them would take far longer still. Refused in well under a second, the file is
    # never expanded at all (exponential work would show as minutes or a memory error).
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(levels) + "\nj: [" + ", ".join(["*i"] * 260_000) + "]\n"
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(text)
    assert bomb.stat().st_size > 1_000_000
    started = time.perf_counter()
    code, _, err = run(capsys, "validate", str(bomb))
    elapsed = time.perf_counter() - started
    assert code == 2
    assert f"{bomb}:" in err
    assert "aliases" in err
    assert "Traceback" not in err
    assert elapsed < 1.0


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "validate" in out
    assert isinstance(cli, click.Group)
    for name in cli.commands:
        code, out, err = run(capsys, name, "--help")
        assert code == 0, (name, err)
        assert "Usage:" in out, name
