"""The results-folder format: written file by file under temporary names with the
manifest (``summary.json``, every file's SHA-256) last, and read back with each file checked.
"""

from __future__ import annotations

from simulator.folders.read import (
    ResultsFolder,
)
from simulator.folders.write import (
    write_results,
)

__all__ = [
    "ResultsFolder",
    "write_results",
]
