"""The starter scenario ``reelsim init`` writes: the demo season with its prices file.

Both files ship inside the package (``starter_files/``), so an installed reelsim can start
a user off without the project's ``scenarios/`` folder. A scenario reads files only inside
its own folder (docs/security.md), so the prices file goes beside it, in ``prices/``.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from simulator.errors import UsageError
from simulator.files import StrPath

__all__ = ["STARTER_FILES", "write_starter"]

# (name in the package's starter_files/, where it goes in the user's folder)
STARTER_FILES = (
    ("scenario.yaml", "scenario.yaml"),
    ("prices/gpu-2026.yaml", "prices/gpu-2026.yaml"),
)


def write_starter(folder: StrPath) -> Path:
    """Write the starter scenario and its prices file into ``folder`` (made if missing),
    the scenario named after the folder; return the scenario's path. A file already there
    is never overwritten: ``UsageError``."""
    folder = Path(folder)
    targets = [(source, folder / target) for source, target in STARTER_FILES]
    existing = [str(path) for _, path in targets if path.exists()]
    if existing:
        raise UsageError(
            f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: "
            "reelsim init writes only new files; "
            "name another folder (reelsim init FOLDER)"
        )
    package = resources.files("simulator.scenario") / "starter_files"
    for source, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = package.joinpath(*source.split("/")).read_text(encoding="utf-8")
        if source == "scenario.yaml":
            text = _named(text, folder.resolve().name)
        path.write_text(text, encoding="utf-8")
    return targets[0][1]


def _named(text: str, name: str) -> str:
    """The starter named after its folder (its results go to ``results/<name>/``), when
    the folder's name is one a scenario can have; else the demo's own name."""
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,100}", name):
        return text
    return text.replace("\nname: demo\n", f"\nname: {name}\n", 1)
