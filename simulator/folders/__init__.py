"""The results-folder format: written file by file under temporary names with the
manifest (``summary.json``, every file's SHA-256) last; holding only what the manifest
lists; claimed by one writer and one owner at a time; read back with the manifest and each
file checked; and exported to a workbook or CSV files for a spreadsheet.
"""

from __future__ import annotations

from simulator.folders.claim import (
    LOCK_NAME,
    FolderOwner,
    claim_folder,
    write_failure,
)
from simulator.folders.export import (
    EXPORT_FORMATS,
    export_results,
)
from simulator.folders.manifest import (
    check_manifest,
    manifest_kind,
)
from simulator.folders.read import (
    ResultsFolder,
)
from simulator.folders.write import (
    write_manifest,
    write_results,
)

__all__ = [
    "EXPORT_FORMATS",
    "LOCK_NAME",
    "FolderOwner",
    "ResultsFolder",
    "check_manifest",
    "claim_folder",
    "export_results",
    "manifest_kind",
    "write_failure",
    "write_manifest",
    "write_results",
]
