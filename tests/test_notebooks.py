"""Every notebook in notebooks/ runs top to bottom, on small settings, in under a minute.

A notebook's first code cell tagged ``parameters`` holds its settings (replications,
examples); the test replaces that cell with the small settings below, runs the notebook in
a fresh kernel from the notebooks folder, and fails on any error in any cell.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
SMALL = {
    "01-planning-session.ipynb": "REPLICATIONS = 20\nSEED = 2027",
    "02-staffing-search.ipynb": "REPLICATIONS = 20\nSEED = 2027",
    "03-your-own-policy.ipynb": "MAX_EXAMPLES = 15\nREPLICATIONS = 10\nSHRINK = False",
    "04-mid-season.ipynb": "REPLICATIONS = 20\nSEED = 2027",
}
LIMIT_SECONDS = 60.0


def test_every_notebook_has_small_settings_here() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(SMALL)


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_notebook_runs_top_to_bottom(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged 'parameters' holds the notebook's settings"
    parameters[0].source = SMALL[name]
    started = time.perf_counter()
    nbclient.NotebookClient(
        notebook,
        timeout=int(LIMIT_SECONDS),
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_SECONDS, f"{name} took {elapsed:.0f} s"
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
