"""The README's quick start, top to bottom, as a new user types it: in a fresh copy of the
project, with its own virtual environment made by ``make run``, each command exactly as
printed. Slow (it creates an environment and installs reelsim with its dependencies, from
pip's cache where it can): ``make test-slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def quick_start() -> list[str]:
    """The commands of the README's quick start, in order, without their comments."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the quick start has no commands"
    return [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines() if line]


def fresh_copy(target: Path) -> None:
    """The project's files as a clone has them (and what is not committed yet): no
    environment, no build, no results."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_the_quick_start_is_what_a_new_user_types() -> None:
    commands = quick_start()
    assert commands[0] == "make run"
    assert "source .venv/bin/activate" in commands
    assert any(c.startswith("reelsim init ") for c in commands)
    for step in ("init", "validate", "run", "report"):
        assert any(c.startswith(f"reelsim {step} ") for c in commands), step


@pytest.mark.slow
def test_the_readme_quick_start_runs_as_printed(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is needed, as the README says")
    project = tmp_path / "reelsim"
    fresh_copy(project)
    script = "set -e\n" + "".join(f"echo '$ {c}'\n{c}\n" for c in quick_start())
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "Traceback" not in output
    # make run says how to put reelsim on the PATH, and what to do next
    assert "source .venv/bin/activate" in done.stdout
    assert "reelsim report results/demo -o demo.html" in done.stdout
    # the install says nothing alarming: no setuptools warning box, no ignored data
    assert "*****" not in output
    assert "would be ignored" not in output
    assert "SetuptoolsDeprecationWarning" not in output
    # each step left what the next one reads
    assert (project / "my-season" / "scenario.yaml").is_file()
    assert (project / "my-season" / "prices" / "gpu-2026.yaml").is_file()
    assert "my-season: valid" in done.stdout
    assert (project / "results" / "my-season" / "summary.json").is_file()
    for page in ("demo.html", "my-season.html"):
        assert (project / page).read_text().startswith("<!DOCTYPE html>"), page
    assert "next: reelsim report results/my-season -o my-season.html" in done.stderr
