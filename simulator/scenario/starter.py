"""The starter scenario ``reelsim init`` writes: the demo season with its prices file.

Both files ship inside the package (``starter_files/``), so an installed reelsim can start
a user off without the project's ``scenarios/`` folder. A scenario reads files only inside
its own folder (docs/security.md), so the prices file goes beside it, in ``prices/``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from simulator.errors import UsageError

__all__ = ["STARTER_FILES", "write_starter"]

# (name in the package's starter_files/, where it goes in the user's folder)
STARTER_FILES = (
    ("scenario.yaml", "scenario.yaml"),
    ("prices/gpu-2026.yaml", "prices/gpu-2026.yaml"),
)


def write_starter(folder: str | os.PathLike[str]) -> Path:
    """Write the starter scenario and its prices file into ``folder`` (made if missing);
    return the scenario's path. A file already there is never overwritten: ``UsageError``."""
    folder = Path(folder)
    targets = [(source, folder / target) for source, target in STARTER_FILES]
    existing = [str(path) for _, path in targets if path.exists()]
    if existing:
        raise UsageError(
            f"{', '.join(existing)} already exists: reelsim init writes only new files; "
            "name another folder (reelsim init FOLDER)"
        )
    package = resources.files("simulator.scenario") / "starter_files"
    for source, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(package.joinpath(*source.split("/")).read_bytes())
    return targets[0][1]
