"""The results-folder format: written file by file under temporary names with the
manifest (``summary.json``, every file's SHA-256) last, read back with each file checked,
and exported to a workbook or CSV files for a spreadsheet.
"""

from __future__ import annotations

from simulator.folders.export import (
    EXPORT_FORMATS,
    export_results,
)
from simulator.folders.read import (
    ResultsFolder,
)
from simulator.folders.write import (
    write_results,
)

__all__ = [
    "EXPORT_FORMATS",
    "ResultsFolder",
    "export_results",
    "write_results",
]
